// What the three estimators share: parameters (W d×k, b 1×k) in a backend (on the GPU, or on the
// host for the 'js' engine: train/backend.ts) with a host copy for toJSON(), input checking before any
// work, fit() on top of the backend's trainer, and the rules for calls that overlap: read-only calls
// run together, fit() and setParams() run alone. A model made without a context or without its
// shapes takes them on its first fit() (or setParams()): the shared default context, X's columns
// and y's outputs; until then the calls that need them throw a StateError.
import type { GpuContext } from '../gpu/context.ts';
import { defaultContext } from '../gpu/default-context.ts';
import { isAbortError, throwIfAborted } from '../core/abort.ts';
import { isClassifier } from '../core/metrics.ts';
import { OBJECTIVES, type Objective, type ObjectiveSpec } from '../core/objective.ts';
import { normalizeWeights, rowWeights } from '../core/weights.ts';
import { resolveFitOptions, type FitOptions, type History, type ParamsInput } from '../core/options.ts';
import type { CheckedFeatures } from '../step/training-set.ts';
import { StateError, ValueError } from '../errors.ts';
import type { HostMatrix } from '../types.ts';
import { allocF32, checkPositiveInt, describeValue } from '../validate.ts';
import type { HostParams, ModelBackend, ModelShape } from '../train/backend.ts';
import type { PassData, RowOutput } from '../train/evaluate.ts';
import { checkFeatures, type FeaturesInput } from '../train/features.ts';
import { checkParams } from './params-input.ts';
import { GpuBackend } from '../train/gpu-backend.ts';
import { HostBackend } from '../train/host-backend.ts';
import type { ModelJSON } from './model-json.ts';

export { checkModelOptions } from './model-options.ts';

/** Parameters as getParams() returns them. */
export interface ModelParams {
  W: HostMatrix;
  b: Float32Array;
}

/** Constructor options every estimator takes. */
export interface LinearModelOptions {
  /** Columns of X: the number of input features (a positive integer); left out, the first fit() takes X's. Required with a ctx. */
  nFeatures?: number;
  /** Learn a bias b (default true). */
  fitIntercept?: boolean;
}

/** @internal A model kind's training parts, for GridSearch. */
export interface ModelKind {
  objective: Objective;
  threshold: number;
  features: (name: string, X: unknown) => CheckedFeatures;
  targets: (name: string, y: unknown, rows: number, forFit: boolean) => HostMatrix;
}

/**
 * What LogisticRegression, SoftmaxRegression and LinearRegression share: weights W (nFeatures×nOutputs)
 * and bias b (1×nOutputs) kept on the GPU (or, engine 'js', on the host), fit(), loss(),
 * getParams()/setParams(), toJSON() and destroy().
 */
export abstract class LinearModel<YIn> {
  #ctx: GpuContext | null;
  #nFeatures: number | undefined;
  #nOutputs: number | undefined;
  /** Whether the bias b is learned (else it stays 0). */
  readonly fitIntercept: boolean;
  /** The class name users know (bundlers may rename classes, so it is not taken from constructor.name). */
  readonly modelName: string;
  protected abstract readonly objective: Objective;
  #backend: ModelBackend | null = null;
  /** The backend being made on the default context (for the first call that needs it), or null. */
  #making: Promise<ModelBackend> | null = null;
  /** The host copy of W and b; null until the shapes are known. */
  #host: HostParams | null = null;
  /** Set while fit() runs: it rewrites W and b, so only toJSON() (the host copy) may run beside it. */
  #fitting = false;
  /** The read-only calls running now (one entry per call): any number may overlap one another. */
  readonly #reading: string[] = [];
  #destroyed = false;
  /** Whether the backend was released: destroy() waits for running calls, which still use it. */
  #released = false;

  /**
   * With `ctx` (not null), nFeatures and nOutputs are required and the parameters are made at once;
   * with ctx null, shapes left undefined are taken from the first fit() or setParams().
   */
  protected constructor(modelName: string, ctx: GpuContext | null, nFeatures: unknown, nOutputs: number | undefined, fitIntercept: unknown) {
    this.modelName = modelName;
    this.#ctx = ctx;
    this.#nFeatures = ctx === null && nFeatures === undefined ? undefined : checkPositiveInt('nFeatures', nFeatures);
    this.#nOutputs = nOutputs;
    if (fitIntercept !== undefined && typeof fitIntercept !== 'boolean') throw new ValueError(`fitIntercept must be true or false, got ${describeValue(fitIntercept)}`);
    this.fitIntercept = fitIntercept ?? true;
    if (this.#ctx !== null && this.#nFeatures !== undefined && nOutputs !== undefined) {
      this.#backend = makeBackend(this.#ctx, modelName, this.#nFeatures, nOutputs);
      this.#host = zeroParams(this.#nFeatures, nOutputs);
    }
  }

  /** The context the model's parameters live in: the one given, or the default context once the first fit() took it. */
  get ctx(): GpuContext {
    if (this.#ctx === null) throw new StateError(`${this.modelName} has no context yet: it takes the default context on its first fit()`);
    return this.#ctx;
  }

  /** Whether nFeatures and nOutputs are known (given, or taken from the first fit() or setParams()). */
  get hasShape(): boolean {
    return this.#nFeatures !== undefined && this.#nOutputs !== undefined;
  }

  /** Columns of X; reading it before the shape is known throws a StateError. */
  get nFeatures(): number {
    if (this.#nFeatures === undefined) throw this.#notShaped('nFeatures');
    return this.#nFeatures;
  }

  /** Columns of W and b: 1 for logistic, nClasses for softmax, nOutputs for linear regression. Throws a StateError before the shape is known. */
  get nOutputs(): number {
    if (this.#nOutputs === undefined) throw this.#notShaped('nOutputs');
    return this.#nOutputs;
  }

  #notShaped(what: string): StateError {
    return new StateError(`${this.modelName}.${what} needs the model's shape, which it has not got yet: call fit() first (or setParams())`);
  }

  /** The outputs (columns of W) y calls for, when the options did not say: the first fit() asks. */
  protected abstract outputsOf(name: string, y: unknown, rows: number): number;

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
    this.#ctx?.assertUsable();
  }

  /** The calls running now, for messages: "fit() is", "predict() and score() are", or null when none. */
  #runningNow(): string | null {
    const names = [...new Set(this.#fitting ? ['fit', ...this.#reading] : this.#reading)].map((n) => `${n}()`);
    if (names.length === 0) return null;
    return names.length === 1 ? `${names[0] as string} is` : `${names.slice(0, -1).join(', ')} and ${names.at(-1) as string} are`;
  }

  /** Releases the backend (W and b) once destroyed and no call uses it any more. */
  #releaseIfIdle(): void {
    if (!this.#destroyed || this.#released || this.#fitting || this.#reading.length > 0) return;
    this.#released = true;
    this.#backend?.release();
  }

  /** The backend, made on the default context by the first call that needs it (after setParams() without a ctx). */
  async #ready(): Promise<ModelBackend> {
    if (this.#backend !== null) return this.#backend;
    this.#making ??= this.#make().finally(() => {
      this.#making = null;
    });
    return this.#making;
  }

  async #make(): Promise<ModelBackend> {
    // Made even if the model is destroyed meanwhile: the call that waits on it releases it as it ends.
    const ctx = this.#ctx ?? (await defaultContext());
    const backend = makeBackend(ctx, this.modelName, this.nFeatures, this.nOutputs);
    if (this.#host !== null) backend.write(this.#host);
    this.#ctx = ctx;
    this.#backend = backend;
    return backend;
  }

  /** The backend of a call that made sure of it (fit() and the read-only calls do first). */
  get #made(): ModelBackend {
    if (this.#backend === null) throw new StateError(`${this.modelName} has no parameters yet: call fit() first`);
    return this.#backend;
  }

  /** A read-only call: refused while fit() changes the parameters, free to overlap other reads. */
  protected async readOnly<T>(what: string, body: () => Promise<T>): Promise<T> {
    this.assertAlive();
    if (this.#fitting) throw new StateError(`${this.modelName}.${what}() called while fit() is running on the same model`);
    if (!this.hasShape) throw this.#notShaped(`${what}()`);
    this.#reading.push(what);
    try {
      // No await when the backend exists: the body then starts at once, so a destroy() right after
      // the call finds its nested reads (score's predict) already running.
      if (this.#backend === null) await this.#ready();
      return await body();
    } finally {
      this.#reading.splice(this.#reading.indexOf(what), 1);
      this.#releaseIfIdle();
    }
  }

  /** fit(): refused while any other call runs on the model, as that call would see W and b change under it. */
  async #alone<T>(what: string, body: () => Promise<T>): Promise<T> {
    this.assertAlive();
    const running = this.#runningNow();
    if (running !== null) throw new StateError(`${this.modelName}.${what}() called while ${running} running on the same model`);
    this.#fitting = true;
    try {
      return await body();
    } finally {
      this.#fitting = false;
      this.#releaseIfIdle();
    }
  }

  #shape(): ModelShape {
    return {
      modelName: this.modelName, objective: this.objective, threshold: this.threshold(), nFeatures: this.nFeatures, nOutputs: this.nOutputs,
      fitIntercept: this.fitIntercept,
    };
  }

  /** X checked against nFeatures: f32 values, or bytes (Uint8Array, Uint8ClampedArray) with their scale. */
  protected checkFeatures(name: string, X: unknown): CheckedFeatures {
    return checkFeatures(name, X, this.nFeatures);
  }

  /** Checks {W, b} against the model's shape (a shape not known yet is W's) and returns them as flat f32 arrays. */
  #checkParams(name: string, p: ParamsInput): HostParams {
    return checkParams(name, p, this.#nFeatures, this.#nOutputs, this.fitIntercept);
  }

  /** Writes the parameters (the host copy only, until a backend is made); a GPU error in doing so is raised by the next read of W or b. */
  #write(p: HostParams): void {
    this.#backend?.write(p);
    this.#host = { W: p.W.slice(), b: p.b.slice() };
  }

  /** validation: { X, y } checked, or null. */
  #checkValidation(validation: unknown): PassData & { Y: HostMatrix } | null {
    if (validation === undefined) return null;
    if (typeof validation !== 'object' || validation === null) throw new ValueError(`validation must be { X, y }, got ${describeValue(validation)}`);
    for (const key of Object.keys(validation)) {
      if (key !== 'X' && key !== 'y') throw new ValueError(`validation: unknown key '${key}' (expected X and y)`);
    }
    const v = validation as { X: unknown; y: unknown };
    const X = this.checkFeatures('validation.X', v.X);
    const Y = this.encodeTargets('validation.y', v.y, X.rows, false);
    return { X, Y, names: { X: 'validation.X', Y: 'validation.y', during: 'fit()' } };
  }

  /** sampleWeight and classWeight checked against the encoded targets: the normalised row weights, or null. */
  #checkWeights(options: FitOptions<FeaturesInput, YIn> | undefined, Y: HostMatrix): Float32Array | null {
    if (options === undefined || options === null || typeof options !== 'object') return null;
    // A binary classifier has one output column and two classes.
    const classes = !isClassifier(this.objective) ? null : this.objective === 'softmax-ce' ? this.nOutputs : 2;
    const w = rowWeights(options, Y, classes, this.modelName);
    return w === null ? null : Float32Array.from(normalizeWeights(w));
  }

  #destroyedDuringFit(): StateError {
    return new StateError(`${this.modelName} was destroyed while fit() was running`);
  }

  /**
   * Trains on X (n×nFeatures) and y by gradient descent (or, with solver 'lbfgs', L-BFGS) on the GPU (or, engine 'js', in JavaScript). Parameters start at zero unless
   * `init` is given or `warmStart` is set. Every argument is checked before any GPU state changes.
   */
  async fit(X: FeaturesInput, y: YIn, options?: FitOptions<FeaturesInput, YIn>): Promise<History> {
    return this.#alone('fit', async () => {
      if (this.hasShape) return this.#fitShaped(X, y, options);
      // The first fit of a model made without its shapes takes them from X and y, and gives them
      // back (with the default context's parameters) if it fails: the model is as it was.
      const Xh = checkFeatures('X', X, this.#nFeatures);
      const given = { nFeatures: this.#nFeatures, nOutputs: this.#nOutputs };
      this.#nOutputs ??= this.outputsOf('y', y, Xh.rows);
      this.#nFeatures = Xh.cols;
      this.#host = zeroParams(Xh.cols, this.#nOutputs);
      try {
        return await this.#fitShaped(X, y, options);
      } catch (e) {
        this.#nFeatures = given.nFeatures;
        this.#nOutputs = given.nOutputs;
        this.#host = null;
        this.#backend?.release();
        this.#backend = null;
        this.#ctx = null;
        throw e;
      }
    });
  }

  /** fit() once the shapes are known, every argument checked before any GPU state changes. */
  async #fitShaped(X: FeaturesInput, y: YIn, options: FitOptions<FeaturesInput, YIn> | undefined): Promise<History> {
    const Xh = this.checkFeatures('X', X);
    const Yh = this.encodeTargets('y', y, Xh.rows, true);
    const opts = resolveFitOptions(options as FitOptions<unknown, unknown> | undefined, Xh.rows);
    const validation = this.#checkValidation(options?.validation);
    const init = options?.init === undefined ? null : this.#checkParams('init', options.init);
    const weights = this.#checkWeights(options, Yh);
    if (init !== null && opts.warmStart) throw new ValueError('give either init or warmStart, not both');
    throwIfAborted(opts.signal);

    // Awaited only when it must be made: a fit on an existing backend starts as it always did.
    const backend = this.#backend ?? (await this.#ready());
    if (this.#destroyed) throw this.#destroyedDuringFit();
    const before = this.#host ?? zeroParams(this.nFeatures, this.nOutputs);
    let kept: HostParams | null = null;
    try {
      const start = init ?? (opts.warmStart ? null : zeroParams(this.nFeatures, this.nOutputs));
      const result = await backend.fit({
        shape: this.#shape(), X: Xh, Y: Yh, options: opts, validation, weights, start, current: before,
        checkAlive: () => {
          if (this.#destroyed) throw this.#destroyedDuringFit();
        },
        kept: (p) => {
          kept = p;
        },
      });
      if (this.#destroyed) throw this.#destroyedDuringFit();
      // The trainer read the final parameters back to check them: they are the new host copy.
      this.#host = { W: result.W, b: result.b };
      return result.history;
    } catch (e) {
      // An aborted fit keeps its last finished epoch (already back in W and b); one that fails
      // (diverged, device error, destroyed) leaves the model as it was before the call.
      if (kept !== null && isAbortError(e) && !this.#destroyed) this.#host = kept;
      else this.#restore(before);
      throw e;
    }
  }

  #restore(p: HostParams): void {
    if (this.#destroyed) {
      this.#host = p;
      return;
    }
    try {
      this.#made.revert(p);
      this.#host = p;
    } catch {
      // The device is gone; the host copy (and so toJSON) still holds the last good parameters.
      this.#host = p;
    }
  }

  /** Ŷ for X as a host matrix (probabilities for classifiers, predictions for regression), or the logits XW + b. */
  protected async predictMatrix(X: FeaturesInput, what = 'predict', output: RowOutput = 'predictions'): Promise<HostMatrix> {
    return this.readOnly(what, async () => {
      const Xh = this.checkFeatures('X', X);
      return this.#made.predictRows(this.#shape(), { X: Xh, Y: null, names: { X: 'X', Y: 'y', during: `${what}()` } }, output);
    });
  }

  /** Mean data loss (without the L2 term) on X and y. */
  async loss(X: FeaturesInput, y: YIn): Promise<number> {
    return this.readOnly('loss', async () => {
      const Xh = this.checkFeatures('X', X);
      const Yh = this.encodeTargets('y', y, Xh.rows, false);
      return (await this.#made.evaluate(this.#shape(), { X: Xh, Y: Yh, names: { X: 'X', Y: 'y', during: 'loss()' } })).loss;
    });
  }

  /** Targets of y encoded as the model sees them, after checking (for score()). */
  protected targets(name: string, y: unknown, rows: number): HostMatrix {
    return this.encodeTargets(name, y, rows, false);
  }

  /** A copy of the parameters, read from the GPU. */
  async getParams(): Promise<ModelParams> {
    return this.readOnly('getParams', async () => {
      const p = await this.#made.read();
      this.#host = p;
      return { W: { data: p.W.slice(), rows: this.nFeatures, cols: this.nOutputs }, b: p.b.slice() };
    });
  }

  /** Replaces the parameters (checked first: shapes and finiteness); before the first fit() they give the model its shape. */
  setParams(p: ParamsInput): void {
    this.assertAlive();
    const running = this.#runningNow();
    if (running !== null) throw new StateError(`${this.modelName}.setParams() called while ${running} running on the same model`);
    const checked = this.#checkParams('params', p);
    this.#nFeatures ??= checked.W.length / checked.b.length;
    this.#nOutputs ??= checked.b.length;
    this.#write(checked);
    // New parameters start their optimizer anew, as a fit from `init` does.
    this.#backend?.forgetOptimizerState();
  }

  /**
   * The model as plain JSON: parameters as of the last completed fit() or setParams() (a fit that
   * failed leaves them as they were). It reads the host copy only, so it works after the device
   * is lost or the context destroyed: restore with fromJSON() on a new context.
   */
  toJSON(): ModelJSON {
    if (this.#destroyed) throw new StateError(`${this.modelName} was used after destroy()`);
    if (this.#host === null) throw this.#notShaped('toJSON()');
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

  /**
   * @internal What GridSearch needs to train models of this one's kind: the objective, the input
   * checks and the target encoding (protected, so reached through this static member).
   */
  static kindOf<Y>(model: LinearModel<Y>): ModelKind {
    return {
      objective: model.objective,
      threshold: model.threshold(),
      features: (name, X) => model.checkFeatures(name, X),
      targets: (name, y, rows, forFit) => model.encodeTargets(name, y, rows, forFit),
    };
  }

  /**
   * Frees the model's GPU buffers; calling it again does nothing. During a call that uses them the
   * buffers are freed when it ends: a running fit() then rejects with a StateError before its next
   * epoch, and reads (predict...) finish first. The context stays healthy either way.
   */
  destroy(): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    this.#releaseIfIdle();
  }
}

/** The backend for `ctx`'s engine: parameters on the GPU, or on the host for the 'js' engine. */
function makeBackend(ctx: GpuContext, modelName: string, nFeatures: number, nOutputs: number): ModelBackend {
  return ctx.engine === 'js' ? new HostBackend(modelName, nFeatures, nOutputs) : new GpuBackend(ctx, modelName, nFeatures, nOutputs);
}

function zeroParams(nFeatures: number, nOutputs: number): HostParams {
  return { W: allocF32(`W (${nFeatures}×${nOutputs})`, nFeatures * nOutputs), b: allocF32(`b (1×${nOutputs})`, nOutputs) };
}
