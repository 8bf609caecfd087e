// fit() options: the public shape, and their checked form with defaults applied.
import { ValueError } from '../errors.ts';
import type { MatrixInput } from '../types.ts';
import { checkF32Number, describeValue } from '../validate.ts';
import { checkSignal } from './abort.ts';
import { checkOptimizer, type Optimizer, type OptimizerOptions } from './optimizer.ts';
import { checkSchedule, checkScheduleRates, isHypergradient, type LearningRateSchedule } from './schedule.ts';
import type { ClassWeightInput, SampleWeightInput } from './weights.ts';

/** What onEpochEnd receives after each epoch. */
export interface EpochLog {
  /** The epoch just finished, counting from 0. */
  epoch: number;
  /** Mean training loss over the epoch, each row's loss taken when its batch was processed. */
  loss: number;
  /** Mean loss on the validation set at the end of the epoch (when fit() was given `validation`). */
  valLoss?: number;
  /** Training-set accuracy at the end of the epoch (classifiers with `trainAccuracy: true`). */
  accuracy?: number;
  /** Validation-set accuracy at the end of the epoch (classifiers given `validation`). */
  valAccuracy?: number;
  /** The learning rate the epoch used (a hypergradient schedule's: the learned rate after its last step). */
  learningRate: number;
  /** Wall-clock milliseconds the epoch took, evaluation included. */
  ms: number;
  /** Solver 'lbfgs': the regularized objective mean loss + (l2/2)·‖W‖² at the iteration's point. */
  objective?: number;
}

/**
 * Why fit() stopped: it ran all `epochs`, the `tol` or `gradTol` test was met, onEpochEnd returned
 * false, the validation loss stopped improving (`earlyStopping`), or (solver 'lbfgs') no step along
 * the search direction met the Wolfe conditions: the fit keeps the best point it found.
 */
export type StopReason = 'epochs' | 'tol' | 'gradTol' | 'callback' | 'early-stopping' | 'line-search';

/**
 * 'sgd': mini-batch gradient descent, one history entry per epoch. 'lbfgs': limited-memory BFGS on
 * the whole training set (full batch), one history entry per iteration.
 */
export type Solver = 'sgd' | 'lbfgs';

/** Stop when the validation loss has not improved for a while (Keras's EarlyStopping on val_loss). */
export interface EarlyStoppingOptions {
  /** Epochs without improvement after which training stops (a positive integer). */
  patience: number;
  /** An improvement is a validation loss below the best so far minus minDelta (≥ 0, default 0). */
  minDelta?: number;
  /** On stopping, go back to the parameters of the epoch with the best validation loss (default true). */
  restoreBest?: boolean;
}

/**
 * Called after each epoch. Returning false stops training (stopReason 'callback'); fit() awaits a
 * returned promise before the next epoch, and a rejection rejects fit() (the model keeps its
 * previous parameters).
 */
export type EpochCallback = (log: EpochLog) => unknown;

/** What fit() returns: one entry per epoch run in each array (the EpochLog values), and why it stopped. */
export interface History {
  loss: number[];
  valLoss?: number[];
  accuracy?: number[];
  valAccuracy?: number[];
  learningRate: number[];
  ms: number[];
  /** Solver 'lbfgs': the regularized objective after each iteration (what the solver minimizes). */
  objective?: number[];
  /** True when a `tol` or `gradTol` test stopped training before `epochs`. */
  converged: boolean;
  stopReason: StopReason;
  /** Epochs actually run. */
  epochs: number;
  /** With `earlyStopping`: the epoch whose validation loss was the best. */
  bestEpoch?: number;
}

/** Model parameters as users pass them: W as a matrix, b as a vector. */
export interface ParamsInput {
  W: MatrixInput;
  b?: ArrayLike<number>;
}

/** Options of fit(); every one is optional and checked before training starts (unknown names too). */
export interface FitOptions<XIn, YIn> {
  /** 'sgd' (default) or 'lbfgs' (full batch; batchSize, shuffle, seed and learningRate do not apply). */
  solver?: Solver;
  /** Passes over the training set (a positive integer); with solver 'lbfgs', iterations. Default 10 (lbfgs: 100). */
  epochs?: number;
  /** Rows per step: n (or more) is batch GD, 1 is stochastic GD. Default 32. */
  batchSize?: number;
  /** A fixed rate > 0, a schedule object or a function of the epoch. Default 0.1. */
  learningRate?: LearningRateSchedule;
  /** Objective = mean loss + (l2/2)·‖W‖²; the bias is never regularized. */
  l2?: number;
  /**
   * How each step uses its gradient: 'sgd' (default), 'momentum', 'nesterov', 'adam', or an object
   * with their settings (see OptimizerOptions). Its state starts at zero with each fit; warmStart
   * continues it. Solver 'sgd' only.
   */
  optimizer?: OptimizerOptions;
  /** Visit the rows in a new random order each epoch (default true); false keeps X's order. */
  shuffle?: boolean;
  /** Seed of the shuffle (an integer, default 0): the same seed gives the same batches on every runtime. */
  seed?: number;
  /** Stop when ‖Δθ‖₂ over an epoch is ≤ tol (0: never). */
  tol?: number;
  /** Stop when ‖∇θ‖₂ of the regularized objective on the whole training set is ≤ gradTol (0: never). */
  gradTol?: number;
  /** A held-out set whose loss (and accuracy, for classifiers) is reported after each epoch. */
  validation?: { X: XIn; y: YIn };
  /** Also report accuracy on the training set each epoch (classifiers; costs a pass over X). */
  trainAccuracy?: boolean;
  /** Start from the current parameters instead of zeros. */
  warmStart?: boolean;
  /** Start from these parameters (W nFeatures×k, b of length k) instead of zeros. */
  init?: ParamsInput;
  /**
   * Largest buffer X is uploaded into, in bytes (default: the device's storage-binding limit). A
   * training set larger than this is split into shards of whole rows; small values force that path.
   */
  shardBytes?: number;
  /** Called after each epoch with its EpochLog (e.g. to draw a loss curve); see EpochCallback. */
  onEpochEnd?: EpochCallback;
  /**
   * Cancels the fit: it stops at the next step boundary it can honour and rejects with an
   * AbortError, leaving the parameters of the last finished epoch.
   */
  signal?: AbortSignal;
  /** Stop once the validation loss stops improving (needs `validation`); see EarlyStoppingOptions. */
  earlyStopping?: EarlyStoppingOptions;
  /**
   * One weight ≥ 0 per training row: the training loss becomes Σwᵢℓᵢ/Σw (integer weights train as
   * duplicated rows). Validation loss, accuracy and score stay unweighted. See core/weights.ts.
   */
  sampleWeight?: SampleWeightInput;
  /** Classifiers: 'balanced' or one weight ≥ 0 per class (not all 0), multiplying each row's sampleWeight. */
  classWeight?: ClassWeightInput;
}

/** FitOptions checked, with every default applied (what cpu.train() takes as TrainProblem.options). */
export interface ResolvedFitOptions {
  /** Absent: 'sgd'. */
  solver?: Solver;
  epochs: number;
  batchSize: number;
  learningRate: LearningRateSchedule;
  l2: number;
  optimizer: Optimizer;
  shuffle: boolean;
  seed: number;
  tol: number;
  gradTol: number;
  trainAccuracy: boolean;
  warmStart: boolean;
  onEpochEnd: EpochCallback | undefined;
  shardBytes: number | undefined;
  signal: AbortSignal | undefined;
  earlyStopping: Required<EarlyStoppingOptions> | null;
}

const KNOWN = new Set([
  'solver', 'epochs', 'batchSize', 'learningRate', 'l2', 'optimizer', 'shuffle', 'seed', 'tol', 'gradTol',
  'validation', 'trainAccuracy', 'warmStart', 'init', 'onEpochEnd', 'shardBytes', 'signal', 'earlyStopping',
  // Checked against the targets by core/weights.ts rowWeights().
  'sampleWeight', 'classWeight',
]);

/** earlyStopping checked, its defaults applied; `hasValidation`: whether the fit has a validation set to watch. */
export function checkEarlyStopping(v: unknown, hasValidation: boolean): Required<EarlyStoppingOptions> | null {
  if (v === undefined) return null;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ValueError(`earlyStopping must be { patience, minDelta?, restoreBest? }, got ${describeValue(v)}`);
  for (const key of Object.keys(v)) {
    if (key !== 'patience' && key !== 'minDelta' && key !== 'restoreBest') {
      throw new ValueError(`earlyStopping: unknown key '${key}' (known: patience, minDelta, restoreBest)`);
    }
  }
  const e = v as Record<string, unknown>;
  if (e.patience === undefined) throw new ValueError('earlyStopping.patience is required (a positive integer)');
  // Without a validation set there is no loss to watch: the training loss would stop on noise.
  if (!hasValidation) throw new ValueError('earlyStopping needs a validation set: give fit() the validation option');
  return {
    patience: positiveInt('earlyStopping.patience', e.patience, 1),
    minDelta: nonNegative('earlyStopping.minDelta', e.minDelta, 0),
    restoreBest: flag('earlyStopping.restoreBest', e.restoreBest, true),
  };
}

/** A number ≥ 0 within float32's range: l2 goes to the kernels as f32, tol and the others are compared with f32 results. */
function nonNegative(name: string, v: unknown, fallback: number): number {
  if (v === undefined) return fallback;
  const n = checkF32Number(name, v);
  if (n < 0) throw new ValueError(`${name} must be ≥ 0, got ${n}`);
  return n;
}

function flag(name: string, v: unknown, fallback: boolean): boolean {
  if (v === undefined) return fallback;
  if (typeof v !== 'boolean') throw new ValueError(`${name} must be true or false, got ${describeValue(v)}`);
  return v;
}

/**
 * A count (epochs, batchSize, patience...): an integer ≥ 1 that float64 still counts in steps of 1.
 * Past 2^53 it does not, and the schedule check's bisection over the epochs never ended (1e300
 * epochs with a decaying rate hung fit() before its first epoch).
 */
function positiveInt(name: string, v: unknown, fallback: number): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new ValueError(`${name} must be a positive integer, got ${describeValue(v)}`);
  if (!Number.isSafeInteger(v)) throw new ValueError(`${name} must be a positive integer up to 2^53 − 1, got ${describeValue(v)}`);
  return v;
}

/**
 * The solver option; 'lbfgs' refuses the options that only mean something to mini-batch SGD: a
 * line search picks each step's length, and every iteration reads the whole training set.
 */
function checkSolver(o: FitOptions<unknown, unknown>, n: number): Solver {
  const solver: unknown = o.solver === undefined ? 'sgd' : o.solver;
  if (solver !== 'sgd' && solver !== 'lbfgs') throw new ValueError(`solver must be 'sgd' or 'lbfgs', got ${describeValue(solver)}`);
  if (solver === 'lbfgs') {
    const batchSize = positiveInt('batchSize', o.batchSize, n);
    if (batchSize < n) throw new ValueError(`batchSize ${batchSize} does not apply to solver 'lbfgs', which is full-batch: leave batchSize out (or give at least the ${n} rows)`);
    for (const key of ['learningRate', 'shuffle', 'seed', 'optimizer'] as const) {
      if (o[key] !== undefined) throw new ValueError(`${key} does not apply to solver 'lbfgs' (a line search picks each step over the whole training set): leave it out`);
    }
  }
  return solver;
}

/** Checks every option (unknown names included) and applies defaults; batchSize is capped at n. */
export function resolveFitOptions(options: FitOptions<unknown, unknown> | undefined, n: number): ResolvedFitOptions {
  // Left out is the default; null is a mistake, as a null option (or null model options) is everywhere.
  const o = options === undefined ? {} : options;
  if (typeof o !== 'object' || o === null || Array.isArray(o)) throw new ValueError(`fit options must be an object, got ${describeValue(o)}`);
  for (const [key, value] of Object.entries(o)) {
    if (!KNOWN.has(key)) throw new ValueError(`unknown fit option '${key}' (known: ${[...KNOWN].join(', ')})`);
    // null is not "the default" for any option: leaving it out (or undefined) is.
    if (value === null) throw new ValueError(`fit option ${key} must not be null (leave it out for the default)`);
  }
  const solver = checkSolver(o, n);
  const learningRate = o.learningRate === undefined ? 0.1 : o.learningRate;
  checkSchedule(learningRate);
  if (o.onEpochEnd !== undefined && typeof o.onEpochEnd !== 'function') throw new ValueError(`onEpochEnd must be a function, got ${describeValue(o.onEpochEnd)}`);
  const seed = o.seed === undefined ? 0 : o.seed;
  if (!Number.isSafeInteger(seed)) throw new ValueError(`seed must be an integer, got ${describeValue(seed)}`);
  const epochs = positiveInt('epochs', o.epochs, solver === 'lbfgs' ? 100 : 10);
  checkScheduleRates(learningRate, epochs);
  const optimizer = checkOptimizer('optimizer', o.optimizer);
  if (optimizer.kind !== 'sgd' && isHypergradient(learningRate)) {
    throw new ValueError(`optimizer '${optimizer.kind}' cannot be combined with the hypergradient learning rate, which learns the rate of plain SGD steps: give optimizer 'sgd' or another schedule`);
  }
  return {
    solver,
    epochs,
    batchSize: solver === 'lbfgs' ? n : Math.min(positiveInt('batchSize', o.batchSize, 32), n),
    learningRate,
    l2: nonNegative('l2', o.l2, 0),
    optimizer,
    shuffle: flag('shuffle', o.shuffle, true),
    seed,
    tol: nonNegative('tol', o.tol, 0),
    gradTol: nonNegative('gradTol', o.gradTol, 0),
    trainAccuracy: flag('trainAccuracy', o.trainAccuracy, false),
    warmStart: flag('warmStart', o.warmStart, false),
    onEpochEnd: o.onEpochEnd,
    shardBytes: o.shardBytes === undefined ? undefined : positiveInt('shardBytes', o.shardBytes, 1),
    signal: checkSignal(o.signal),
    earlyStopping: checkEarlyStopping(o.earlyStopping, o.validation !== undefined),
  };
}
