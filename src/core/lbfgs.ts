// Limited-memory BFGS on the regularized objective mean loss + (l2/2)·‖W‖² (the bias unregularized,
// as in the SGD update rule), written once for the GPU trainer and the float64 reference trainer.
// Like core/loop.ts it is a generator that asks its driver for what only a trainer can do (the data
// loss and its gradient at θ, the end-of-iteration metrics); the drivers below answer synchronously
// (float64) or asynchronously (GPU). Everything else runs on the host in float64: the two-loop
// recursion over the last MEMORY steps, the line search (core/line-search.ts: Moré–Thuente, deciding
// by the slope where losses differ by less than their rounding), the L2 term and the stopping rules.
// θ is W (row-major d×k) followed by b when the bias is trained.
import { ValueError } from '../errors.ts';
import { F32_MAX } from '../validate.ts';
import { throwIfAborted } from './abort.ts';
import { moreThuente, type SearchResult, type Trial } from './line-search.ts';
import { appendLog, drive, driveSync, emptyHistory, Patience, type Answer, type EpochMetrics } from './loop.ts';
import type { EpochLog, History, ResolvedFitOptions, StopReason } from './options.ts';

export { MAX_EVALUATIONS, MAX_EXTRAPOLATING } from './line-search.ts';

/** Curvature pairs (s, y) the inverse-Hessian approximation keeps. */
export const MEMORY = 10;
/**
 * How many units of its trainer's rounding two losses may differ by and still count as equal. A
 * float32 mean loss over n rows is a sum rounded once per level of a tree (≈ log2 n ≤ 20 levels for
 * the sets this library trains on), on top of each row's own rounding; 64 ulps of |f| covers both
 * with room, and overestimating costs little: within the noise the search decides by the slope,
 * which the (accurate) gradient gives.
 */
export const NOISE_ULPS = 64;
/** Failed line searches in a row (each after a restart along −∇f) after which the fit stops with 'line-search'. */
export const MAX_FAILED_SEARCHES = 3;
/**
 * Iterations in a row that neither lower the objective by more than its rounding nor reach a new
 * least gradient norm, after which the fit stops with 'line-search': at its rounding floor a fit's
 * searches still "succeed" by the slope, but only move between points the loss cannot tell apart
 * (float32 fits of targets ×1e8 bounced between two objectives 3e-7 apart until the iteration cap).
 * Slow progress inside the noise looks the same for a while: raw Iris at l2 = 4.4e-5 still came from
 * 1.7e-3 to 9.5e-4 of scikit-learn's optimum between iterations 295 and 395, which 50 cut off.
 */
export const MAX_STALLED_ITERATIONS = 10 * MEMORY;
/** Unit roundoff of float32 and float64: a trainer's `roundoff`. */
export const ROUNDOFF_F32 = 2 ** -24;
export const ROUNDOFF_F64 = 2 ** -53;

/** The data part of the objective at θ: mean loss and its gradient with respect to θ (no L2 term). */
export interface Evaluation {
  loss: number;
  gradient: Float64Array;
}

/** What a trainer does for the solver. */
export interface LbfgsRunner<Mode extends 'sync' | 'async'> {
  /** Unit roundoff of the loss the trainer returns (ROUNDOFF_F32 or ROUNDOFF_F64, the default): sets the line search's noise. */
  readonly roundoff?: number;
  evaluate(theta: Float64Array): Answer<Mode, Evaluation>;
  /** The end-of-iteration metrics the options ask for, with the parameters set to θ (an accepted point). */
  metrics(theta: Float64Array): Answer<Mode, EpochMetrics>;
}

export interface LbfgsStart {
  theta: Float64Array;
  /** How many leading entries of θ are weights (regularized); the rest are the bias. */
  weights: number;
  /**
   * Softmax's class count: its loss is unchanged by adding one constant to every class's logit, so
   * by shifting all of a W row's entries (or all of b) alike; the objective has no curvature there.
   * θ starts with each row's and b's class mean removed and every gradient is projected the same
   * way, so the fit ends with Σb = 0 and, without L2, W's rows summing to 0 (scikit-learn's optimum).
   */
  classes?: number;
}

export interface LbfgsResult {
  theta: Float64Array;
  history: History;
}

type Request =
  | { kind: 'evaluate'; theta: Float64Array }
  | { kind: 'metrics'; theta: Float64Array }
  | { kind: 'epochEnd'; log: EpochLog };

type Reply = Evaluation | EpochMetrics | unknown;

/** θ with its objective f, data loss and objective gradient g. */
interface Point {
  x: Float64Array;
  f: number;
  loss: number;
  g: Float64Array;
}

interface Pair {
  s: Float64Array;
  y: Float64Array;
  rho: number;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] as number) * (b[i] as number);
  return s;
}

function norm(a: Float64Array): number {
  return Math.sqrt(dot(a, a));
}

/** What the objective needs besides θ: the weights' count, λ and softmax's class count (0: none). */
interface Shape {
  weights: number;
  l2: number;
  classes: number;
}

function* objectiveAt(x: Float64Array, shape: Shape): Generator<Request, Point, Reply> {
  const { weights, l2, classes } = shape;
  const e = (yield { kind: 'evaluate', theta: x }) as Evaluation;
  if (e.gradient.length !== x.length) throw new Error(`lbfgs: the trainer returned ${e.gradient.length} gradient values for ${x.length} parameters`);
  const g = Float64Array.from(e.gradient);
  if (classes > 1) centre(g, classes);
  let squares = 0;
  for (let i = 0; i < weights; i++) {
    const w = x[i] as number;
    squares += w * w;
    g[i] = (g[i] as number) + l2 * w;
  }
  return { x, f: e.loss + 0.5 * l2 * squares, loss: e.loss, g };
}

/** −H·g by the two-loop recursion, H the L-BFGS inverse Hessian scaled by sᵀy/yᵀy of the newest pair. */
function direction(g: Float64Array, memory: readonly Pair[]): Float64Array {
  const q = Float64Array.from(g);
  const a = new Array<number>(memory.length).fill(0);
  for (let i = memory.length - 1; i >= 0; i--) {
    const m = memory[i] as Pair;
    const ai = m.rho * dot(m.s, q);
    a[i] = ai;
    for (let j = 0; j < q.length; j++) q[j] = (q[j] as number) - ai * (m.y[j] as number);
  }
  const newest = memory.at(-1);
  const gamma = newest === undefined ? 1 : 1 / (newest.rho * dot(newest.y, newest.y));
  for (let j = 0; j < q.length; j++) q[j] = (q[j] as number) * gamma;
  for (let i = 0; i < memory.length; i++) {
    const m = memory[i] as Pair;
    const beta = m.rho * dot(m.y, q);
    const c = (a[i] as number) - beta;
    for (let j = 0; j < q.length; j++) q[j] = (q[j] as number) + c * (m.s[j] as number);
  }
  for (let j = 0; j < q.length; j++) q[j] = -(q[j] as number);
  return q;
}

/** Restores θ to the subspace the objective is flat across: each W row's and b's class mean removed. */
function centre(v: Float64Array, classes: number): void {
  // W's rows and b are each `classes` long, so θ is whole blocks of them.
  for (let start = 0; start < v.length; start += classes) {
    let mean = 0;
    for (let j = 0; j < classes; j++) mean += v[start + j] as number;
    mean /= classes;
    for (let j = 0; j < classes; j++) v[start + j] = (v[start + j] as number) - mean;
  }
}

/** The search along p from `at`: trials are objective evaluations at θ + αp. */
function* search(at: Point, p: Float64Array, alpha0: number, shape: Shape, roundoff: number): Generator<Request, SearchResult<Point>, Reply> {
  function* trial(alpha: number): Generator<Request, Trial<Point>, Reply> {
    const x = new Float64Array(at.x.length);
    for (let i = 0; i < x.length; i++) x[i] = (at.x[i] as number) + alpha * (p[i] as number);
    const point = yield* objectiveAt(x, shape);
    const slope = dot(point.g, p);
    if (!Number.isFinite(point.f) || !Number.isFinite(slope)) return { alpha, phi: Number.POSITIVE_INFINITY, slope: Number.NaN, point: null };
    return { alpha, phi: point.f, slope, point };
  }
  return (yield* moreThuente<Point>({
    phi0: at.f, slope0: dot(at.g, p), alpha0, at: trial as (alpha: number) => Generator<unknown, Trial<Point>, unknown>,
    noise: (phi) => NOISE_ULPS * roundoff * phi,
  }) as Generator<Request, SearchResult<Point>, Reply>);
}

/**
 * The first trial step along a fresh direction p = −∇f. At the start: Polyak's step 2f/|∇f·p|, which
 * reaches the minimum of a quadratic whose least value along p is 0 (every loss here is ≥ 0), so the
 * step scales with the targets and features (targets ×1e15 give a step 1e15 times longer) instead
 * of moving θ by 1 as 1/‖p‖ does. After a restart: the length of the last accepted step.
 */
function firstStep(at: Point, p: Float64Array, lastStep: number): number {
  const length = norm(p);
  if (lastStep > 0) return lastStep / length;
  const polyak = (2 * Math.abs(at.f)) / Math.abs(dot(at.g, p));
  return Number.isFinite(polyak) && polyak > 0 ? polyak : Math.min(1, 1 / length);
}

/** Counts the iterations since the objective last fell by more than its rounding or the gradient norm reached a new least value. */
class Stall {
  private bestF: number;
  private bestG: number;
  private count = 0;

  constructor(start: Point, private readonly roundoff: number) {
    this.bestF = start.f;
    this.bestG = norm(start.g);
  }

  /** The count after accepting `p`. */
  after(p: Point): number {
    const g = norm(p.g);
    const lower = p.f < this.bestF - NOISE_ULPS * this.roundoff * Math.abs(this.bestF);
    const smaller = g < this.bestG;
    // The objective's mark moves only by more than its rounding, so a slow descent adds up to progress.
    if (lower) this.bestF = p.f;
    if (smaller) this.bestG = g;
    this.count = lower || smaller ? 0 : this.count + 1;
    return this.count;
  }
}

function* lbfgsLoop(options: ResolvedFitOptions, start: LbfgsStart, roundoff: number): Generator<Request, LbfgsResult, Reply> {
  const shape: Shape = { weights: start.weights, l2: options.l2, classes: start.classes ?? 0 };
  const history = emptyHistory();
  let stopReason: StopReason = 'epochs';
  const early = options.earlyStopping;
  const patience = early === null ? null : new Patience(early.patience, early.minDelta);
  let kept: Float64Array | null = null;
  const theta = Float64Array.from(start.theta);
  if (shape.classes > 1) centre(theta, shape.classes);
  let at = yield* objectiveAt(theta, shape);
  if (!Number.isFinite(at.f) || !at.g.every((v) => Number.isFinite(v))) {
    throw new ValueError(`training diverged: the objective at the starting parameters is ${at.f}, its gradient ${at.g.every((v) => Number.isFinite(v)) ? 'finite' : 'not finite'}`);
  }
  const memory: Pair[] = [];
  let lastStep = 0;
  let failed = 0;
  const stall = new Stall(at, roundoff);
  for (let iteration = 0; iteration < options.epochs; iteration++) {
    // Between iterations the parameters are those of the last accepted point: what an abort leaves.
    throwIfAborted(options.signal);
    const t0 = performance.now();
    if (norm(at.g) === 0) {
      stopReason = 'gradTol';
      break;
    }
    let p = direction(at.g, memory);
    // A direction that is not downhill (old pairs that no longer describe the curvature): start over.
    if (!(dot(at.g, p) < 0)) {
      memory.length = 0;
      p = direction(at.g, memory);
    }
    let found = yield* search(at, p, memory.length === 0 ? firstStep(at, p, lastStep) : 1, shape, roundoff);
    if (!found.ok && memory.length > 0) {
      // The quasi-Newton direction failed: restart the memory and search along steepest descent.
      memory.length = 0;
      const steepest = direction(at.g, memory);
      const retry = yield* search(at, steepest, firstStep(at, steepest, lastStep), shape, roundoff);
      if (retry.ok || (retry.point !== null && (found.point === null || retry.point.f <= found.point.f))) found = retry;
    }
    // A failed search's point counts only where its loss is not above the start's (a gradient that
    // misleads, or one at its rounding floor, must not walk the fit uphill inside the noise).
    const next = found.ok || (found.point !== null && found.point.f <= at.f) ? found.point : null;
    // Nothing along −∇f below the start, even by the slope: the gradient is at its rounding floor.
    if (next === null) {
      stopReason = 'line-search';
      break;
    }
    // A search that ended short of the Wolfe conditions still moved downhill: keep its point, start
    // the memory afresh from it, and go on; only MAX_FAILED_SEARCHES in a row end the fit.
    failed = found.ok ? 0 : failed + 1;
    if (!found.ok) memory.length = 0;
    const s = new Float64Array(next.x.length);
    const y = new Float64Array(next.x.length);
    for (let i = 0; i < s.length; i++) {
      s[i] = (next.x[i] as number) - (at.x[i] as number);
      y[i] = (next.g[i] as number) - (at.g[i] as number);
    }
    const sy = dot(s, y);
    // Only pairs with positive curvature keep H positive definite (a strong-Wolfe step always has it
    // in exact arithmetic; float32 gradients near the optimum may not).
    if (sy > 1e-10 * dot(y, y)) {
      memory.push({ s, y, rho: 1 / sy });
      if (memory.length > MEMORY) memory.shift();
    }
    lastStep = norm(s);
    at = next;
    const metrics = (yield { kind: 'metrics', theta: at.x }) as EpochMetrics;
    const log: EpochLog = { epoch: iteration, loss: at.loss, ...metrics, learningRate: found.alpha, ms: performance.now() - t0, objective: at.f };
    appendLog(history, log);
    (history.objective ??= []).push(at.f);
    if ((yield { kind: 'epochEnd', log }) === false) {
      stopReason = 'callback';
      break;
    }
    if (patience !== null) {
      const valLoss = metrics.valLoss;
      if (valLoss === undefined) throw new Error('earlyStopping: the trainer measured no validation loss');
      if (patience.improved(iteration, valLoss) && early?.restoreBest === true) kept = at.x;
      if (patience.exhausted) {
        stopReason = 'early-stopping';
        break;
      }
    }
    if (failed >= MAX_FAILED_SEARCHES || stall.after(at) >= MAX_STALLED_ITERATIONS) {
      stopReason = 'line-search';
      break;
    }
    if (options.tol > 0 && norm(s) <= options.tol) {
      stopReason = 'tol';
      break;
    }
    if (options.gradTol > 0 && norm(at.g) <= options.gradTol) {
      stopReason = 'gradTol';
      break;
    }
  }
  const final = stopReason === 'early-stopping' && kept !== null ? kept : at.x;
  // The GPU model holds float32: a value beyond its range is as diverged as Infinity.
  if (!final.every((v) => Math.abs(v) <= F32_MAX)) throw new ValueError(`training diverged: the parameters left the float32 range in iteration ${history.epochs - 1}`);
  history.stopReason = stopReason;
  if (patience !== null && patience.bestEpoch >= 0) history.bestEpoch = patience.bestEpoch;
  history.converged = stopReason === 'tol' || stopReason === 'gradTol';
  return { theta: Float64Array.from(final), history };
}

function ask<Mode extends 'sync' | 'async'>(r: Request, runner: LbfgsRunner<Mode>, options: ResolvedFitOptions): unknown {
  switch (r.kind) {
    case 'evaluate':
      return runner.evaluate(r.theta);
    case 'metrics':
      return runner.metrics(r.theta);
    case 'epochEnd':
      return options.onEpochEnd?.(r.log);
  }
}

/** Runs L-BFGS with a float64 (synchronous) trainer. */
export function runLbfgsSync(options: ResolvedFitOptions, start: LbfgsStart, runner: LbfgsRunner<'sync'>): LbfgsResult {
  return driveSync(lbfgsLoop(options, start, runner.roundoff ?? ROUNDOFF_F64), (r) => ask(r, runner, options) as Reply);
}

/** Runs L-BFGS with a GPU (asynchronous) trainer; a callback's promise is awaited before going on. */
export function runLbfgs(options: ResolvedFitOptions, start: LbfgsStart, runner: LbfgsRunner<'async'>): Promise<LbfgsResult> {
  return drive(lbfgsLoop(options, start, runner.roundoff ?? ROUNDOFF_F64), async (r) => (await ask(r, runner, options)) as Reply);
}
