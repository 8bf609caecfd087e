// Limited-memory BFGS on the regularized objective mean loss + (l2/2)·‖W‖² (the bias unregularized,
// as in the SGD update rule), written once for the GPU trainer and the float64 reference trainer.
// Like core/loop.ts it is a generator that asks its driver for what only a trainer can do (the data
// loss and its gradient at θ, the end-of-iteration metrics); the drivers below answer synchronously
// (float64) or asynchronously (GPU). Everything else runs on the host in float64: the two-loop
// recursion over the last MEMORY steps, the strong-Wolfe line search (Nocedal & Wright, Numerical
// Optimization, algorithms 3.5 and 3.6, with cubic interpolation), the L2 term and the stopping rules.
// θ is W (row-major d×k) followed by b when the bias is trained.
import { ValueError } from '../errors.ts';
import { F32_MAX } from '../validate.ts';
import { throwIfAborted } from './abort.ts';
import { appendLog, drive, driveSync, emptyHistory, Patience, type Answer, type EpochMetrics } from './loop.ts';
import type { EpochLog, History, ResolvedFitOptions, StopReason } from './options.ts';

/** Curvature pairs (s, y) the inverse-Hessian approximation keeps. */
export const MEMORY = 10;
/** Sufficient decrease: f(θ + αp) ≤ f(θ) + C1·α·∇f·p. */
const C1 = 1e-4;
/** Curvature (strong Wolfe): |∇f(θ + αp)·p| ≤ C2·|∇f·p|; 0.9 is the usual choice for quasi-Newton steps. */
const C2 = 0.9;
/**
 * Hager and Zhang's approximate Wolfe conditions (SIAM J. Optim. 16(1), 2005), which a step also
 * passes: φ(α) ≤ φ(0) + NOISE·|φ(0)| and φ'(α) ≤ (2·DELTA − 1)·φ'(0). Near the optimum the decrease
 * a step makes falls below the rounding of a float32 loss summed over many rows, and the sufficient-
 * decrease test then fails on noise; the slope, from the gradient, is still accurate there.
 */
const NOISE = 1e-6;
const DELTA = 0.1;
/** Objective evaluations one line search may spend before it gives up. */
export const MAX_EVALUATIONS = 20;

/** The data part of the objective at θ: mean loss and its gradient with respect to θ (no L2 term). */
export interface Evaluation {
  loss: number;
  gradient: Float64Array;
}

/** What a trainer does for the solver. */
export interface LbfgsRunner<Mode extends 'sync' | 'async'> {
  evaluate(theta: Float64Array): Answer<Mode, Evaluation>;
  /** The end-of-iteration metrics the options ask for, with the parameters set to θ (an accepted point). */
  metrics(theta: Float64Array): Answer<Mode, EpochMetrics>;
}

export interface LbfgsStart {
  theta: Float64Array;
  /** How many leading entries of θ are weights (regularized); the rest are the bias. */
  weights: number;
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

/** A line-search trial: step α, φ(α) = f(θ + αp) and φ'(α) = ∇f·p there (+Infinity/NaN when not finite). */
interface Trial {
  alpha: number;
  phi: number;
  slope: number;
  point: Point | null;
}

interface Search {
  /** The step met both Wolfe conditions. */
  ok: boolean;
  /** The accepted point, or on failure the lowest one below f(θ) seen (null: none). */
  point: Point | null;
  alpha: number;
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

function* objectiveAt(x: Float64Array, weights: number, l2: number): Generator<Request, Point, Reply> {
  const e = (yield { kind: 'evaluate', theta: x }) as Evaluation;
  if (e.gradient.length !== x.length) throw new Error(`lbfgs: the trainer returned ${e.gradient.length} gradient values for ${x.length} parameters`);
  const g = Float64Array.from(e.gradient);
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

/**
 * The minimiser of the cubic through (lo, φ, φ') and (hi, φ, φ') (Nocedal & Wright eq. 3.59), kept
 * at least a tenth of the interval from either end; the midpoint when the cubic has no minimiser
 * there or an end is not finite.
 */
function interpolate(lo: Trial, hi: Trial): number {
  const width = hi.alpha - lo.alpha;
  const mid = lo.alpha + width / 2;
  if (!Number.isFinite(hi.phi) || !Number.isFinite(hi.slope)) return lo.alpha + width / 10;
  const d1 = lo.slope + hi.slope - (3 * (lo.phi - hi.phi)) / (lo.alpha - hi.alpha);
  const disc = d1 * d1 - lo.slope * hi.slope;
  if (!(disc >= 0)) return mid;
  const d2 = Math.sign(width) * Math.sqrt(disc);
  const a = hi.alpha - width * ((hi.slope + d2 - d1) / (hi.slope - lo.slope + 2 * d2));
  if (!Number.isFinite(a)) return mid;
  const low = Math.min(lo.alpha, hi.alpha) + Math.abs(width) / 10;
  const high = Math.max(lo.alpha, hi.alpha) - Math.abs(width) / 10;
  return Math.min(high, Math.max(low, a));
}

/** A step along p from `at` meeting the strong Wolfe conditions, starting from α0. */
function* lineSearch(at: Point, p: Float64Array, alpha0: number, weights: number, l2: number): Generator<Request, Search, Reply> {
  const f0 = at.f;
  const d0 = dot(at.g, p);
  let best: { point: Point; alpha: number } | null = null;
  let evaluations = 0;
  function* trial(alpha: number): Generator<Request, Trial, Reply> {
    evaluations++;
    const x = new Float64Array(at.x.length);
    for (let i = 0; i < x.length; i++) x[i] = (at.x[i] as number) + alpha * (p[i] as number);
    const point = yield* objectiveAt(x, weights, l2);
    const slope = dot(point.g, p);
    if (!Number.isFinite(point.f) || !Number.isFinite(slope)) return { alpha, phi: Number.POSITIVE_INFINITY, slope: Number.NaN, point: null };
    if (point.f < (best?.point.f ?? f0)) best = { point, alpha };
    return { alpha, phi: point.f, slope, point };
  }
  const failed = (): Search => (best === null ? { ok: false, point: null, alpha: 0 } : { ok: false, point: best.point, alpha: best.alpha });
  const approximate = (t: Trial): boolean => t.phi <= f0 + NOISE * Math.abs(f0) && t.slope <= (2 * DELTA - 1) * d0;
  const tooHigh = (t: Trial): boolean => t.point === null || (t.phi > f0 + C1 * t.alpha * d0 && !approximate(t));
  /** Not below `than`, as far as the rounding of φ can tell. */
  const notBelow = (t: Trial, than: Trial): boolean => t.phi >= than.phi && !approximate(t);
  const flat = (t: Trial): boolean => Math.abs(t.slope) <= -C2 * d0;

  function* zoom(lo: Trial, hi: Trial): Generator<Request, Search, Reply> {
    while (evaluations < MAX_EVALUATIONS) {
      // An interval below float64's resolution of α has nothing left to try.
      if (Math.abs(hi.alpha - lo.alpha) <= 1e-14 * Math.max(lo.alpha, hi.alpha)) break;
      const t = yield* trial(interpolate(lo, hi));
      if (tooHigh(t) || notBelow(t, lo)) {
        hi = t;
        continue;
      }
      if (flat(t)) return { ok: true, point: t.point, alpha: t.alpha };
      if (t.slope * (hi.alpha - lo.alpha) >= 0) hi = lo;
      lo = t;
    }
    return failed();
  }

  let prev: Trial = { alpha: 0, phi: f0, slope: d0, point: at };
  let alpha = alpha0;
  while (evaluations < MAX_EVALUATIONS) {
    const t = yield* trial(alpha);
    if (tooHigh(t) || (evaluations > 1 && notBelow(t, prev))) return yield* zoom(prev, t);
    if (flat(t)) return { ok: true, point: t.point, alpha: t.alpha };
    if (t.slope >= 0) return yield* zoom(t, prev);
    prev = t;
    alpha *= 2;
  }
  return failed();
}

function* lbfgsLoop(options: ResolvedFitOptions, start: LbfgsStart): Generator<Request, LbfgsResult, Reply> {
  const { weights, theta } = start;
  const l2 = options.l2;
  const history = emptyHistory();
  let stopReason: StopReason = 'epochs';
  const early = options.earlyStopping;
  const patience = early === null ? null : new Patience(early.patience, early.minDelta);
  let kept: Float64Array | null = null;
  let at = yield* objectiveAt(Float64Array.from(theta), weights, l2);
  if (!Number.isFinite(at.f) || !at.g.every((v) => Number.isFinite(v))) {
    throw new ValueError(`training diverged: the objective at the starting parameters is ${at.f}, its gradient ${at.g.every((v) => Number.isFinite(v)) ? 'finite' : 'not finite'}`);
  }
  const memory: Pair[] = [];
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
    const firstStep = (q: Float64Array): number => Math.min(1, 1 / norm(q));
    let search = yield* lineSearch(at, p, memory.length === 0 ? firstStep(p) : 1, weights, l2);
    if (!search.ok && memory.length > 0) {
      // The quasi-Newton direction failed: one more try along steepest descent before giving up.
      memory.length = 0;
      const steepest = direction(at.g, memory);
      const retry = yield* lineSearch(at, steepest, firstStep(steepest), weights, l2);
      if (retry.ok || (retry.point !== null && (search.point === null || retry.point.f < search.point.f))) search = retry;
    }
    const next = search.point;
    if (next === null) {
      stopReason = 'line-search';
      break;
    }
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
    at = next;
    const metrics = (yield { kind: 'metrics', theta: at.x }) as EpochMetrics;
    const log: EpochLog = { epoch: iteration, loss: at.loss, ...metrics, learningRate: search.alpha, ms: performance.now() - t0, objective: at.f };
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
    if (!search.ok) {
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
  return driveSync(lbfgsLoop(options, start), (r) => ask(r, runner, options) as Reply);
}

/** Runs L-BFGS with a GPU (asynchronous) trainer; a callback's promise is awaited before going on. */
export function runLbfgs(options: ResolvedFitOptions, start: LbfgsStart, runner: LbfgsRunner<'async'>): Promise<LbfgsResult> {
  return drive(lbfgsLoop(options, start), async (r) => (await ask(r, runner, options)) as Reply);
}
