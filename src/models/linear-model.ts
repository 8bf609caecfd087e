// What the three estimators share: parameters resident on the GPU (W d×k, b 1×k) with a host copy
// for toJSON(), input checking before any GPU work, and fit() on top of the GPU trainer.
import { accuracy, isClassifier } from '../cpu/train.ts';
import { GpuContext } from '../context.ts';
import { ShapeError, StateError, ValueError } from '../errors.ts';
import type { GpuMatrix } from '../matrix.ts';
import type { HostMatrix, MatrixInput } from '../types.ts';
import { checkFiniteData, checkPositiveInt, describeShape, toHostMatrix } from '../validate.ts';
import { forward, meanLoss, objectiveGradientNorm, type Params } from './forward.ts';
import { OBJECTIVES, type Objective, type ObjectiveSpec } from './objective.ts';
import { resolveFitOptions, type FitOptions, type History, type ParamsInput } from './options.ts';
import { trainOnGpu } from './trainer.ts';

/** Parameters as getParams() returns them. */
export interface ModelParams {
  W: HostMatrix;
  b: Float32Array;
}

/** The serialized form of a fitted model (toJSON / fromJSON). */
export interface ModelJSON {
  format: 'webgpu-logreg';
  version: 1;
  model: string;
  nFeatures: number;
  nOutputs: number;
  fitIntercept: boolean;
  /** Model-specific settings (threshold, loss...). */
  settings: Record<string, number | string | boolean>;
  /** Row-major nFeatures×nOutputs. */
  W: number[];
  b: number[];
}

export interface LinearModelOptions {
  nFeatures: number;
  /** Learn a bias b (default true). */
  fitIntercept?: boolean;
}

const KNOWN_MODEL_OPTIONS = new Set(['nFeatures', 'nClasses', 'nOutputs', 'fitIntercept', 'threshold', 'loss']);

/** Rejects unknown constructor options so a typo is not silently ignored. */
export function checkModelOptions(model: string, options: unknown): void {
  if (typeof options !== 'object' || options === null) throw new ValueError(`${model} options must be an object, got ${String(options)}`);
  for (const key of Object.keys(options)) {
    if (!KNOWN_MODEL_OPTIONS.has(key)) throw new ValueError(`${model}: unknown option '${key}'`);
  }
}

export abstract class LinearModel<YIn> {
  readonly ctx: GpuContext;
  readonly nFeatures: number;
  readonly nOutputs: number;
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
    if (!(ctx instanceof GpuContext)) throw new StateError('ctx must be a GpuContext from createContext()');
    ctx.assertUsable();
    this.ctx = ctx;
    this.nFeatures = checkPositiveInt('nFeatures', nFeatures);
    this.nOutputs = nOutputs;
    if (fitIntercept !== undefined && typeof fitIntercept !== 'boolean') throw new ValueError(`fitIntercept must be true or false, got ${String(fitIntercept)}`);
    this.fitIntercept = fitIntercept ?? true;
    this.#host = { W: new Float32Array(this.nFeatures * nOutputs), b: new Float32Array(nOutputs) };
    this.#W = ctx.zeros(this.nFeatures, nOutputs, 'W');
    this.#b = ctx.zeros(1, nOutputs, 'b');
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

  protected checkX(name: string, X: MatrixInput): HostMatrix {
    const m = toHostMatrix(name, X);
    if (m.cols !== this.nFeatures) {
      throw new ShapeError(`${name} is ${describeShape(m)} but the model has nFeatures = ${this.nFeatures} (X needs ${this.nFeatures} columns)`);
    }
    return m;
  }

  #params(): Params {
    return { W: this.#W, b: this.#b, fitIntercept: this.fitIntercept };
  }

  /** Checks {W, b} against the model's shape and returns them as flat f32 arrays. */
  #checkParams(name: string, p: ParamsInput): { W: Float32Array; b: Float32Array } {
    if (typeof p !== 'object' || p === null) throw new ValueError(`${name} must be { W, b }`);
    const W = toHostMatrix(`${name}.W`, p.W);
    if (W.rows !== this.nFeatures || W.cols !== this.nOutputs) {
      throw new ShapeError(`${name}.W is ${describeShape(W)} but must be ${this.nFeatures}×${this.nOutputs}`);
    }
    const b = new Float32Array(this.nOutputs);
    if (p.b !== undefined) {
      if (p.b.length !== this.nOutputs) throw new ShapeError(`${name}.b has ${p.b.length} values but must have ${this.nOutputs}`);
      b.set(Array.from(p.b));
      checkFiniteData(`${name}.b`, b, this.nOutputs);
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
  async fit(X: MatrixInput, y: YIn, options?: FitOptions<MatrixInput, YIn>): Promise<History> {
    return this.#exclusive('fit', async () => {
      const Xh = this.checkX('X', X);
      const Yh = this.encodeTargets('y', y, Xh.rows, true);
      const opts = resolveFitOptions(options as FitOptions<unknown, unknown> | undefined, Xh.rows);
      const validation = options?.validation;
      let Xv: HostMatrix | null = null;
      let Yv: HostMatrix | null = null;
      if (validation !== undefined) {
        if (typeof validation !== 'object' || validation === null) throw new ValueError('validation must be { X, y }');
        Xv = this.checkX('validation.X', validation.X);
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
      try {
        const Xg = upload(Xh, 'X');
        const Yg = upload(Yh, 'y');
        const XvG = Xv === null ? null : upload(Xv, 'validation.X');
        const YvG = Yv === null ? null : upload(Yv, 'validation.y');
        if (init !== null) this.#write(init);
        else if (!opts.warmStart) this.#write({ W: new Float32Array(this.#host.W.length), b: new Float32Array(this.nOutputs) });
        const evaluate = async (which: 'train' | 'validation') => {
          const [Xe, Ye, Yhost] = which === 'train' ? [Xg, Yg, Yh] : [XvG, YvG, Yv];
          if (Xe === null || Ye === null || Yhost === null) return null;
          return this.#evaluate(Xe, Ye, Yhost);
        };
        const history = await trainOnGpu(
          {
            ctx: this.ctx, objective: this.objective, X: Xg, Y: Yg, W: this.#W, b: this.#b,
            fitIntercept: this.fitIntercept, options: opts, evaluate, hasValidation: XvG !== null,
          },
          () => objectiveGradientNorm(this.ctx, this.spec, Xg, Yg, this.#params(), opts.l2),
        );
        await this.#syncHost();
        return history;
      } catch (e) {
        // A fit that fails (diverged, device error) leaves the model as it was before the call.
        this.#restore(before);
        throw e;
      } finally {
        for (const m of resident) m.destroy();
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

  async #evaluate(X: GpuMatrix, Y: GpuMatrix, Yhost: HostMatrix): Promise<{ loss: number; accuracy?: number }> {
    const f = forward(this.ctx, this.spec, X, this.#params());
    try {
      const loss = await meanLoss(this.ctx, this.spec, f, Y);
      if (!isClassifier(this.objective)) return { loss };
      const Yhat = await f.Yhat.read();
      return { loss, accuracy: accuracy(this.objective, Yhat, Yhost, this.threshold()) };
    } finally {
      f.destroy();
    }
  }

  /** Ŷ for X as a host matrix (probabilities for classifiers, predictions for regression). */
  protected async predictMatrix(X: MatrixInput): Promise<HostMatrix> {
    return this.#exclusive('predict', async () => {
      const Xg = this.ctx.upload(this.checkX('X', X), 'X');
      const f = forward(this.ctx, this.spec, Xg, this.#params());
      try {
        return await f.Yhat.read();
      } finally {
        f.destroy();
        Xg.destroy();
      }
    });
  }

  /** Mean data loss (without the L2 term) on X and y. */
  async loss(X: MatrixInput, y: YIn): Promise<number> {
    return this.#exclusive('loss', async () => {
      const Xh = this.checkX('X', X);
      const Yh = this.encodeTargets('y', y, Xh.rows, false);
      const Xg = this.ctx.upload(Xh, 'X');
      const Yg = this.ctx.upload(Yh, 'y');
      const f = forward(this.ctx, this.spec, Xg, this.#params());
      try {
        return await meanLoss(this.ctx, this.spec, f, Yg);
      } finally {
        f.destroy();
        Xg.destroy();
        Yg.destroy();
      }
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

  /** The model as plain JSON (parameters as of the last fit/setParams). */
  toJSON(): ModelJSON {
    this.assertAlive();
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

/** Checks a ModelJSON's envelope before a subclass rebuilds the model from it. */
export function checkModelJSON(json: unknown, model: string): ModelJSON {
  if (typeof json !== 'object' || json === null) throw new ValueError(`${model}.fromJSON: expected an object, got ${String(json)}`);
  const j = json as Partial<ModelJSON>;
  if (j.format !== 'webgpu-logreg' || j.version !== 1) throw new ValueError(`${model}.fromJSON: not a webgpu-logreg v1 model`);
  if (j.model !== model) throw new ValueError(`${model}.fromJSON: the JSON holds a ${String(j.model)}`);
  if (!Array.isArray(j.W) || !Array.isArray(j.b) || typeof j.settings !== 'object') throw new ValueError(`${model}.fromJSON: W, b or settings missing`);
  return j as ModelJSON;
}
