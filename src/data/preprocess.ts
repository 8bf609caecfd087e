// Feature scaling: gradient descent with one learning rate for every weight converges slowly (or
// diverges) when features differ in scale by orders of magnitude, so standardize first.
import type { HostMatrix, MatrixInput } from '../types.ts';
import { ShapeError } from '../errors.ts';
import { toHostMatrix } from '../validate.ts';

/** Per-column standardization learned by fitStandardizer(). */
export interface Standardizer {
  mean: Float64Array;
  /** Per-column standard deviation; 1 for constant columns, so they map to 0 instead of NaN. */
  scale: Float64Array;
  /** (X − mean) / scale, column by column; X must have the fitted number of columns. */
  transform(X: MatrixInput): HostMatrix;
}

/** Learns per-column mean and standard deviation from X (the training set). */
export function fitStandardizer(X: MatrixInput): Standardizer {
  const m = toHostMatrix('X', X);
  const mean = new Float64Array(m.cols);
  const scale = new Float64Array(m.cols);
  // Sums are taken relative to each column's first value: a constant column then has mean exactly
  // that value and spread exactly 0 (a plain mean of 37 threes is not exactly 3 in floating point).
  const first = m.data.slice(0, m.cols);
  for (let i = 0; i < m.rows; i++) {
    for (let j = 0; j < m.cols; j++) mean[j] += ((m.data[i * m.cols + j] as number) - (first[j] as number)) / m.rows;
  }
  for (let j = 0; j < m.cols; j++) mean[j] += first[j] as number;
  for (let i = 0; i < m.rows; i++) {
    for (let j = 0; j < m.cols; j++) scale[j] += ((m.data[i * m.cols + j] as number) - (mean[j] as number)) ** 2 / m.rows;
  }
  for (let j = 0; j < m.cols; j++) scale[j] = Math.sqrt(scale[j] as number) || 1;
  return {
    mean,
    scale,
    transform(input: MatrixInput): HostMatrix {
      const t = toHostMatrix('X', input);
      if (t.cols !== m.cols) throw new ShapeError(`X has ${t.cols} columns but the standardizer was fitted on ${m.cols}`);
      const data = new Float32Array(t.data.length);
      for (let i = 0; i < t.rows; i++) {
        for (let j = 0; j < t.cols; j++) {
          data[i * t.cols + j] = ((t.data[i * t.cols + j] as number) - (mean[j] as number)) / (scale[j] as number);
        }
      }
      return { data, rows: t.rows, cols: t.cols };
    },
  };
}

/** Fits on X and returns X standardized (zero mean, unit variance per column). */
export function standardize(X: MatrixInput): HostMatrix {
  return fitStandardizer(X).transform(X);
}
