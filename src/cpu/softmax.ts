import type { DenseMatrix, Matrix64 } from '../types.ts';
import { at, checkMatrix, zeros } from '../dense.ts';

/** Row-wise softmax. */
export function softmax(Z: DenseMatrix): Matrix64 {
  checkMatrix('softmax', 'Z', Z);
  const { rows, cols } = Z;
  const P = zeros(rows, cols);
  for (let i = 0; i < rows; i++) {
    // Subtracting the row max keeps every exponent ≤ 0, so exp() cannot overflow and the
    // largest term is exactly 1, which keeps the denominator ≥ 1.
    let max = -Infinity;
    for (let j = 0; j < cols; j++) max = Math.max(max, at(Z, i, j));
    let sum = 0;
    for (let j = 0; j < cols; j++) {
      const e = Math.exp(at(Z, i, j) - max);
      P.data[i * cols + j] = e;
      sum += e;
    }
    for (let j = 0; j < cols; j++) P.data[i * cols + j] = (P.data[i * cols + j] as number) / sum;
  }
  return P;
}
