// The plain-JavaScript baseline: the same epoch as the other implementations, as straightforward
// loops over typed arrays (f64 parameters and accumulators, the f32 data as given).
import type { TrainingData } from './data.ts';
import { batches, type EpochOutcome, type EpochTrainer } from './trainer.ts';

/** One SGD step on rows [start, start + rows): forward, softmax, gradient, update, in place. */
function step(data: TrainingData, W: Float64Array, b: Float64Array, start: number, rows: number, lr: number, scratch: Scratch): void {
  const { d, k } = data.info;
  const { z, dW, db } = scratch;
  const X = data.X;
  dW.fill(0);
  db.fill(0);
  for (let i = start; i < start + rows; i++) {
    const row = i * d;
    for (let j = 0; j < k; j++) z[j] = b[j] as number;
    for (let f = 0; f < d; f++) {
      const x = X[row + f] as number;
      const wo = f * k;
      for (let j = 0; j < k; j++) z[j] = (z[j] as number) + x * (W[wo + j] as number);
    }
    let max = -Infinity;
    for (let j = 0; j < k; j++) max = Math.max(max, z[j] as number);
    let sum = 0;
    for (let j = 0; j < k; j++) {
      const e = Math.exp((z[j] as number) - max);
      z[j] = e;
      sum += e;
    }
    // z now holds the residual Ŷ − Y of this row.
    for (let j = 0; j < k; j++) z[j] = (z[j] as number) / sum;
    const label = data.labels[i] as number;
    z[label] = (z[label] as number) - 1;
    for (let j = 0; j < k; j++) db[j] = (db[j] as number) + (z[j] as number);
    for (let f = 0; f < d; f++) {
      const x = X[row + f] as number;
      const wo = f * k;
      for (let j = 0; j < k; j++) dW[wo + j] = (dW[wo + j] as number) + x * (z[j] as number);
    }
  }
  const scale = lr / rows;
  for (let i = 0; i < W.length; i++) W[i] = (W[i] as number) - scale * (dW[i] as number);
  for (let j = 0; j < k; j++) b[j] = (b[j] as number) - scale * (db[j] as number);
}

interface Scratch {
  z: Float64Array;
  dW: Float64Array;
  db: Float64Array;
}

/** One epoch over the rows in their stored order, continuing from (and updating) W and b. */
export function plainEpoch(data: TrainingData, W: Float64Array, b: Float64Array, batchSize: number, learningRate: number): void {
  const { n, d, k } = data.info;
  const scratch: Scratch = { z: new Float64Array(k), dW: new Float64Array(d * k), db: new Float64Array(k) };
  for (const batch of batches(n, batchSize)) step(data, W, b, batch.start, batch.rows, learningRate, scratch);
}

export const plainJsTrainer: EpochTrainer = {
  impl: 'plain-js',
  async epoch(data: TrainingData, batchSize: number, learningRate: number): Promise<EpochOutcome> {
    const { d, k } = data.info;
    const W = new Float64Array(d * k);
    const b = new Float64Array(k);
    const t0 = performance.now();
    plainEpoch(data, W, b, batchSize, learningRate);
    return { ms: performance.now() - t0, W, b };
  },
};
