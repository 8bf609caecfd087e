import { ValueError } from '../errors.ts';
import { describeValue } from '../validate.ts';
import { ERRORS, type GradientMode } from '../core/objective.ts';
import type { DenseMatrix, Matrix64 } from '../types.ts';
import { at, checkMatrix, requireFit, requireSameShape, zeros } from '../dense.ts';
import { checkRowWeights } from '../core/weights.ts';

/**
 * Gradient of the mean loss w.r.t. W and b for Z = X·W + b, given Ŷ = link(Z):
 * dW = XᵀG/m (d×k) and db = column means of G (1×k).
 * 'residual' (G = Ŷ − Y) serves all three canonical pairs, where ∂ℓ/∂Z = Ŷ − Y
 * (bce↔sigmoid, ce↔softmax with rows of Y summing to 1, mse↔identity).
 * 'sigmoid-mse' (G = (Ŷ − Y)·Ŷ·(1 − Ŷ)) is ½-MSE on sigmoid probabilities.
 * With `weights` (one per row) row i's G is multiplied by weights[i], still divided by m: the
 * twin of the step kernels' weighted residual (core/weights.ts).
 */
export function gradient(
  X: DenseMatrix,
  Yhat: DenseMatrix,
  Y: DenseMatrix,
  mode: GradientMode = 'residual',
  weights?: ArrayLike<number>,
): { dW: Matrix64; db: Matrix64 } {
  if (typeof mode !== 'string' || !Object.hasOwn(ERRORS, mode)) {
    throw new ValueError(`gradient: mode must be one of ${Object.keys(ERRORS).map((m) => `'${m}'`).join(', ')}, got ${describeValue(mode)}`);
  }
  checkMatrix('gradient', 'X', X);
  checkMatrix('gradient', 'Yhat', Yhat);
  checkMatrix('gradient', 'Y', Y);
  requireFit('gradient', 'X', X, 'Yhat', Yhat, X.rows === Yhat.rows, 'X.rows must equal Yhat.rows');
  requireSameShape('gradient', 'Yhat', Yhat, 'Y', Y);
  checkRowWeights('gradient', weights, X.rows);
  const m = X.rows;
  const d = X.cols;
  const k = Y.cols;
  const dW = zeros(d, k);
  const db = zeros(1, k);
  for (let i = 0; i < m; i++) {
    const w = weights === undefined ? 1 : (weights[i] as number);
    for (let j = 0; j < k; j++) {
      const g = w * ERRORS[mode].element(at(Yhat, i, j), at(Y, i, j));
      db.data[j] = (db.data[j] as number) + g;
      for (let t = 0; t < d; t++) dW.data[t * k + j] = (dW.data[t * k + j] as number) + at(X, i, t) * g;
    }
  }
  for (let i = 0; i < dW.data.length; i++) dW.data[i] = (dW.data[i] as number) / m;
  for (let j = 0; j < k; j++) db.data[j] = (db.data[j] as number) / m;
  return { dW, db };
}
