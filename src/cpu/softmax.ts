import { checkMatrix, zeros } from '../dense.ts';
import { ACTIVATIONS, rowStats } from '../core/objective.ts';
import type { DenseMatrix, Matrix64 } from '../types.ts';

/** Row-wise softmax, from each row's max (so exp() cannot overflow) and sum. */
export function softmax(Z: DenseMatrix): Matrix64 {
  checkMatrix('softmax', 'Z', Z);
  const { rows, cols } = Z;
  const P = zeros(rows, cols);
  for (let i = 0; i < rows; i++) {
    const s = rowStats(Z.data, i * cols, cols);
    for (let j = 0; j < cols; j++) P.data[i * cols + j] = ACTIVATIONS.softmax.value(Z.data[i * cols + j] as number, s);
  }
  return P;
}
