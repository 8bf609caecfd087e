// What the three estimators share: parameters resident on the GPU (W d×k, b 1×k) with a host copy
// for toJSON(), input checking before any GPU work, and fit() on top of the GPU trainer.
import type { EpochMetrics } from '../core/loop.ts';
import { accuracy, isClassifier } from '../core/metrics.ts';
import { requireContext, type GpuContext } from '../context.ts';
import { ShapeError, StateError, ValueError } from '../errors.ts';
import type { GpuMatrix } from '../matrix.ts';
import type { HostMatrix } from '../types.ts';
import { checkPositiveInt, describeShape, describeValue, toF32Vector, toHostMatrix } from '../validate.ts';
import { blockRows, rowBlocks, sliceRows } from './chunks.ts';
import { forward, meanLoss, objectiveGradient, type Params } from './forward.ts';
import { OBJECTIVES, type Objective, type ObjectiveSpec } from '../core/objective.ts';
import { resolveFitOptions, type FitOptions, type History, type ParamsInput } from '../core/options.ts';
import type { ModelJSON } from './model-json.ts';
import { trainOnGpu } from './trainer.ts';
import { uploadTrainingSet, type CheckedFeatures, type ResidentX } from '../engines/training-set.ts';
import { checkFeatures, type FeaturesInput } from './features.ts';

/** Parameters as getParams() returns them. */
export interface ModelParams {
  W: HostMatrix;
  b: Float32Array;
}

/** Constructor options every estimator takes. */
export interface LinearModelOptions {
  /** Columns of X: the number of input features (a positive integer). */
  nFeatures: number;
  /** Learn a bias b (default true). */
  fitIntercept?: boolean;
}

/** Each estimator's constructor options: another model's option (nClasses for LinearRegression...) is a mistake too. */
const MODEL_OPTIONS: Readonly<Record<string, readonly string[]>> = {
  LogisticRegression: ['nFeatures', 'fitIntercept', 'threshold', 'loss'],
  SoftmaxRegression: ['nFeatures', 'nClasses', 'fitIntercept'],
  LinearRegression: ['nFeatures', 'nOutputs', 'fitIntercept'],
};

/** Rejects unknown constructor options so a typo is not silently ignored. */
export function checkModelOptions(model: string, options: unknown): void {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new ValueError(`${model} options must be an object, got ${describeValue(options)}`);
  }
  const known = MODEL_OPTIONS[model] ?? [];
  for (const [key, value] of Object.entries(options)) {
    if (!known.includes(key)) throw new ValueError(`${model}: unknown option '${key}' (known: ${known.join(', ')})`);
    // null is not "the default": leaving the option out is.
    if (value === null) throw new ValueError(`${model}: ${key} must not be null (leave it out for the default)`);
  }
}

/**
 * What LogisticRegression, SoftmaxRegression and LinearRegression share: weights W (nFeatures×nOutputs)
 * and bias b (1×nOutputs) kept on the GPU, fit(), loss(), getParams()/setParams(), toJSON() and destroy().
 */
export abstract class LinearModel<YIn> {
  /** The context the model's parameters live in. */
  readonly ctx: GpuContext;
  /** Columns of X. */
  readonly nFeatures: number;
  /** Columns of W and b: 1 for logistic, nClasses for softmax, nOutputs for linear regression. */
  readonly nOutputs: number;
  /** Whether the bias b is learned (else it stays 0). */
  readonly fitIntercept: boolean;
  /** The class name users know (bundlers may rename classes, so it is not taken from constructor.name). */
  readonly modelName: string;
  protected abstract readonly objective: Objective;
  readonly #W: GpuMatrix;
  readonly #b: GpuMatrix;
  #host: { W: Float32Array; b: Float32Array };
  #busy = false;
  #destroyed = false;

  protected constructor(modelName: string, ctx: GpuContext, nFeatures: unknown, nOutputs: number, fitIntercept: unknown) {
    this.modelName = modelName;
    this.ctx = requireContext(ctx);
    this.nFeatures = checkPositiveInt('nFeatures', nFeatures);
    this.nOutputs = nOutputs;
    if (fitIntercept !== undefined && typeof fitIntercept !== 'boolean') throw new ValueError(`fitIntercept must be true or false, got ${describeValue(fitIntercept)}`);
    this.fitIntercept = fitIntercept ?? true;
    // Checked before anything is allocated: W must fit one storage binding, and a huge nFeatures
    // must fail as a ShapeError, not as an out-of-memory host array.
    const bytes = this.nFeatures * nOutputs * 4;
    if (bytes > ctx.limits.maxStorageBufferBindingSize) {
      throw new ShapeError(
        `${modelName}: W (nFeatures = ${this.nFeatures} × ${nOutputs} outputs) needs ${bytes} bytes, over this device's maxStorageBufferBindingSize of ${ctx.limits.maxStorageBufferBindingSize}`,
      );
    }
    this.#W = ctx.zeros(this.nFeatures, nOutputs, 'W');
    try {
      this.#b = ctx.zeros(1, nOutputs, 'b');
    } catch (e) {
      this.#W.destroy();
      throw e;
    }
    this.#host = { W: new Float32Array(this.nFeatures * nOutputs), b: new Float32Array(nOutputs) };
  }

  /** Checks y and encodes it as the n×k target matrix the kernels use. */
  protected abstract encodeTargets(name: string, y: unknown, rows: number, forFit: boolean): HostMatrix;
  /** Model-specific settings saved by toJSON(). */
  protected abstract settings(): Record<string, number | string | boolean>;
  /** Decision threshold for logistic accuracy. */
  protected threshold(): number {
    return 0.5;
  }

  protected get spec(): ObjectiveSpec {
    return OBJECTIVES[this.objective];
  }

  /** True once destroy() was called. */
  get destroyed(): boolean {
    return this.#destroyed;
  }

  protected assertAlive(): void {
    if (this.#destroyed) throw new StateError(`${this.modelName} was used after destroy()`);
    this.ctx.assertUsable();
  }

  /** Runs `body` with the model marked busy, so overlapping calls on one model are refused, not interleaved. */
  async #exclusive<T>(what: string, body: () => Promise<T>): Promise<T> {
    this.assertAlive();
    if (this.#busy) throw new StateError(`${this.modelName}.${what}() called while fit() is running on the same model`);
    this.#busy = true;
    try {
      return await body();
    } finally {
      this.#busy = false;
    }
  }

  /** X checked against nFeatures: f32 values, or bytes (Uint8Array, Uint8ClampedArray) with their scale. */
  protected checkFeatures(name: string, X: unknown): CheckedFeatures {
    return checkFeatures(name, X, this.nFeatures);
  }

  #params(): Params {
    return { W: this.#W, b: this.#b, fitIntercept: this.fitIntercept };
  }

  /** Checks {W, b} against the model's shape and returns them as flat f32 arrays. */
  #checkParams(name: string, p: ParamsInput): { W: Float32Array; b: Float32Array } {
    if (typeof p !== 'object' || p === null || Array.isArray(p)) throw new ValueError(`${name} must be { W, b }, got ${describeValue(p)}`);
    for (const key of Object.keys(p)) {
      if (key !== 'W' && key !== 'b') throw new ValueError(`${name}: unknown key '${key}' (expected W and b)`);
    }
    const W = toHostMatrix(`${name}.W`, p.W);
    if (W.rows !== this.nFeatures || W.cols !== this.nOutputs) {
      throw new ShapeError(`${name}.W is ${describeShape(W)} but must be ${this.nFeatures}×${this.nOutputs}`);
    }
    let b: Float32Array = new Float32Array(this.nOutputs);
    if (p.b !== undefined) {
      const given: unknown = p.b;
      if (!Array.isArray(given) && !(ArrayBuffer.isView(given) && !(given instanceof DataView))) {
        throw new ValueError(`${name}.b must be an array of ${this.nOutputs} numbers, got ${describeValue(given)}`);
      }
      const values = given as ArrayLike<unknown>;
      if (values.length !== this.nOutputs) throw new ShapeError(`${name}.b has ${values.length} values but must have ${this.nOutputs}`);
      b = toF32Vector(`${name}.b`, values);
    }
    if (!this.fitIntercept && b.some((v) => v !== 0)) throw new ValueError(`${name}.b must be zero when fitIntercept is false`);
    return { W: W.data, b };
  }

  #write(p: { W: Float32Array; b: Float32Array }): void {
    const q = this.ctx.device.queue;
    q.writeBuffer(this.#W.buffer, 0, p.W.buffer, p.W.byteOffset, p.W.byteLength);
    q.writeBuffer(this.#b.buffer, 0, p.b.buffer, p.b.byteOffset, p.b.byteLength);
    this.#host = { W: p.W.slice(), b: p.b.slice() };
  }

  /**
   * Trains on X (n×nFeatures) and y by gradient descent on the GPU. Parameters start at zero unless
   * `init` is given or `warmStart` is set. Every argument is checked before any GPU state changes.
   */
  async fit(X: FeaturesInput, y: YIn, options?: FitOptions<FeaturesInput, YIn>): Promise<History> {
    return this.#exclusive('fit', async () => {
      const Xh = this.checkFeatures('X', X);
      const Yh = this.encodeTargets('y', y, Xh.rows, true);
      const opts = resolveFitOptions(options as FitOptions<unknown, unknown> | undefined, Xh.rows);
      const validation = options?.validation;
      let Xv: CheckedFeatures | null = null;
      let Yv: HostMatrix | null = null;
      if (validation !== undefined) {
        if (typeof validation !== 'object' || validation === null) throw new ValueError(`validation must be { X, y }, got ${describeValue(validation)}`);
        for (const key of Object.keys(validation)) {
          if (key !== 'X' && key !== 'y') throw new ValueError(`validation: unknown key '${key}' (expected X and y)`);
        }
        Xv = this.checkFeatures('validation.X', validation.X);
        Yv = this.encodeTargets('validation.y', validation.y, Xv.rows, false);
      }
      const init = options?.init === undefined ? null : this.#checkParams('init', options.init);
      if (init !== null && opts.warmStart) throw new ValueError('give either init or warmStart, not both');

      const before = this.#host;
      const resident: GpuMatrix[] = [];
      const upload = (m: HostMatrix, name: string): GpuMatrix => {
        const g = this.ctx.upload(m, name);
        resident.push(g);
        return g;
      };
      let Xres: ResidentX | null = null;
      try {
        Xres = uploadTrainingSet(this.ctx, Xh, opts.shardBytes);
        const Yg = upload(Yh, 'y');
        if (init !== null) this.#write(init);
        else if (!opts.warmStart) this.#write({ W: new Float32Array(this.#host.W.length), b: new Float32Array(this.nOutputs) });
        // Plain f32 training data in one unpadded buffer is evaluated where it lies; bytes, padded rows
        // and shards in f32 blocks.
        const inPlace = Xres.storage === 'f32' && Xres.shards.length === 1 && Xres.rowWords === Xres.cols;
        const only = inPlace ? (Xres.shards[0]?.matrix ?? null) : null;
        const residentTrain = only === null ? null : { X: only, Y: Yg };
        const metrics = async (): Promise<EpochMetrics> => {
          const out: EpochMetrics = {};
          if (Xv !== null && Yv !== null) {
            const v = await this.#evaluate(Xv, Yv, null);
            out.valLoss = v.loss;
            if (v.accuracy !== undefined) out.valAccuracy = v.accuracy;
          }
          if (opts.trainAccuracy) {
            const t = await this.#evaluate(Xh, Yh, residentTrain);
            if (t.accuracy !== undefined) out.accuracy = t.accuracy;
          }
          return out;
        };
        const result = await trainOnGpu({
          ctx: this.ctx, objective: this.objective, X: Xres, Y: Yg, W: this.#W, b: this.#b,
          fitIntercept: this.fitIntercept, options: opts, initialW: this.#host.W, initialB: this.#host.b,
          metrics, gradientNorm: () => this.#gradientNorm(Xh, Yh, residentTrain, opts.l2),
        });
        // The trainer read the final parameters back to check them: they are the new host copy.
        this.#host = { W: result.W, b: result.b };
        return result.history;
      } catch (e) {
        // A fit that fails (diverged, device error) leaves the model as it was before the call.
        this.#restore(before);
        throw e;
      } finally {
        for (const m of resident) m.destroy();
        Xres?.destroy();
      }
    });
  }

  #restore(p: { W: Float32Array; b: Float32Array }): void {
    try {
      this.#write(p);
    } catch {
      // The device is gone; the host copy (and so toJSON) still holds the last good parameters.
      this.#host = p;
    }
  }

  async #syncHost(): Promise<void> {
    const [W, b] = await Promise.all([this.#W.read(), this.#b.read()]);
    this.#host = { W: W.data, b: b.data };
  }

  /**
   * Runs `body` on X in row blocks that fit one binding, each uploaded (with its targets) and freed
   * after; `resident` skips the upload when the whole of X is already on the GPU.
   */
  async #eachBlock(
    X: CheckedFeatures, Y: HostMatrix | null, resident: { X: GpuMatrix; Y: GpuMatrix } | null,
    body: (X: GpuMatrix, Y: GpuMatrix | null, start: number, rows: number) => Promise<void>,
  ): Promise<void> {
    if (resident !== null) {
      await body(resident.X, resident.Y, 0, X.rows);
      return;
    }
    for (const block of rowBlocks(X, blockRows(this.ctx, X.cols, this.nOutputs))) {
      const Xg = this.ctx.upload(block.X, 'X');
      const Yg = Y === null ? null : this.ctx.upload(sliceRows(Y, block.start, block.rows), 'y');
      try {
        await body(Xg, Yg, block.start, block.rows);
      } finally {
        Xg.destroy();
        Yg?.destroy();
      }
    }
  }

  /** Mean loss (and accuracy, for classifiers) over X and encoded targets Y. */
  async #evaluate(
    X: CheckedFeatures, Y: HostMatrix, resident: { X: GpuMatrix; Y: GpuMatrix } | null,
  ): Promise<{ loss: number; accuracy?: number }> {
    let loss = 0;
    let hits = 0;
    await this.#eachBlock(X, Y, resident, async (Xg, Yg, start, rows) => {
      const f = forward(this.ctx, this.spec, Xg, this.#params());
      try {
        loss += (await meanLoss(this.ctx, this.spec, f, Yg as GpuMatrix)) * rows;
        if (isClassifier(this.objective)) {
          const Yhat = await f.Yhat.read();
          hits += accuracy(this.objective, Yhat, sliceRows(Y, start, rows), this.threshold()) * rows;
        }
      } finally {
        f.destroy();
      }
    });
    return isClassifier(this.objective) ? { loss: loss / X.rows, accuracy: hits / X.rows } : { loss: loss / X.rows };
  }

  /** ‖∇‖₂ of the regularized objective over the whole training set, from per-block gradient sums. */
  async #gradientNorm(
    X: CheckedFeatures, Y: HostMatrix, resident: { X: GpuMatrix; Y: GpuMatrix } | null, l2: number,
  ): Promise<number> {
    const sums = { dW: new Float64Array(this.nFeatures * this.nOutputs), db: new Float64Array(this.nOutputs) };
    await this.#eachBlock(X, Y, resident, async (Xg, Yg, _start, rows) => {
      const g = await objectiveGradient(this.ctx, this.spec, Xg, Yg as GpuMatrix, this.#params());
      g.dW.forEach((v, i) => (sums.dW[i] += v * rows));
      g.db.forEach((v, i) => (sums.db[i] += v * rows));
    });
    // The host copy of W is refreshed only when fit ends: read the current one.
    const W = (await this.#W.read()).data;
    let norm = 0;
    sums.dW.forEach((v, i) => (norm += (v / X.rows + l2 * (W[i] as number)) ** 2));
    if (this.fitIntercept) sums.db.forEach((v) => (norm += (v / X.rows) ** 2));
    return Math.sqrt(norm);
  }

  /** Ŷ for X as a host matrix (probabilities for classifiers, predictions for regression). */
  protected async predictMatrix(X: FeaturesInput): Promise<HostMatrix> {
    return this.#exclusive('predict', async () => {
      const Xh = this.checkFeatures('X', X);
      const out = new Float32Array(Xh.rows * this.nOutputs);
      await this.#eachBlock(Xh, null, null, async (Xg, _Y, start) => {
        const f = forward(this.ctx, this.spec, Xg, this.#params());
        try {
          out.set((await f.Yhat.read()).data, start * this.nOutputs);
        } finally {
          f.destroy();
        }
      });
      return { data: out, rows: Xh.rows, cols: this.nOutputs };
    });
  }

  /** Mean data loss (without the L2 term) on X and y. */
  async loss(X: FeaturesInput, y: YIn): Promise<number> {
    return this.#exclusive('loss', async () => {
      const Xh = this.checkFeatures('X', X);
      const Yh = this.encodeTargets('y', y, Xh.rows, false);
      return (await this.#evaluate(Xh, Yh, null)).loss;
    });
  }

  /** Targets of y encoded as the model sees them, after checking (for score()). */
  protected targets(name: string, y: unknown, rows: number): HostMatrix {
    return this.encodeTargets(name, y, rows, false);
  }

  /** A copy of the parameters, read from the GPU. */
  async getParams(): Promise<ModelParams> {
    return this.#exclusive('getParams', async () => {
      await this.#syncHost();
      return { W: { data: this.#host.W.slice(), rows: this.nFeatures, cols: this.nOutputs }, b: this.#host.b.slice() };
    });
  }

  /** Replaces the parameters (checked first: shapes and finiteness). */
  setParams(p: ParamsInput): void {
    this.assertAlive();
    if (this.#busy) throw new StateError(`${this.modelName}.setParams() called while fit() is running`);
    this.#write(this.#checkParams('params', p));
  }

  /**
   * The model as plain JSON: parameters as of the last completed fit() or setParams() (a fit that
   * failed leaves them as they were). It reads the host copy only, so it works after the device
   * is lost or the context destroyed: restore with fromJSON() on a new context.
   */
  toJSON(): ModelJSON {
    if (this.#destroyed) throw new StateError(`${this.modelName} was used after destroy()`);
    return {
      format: 'webgpu-logreg',
      version: 1,
      model: this.modelName,
      nFeatures: this.nFeatures,
      nOutputs: this.nOutputs,
      fitIntercept: this.fitIntercept,
      settings: this.settings(),
      W: Array.from(this.#host.W),
      b: Array.from(this.#host.b),
    };
  }

  /** Frees the model's GPU buffers; calling it again does nothing. */
  destroy(): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    this.#W.destroy();
    this.#b.destroy();
  }
}
