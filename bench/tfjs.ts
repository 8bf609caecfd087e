// TensorFlow.js in the training comparison (page only): the webgpu and the wasm backend, each
// running the same epoch with explicit tensor ops (no autodiff, so both do exactly the same maths:
// Z = X·W + b, Ŷ = softmax(Z), dW = Xᵀ(Ŷ−Y)/m, db = mean(Ŷ−Y)). Backends keep TF.js's defaults.
// Batches reach each backend its fastest way: webgpu keeps X and Y resident and slices them on the
// GPU; wasm gets each batch as a tensor made from the host arrays, because its tf.slice of a
// 60000-row tensor costs ~0.3 s a call (measured here), while copying a batch in costs far less.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-webgpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { oneHot, type TrainingData } from './data.ts';
import { TFJS_WASM_PATH } from './tfjs-paths.ts';
import { softmaxStep } from './tfjs-step.ts';
import { batches, type EpochOutcome, type EpochTrainer } from './trainer.ts';

export type TfjsBackend = 'webgpu' | 'wasm';

/** The tensors of one batch, created inside the caller's tidy(). */
type BatchFeed = (start: number, rows: number) => { Xb: tf.Tensor2D; Yb: tf.Tensor2D };


async function useBackend(backend: TfjsBackend): Promise<void> {
  if (backend === 'wasm') setWasmPaths(TFJS_WASM_PATH);
  if (tf.getBackend() === backend) return;
  const ok = await tf.setBackend(backend);
  if (!ok || tf.getBackend() !== backend) throw new Error(`TF.js could not start its ${backend} backend`);
  await tf.ready();
}

/** Forces a tensor's data onto the backend now, so the epoch's timing does not include the upload. */
async function settle(t: tf.Tensor): Promise<void> {
  const s = tf.sum(t);
  await s.data();
  s.dispose();
}

export function tfjsTrainer(backend: TfjsBackend): EpochTrainer {
  return {
    impl: backend === 'webgpu' ? 'tfjs-webgpu' : 'tfjs-wasm',
    async epoch(data: TrainingData, batchSize: number, learningRate: number): Promise<EpochOutcome> {
      await useBackend(backend);
      const { n, d, k } = data.info;
      const Yhost = oneHot(data.labels, k);
      const resident = backend === 'webgpu';
      const X = resident ? tf.tensor2d(data.X, [n, d], 'float32') : null;
      const Y = resident ? tf.tensor2d(Yhost, [n, k], 'float32') : null;
      const W = tf.variable(tf.zeros([d, k], 'float32'));
      const b = tf.variable(tf.zeros([1, k], 'float32'));
      const feed: BatchFeed = X !== null && Y !== null
        ? (start, rows) => ({ Xb: tf.slice(X, [start, 0], [rows, d]), Yb: tf.slice(Y, [start, 0], [rows, k]) })
        : (start, rows) => ({
          Xb: tf.tensor2d(data.X.subarray(start * d, (start + rows) * d), [rows, d], 'float32'),
          Yb: tf.tensor2d(Yhost.subarray(start * k, (start + rows) * k), [rows, k], 'float32'),
        });
      const owned: tf.Tensor[] = [W, b, ...(X === null || Y === null ? [] : [X, Y])];
      try {
        await Promise.all(owned.map(settle));
        const t0 = performance.now();
        for (const batch of batches(n, batchSize)) {
          tf.tidy(() => {
            const { Xb, Yb } = feed(batch.start, batch.rows);
            softmaxStep(Xb, Yb, W, b, learningRate);
          });
        }
        const [Wv, bv] = await Promise.all([W.data(), b.data()]);
        const ms = performance.now() - t0;
        return { ms, W: Float32Array.from(Wv), b: Float32Array.from(bv) };
      } finally {
        for (const t of owned) t.dispose();
      }
    },
  };
}
