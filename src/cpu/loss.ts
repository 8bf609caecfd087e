import { checkMatrix, requireSameShape } from '../dense.ts';
import { LOSSES, NO_ROW_STATS, rowStats } from '../core/objective.ts';
import { ValueError } from '../errors.ts';
import type { DenseMatrix, LossKind } from '../types.ts';

/**
 * Mean over rows of the per-row loss (each row's elements summed). For 'bce' and 'ce', Z holds
 * logits (not probabilities); for 'mse', Z holds predictions.
 */
export function loss(kind: LossKind, Z: DenseMatrix, Y: DenseMatrix): number {
  if (kind !== 'bce' && kind !== 'ce' && kind !== 'mse') {
    throw new ValueError(`loss: kind must be 'bce', 'ce' or 'mse', got ${String(kind)}`);
  }
  checkMatrix('loss', 'Z', Z);
  checkMatrix('loss', 'Y', Y);
  requireSameShape('loss', 'Z', Z, 'Y', Y);
  const part = LOSSES[kind];
  const k = Z.cols;
  let total = 0;
  for (let i = 0; i < Z.rows; i++) {
    const s = kind === 'ce' ? rowStats(Z.data, i * k, k) : NO_ROW_STATS;
    for (let j = 0; j < k; j++) {
      const z = Z.data[i * k + j] as number;
      // For ½ squared error Z holds the predictions, so z is ŷ too.
      total += part.element(z, z, Y.data[i * k + j] as number, s);
    }
  }
  return total / Z.rows;
}
