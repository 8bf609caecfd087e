import { checkMatrix, zeros } from '../dense.ts';
import { ACTIVATIONS, NO_ROW_STATS, sigmoid64 } from '../core/objective.ts';
import type { DenseMatrix, Matrix64 } from '../types.ts';

/** σ(z) for one value (the objective table's float64 sigmoid). */
export const sigmoidScalar = sigmoid64;

/** Elementwise logistic function. */
export function sigmoid(Z: DenseMatrix): Matrix64 {
  checkMatrix('sigmoid', 'Z', Z);
  const out = zeros(Z.rows, Z.cols);
  for (let i = 0; i < out.data.length; i++) out.data[i] = ACTIVATIONS.sigmoid.value(Z.data[i] as number, NO_ROW_STATS);
  return out;
}
