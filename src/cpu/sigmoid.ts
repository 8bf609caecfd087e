import type { DenseMatrix, Matrix64 } from '../types.ts';
import { checkMatrix, zeros } from '../dense.ts';

/**
 * 1 / (1 + e^-z), evaluated so that exp() only ever sees a non-positive argument: it can
 * underflow to 0 (giving an exact 0 or 1) but never overflow to Infinity and produce NaN.
 */
export function sigmoidScalar(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

/** Elementwise logistic function. */
export function sigmoid(Z: DenseMatrix): Matrix64 {
  checkMatrix('sigmoid', 'Z', Z);
  const out = zeros(Z.rows, Z.cols);
  for (let i = 0; i < out.data.length; i++) out.data[i] = sigmoidScalar(Z.data[i] as number);
  return out;
}
