// The epoch loop, written once for the GPU trainer and the float64 reference trainer: schedule,
// row order, divergence checks, log, callback and stopping rules. It is a generator that asks its
// driver for what only a trainer can do (run an epoch, measure, compare parameters); the drivers
// below answer synchronously (float64) or asynchronously (GPU), so both trainers run the same steps.
import { ValueError } from '../errors.ts';
import { describeValue } from '../validate.ts';
import { throwIfAborted } from './abort.ts';
import type { EpochLog, History, ResolvedFitOptions, StopReason } from './options.ts';
import { epochOrder } from './order.ts';
import { isHypergradient, learningRateAt, type LearningRateSchedule } from './schedule.ts';

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

/**
 * The loop trains L lanes at once: a plain fit is one lane, a grid search one per candidate, all on
 * the same batches. Each request asks the trainer for every lane's answer; a lane that has stopped
 * (early stopping, tol, gradTol, or divergence where lanes may drop out) trains on at rate 0, so its
 * parameters stay as they were, until every lane has stopped.
 */
export interface LaneRunner<Mode extends 'sync' | 'async'> {
  /** One pass over `order`, lane i at rates[i] (0: stopped); each lane's mean loss (or EpochRun). */
  runEpoch(order: Uint32Array, rates: readonly number[], snapshot: boolean): Answer<Mode, readonly (number | EpochRun)[]>;
  metrics(): Answer<Mode, readonly EpochMetrics[]>;
  moved(): Answer<Mode, readonly number[]>;
  gradientNorm(): Answer<Mode, readonly number[]>;
  paramsFinite(): Answer<Mode, readonly boolean[]>;
  /** Keep the parameters of these lanes as they are now (earlyStopping.restoreBest). */
  keepBest(lanes: readonly number[]): Answer<Mode, void>;
  /** Put back the parameters these lanes last kept. */
  restoreBest(lanes: readonly number[]): Answer<Mode, void>;
  learnedRate?(): Answer<Mode, readonly number[]>;
}

/** How the lanes differ: their schedules, and what their divergence does. */
export interface Lanes {
  schedules: readonly LearningRateSchedule[];
  /** true: a diverging lane drops out (a grid candidate); false: fit() throws. */
  dropDiverged: boolean;
  /** Called after each epoch with the logs of the lanes that trained it (null for the others); false stops all. */
  onEpochEnd: ((logs: readonly (EpochLog | null)[]) => unknown) | undefined;
}

/** What the lanes end with: each one's history, and which diverged (dropped out). */
export interface LanesOutcome {
  histories: History[];
  diverged: boolean[];
}

type Request =
  | { kind: 'epoch'; order: Uint32Array; rates: number[]; snapshot: boolean }
  | { kind: 'metrics' }
  | { kind: 'moved' }
  | { kind: 'gradientNorm' }
  | { kind: 'paramsFinite' }
  | { kind: 'keepBest'; lanes: number[] }
  | { kind: 'restoreBest'; lanes: number[] }
  | { kind: 'learnedRate' }
  | { kind: 'epochEnd'; epoch: number; logs: (EpochLog | null)[] };

/** Answers differ by request (lane vectors, or what onEpochEnd returned); each request site says what it reads. */
type Reply = unknown;

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

/** One lane through the loop. */
interface Lane {
  history: History;
  lowest: number;
  patience: Patience | null;
  /** Why it stopped; null while it trains. */
  stop: StopReason | null;
  diverged: boolean;
}

/** Lanes still training. */
const liveLanes = (lanes: readonly Lane[]): number[] => lanes.flatMap((l, i) => (l.stop === null && !l.diverged ? [i] : []));

/** A lane's divergence: a ValueError for a plain fit, or the lane drops out of a grid. */
function diverge(lane: Lane, lanes: Lanes, message: string): void {
  if (!lanes.dropDiverged) throw new ValueError(message);
  lane.diverged = true;
}

function divergenceMessage(loss: number, lowest: number, epoch: number, rate: number): string {
  const advice = `try a smaller learningRate (it was ${rate})`;
  return Number.isFinite(loss)
    ? `training diverged: the loss grew to ${loss} in epoch ${epoch}, over ${DIVERGENCE_GROWTH} times its lowest epoch value ${lowest}; ${advice}`
    : `training diverged: the loss became ${loss} in epoch ${epoch}; ${advice}`;
}

/** Early stopping after an epoch, for each live lane: keeps improvements, stops and restores exhausted lanes. */
function* earlyStopping(options: ResolvedFitOptions, lanes: Lane[], live: readonly number[], metrics: readonly EpochMetrics[], epoch: number): Generator<Request, void, Reply> {
  const restore = options.earlyStopping?.restoreBest === true;
  const improved: number[] = [];
  const exhausted: number[] = [];
  for (const i of live) {
    const lane = lanes[i] as Lane;
    const valLoss = metrics[i]?.valLoss;
    if (valLoss === undefined) throw new Error('earlyStopping: the trainer measured no validation loss');
    // NaN never improves, so a validation loss that blows up runs the patience out.
    if ((lane.patience as Patience).improved(epoch, valLoss)) improved.push(i);
    if ((lane.patience as Patience).exhausted) {
      lane.stop = 'early-stopping';
      if ((lane.patience as Patience).bestEpoch >= 0) exhausted.push(i);
    }
  }
  if (restore && improved.length > 0) yield { kind: 'keepBest', lanes: improved };
  if (restore && exhausted.length > 0) yield { kind: 'restoreBest', lanes: exhausted };
}

/** Stops the live lanes whose `ask`ed value is ≤ `limit` with `reason`. */
function* stopAtOrBelow(lanes: Lane[], ask: Request, limit: number, reason: StopReason): Generator<Request, void, Reply> {
  const live = liveLanes(lanes);
  if (live.length === 0) return;
  const values = (yield ask) as readonly number[];
  for (const i of live) if ((values[i] as number) <= limit) (lanes[i] as Lane).stop = reason;
}

function* epochLoop(options: ResolvedFitOptions, n: number, setup: Lanes): Generator<Request, LanesOutcome, Reply> {
  const early = options.earlyStopping;
  const lanes: Lane[] = setup.schedules.map(() => ({
    history: emptyHistory(), lowest: Number.POSITIVE_INFINITY, patience: early === null ? null : new Patience(early.patience, early.minDelta), stop: null, diverged: false,
  }));
  let callbackStop = false;
  for (let epoch = 0; epoch < options.epochs && !callbackStop; epoch++) {
    const live = liveLanes(lanes);
    if (live.length === 0) break;
    // Between epochs the parameters are those of the last finished one: what an abort leaves.
    throwIfAborted(options.signal);
    const t0 = performance.now();
    const rates = setup.schedules.map((s, i) => (live.includes(i) ? learningRateAt(s, epoch) : 0));
    const order = epochOrder(n, epoch, options.shuffle, options.seed);
    const ran = (yield { kind: 'epoch', order, rates, snapshot: options.tol > 0 }) as readonly (number | EpochRun)[];
    const ranAt = performance.now();
    const trained: number[] = [];
    for (const i of live) {
      const lane = lanes[i] as Lane;
      const r = ran[i] as number | EpochRun;
      const loss = typeof r === 'number' ? r : r.loss;
      if (lossDiverged(loss, lane.lowest)) diverge(lane, setup, divergenceMessage(loss, lane.lowest, epoch, rates[i] as number));
      else {
        lane.lowest = Math.min(lane.lowest, loss);
        trained.push(i);
      }
    }
    // A learned rate is logged as it stands after the epoch's last step; a planned one as planned.
    const learned = isHypergradient(options.learningRate) ? ((yield { kind: 'learnedRate' }) as readonly number[]) : rates;
    const metrics = (yield { kind: 'metrics' }) as readonly EpochMetrics[];
    const logs: (EpochLog | null)[] = lanes.map(() => null);
    for (const i of trained) {
      const r = ran[i] as number | EpochRun;
      // An epoch run ahead was timed with the others of its run: its share replaces the wait for it.
      const ms = typeof r === 'number' ? performance.now() - t0 : r.ms + (performance.now() - ranAt);
      const log: EpochLog = { epoch, loss: typeof r === 'number' ? r : r.loss, ...metrics[i], learningRate: learned[i] as number, ms };
      appendLog((lanes[i] as Lane).history, log);
      logs[i] = log;
    }
    // onEpochEnd returning false asks to stop, as Keras callbacks and TF.js's stopTraining do.
    if (trained.length > 0 && (yield { kind: 'epochEnd', epoch, logs }) === false) {
      callbackStop = true;
      for (const i of liveLanes(lanes)) (lanes[i] as Lane).stop = 'callback';
      break;
    }
    if (early !== null) yield* earlyStopping(options, lanes, liveLanes(lanes), metrics, epoch);
    if (options.tol > 0) yield* stopAtOrBelow(lanes, { kind: 'moved' }, options.tol, 'tol');
    if (options.gradTol > 0) yield* stopAtOrBelow(lanes, { kind: 'gradientNorm' }, options.gradTol, 'gradTol');
  }
  // Each epoch's loss is taken before its steps' updates, so the checks above never see the last
  // update: a step that overflowed there would otherwise end the fit with Infinity or NaN parameters.
  const finite = (yield { kind: 'paramsFinite' }) as readonly boolean[];
  lanes.forEach((lane, i) => {
    if (lane.diverged || finite[i] === true) return;
    const last = lane.history.epochs - 1;
    diverge(lane, setup, `training diverged: the parameters became non-finite in epoch ${last}; try a smaller learningRate (it was ${lane.history.learningRate[last]})`);
  });
  for (const lane of lanes) {
    const h = lane.history;
    h.stopReason = lane.stop ?? 'epochs';
    if (lane.patience !== null && lane.patience.bestEpoch >= 0) h.bestEpoch = lane.patience.bestEpoch;
    h.converged = h.stopReason === 'tol' || h.stopReason === 'gradTol';
  }
  return { histories: lanes.map((l) => l.history), diverged: lanes.map((l) => l.diverged) };
}

/** What fit() rejects with when onEpochEnd throws or its promise rejects: that error is the cause. */
export function callbackFailed(cause: unknown, epoch: number): Error {
  const what = cause instanceof Error ? `${cause.name}: ${cause.message}` : describeValue(cause);
  return new Error(`onEpochEnd failed after epoch ${epoch}: ${what}`, { cause });
}

/** The plain fit's one lane: the request answered by its single-lane trainer (not yet as a lane vector). */
function askOne<Mode extends 'sync' | 'async'>(r: Request, runner: EpochRunner<Mode>, options: ResolvedFitOptions): unknown {
  switch (r.kind) {
    case 'epoch':
      return runner.runEpoch(r.order, r.rates[0] as number, r.snapshot);
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
      return options.onEpochEnd?.(r.logs[0] as EpochLog);
  }
}

/** A single lane's answer as the lane vector the loop reads. */
function asLanes(r: Request, answer: unknown): Reply {
  return r.kind === 'keepBest' || r.kind === 'restoreBest' || r.kind === 'epochEnd' ? answer : [answer];
}

const oneLane = (options: ResolvedFitOptions): Lanes => ({ schedules: [options.learningRate], dropDiverged: false, onEpochEnd: undefined });

/** Runs the loop with a float64 (synchronous) trainer. */
export function runEpochsSync(options: ResolvedFitOptions, n: number, runner: EpochRunner<'sync'>): History {
  return driveSync(epochLoop(options, n, oneLane(options)), (r) => asLanes(r, askOne(r, runner, options))).histories[0] as History;
}

/** Runs the loop with a GPU (asynchronous) trainer; a callback's promise is awaited before going on. */
export async function runEpochs(options: ResolvedFitOptions, n: number, runner: EpochRunner<'async'>): Promise<History> {
  const outcome = await drive(epochLoop(options, n, oneLane(options)), async (r) => asLanes(r, await askOne(r, runner, options)));
  return outcome.histories[0] as History;
}

function askLanes(r: Request, runner: LaneRunner<'async'>, lanes: Lanes): unknown {
  switch (r.kind) {
    case 'epoch':
      return runner.runEpoch(r.order, r.rates, r.snapshot);
    case 'keepBest':
      return runner.keepBest(r.lanes);
    case 'restoreBest':
      return runner.restoreBest(r.lanes);
    case 'learnedRate':
      if (runner.learnedRate === undefined) throw new Error('a hypergradient schedule needs a trainer that learns the rate');
      return runner.learnedRate();
    case 'epochEnd':
      return lanes.onEpochEnd?.(r.logs);
    default:
      return runner[r.kind]();
  }
}

/** Runs the loop over several lanes (a grid search's candidates) with an asynchronous trainer. */
export function runLanes(options: ResolvedFitOptions, n: number, lanes: Lanes, runner: LaneRunner<'async'>): Promise<LanesOutcome> {
  return drive(epochLoop(options, n, lanes), async (r) => (await askLanes(r, runner, lanes)) as Reply);
}

/** What a loop's request failed with: onEpochEnd's error wrapped to say so, any other as it is. */
function failed(r: { kind: string }, e: unknown): unknown {
  if (r.kind !== 'epochEnd') return e;
  const q = r as { epoch?: number; log?: { epoch: number } };
  const epoch = q.epoch ?? q.log?.epoch;
  return epoch === undefined ? e : callbackFailed(e, epoch);
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
