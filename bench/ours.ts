// webgpu-logreg in the training comparison, through its public API only: SoftmaxRegression.fit()
// with one epoch, no shuffle, zero initial parameters, given X as f32 (as every implementation is)
// or, as 'webgpu-logreg-u8', the same pixels as bytes with scale 1/255 (its byte storage). The
// epoch time is the one fit() reports in its History (the data is on the GPU by then); the whole
// call is timed as well. 'webgpu-logreg-js' is the bytes on a context of the 'js' engine (no WebGPU:
// plain JavaScript in float64).
import type * as Lib from '../src/index.ts';
import type { TrainingData } from './data.ts';
import type { EpochOutcome, EpochTrainer } from './trainer.ts';

export type LibModule = typeof Lib;

export function libraryTrainer(lib: LibModule, ctx: Lib.GpuContext, storage: 'f32' | 'u8' = 'f32'): EpochTrainer {
  return {
    impl: ctx.engine === 'js' ? 'webgpu-logreg-js' : storage === 'u8' ? 'webgpu-logreg-u8' : 'webgpu-logreg',
    async epoch(data: TrainingData, batchSize: number, learningRate: number): Promise<EpochOutcome> {
      const { n, d, k } = data.info;
      const model = new lib.SoftmaxRegression(ctx, { nFeatures: d, nClasses: k });
      try {
        const t0 = performance.now();
        const X = storage === 'u8' ? { data: data.bytes, rows: n, cols: d, scale: 1 / 255 } : { data: data.X, rows: n, cols: d };
        const history = await model.fit(X, data.labels, {
          epochs: 1, batchSize, learningRate, shuffle: false,
        });
        const fitMs = performance.now() - t0;
        const epochMs = history.ms[0];
        const loss = history.loss[0];
        if (epochMs === undefined || loss === undefined) throw new Error(`fit() ran ${history.epochs} epochs, expected 1`);
        const params = await model.getParams();
        return { ms: epochMs, W: params.W.data, b: params.b, fitMs, reportedEpochLoss: loss };
      } finally {
        model.destroy();
      }
    },
  };
}
