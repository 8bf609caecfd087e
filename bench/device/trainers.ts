// The implementations the device benchmark times in Node, each training warmupEpochs + timedEpochs
// epochs from zero on the exchange's data and per-epoch row orders, so every one ends at the same
// parameters: this library (SoftmaxRegression.fit with shuffle: true and the same seed the orders
// came from), TF.js webgpu (the page's step, rows gathered through the same orders) and plain JS in
// float64 (the rows permuted on the host; the loss reference that needs no GPU).
import type * as Lib from '../../src/index.ts';
import * as tf from '@tensorflow/tfjs-core';
import { oneHot } from '../data.ts';
import { meanCrossEntropy } from '../evaluate.ts';
import { plainEpoch } from '../plain.ts';
import { median } from '../stats.ts';
import { softmaxStep } from '../tfjs-step.ts';
import { batches } from '../trainer.ts';
import { DispatchCounter } from './dispatch.ts';
import { permuteRows, totalEpochs, type Exchange } from './exchange.ts';
import type { DeviceRow, XForm } from './types.ts';

export type LibModule = typeof Lib;

/** Median of the epochs after the warm-up ones. */
export function timedMedian(epochsMs: readonly number[], warmupEpochs: number): number {
  const timed = epochsMs.slice(warmupEpochs);
  return timed.length === 0 ? Number.NaN : median(timed);
}

/** The library on one engine and X form: fit() once for all epochs; History.ms times each epoch. */
export async function libraryRow(
  lib: LibModule, device: GPUDevice, counter: DispatchCounter, engine: 'gpu' | 'cpu', x: XForm, ex: Exchange,
): Promise<DeviceRow> {
  const { config: c, data } = ex;
  const ctx = await lib.createContext({ device, engine });
  const model = new lib.SoftmaxRegression(ctx, { nFeatures: c.d, nClasses: c.k });
  try {
    const X = x === 'bytes' ? { data: data.bytes, rows: c.n, cols: c.d, scale: 1 / 255 } : { data: data.X, rows: c.n, cols: c.d };
    // Counts at each epoch's end: the last epoch's difference is what one steady epoch issues.
    const marks: { dispatches: number; submits: number }[] = [];
    const t0 = performance.now();
    const history = await model.fit(X, data.labels, {
      epochs: totalEpochs(c), batchSize: c.batchSize, learningRate: c.learningRate, shuffle: true, seed: c.shuffleSeed,
      onEpochEnd: () => {
        marks.push(counter.snapshot());
      },
    });
    const wallMs = performance.now() - t0;
    if (history.epochs !== totalEpochs(c)) throw new Error(`fit() ran ${history.epochs} epochs, expected ${totalEpochs(c)}`);
    const params = await model.getParams();
    const last = marks[marks.length - 1];
    const before = marks[marks.length - 2];
    const row: DeviceRow = {
      impl: 'webgpu-logreg', engine: ctx.engine, engineRequested: engine, x,
      epochsMs: history.ms, msPerEpoch: timedMedian(history.ms, c.warmupEpochs), timing: 'fit() History.ms (wall, epoch loss read back)',
      finalLoss: meanCrossEntropy(data, params.W.data, params.b), reportedLoss: history.loss[history.loss.length - 1] ?? null,
      params: [...params.W.data, ...params.b], wallMs,
      note: `subgroups ${ctx.subgroups ? 'on' : 'off'}, workgroup width ${ctx.workgroupWidth}`,
    };
    if (last !== undefined && before !== undefined) {
      row.dispatchesPerEpoch = last.dispatches - before.dispatches;
      row.submitsPerEpoch = last.submits - before.submits;
    }
    return row;
  } finally {
    model.destroy();
    ctx.destroy();
  }
}

/**
 * TF.js webgpu: X and one-hot Y resident, each epoch's order uploaded once, each batch gathered
 * through its slice of the order, then the page's explicit-op step. An epoch is timed to the
 * readback of W and b (TF.js queues work; the readback is where it has all run). The caller has
 * made webgpu TF.js's backend.
 */
export async function tfjsRow(ex: Exchange): Promise<DeviceRow> {
  const { config: c, data } = ex;
  const X = tf.tensor2d(data.X, [c.n, c.d], 'float32');
  const Y = tf.tensor2d(oneHot(data.labels, c.k), [c.n, c.k], 'float32');
  const W = tf.variable(tf.zeros([c.d, c.k], 'float32'));
  const b = tf.variable(tf.zeros([1, c.k], 'float32'));
  const owned: tf.Tensor[] = [X, Y, W, b];
  try {
    for (const t of owned) {
      const s = tf.sum(t);
      await s.data();
      s.dispose();
    }
    const epochsMs: number[] = [];
    for (const order of ex.orders) {
      const t0 = performance.now();
      const idx: tf.Tensor1D = tf.tensor1d(Int32Array.from(order), 'int32');
      for (const batch of batches(c.n, c.batchSize)) {
        tf.tidy(() => {
          const rows = tf.slice(idx, [batch.start], [batch.rows]);
          softmaxStep(tf.gather(X, rows), tf.gather(Y, rows), W, b, c.learningRate);
        });
      }
      await Promise.all([W.data(), b.data()]);
      epochsMs.push(performance.now() - t0);
      idx.dispose();
    }
    const [Wv, bv] = await Promise.all([W.data(), b.data()]);
    const Wf = Float32Array.from(Wv);
    const bf = Float32Array.from(bv);
    return {
      impl: 'tfjs-webgpu', engine: null, x: 'f32', epochsMs, msPerEpoch: timedMedian(epochsMs, c.warmupEpochs),
      timing: 'wall, to the readback of W and b', finalLoss: meanCrossEntropy(data, Wf, bf), params: [...Wf, ...bf],
      note: `tfjs-core ${tf.version_core}, default flags`,
    };
  } finally {
    for (const t of owned) t.dispose();
  }
}

/** Plain JS in float64 on the host, each epoch over a copy of the rows in that epoch's order. */
export function referenceRow(ex: Exchange): DeviceRow {
  const { config: c, data } = ex;
  const W = new Float64Array(c.d * c.k);
  const b = new Float64Array(c.k);
  const epochsMs: number[] = [];
  for (const order of ex.orders) {
    const permuted = permuteRows(data, order);
    const t0 = performance.now();
    plainEpoch(permuted, W, b, c.batchSize, c.learningRate);
    epochsMs.push(performance.now() - t0);
  }
  return {
    impl: 'js-f64', engine: null, x: 'f32', epochsMs, msPerEpoch: timedMedian(epochsMs, c.warmupEpochs),
    timing: 'wall, one thread, rows permuted beforehand (not timed)', finalLoss: meanCrossEntropy(data, W, b), params: [...W, ...b],
  };
}
