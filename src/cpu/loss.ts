import { ValueError } from '../errors.ts';
import type { DenseMatrix, LossKind } from '../types.ts';
import { at, checkMatrix, requireSameShape } from '../dense.ts';

/** Binary cross-entropy of sigmoid(z) against y, in a form that never takes log(0) or exp(+large). */
function bceElement(z: number, y: number): number {
  return Math.max(z, 0) - z * y + Math.log1p(Math.exp(-Math.abs(z)));
}

/** logsumexp(z)·Σy − Σ y·z for one row; the max shift keeps exp() from overflowing. */
function ceRow(Z: DenseMatrix, Y: DenseMatrix, i: number): number {
  let max = -Infinity;
  for (let j = 0; j < Z.cols; j++) max = Math.max(max, at(Z, i, j));
  let sumExp = 0;
  let sumY = 0;
  let sumYZ = 0;
  for (let j = 0; j < Z.cols; j++) {
    const z = at(Z, i, j);
    const y = at(Y, i, j);
    sumExp += Math.exp(z - max);
    sumY += y;
    sumYZ += y * z;
  }
  return (max + Math.log(sumExp)) * sumY - sumYZ;
}

/** ½ Σ_j (z_j − y_j)² for one row. */
function mseRow(Z: DenseMatrix, Y: DenseMatrix, i: number): number {
  let sum = 0;
  for (let j = 0; j < Z.cols; j++) {
    const r = at(Z, i, j) - at(Y, i, j);
    sum += r * r;
  }
  return 0.5 * sum;
}

function rowLoss(kind: LossKind, Z: DenseMatrix, Y: DenseMatrix, i: number): number {
  switch (kind) {
    case 'bce': {
      let sum = 0;
      for (let j = 0; j < Z.cols; j++) sum += bceElement(at(Z, i, j), at(Y, i, j));
      return sum;
    }
    case 'ce':
      return ceRow(Z, Y, i);
    case 'mse':
      return mseRow(Z, Y, i);
  }
}

/**
 * Mean over rows of the per-row loss. For 'bce' and 'ce', Z holds logits (not probabilities);
 * for 'mse', Z holds predictions.
 */
export function loss(kind: LossKind, Z: DenseMatrix, Y: DenseMatrix): number {
  if (kind !== 'bce' && kind !== 'ce' && kind !== 'mse') {
    throw new ValueError(`loss: kind must be 'bce', 'ce' or 'mse', got ${String(kind)}`);
  }
  checkMatrix('loss', 'Z', Z);
  checkMatrix('loss', 'Y', Y);
  requireSameShape('loss', 'Z', Z, 'Y', Y);
  let total = 0;
  for (let i = 0; i < Z.rows; i++) total += rowLoss(kind, Z, Y, i);
  return total / Z.rows;
}
