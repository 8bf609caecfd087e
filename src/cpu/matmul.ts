import type { DenseMatrix, Matrix64 } from '../types.ts';
import { at, checkMatrix, requireFit, zeros } from '../dense.ts';

/** Z = X·W + b: X is m×d, W is d×k, optional b is 1×k added to every row. */
export function matmul(X: DenseMatrix, W: DenseMatrix, b?: DenseMatrix): Matrix64 {
  checkMatrix('matmul', 'X', X);
  checkMatrix('matmul', 'W', W);
  requireFit('matmul', 'X', X, 'W', W, X.cols === W.rows, 'X.cols must equal W.rows');
  if (b !== undefined) {
    checkMatrix('matmul', 'b', b);
    requireFit('matmul', 'W', W, 'b', b, b.rows === 1 && b.cols === W.cols, 'b must be 1×W.cols');
  }
  const m = X.rows;
  const d = X.cols;
  const k = W.cols;
  const Z = zeros(m, k);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < k; j++) {
      // Plain float64 summation in index order: this is the ground truth, so simplicity beats speed.
      let sum = b === undefined ? 0 : at(b, 0, j);
      for (let t = 0; t < d; t++) sum += at(X, i, t) * at(W, t, j);
      Z.data[i * k + j] = sum;
    }
  }
  return Z;
}
