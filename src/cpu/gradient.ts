import type { DenseMatrix, Matrix64 } from '../types.ts';
import { at, checkMatrix, requireFit, requireSameShape, zeros } from './matrix.ts';

/**
 * Gradient of the mean loss w.r.t. W and b for Z = X·W + b, given Ŷ = link(Z):
 * dW = Xᵀ(Ŷ − Y)/m (d×k) and db = column means of (Ŷ − Y) (1×k).
 * This single formula serves all three losses because each pairs with its canonical link
 * (bce↔sigmoid, ce↔softmax with rows of Y summing to 1, mse↔identity), where ∂ℓ/∂Z = Ŷ − Y.
 */
export function gradient(X: DenseMatrix, Yhat: DenseMatrix, Y: DenseMatrix): { dW: Matrix64; db: Matrix64 } {
  checkMatrix('gradient', 'X', X);
  checkMatrix('gradient', 'Yhat', Yhat);
  checkMatrix('gradient', 'Y', Y);
  requireFit('gradient', 'X', X, 'Yhat', Yhat, X.rows === Yhat.rows, 'X.rows must equal Yhat.rows');
  requireSameShape('gradient', 'Yhat', Yhat, 'Y', Y);
  const m = X.rows;
  const d = X.cols;
  const k = Y.cols;
  const dW = zeros(d, k);
  const db = zeros(1, k);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < k; j++) {
      const r = at(Yhat, i, j) - at(Y, i, j);
      db.data[j] = (db.data[j] as number) + r;
      for (let t = 0; t < d; t++) dW.data[t * k + j] = (dW.data[t * k + j] as number) + at(X, i, t) * r;
    }
  }
  for (let i = 0; i < dW.data.length; i++) dW.data[i] = (dW.data[i] as number) / m;
  for (let j = 0; j < k; j++) db.data[j] = (db.data[j] as number) / m;
  return { dW, db };
}
