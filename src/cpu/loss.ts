import { checkMatrix, requireSameShape } from '../dense.ts';
import { LOSSES, NO_ROW_STATS, rowStats, type LossName } from '../core/objective.ts';
import { ValueError } from '../errors.ts';
import { describeValue } from '../validate.ts';
import type { DenseMatrix, LossKind } from '../types.ts';
import { checkRowWeights } from '../core/weights.ts';

/**
 * Mean over rows of the per-row loss (each row's elements summed). For 'bce' and 'ce', Z holds
 * logits (not probabilities); for 'mse', Z holds predictions.
 */
export function loss(kind: LossKind, Z: DenseMatrix, Y: DenseMatrix): number {
  if (kind !== 'bce' && kind !== 'ce' && kind !== 'mse') {
    throw new ValueError(`loss: kind must be 'bce', 'ce' or 'mse', got ${describeValue(kind)}`);
  }
  return objectiveLoss(kind, Z, Y);
}

/**
 * loss() for any part of the objective table (the tanh losses too), Z holding what LOSSES[name].input
 * says; with `weights` each row's loss is multiplied by weights[i] (still a mean over the rows).
 */
export function objectiveLoss(name: LossName, Z: DenseMatrix, Y: DenseMatrix, weights?: ArrayLike<number>): number {
  checkMatrix('loss', 'Z', Z);
  checkMatrix('loss', 'Y', Y);
  requireSameShape('loss', 'Z', Z, 'Y', Y);
  checkRowWeights('loss', weights, Z.rows);
  const part = LOSSES[name];
  const k = Z.cols;
  let total = 0;
  for (let i = 0; i < Z.rows; i++) {
    const s = name === 'ce' ? rowStats(Z.data, i * k, k) : NO_ROW_STATS;
    let row = 0;
    for (let j = 0; j < k; j++) {
      const z = Z.data[i * k + j] as number;
      // Where the loss reads predictions Z holds them, so z is ŷ too.
      row += part.element(z, z, Y.data[i * k + j] as number, s);
    }
    total += weights === undefined ? row : (weights[i] as number) * row;
  }
  return total / Z.rows;
}
