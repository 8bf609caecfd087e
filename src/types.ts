/** A dense row-major matrix in host memory: element (i, j) is data[i * cols + j]. */
export interface HostMatrix {
  data: Float32Array;
  rows: number;
  cols: number;
}

/** A dense row-major matrix of any numeric array type (the CPU reference reads these). */
export interface DenseMatrix {
  data: ArrayLike<number>;
  rows: number;
  cols: number;
}

/** A float64 row-major matrix, as the CPU reference returns them. */
export interface Matrix64 {
  data: Float64Array;
  rows: number;
  cols: number;
}

/** Matrices may be given as a HostMatrix or as an array of equal-length rows. */
export type MatrixInput = HostMatrix | DenseMatrix | readonly (readonly number[])[];

/** Which loss: binary cross-entropy on logits, categorical cross-entropy on logits, or ½ squared error. */
export type LossKind = 'bce' | 'ce' | 'mse';
