// The epoch loop, written once for the GPU trainer and the float64 reference trainer: schedule,
// row order, divergence checks, log, callback and stopping rules. It is a generator that asks its
// driver for what only a trainer can do (run an epoch, measure, compare parameters); the drivers
// below answer synchronously (float64) or asynchronously (GPU), so both trainers run the same steps.
import { ValueError } from '../errors.ts';
import { describeValue } from '../validate.ts';
import { throwIfAborted } from './abort.ts';
import type { EpochLog, History, ResolvedFitOptions, StopReason } from './options.ts';
import { epochOrder } from './order.ts';
import { isHypergradient, learningRateAt } from './schedule.ts';

/** The end-of-epoch numbers a trainer measured; absent keys were not asked for. */
export interface EpochMetrics {
  valLoss?: number;
  accuracy?: number;
  valAccuracy?: number;
}

/** An epoch the trainer ran ahead of the loop: its loss, and its share of the time its run took. */
export interface EpochRun {
  loss: number;
  ms: number;
}

export type Answer<Mode extends 'sync' | 'async', T> = Mode extends 'async' ? Promise<T> : T;

/** What a trainer does for the loop. */
export interface EpochRunner<Mode extends 'sync' | 'async'> {
  /**
   * One pass over the rows in `order` at `learningRate`; resolves with the epoch's mean loss (each
   * row's loss taken when its batch was processed), or with the loss and the milliseconds the pass
   * took when the trainer ran it ahead, with others, before it was asked for. `snapshot`: keep the
   * parameters as they were before the pass, for moved().
   */
  runEpoch(order: Uint32Array, learningRate: number, snapshot: boolean): Answer<Mode, number | EpochRun>;
  metrics(): Answer<Mode, EpochMetrics>;
  /** ‖θ − θ_snapshot‖₂ after the last epoch run with `snapshot`. */
  moved(): Answer<Mode, number>;
  /** ‖∇θ‖₂ of the regularized objective on the whole training set. */
  gradientNorm(): Answer<Mode, number>;
  /** Whether every parameter is finite (and within float32) now that training has stopped. */
  paramsFinite(): Answer<Mode, boolean>;
  /** Keep a copy of the parameters as they are now: the best epoch so far (earlyStopping.restoreBest). */
  keepBest(): Answer<Mode, void>;
  /** Put back the parameters last kept by keepBest(). */
  restoreBest(): Answer<Mode, void>;
  /**
   * The learned rate α at the end of the last epoch run (a hypergradient schedule, the only one
   * that asks; α starts at its `initial` with each fit and carries across epochs).
   */
  learnedRate?(): Answer<Mode, number>;
}

/**
 * An epoch loss this many times the lowest one so far (or than 1, when that is lower) counts as
 * divergence. Gradient descent at a rate that is too large grows the loss geometrically, by orders
 * of magnitude an epoch, and does not come back; training that converges, even noisy stochastic
 * GD, does not raise its epoch loss six orders of magnitude above the best it reached. Stopping
 * there makes a diverging fit fail however few its epochs, not only once float32 overflows. The
 * floor of 1 keeps losses near zero (an exact fit) from tripping it on rounding noise.
 */
export const DIVERGENCE_GROWTH = 1e6;

/** Whether an epoch loss means divergence: not finite, or DIVERGENCE_GROWTH times the `lowest` so far (or 1). */
export function lossDiverged(loss: number, lowest: number): boolean {
  return !Number.isFinite(loss) || loss > DIVERGENCE_GROWTH * Math.max(lowest, 1);
}

type Request =
  | { kind: 'epoch'; order: Uint32Array; learningRate: number; snapshot: boolean }
  | { kind: 'metrics' }
  | { kind: 'moved' }
  | { kind: 'gradientNorm' }
  | { kind: 'paramsFinite' }
  | { kind: 'keepBest' }
  | { kind: 'restoreBest' }
  | { kind: 'learnedRate' }
  | { kind: 'epochEnd'; log: EpochLog };

type Reply = number | EpochMetrics | boolean | undefined;

/**
 * The early-stopping rule on the validation loss: an epoch improves when its loss is below the best
 * so far by more than minDelta; `patience` epochs in a row without improvement stop the fit.
 */
export class Patience {
  best = Number.POSITIVE_INFINITY;
  bestEpoch = -1;
  #waited = 0;
  constructor(readonly patience: number, readonly minDelta: number) {}

  /** Records an epoch's validation loss; says whether it is the new best. */
  improved(epoch: number, valLoss: number): boolean {
    if (valLoss < this.best - this.minDelta) {
      this.best = valLoss;
      this.bestEpoch = epoch;
      this.#waited = 0;
      return true;
    }
    this.#waited++;
    return false;
  }

  get exhausted(): boolean {
    return this.#waited >= this.patience;
  }
}

export function emptyHistory(): History {
  return { loss: [], learningRate: [], ms: [], converged: false, stopReason: 'epochs', epochs: 0 };
}

export function appendLog(h: History, log: EpochLog): void {
  h.loss.push(log.loss);
  h.learningRate.push(log.learningRate);
  h.ms.push(log.ms);
  if (log.valLoss !== undefined) (h.valLoss ??= []).push(log.valLoss);
  if (log.accuracy !== undefined) (h.accuracy ??= []).push(log.accuracy);
  if (log.valAccuracy !== undefined) (h.valAccuracy ??= []).push(log.valAccuracy);
  h.epochs = h.loss.length;
}

function* epochLoop(options: ResolvedFitOptions, n: number): Generator<Request, History, Reply> {
  const history = emptyHistory();
  let stopReason: StopReason = 'epochs';
  let lowest = Number.POSITIVE_INFINITY;
  const early = options.earlyStopping;
  const patience = early === null ? null : new Patience(early.patience, early.minDelta);
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    // Between epochs the parameters are those of the last finished one: what an abort leaves.
    throwIfAborted(options.signal);
    const t0 = performance.now();
    const learningRate = learningRateAt(options.learningRate, epoch);
    const order = epochOrder(n, epoch, options.shuffle, options.seed);
    const ran = (yield { kind: 'epoch', order, learningRate, snapshot: options.tol > 0 }) as number | EpochRun;
    const loss = typeof ran === 'number' ? ran : ran.loss;
    const ranAt = performance.now();
    const advice = `try a smaller learningRate (it was ${learningRate})`;
    if (lossDiverged(loss, lowest)) {
      throw new ValueError(Number.isFinite(loss)
        ? `training diverged: the loss grew to ${loss} in epoch ${epoch}, over ${DIVERGENCE_GROWTH} times its lowest epoch value ${lowest}; ${advice}`
        : `training diverged: the loss became ${loss} in epoch ${epoch}; ${advice}`);
    }
    lowest = Math.min(lowest, loss);
    // A learned rate is logged as it stands after the epoch's last step; a planned one as planned.
    const rate = isHypergradient(options.learningRate) ? ((yield { kind: 'learnedRate' }) as number) : learningRate;
    const metrics = (yield { kind: 'metrics' }) as EpochMetrics;
    // An epoch run ahead was timed with the others of its run: its share replaces the wait for it.
    const ms = typeof ran === 'number' ? performance.now() - t0 : ran.ms + (performance.now() - ranAt);
    const log: EpochLog = { epoch, loss, ...metrics, learningRate: rate, ms };
    appendLog(history, log);
    // onEpochEnd returning false asks to stop, as Keras callbacks and TF.js's stopTraining do.
    if ((yield { kind: 'epochEnd', log }) === false) {
      stopReason = 'callback';
      break;
    }
    if (patience !== null) {
      const valLoss = metrics.valLoss;
      if (valLoss === undefined) throw new Error('earlyStopping: the trainer measured no validation loss');
      // NaN never improves, so a validation loss that blows up runs the patience out.
      if (patience.improved(epoch, valLoss) && early?.restoreBest === true) yield { kind: 'keepBest' };
      if (patience.exhausted) {
        stopReason = 'early-stopping';
        if (early?.restoreBest === true && patience.bestEpoch >= 0) yield { kind: 'restoreBest' };
        break;
      }
    }
    if (options.tol > 0 && ((yield { kind: 'moved' }) as number) <= options.tol) {
      stopReason = 'tol';
      break;
    }
    if (options.gradTol > 0 && ((yield { kind: 'gradientNorm' }) as number) <= options.gradTol) {
      stopReason = 'gradTol';
      break;
    }
  }
  // Each epoch's loss is taken before its steps' updates, so the checks above never see the last
  // update: a step that overflowed there would otherwise end the fit with Infinity or NaN parameters.
  if (!((yield { kind: 'paramsFinite' }) as boolean)) {
    const last = history.epochs - 1;
    throw new ValueError(`training diverged: the parameters became non-finite in epoch ${last}; try a smaller learningRate (it was ${history.learningRate[last]})`);
  }
  history.stopReason = stopReason;
  if (patience !== null && patience.bestEpoch >= 0) history.bestEpoch = patience.bestEpoch;
  history.converged = stopReason === 'tol' || stopReason === 'gradTol';
  return history;
}

/** What fit() rejects with when onEpochEnd throws or its promise rejects: that error is the cause. */
export function callbackFailed(cause: unknown, epoch: number): Error {
  const what = cause instanceof Error ? `${cause.name}: ${cause.message}` : describeValue(cause);
  return new Error(`onEpochEnd failed after epoch ${epoch}: ${what}`, { cause });
}

function ask<Mode extends 'sync' | 'async'>(r: Request, runner: EpochRunner<Mode>, options: ResolvedFitOptions): unknown {
  switch (r.kind) {
    case 'epoch':
      return runner.runEpoch(r.order, r.learningRate, r.snapshot);
    case 'metrics':
      return runner.metrics();
    case 'moved':
      return runner.moved();
    case 'gradientNorm':
      return runner.gradientNorm();
    case 'paramsFinite':
      return runner.paramsFinite();
    case 'keepBest':
      return runner.keepBest();
    case 'restoreBest':
      return runner.restoreBest();
    case 'learnedRate':
      if (runner.learnedRate === undefined) throw new Error('a hypergradient schedule needs a trainer that learns the rate');
      return runner.learnedRate();
    case 'epochEnd':
      return options.onEpochEnd?.(r.log);
  }
}

/** Runs the loop with a float64 (synchronous) trainer. */
export function runEpochsSync(options: ResolvedFitOptions, n: number, runner: EpochRunner<'sync'>): History {
  return driveSync(epochLoop(options, n), (r) => ask(r, runner, options) as Reply);
}

/** Runs the loop with a GPU (asynchronous) trainer; a callback's promise is awaited before going on. */
export function runEpochs(options: ResolvedFitOptions, n: number, runner: EpochRunner<'async'>): Promise<History> {
  return drive(epochLoop(options, n), async (r) => (await ask(r, runner, options)) as Reply);
}

/** What a loop's request failed with: onEpochEnd's error wrapped to say so, any other as it is. */
function failed(r: { kind: string }, e: unknown): unknown {
  const log = r.kind === 'epochEnd' ? (r as { log?: { epoch: number } }).log : undefined;
  return log === undefined ? e : callbackFailed(e, log.epoch);
}

/**
 * Runs a generator loop (this file's, or core/lbfgs.ts's) to its end, answering each request
 * synchronously; an error of onEpochEnd is wrapped to say so (callbackFailed).
 */
export function driveSync<Q extends { kind: string }, R, A>(loop: Generator<Q, R, A>, answer: (r: Q) => A): R {
  let reply: A | undefined;
  for (;;) {
    const next = loop.next(reply as A);
    if (next.done === true) return next.value;
    try {
      reply = answer(next.value);
    } catch (e) {
      throw failed(next.value, e);
    }
  }
}

/** driveSync for trainers that answer asynchronously: each answer is awaited before the loop goes on. */
export async function drive<Q extends { kind: string }, R, A>(loop: Generator<Q, R, A>, answer: (r: Q) => Promise<A>): Promise<R> {
  let reply: A | undefined;
  for (;;) {
    const next = loop.next(reply as A);
    if (next.done === true) return next.value;
    try {
      reply = await answer(next.value);
    } catch (e) {
      throw failed(next.value, e);
    }
  }
}
