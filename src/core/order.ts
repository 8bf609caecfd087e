// The order rows are visited in each epoch, shared by the GPU and CPU trainers so that the same seed
// gives both the same mini-batches.
import { mulberry32 } from '../random.ts';

/** Golden-ratio step between epoch seeds, so consecutive epochs get unrelated streams. */
const EPOCH_STRIDE = 0x9e3779b9;

/** Row order for `epoch`: 0..n−1 when not shuffling, else a seeded Fisher–Yates permutation. */
export function epochOrder(n: number, epoch: number, shuffle: boolean, seed: number): Uint32Array {
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  if (!shuffle) return order;
  const rng = mulberry32((seed + Math.imul(epoch + 1, EPOCH_STRIDE)) >>> 0);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const t = order[i] as number;
    order[i] = order[j] as number;
    order[j] = t;
  }
  return order;
}

/** Batch sizes of one epoch: full batches of `batchSize`, then the remainder (used, not dropped). */
export function batchSizes(n: number, batchSize: number): number[] {
  const sizes: number[] = [];
  for (let start = 0; start < n; start += batchSize) sizes.push(Math.min(batchSize, n - start));
  return sizes;
}
