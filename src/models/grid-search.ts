// Grid search over learning rates and L2: every candidate trained in one pass over X. The step
// kernels hold the G parameter sets side by side (Wp is d × G·k), so each step reads its batch rows
// once and computes the logits, residuals and updates of all candidates; each candidate keeps its
// own learning rate, λ, epoch loss and divergence check. The row order is the same for all, so each
// candidate's result is what a separate fit() with its setting gives.
import { requireContext, type GpuContext } from '../gpu/context.ts';
import { throwIfAborted } from '../core/abort.ts';
import { runLanes, type Lanes } from '../core/loop.ts';
import { isClassifier } from '../core/metrics.ts';
import { OBJECTIVES } from '../core/objective.ts';
import { resolveFitOptions, type EpochLog, type FitOptions, type History } from '../core/options.ts';
import { batchSizes } from '../core/order.ts';
import { learningRateAt, type LearningRateSchedule } from '../core/schedule.ts';
import { stepEngine } from '../step/index.ts';
import type { SetMeter } from '../step/set-meter.ts';
import { uploadTrainingSet, type CheckedFeatures, type ResidentX } from '../step/training-set.ts';
import { StateError, ValueError } from '../errors.ts';
import { groupStride } from '../kernels/step-layout.ts';
import type { GpuMatrix } from '../matrix.ts';
import type { HostMatrix } from '../types.ts';
import { describeValue } from '../validate.ts';
import { predictRows, type PassData } from '../train/evaluate.ts';
import type { FeaturesInput } from '../train/features.ts';
import { LinearModel, type ModelKind } from './linear-model.ts';
import { r2Score } from './linear-regression.ts';
import { candidateSchedule, checkGrid, checkGridSizes, requireDefinedR2, SCHEDULE_KINDS, splitByFraction } from './grid-options.ts';
import { GridLanes, type GridLane } from '../train/grid-lanes.ts';
import { trainGridOnHost, type GridTrained } from '../train/host-grid.ts';
import { hostSet } from '../train/host-backend.ts';

/** The values to try; the candidates are every combination, the last key varying fastest. */
export interface ParamGrid {
  learningRate?: readonly number[];
  l2?: readonly number[];
}

/** How the best candidate is chosen: highest validation accuracy or R², or lowest validation loss. */
export type GridScoring = 'accuracy' | 'loss' | 'r2';

/** One candidate's epoch, as GridSearch's onEpochEnd sees it. */
export interface CandidateEpochLog extends EpochLog {
  /** The candidate's index in grid order. */
  candidate: number;
  l2: number;
}

/**
 * Options of GridSearch.fit(); unknown names are rejected. epochs … shardBytes, optimizer, tol,
 * earlyStopping (on each candidate's validation loss) and signal mean what they mean for fit(),
 * each candidate stopping on its own.
 */
export interface GridFitOptions<XIn, YIn> extends Pick<FitOptions<XIn, YIn>, 'epochs' | 'batchSize' | 'shuffle' | 'seed' | 'shardBytes' | 'optimizer' | 'tol' | 'earlyStopping' | 'signal'> {
  /**
   * With learningRate in the grid: a schedule object ('step', 'exponential', 'inverse-time') whose
   * `initial` each candidate's rate replaces. Without it: the rate or schedule all candidates use.
   */
  learningRate?: LearningRateSchedule;
  /** λ of every candidate when the grid has no l2. */
  l2?: number;
  /** The held-out set the candidates are scored on (or give validationFraction). */
  validation?: { X: XIn; y: YIn };
  /** Hold out this fraction (0 < f < 1) of the rows, the last ones, as the validation set. */
  validationFraction?: number;
  /** Default 'accuracy' for classifiers, 'r2' for LinearRegression. */
  scoring?: GridScoring;
  /** Called after each epoch with every running candidate's log; returning false stops all. */
  onEpochEnd?: (logs: readonly CandidateEpochLog[]) => unknown;
}

/** One candidate's outcome. */
export interface GridCandidate {
  learningRate: number;
  l2: number;
  /** Validation loss (and accuracy, R²) with the final parameters; NaN when the candidate diverged. */
  validationLoss: number;
  validationAccuracy?: number;
  validationR2?: number;
  /** The last epoch's mean training loss. */
  trainLoss: number;
  history: History;
  /** The candidate's training diverged (it would have made fit() throw); it is never the best. */
  diverged: boolean;
}

export interface GridResult {
  candidates: GridCandidate[];
  /** Index of the best candidate by `scoring`. */
  best: number;
  scoring: GridScoring;
}

/** Any estimator class: what GridSearch builds candidates and the best model from. */
export type EstimatorClass<M, O> = new (ctx: GpuContext, options: O) => M;

const FIT_KEYS = new Set([
  'epochs', 'batchSize', 'learningRate', 'l2', 'optimizer', 'shuffle', 'seed', 'validation', 'validationFraction', 'scoring', 'onEpochEnd', 'shardBytes',
  'tol', 'earlyStopping', 'signal',
]);

/**
 * Trains every combination of the grid's learning rates and λ in one pass over X per step, scores
 * each on a validation set and keeps the best.
 * @example
 * const search = new GridSearch(ctx, SoftmaxRegression, { nFeatures: 784, nClasses: 10 }, { learningRate: [0.01, 0.1, 1], l2: [0, 1e-4] });
 * const result = await search.fit(X, y, { epochs: 5, validation: { X: Xv, y: yv } });
 * const model = search.bestModel(); // the caller owns it: destroy() it
 */
export class GridSearch<M extends LinearModel<YIn>, O, YIn = unknown> {
  readonly ctx: GpuContext;
  /** The candidates' settings in grid order. */
  readonly settings: readonly { learningRate: number | null; l2: number | null }[];
  readonly #Model: EstimatorClass<M, O>;
  readonly #options: O;
  readonly #kind: ModelKind;
  readonly #nFeatures: number;
  readonly #nOutputs: number;
  readonly #fitIntercept: boolean;
  #result: { candidates: GridCandidate[]; best: number; scoring: GridScoring; params: { W: Float32Array; b: Float32Array }[] } | null = null;
  #fitting = false;
  #destroyed = false;

  /** Checks the model options (by building one model) and the grid; throws ValueError naming a bad key. */
  constructor(ctx: GpuContext, Model: EstimatorClass<M, O>, options: O, grid: ParamGrid) {
    this.ctx = requireContext(ctx);
    if (typeof Model !== 'function' || !(Model.prototype instanceof LinearModel)) {
      throw new ValueError(`GridSearch: Model must be LogisticRegression, SoftmaxRegression or LinearRegression, got ${describeValue(Model)}`);
    }
    const g = checkGrid(grid);
    const probe = new Model(ctx, options);
    try {
      this.#kind = LinearModel.kindOf(probe);
      this.#nFeatures = probe.nFeatures;
      this.#nOutputs = probe.nOutputs;
      this.#fitIntercept = probe.fitIntercept;
    } finally {
      probe.destroy();
    }
    this.#Model = Model;
    this.#options = options;
    const rates: (number | null)[] = g.learningRate ?? [null];
    const l2s: (number | null)[] = g.l2 ?? [null];
    // The first key given varies slowest, as in the grid's own order of keys.
    const settings: { learningRate: number | null; l2: number | null }[] = [];
    if (g.keys[0] === 'l2') {
      for (const l2 of l2s) for (const learningRate of rates) settings.push({ learningRate, l2 });
    } else {
      for (const learningRate of rates) for (const l2 of l2s) settings.push({ learningRate, l2 });
    }
    this.settings = settings;
  }

  #assertAlive(): void {
    if (this.#destroyed) throw new StateError('GridSearch was used after destroy()');
    this.ctx.assertUsable();
  }

  /**
   * Trains every candidate on X and y (all in one pass over X per step), scores each on the
   * validation set and resolves with the candidates in grid order and the index of the best.
   */
  async fit(X: FeaturesInput, y: YIn, options: GridFitOptions<FeaturesInput, YIn>): Promise<GridResult> {
    this.#assertAlive();
    if (this.#fitting) throw new StateError('GridSearch.fit() called while fit() is running');
    this.#fitting = true;
    try {
      return await this.#fit(X, y, options);
    } finally {
      this.#fitting = false;
    }
  }

  async #fit(X: FeaturesInput, y: YIn, options: GridFitOptions<FeaturesInput, YIn>): Promise<GridResult> {
    if (typeof options !== 'object' || options === null || Array.isArray(options)) {
      throw new ValueError(`GridSearch.fit options must be an object (with validation or validationFraction), got ${describeValue(options)}`);
    }
    const o = options as Record<string, unknown>;
    for (const [key, value] of Object.entries(o)) {
      if (!FIT_KEYS.has(key)) throw new ValueError(`GridSearch.fit: unknown option '${key}' (known: ${[...FIT_KEYS].join(', ')})`);
      if (value === null) throw new ValueError(`GridSearch.fit option ${key} must not be null (leave it out for the default)`);
    }
    const kind = this.#kind;
    const classifier = isClassifier(kind.objective);
    const scoring = o.scoring === undefined ? (classifier ? 'accuracy' : 'r2') : o.scoring;
    const allowed = classifier ? ['accuracy', 'loss'] : ['loss', 'r2'];
    if (typeof scoring !== 'string' || !allowed.includes(scoring)) throw new ValueError(`scoring must be ${allowed.map((s) => `'${s}'`).join(' or ')} for this model, got ${describeValue(scoring)}`);
    if (o.onEpochEnd !== undefined && typeof o.onEpochEnd !== 'function') throw new ValueError(`onEpochEnd must be a function, got ${describeValue(o.onEpochEnd)}`);
    const gridL2 = this.settings[0]?.l2 !== null;
    if (gridL2 && o.l2 !== undefined) throw new ValueError('l2: the grid sets each candidate\'s l2; leave it out of fit()\'s options');

    // Inputs, and the validation split.
    let Xh = kind.features('X', X);
    let Yh = kind.targets('y', y, Xh.rows, true);
    let validation: PassData & { Y: HostMatrix };
    if (o.validation !== undefined && o.validationFraction !== undefined) throw new ValueError('give either validation or validationFraction, not both');
    if (o.validation !== undefined) {
      const v = o.validation;
      if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ValueError(`validation must be { X, y }, got ${describeValue(v)}`);
      for (const key of Object.keys(v)) if (key !== 'X' && key !== 'y') throw new ValueError(`validation: unknown key '${key}' (expected X and y)`);
      const Xv = kind.features('validation.X', (v as { X: unknown }).X);
      validation = { X: Xv, Y: kind.targets('validation.y', (v as { y: unknown }).y, Xv.rows, false), names: { X: 'validation.X', Y: 'validation.y', during: 'GridSearch.fit()' } };
    } else if (o.validationFraction !== undefined) {
      const split = splitByFraction(o.validationFraction, Xh, Yh, classifier ? (kind.objective === 'softmax-ce' ? 'one-hot' : 'binary') : null);
      validation = { X: split.validationX, Y: split.validationY, names: { X: 'X', Y: 'y', during: 'GridSearch.fit()' } };
      Xh = split.X;
      Yh = split.Y;
    } else {
      throw new ValueError('GridSearch.fit needs a validation set to score the candidates: give validation { X, y } or validationFraction');
    }

    // Each candidate's schedule and λ, checked through fit()'s own option rules.
    const shared = {
      epochs: o.epochs, batchSize: o.batchSize, shuffle: o.shuffle, seed: o.seed, shardBytes: o.shardBytes, optimizer: o.optimizer,
      tol: o.tol, earlyStopping: o.earlyStopping, signal: o.signal,
      // The search always has a validation set (checked above), which earlyStopping watches.
      validation: validation.X,
    };
    const candidates = this.settings.map((s) => {
      const schedule = s.learningRate === null ? (o.learningRate ?? 0.1) : candidateSchedule(o.learningRate, s.learningRate);
      if (s.learningRate === null && typeof schedule === 'object' && !SCHEDULE_KINDS.has(String((schedule as { kind?: unknown }).kind))) {
        throw new ValueError(`learningRate.kind must be one of ${[...SCHEDULE_KINDS].join(', ')} in a grid search, got ${describeValue((schedule as { kind?: unknown }).kind)}`);
      }
      const l2 = s.l2 ?? o.l2;
      const resolved = resolveFitOptions(Object.fromEntries(Object.entries({ ...shared, learningRate: schedule, l2 }).filter(([, v]) => v !== undefined)), Xh.rows);
      return { schedule: resolved.learningRate, l2: resolved.l2, opts: resolved };
    });
    const opts = (candidates[0] as (typeof candidates)[number]).opts;
    // An already-aborted signal rejects before anything is uploaded, as fit() does.
    throwIfAborted(opts.signal);
    if (scoring === 'r2') requireDefinedR2(validation.Y, o.scoring === undefined);
    if (this.ctx.engine !== 'js') checkGridSizes(this.ctx, {
      d: this.#nFeatures, k: this.#nOutputs, count: candidates.length, batchSize: opts.batchSize, shardBytes: opts.shardBytes,
      sets: [{ name: 'X', X: Xh }, { name: validation.names.X, X: validation.X }],
    });
    const onEpochEnd = o.onEpochEnd as GridFitOptions<unknown, unknown>['onEpochEnd'];
    return this.#train(Xh, Yh, validation, candidates.map((c) => ({ schedule: c.schedule, l2: c.l2 })), opts, scoring as GridScoring, onEpochEnd);
  }

  async #train(
    Xh: CheckedFeatures, Yh: HostMatrix, validation: PassData & { Y: HostMatrix },
    settings: { schedule: LearningRateSchedule; l2: number }[], opts: ReturnType<typeof resolveFitOptions>,
    scoring: GridScoring, onEpochEnd: GridFitOptions<unknown, unknown>['onEpochEnd'],
  ): Promise<GridResult> {
    const kind = this.#kind;
    const lanes: Lanes = {
      schedules: settings.map((r) => r.schedule),
      // The plain fit's divergence rule: there it throws, here the candidate drops out.
      dropDiverged: true,
      onEpochEnd: onEpochEnd === undefined ? undefined : (logs) => onEpochEnd(logs.flatMap((log, g) => (log === null ? [] : [{ ...log, candidate: g, l2: settings[g]?.l2 as number }]))),
    };
    const l2 = settings.map((r) => r.l2);
    const trained = this.ctx.engine === 'js'
      ? await trainGridOnHost({
        objective: kind.objective, train: hostSet(Xh, Yh), validation: hostSet(validation.X, validation.Y), fitIntercept: this.#fitIntercept,
        options: opts, l2, nFeatures: this.#nFeatures, nOutputs: this.#nOutputs, threshold: kind.threshold, classifier: isClassifier(kind.objective),
        assertAlive: () => this.#assertAlive(),
      }, lanes, scoring === 'r2')
      : await this.#trainOnGpu(Xh, Yh, validation, l2, opts, lanes, scoring === 'r2');
    const { outcome } = trained;
    const result: GridCandidate[] = [];
    for (const [g, r] of settings.entries()) {
      const history = outcome.histories[g] as History;
      const diverged = outcome.diverged[g] === true;
      // A candidate stopped early with restoreBest ends with its best epoch's parameters and scores.
      const at = history.bestEpoch !== undefined && history.stopReason === 'early-stopping' && opts.earlyStopping?.restoreBest === true ? history.bestEpoch : history.epochs - 1;
      const setting = this.settings[g] as { learningRate: number | null };
      const candidate: GridCandidate = {
        learningRate: setting.learningRate ?? learningRateAt(r.schedule, 0), l2: r.l2,
        validationLoss: diverged ? Number.NaN : (history.valLoss?.[at] ?? Number.NaN),
        trainLoss: diverged ? Number.NaN : (history.loss.at(-1) ?? Number.NaN), history, diverged,
      };
      if (isClassifier(kind.objective)) candidate.validationAccuracy = diverged ? Number.NaN : (history.valAccuracy?.[at] ?? Number.NaN);
      else if (scoring === 'r2') {
        const predicted = trained.predictions[g] ?? null;
        candidate.validationR2 = diverged || predicted === null ? Number.NaN : r2Score(validation.Y, predicted);
      }
      result.push(candidate);
    }
    const value = (c: GridCandidate): number => {
      if (c.diverged) return Number.NEGATIVE_INFINITY;
      const v = scoring === 'accuracy' ? c.validationAccuracy : scoring === 'r2' ? c.validationR2 : -c.validationLoss;
      return v === undefined || Number.isNaN(v) ? Number.NEGATIVE_INFINITY : v;
    };
    // Ties go to the earlier candidate in grid order.
    let best = -1;
    result.forEach((c, i) => {
      if (!c.diverged && (best < 0 || value(c) > value(result[best] as GridCandidate))) best = i;
    });
    if (best < 0) throw new ValueError('training diverged for every candidate of the grid; try smaller learning rates');
    this.#result = { candidates: result, best, scoring, params: trained.final };
    return { candidates: result, best, scoring };
  }

  /** The candidates as lanes of the context's WebGPU step engine, all in one pass over X per step. */
  async #trainOnGpu(
    Xh: CheckedFeatures, Yh: HostMatrix, validation: PassData & { Y: HostMatrix }, l2: number[], opts: ReturnType<typeof resolveFitOptions>,
    lanes: Lanes, predict: boolean,
  ): Promise<GridTrained> {
    const { ctx } = this;
    const kind = this.#kind;
    const spec = OBJECTIVES[kind.objective];
    const d = this.#nFeatures;
    const k = this.#nOutputs;
    const count = l2.length;
    const n = Xh.rows;
    const owned: GpuMatrix[] = [];
    let Xres: ResidentX | null = null;
    let valX: ResidentX | null = null;
    let valY: GpuMatrix | null = null;
    let meter: SetMeter | null = null;
    let program: ReturnType<ReturnType<typeof stepEngine>['prepare']> | null = null;
    try {
      // Each buffer is kept the moment it exists, so a failure anywhere frees all of them.
      const setup = ctx.capture('uploading the training set', () => {
        Xres = uploadTrainingSet(ctx, Xh, opts.shardBytes);
        owned.push(ctx.upload(Yh, 'y'));
        owned.push(ctx.zeros(count * d, k, 'grid.W'));
        owned.push(ctx.zeros(count, k, 'grid.b'));
        // The validation set stays on the GPU: each epoch measures every candidate on it in one pass.
        valX = uploadTrainingSet(ctx, validation.X, opts.shardBytes);
        valY = ctx.upload(validation.Y, 'grid.validation.y');
      });
      await setup.check;
      const [Yg, W, b] = owned as [GpuMatrix, GpuMatrix, GpuMatrix];
      const X = Xres as unknown as ResidentX;
      const running: GridLane[] = l2.map(() => {
        const Wc = ctx.zeros(d, k, 'grid.candidate.W');
        owned.push(Wc);
        const bc = ctx.zeros(1, k, 'grid.candidate.b');
        owned.push(bc);
        return { W: Wc, b: bc, view: { ctx, objective: kind.objective, spec, nOutputs: k, threshold: kind.threshold, params: { W: Wc, b: bc, fitIntercept: this.#fitIntercept } } };
      });
      const prepared = ctx.capture('preparing the grid search', () => stepEngine(ctx).prepare({
        ctx, spec, X, Y: Yg, W, b, fitIntercept: this.#fitIntercept, l2: l2[0] ?? 0, batchSize: opts.batchSize,
        initialW: new Float32Array(count * d * k), initialB: new Float32Array(count * k), groups: { count, stride: groupStride(k) },
        optimizer: opts.optimizer,
      }));
      program = prepared.value;
      await ctx.device.queue.onSubmittedWorkDone();
      await prepared.check;
      const steps0 = program;
      const metering = ctx.capture('preparing the validation metrics', () => steps0.meter(valX as unknown as ResidentX, valY as unknown as GpuMatrix, kind.threshold));
      meter = metering.value;
      await metering.check;
      const runner = new GridLanes({
        ctx, program, sizes: batchSizes(n, opts.batchSize), l2, W, b, lanes: running, meter,
        validation, classifier: isClassifier(kind.objective), signal: opts.signal, assertAlive: () => this.#assertAlive(),
      });
      const outcome = await runLanes(opts, n, lanes, runner);
      const predictions: (HostMatrix | null)[] = [];
      for (const [g, r] of running.entries()) predictions.push(predict && outcome.diverged[g] !== true ? await predictRows(r.view, validation) : null);
      return { outcome, final: runner.final, predictions };
    } finally {
      (meter as SetMeter | null)?.destroy();
      program?.destroy();
      for (const m of owned) m.destroy();
      (Xres as ResidentX | null)?.destroy();
      (valX as ResidentX | null)?.destroy();
      (valY as GpuMatrix | null)?.destroy();
    }
  }

  /** The last fit()'s result, or null before one finished. */
  get result(): GridResult | null {
    return this.#result === null ? null : { candidates: this.#result.candidates, best: this.#result.best, scoring: this.#result.scoring };
  }

  /** A new model of the searched class holding candidate `index`'s parameters (the best by default); the caller owns it. */
  bestModel(index?: number): M {
    this.#assertAlive();
    const r = this.#result;
    if (r === null) throw new StateError('GridSearch.bestModel() called before fit() finished');
    // Left out (undefined) means the best; null is a mistake, as null options are everywhere else.
    const i = index === undefined ? r.best : index;
    if (!Number.isInteger(i) || i < 0 || i >= r.candidates.length) throw new ValueError(`index must be an integer in 0..${r.candidates.length - 1}, got ${describeValue(index)}`);
    if ((r.candidates[i] as GridCandidate).diverged) throw new ValueError(`index ${i}: that candidate diverged and has no usable parameters`);
    const p = r.params[i] as { W: Float32Array; b: Float32Array };
    const model = new this.#Model(this.ctx, this.#options);
    try {
      model.setParams({ W: { data: p.W, rows: this.#nFeatures, cols: this.#nOutputs }, b: p.b });
    } catch (e) {
      model.destroy();
      throw e;
    }
    return model;
  }

  /** Frees what the search holds; using it afterwards is a StateError. Calling it again does nothing. */
  destroy(): void {
    this.#destroyed = true;
    this.#result = null;
  }
}
