import { updateRule } from '../core/optimizer.ts';
import { ValueError } from '../errors.ts';
import type { DenseMatrix, Matrix64 } from '../types.ts';
import { checkFiniteNumber } from '../validate.ts';
import { checkMatrix, requireSameShape, zeros } from '../dense.ts';

/**
 * One plain SGD step with L2 (weight-decay) regularization: returns a new θ − η(∇θ + λθ) and
 * leaves W untouched, so callers can compare before/after.
 * The bias is updated by calling this with l2 = 0, since only weights are regularized.
 */
export function sgdStep(W: DenseMatrix, dW: DenseMatrix, learningRate: number, l2 = 0): Matrix64 {
  checkMatrix('sgdStep', 'W', W);
  checkMatrix('sgdStep', 'dW', dW);
  requireSameShape('sgdStep', 'W', W, 'dW', dW);
  checkFiniteNumber('sgdStep: learningRate', learningRate);
  checkFiniteNumber('sgdStep: l2', l2);
  if (l2 < 0) throw new ValueError(`sgdStep: l2 must be ≥ 0, got ${l2}`);
  const out = zeros(W.rows, W.cols);
  for (let i = 0; i < out.data.length; i++) {
    out.data[i] = updateRule(W.data[i] as number, dW.data[i] as number, learningRate, l2);
  }
  return out;
}
