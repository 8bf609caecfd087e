// A model's parameters resident on the GPU (W d×k, b 1×k) and its passes and fits on the context's
// WebGPU step engine: the backend of the 'gpu' and 'cpu' engines.
import type { GpuContext } from '../gpu/context.ts';
import type { EpochMetrics } from '../core/loop.ts';
import { isClassifier } from '../core/metrics.ts';
import { OBJECTIVES } from '../core/objective.ts';
import { uploadTrainingSet, type ResidentX } from '../step/training-set.ts';
import { ShapeError } from '../errors.ts';
import type { GpuMatrix } from '../matrix.ts';
import type { HostMatrix } from '../types.ts';
import type { BackendFit, BackendFitResult, HostParams, ModelBackend, ModelShape } from './backend.ts';
import { evaluate, gradientNorm, predictRows, type ModelView, type PassData, type RowOutput } from './evaluate.ts';
import { trainLbfgsOnGpu } from './lbfgs-trainer.ts';
import { trainOnGpu, type KeptOptimizerState } from './trainer.ts';

export class GpuBackend implements ModelBackend {
  readonly #ctx: GpuContext;
  readonly #W: GpuMatrix;
  readonly #b: GpuMatrix;
  /** The optimizer's state as the last fit left it, which a warmStart fit continues (null: none, or SGD's). */
  #optimizerState: KeptOptimizerState | null = null;

  constructor(ctx: GpuContext, modelName: string, nFeatures: number, nOutputs: number) {
    this.#ctx = ctx;
    // Checked before anything is allocated: W must fit one storage binding, and a huge nFeatures
    // must fail as a ShapeError, not as an out-of-memory host array.
    const bytes = nFeatures * nOutputs * 4;
    if (bytes > ctx.limits.maxStorageBufferBindingSize) {
      throw new ShapeError(
        `${modelName}: W (nFeatures = ${nFeatures} × ${nOutputs} outputs) needs ${bytes} bytes, over this device's maxStorageBufferBindingSize of ${ctx.limits.maxStorageBufferBindingSize}`,
      );
    }
    this.#W = ctx.zeros(nFeatures, nOutputs, 'W');
    try {
      this.#b = ctx.zeros(1, nOutputs, 'b');
    } catch (e) {
      this.#W.destroy();
      throw e;
    }
  }

  #view(shape: ModelShape): ModelView {
    return {
      ctx: this.#ctx, objective: shape.objective, spec: OBJECTIVES[shape.objective], nOutputs: shape.nOutputs, threshold: shape.threshold,
      params: { W: this.#W, b: this.#b, fitIntercept: shape.fitIntercept },
    };
  }

  write(p: HostParams): void {
    const q = this.#ctx.device.queue;
    this.#ctx.track('writing parameters', [], () => {
      q.writeBuffer(this.#W.buffer, 0, p.W.buffer, p.W.byteOffset, p.W.byteLength);
      q.writeBuffer(this.#b.buffer, 0, p.b.buffer, p.b.byteOffset, p.b.byteLength);
    }, () => [this.#W, this.#b]);
  }

  async read(): Promise<HostParams> {
    const [W, b] = await Promise.all([this.#W.read(), this.#b.read()]);
    return { W: W.data, b: b.data };
  }

  revert(before: HostParams): void {
    this.write(before);
  }

  predictRows(shape: ModelShape, d: PassData, output: RowOutput): Promise<HostMatrix> {
    return predictRows(this.#view(shape), d, output);
  }

  evaluate(shape: ModelShape, d: PassData & { Y: HostMatrix }): Promise<{ loss: number; accuracy?: number }> {
    return evaluate(this.#view(shape), d);
  }

  forgetOptimizerState(): void {
    this.#keepOptimizerState(null);
  }

  /** Replaces the kept optimizer state, freeing the one it replaces. */
  #keepOptimizerState(state: KeptOptimizerState | null): void {
    if (this.#optimizerState !== null) this.#ctx.releaseBuffer(this.#optimizerState.buffer);
    this.#optimizerState = state;
  }

  release(): void {
    this.#W.destroy();
    this.#b.destroy();
    this.#keepOptimizerState(null);
  }

  async fit(job: BackendFit): Promise<BackendFitResult> {
    const ctx = this.#ctx;
    const { shape, X: Xh, Y: Yh, options: opts, validation, weights } = job;
    const made: { X: ResidentX | null; Y: GpuMatrix | null; w: GpuMatrix | null; valX: ResidentX | null; valY: GpuMatrix | null } = {
      X: null, Y: null, w: null, valX: null, valY: null,
    };
    try {
      // One error scope for the uploads: an out-of-memory training set fails here, by name.
      const setup = ctx.capture('uploading the training set', () => {
        made.X = uploadTrainingSet(ctx, Xh, opts.shardBytes);
        made.Y = ctx.upload(Yh, 'y');
        if (weights !== null) made.w = ctx.upload({ data: weights, rows: Xh.rows, cols: 1 }, 'sampleWeight');
        // The validation set is measured every epoch: it stays on the GPU for the fit.
        if (validation !== null) {
          made.valX = uploadTrainingSet(ctx, validation.X, opts.shardBytes);
          made.valY = ctx.upload(validation.Y, 'validation.y');
        }
        if (job.start !== null) this.write(job.start);
      });
      const Xres = made.X as ResidentX | null;
      const Yg = made.Y as GpuMatrix | null;
      if (Xres === null || Yg === null) throw new Error('fit: the training set was not uploaded');
      await setup.check;
      // Plain f32 training data in one unpadded buffer is evaluated where it lies; bytes, padded rows
      // and shards in f32 blocks.
      const inPlace = Xres.storage === 'f32' && Xres.shards.length === 1 && Xres.rowWords === Xres.cols;
      const only = inPlace ? (Xres.shards[0]?.matrix ?? null) : null;
      const train: PassData & { Y: HostMatrix } = {
        X: Xh, Y: Yh, names: { X: 'X', Y: 'y', during: 'fit()' }, resident: only === null ? null : { X: only, Y: Yg },
      };
      const metrics = async (): Promise<EpochMetrics> => {
        const out: EpochMetrics = {};
        if (validation !== null) {
          const v = await evaluate(this.#view(shape), validation);
          out.valLoss = v.loss;
          if (v.accuracy !== undefined) out.valAccuracy = v.accuracy;
        }
        if (opts.trainAccuracy) {
          const t = await evaluate(this.#view(shape), train);
          if (t.accuracy !== undefined) out.accuracy = t.accuracy;
        }
        return out;
      };
      const initial = job.start ?? job.current;
      return await (opts.solver === 'lbfgs' ? trainLbfgsOnGpu : trainOnGpu)({
        ctx, objective: shape.objective, X: Xres, Y: Yg, sampleWeight: made.w as GpuMatrix | null, W: this.#W, b: this.#b,
        fitIntercept: shape.fitIntercept, options: opts, initialW: initial.W, initialB: initial.b,
        metrics, measures: validation !== null || opts.trainAccuracy,
        metered: {
          train: opts.trainAccuracy, validation: made.valX === null || made.valY === null ? null : { X: made.valX, Y: made.valY },
          threshold: shape.threshold, classifier: isClassifier(shape.objective),
        }, gradientNorm: () => gradientNorm(this.#view(shape), train, opts.l2, weights),
        checkAlive: job.checkAlive,
        kept: (W, b) => job.kept({ W, b }),
        optimizerState: this.#optimizerState,
        keepState: (state) => this.#keepOptimizerState(state),
      });
    } finally {
      made.w?.destroy();
      made.Y?.destroy();
      made.X?.destroy();
      made.valY?.destroy();
      made.valX?.destroy();
    }
  }
}
