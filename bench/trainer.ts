// The contract every implementation in the training comparison meets: one epoch of mini-batch SGD
// on softmax regression from zero parameters, rows in order (no shuffle), the last partial batch
// used, W ← W − η·Xᵀ(Ŷ−Y)/m and b ← b − η·mean(Ŷ−Y) after each batch of m rows.
import type { TrainingData } from './data.ts';
import type { ImplName } from './types.ts';

export interface EpochOutcome {
  /** Milliseconds for the epoch, data already in the implementation's own format and place. */
  ms: number;
  /** Final parameters: W d×k row-major and b (length k). */
  W: ArrayLike<number>;
  b: ArrayLike<number>;
  fitMs?: number;
  reportedEpochLoss?: number;
}

export interface EpochTrainer {
  readonly impl: ImplName;
  epoch(data: TrainingData, batchSize: number, learningRate: number): Promise<EpochOutcome>;
}

/** Start row of every batch and its size, the last one partial when batchSize does not divide n. */
export function batches(n: number, batchSize: number): { start: number; rows: number }[] {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
  const out: { start: number; rows: number }[] = [];
  for (let start = 0; start < n; start += batchSize) out.push({ start, rows: Math.min(batchSize, n - start) });
  return out;
}
