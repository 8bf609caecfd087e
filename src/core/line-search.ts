// The step-length search of core/lbfgs.ts: Moré and Thuente's safeguarded search (ACM TOMS 20(3),
// 1994; MINPACK-2's dcsrch, the search of L-BFGS-B and so of scikit-learn's lbfgs), written from
// the paper. It keeps an interval [stx, sty] that brackets a step meeting the strong Wolfe
// conditions, trying cubic, quadratic and secant steps, with the paper's safeguards.
//
// What differs is noise: a float32 loss summed over many rows is only known to within its rounding,
// and near the optimum a step changes the loss by less than that. Two losses closer than their
// rounding (`noise`) are treated as equal, and the search then decides by the slope φ'(α) = ∇f·p
// alone (an accurate gradient gives an accurate slope where loss differences are lost); a step is
// also accepted by Hager and Zhang's approximate Wolfe conditions (SIAM J. Optim. 16(1), 2005) when
// its loss is within the rounding of the start. While the loss still falls well beyond the rounding
// and nothing is bracketed, the search extrapolates past MAX_EVALUATIONS (up to MAX_EXTRAPOLATING),
// so a badly scaled start (targets ×1e15) is reached by growing the step rather than given up on.

/** Sufficient decrease: φ(α) ≤ φ(0) + C1·α·φ'(0). */
const C1 = 1e-4;
/** Curvature (strong Wolfe): |φ'(α)| ≤ C2·|φ'(0)|; 0.9 is the usual choice for quasi-Newton steps. */
const C2 = 0.9;
/** Approximate Wolfe: φ'(α) ≤ (2·DELTA − 1)·φ'(0), with φ(α) within the rounding of φ(0). */
const DELTA = 0.1;
/** Trials one search spends once an interval is bracketed or the loss stops falling. */
export const MAX_EVALUATIONS = 20;
/** Trials one search may spend while it is still extrapolating along a falling loss. */
export const MAX_EXTRAPOLATING = 80;
/** Extrapolation bounds before anything is bracketed: the next step in [α + 1.1(α − stx), α + 4(α − stx)]. */
const EXTRAPOLATE_MIN = 1.1;
const EXTRAPOLATE_MAX = 4;
/** A bracket narrower than this fraction of its step has nothing left to try in float64. */
const NARROWEST = 1e-12;

/** One trial: step α, φ(α) and φ'(α) (φ = +Infinity, φ' = NaN when the objective is not finite there). */
export interface Trial<P> {
  alpha: number;
  phi: number;
  slope: number;
  point: P | null;
}

export interface SearchResult<P> {
  /** The step met the strong or the approximate Wolfe conditions. */
  ok: boolean;
  /** The accepted point, or on failure the search's best end (lowest, by loss or by slope); null: none left the start. */
  point: P | null;
  alpha: number;
  evaluations: number;
}

/** What the search needs: the start, φ at a step, and the rounding of a loss value. */
export interface SearchProblem<P> {
  phi0: number;
  slope0: number;
  alpha0: number;
  /** φ(α), φ'(α) and the point there. */
  at(alpha: number): Generator<unknown, Trial<P>, unknown>;
  /** How far apart two values of φ near `phi` may be by rounding alone. */
  noise(phi: number): number;
}

/** a and b within their rounding of each other (neither finite: not close). */
function close(a: number, b: number, noise: number): boolean {
  return Math.abs(a - b) <= noise;
}

/** The minimiser of the cubic through (a, fa, da) and (b, fb, db), or NaN where it has none. */
function cubic(a: number, fa: number, da: number, b: number, fb: number, db: number): number {
  const theta = (3 * (fa - fb)) / (b - a) + da + db;
  const s = Math.max(Math.abs(theta), Math.abs(da), Math.abs(db));
  const disc = (theta / s) ** 2 - (da / s) * (db / s);
  let gamma = s * Math.sqrt(Math.max(0, disc));
  if (b < a) gamma = -gamma;
  const r = (gamma - da + theta) / (gamma - da + gamma + db);
  return a + r * (b - a);
}

/** The zero of the line through the slopes (a, da) and (b, db). */
function secant(a: number, da: number, b: number, db: number): number {
  return b + (db / (db - da)) * (a - b);
}

interface Interval<P> {
  x: Trial<P>;
  y: Trial<P>;
  bracketed: boolean;
}

/**
 * Moré–Thuente's dcstep: the next trial step from the interval's best end x, its other end y and the
 * trial t, and the interval updated in place. Losses within `noise` of each other count as equal, and
 * the step then comes from the slopes alone (cubics through noisy losses are noise).
 */
function nextStep<P>(iv: Interval<P>, t: Trial<P>, noise: number, lo: number, hi: number): number {
  const { x } = iv;
  const equal = close(t.phi, x.phi, noise);
  const sameSign = t.slope * Math.sign(x.slope) > 0;
  let step: number;
  if (!Number.isFinite(t.phi) || !Number.isFinite(t.slope)) {
    step = x.alpha + (t.alpha - x.alpha) / 10;
    iv.bracketed = true;
    iv.y = t;
    return step;
  }
  if (t.phi > x.phi && !equal) {
    // Higher: a minimiser lies between x and t.
    const c = cubic(x.alpha, x.phi, x.slope, t.alpha, t.phi, t.slope);
    const q = x.alpha + (x.slope / ((x.phi - t.phi) / (t.alpha - x.alpha) + x.slope) / 2) * (t.alpha - x.alpha);
    step = !Number.isFinite(c) ? q : Math.abs(c - x.alpha) < Math.abs(q - x.alpha) ? c : c + (q - c) / 2;
    iv.bracketed = true;
    iv.y = t;
  } else if (!sameSign) {
    // Slopes of opposite sign: a minimiser lies between t and x.
    const c = equal ? Number.NaN : cubic(t.alpha, t.phi, t.slope, x.alpha, x.phi, x.slope);
    const s = secant(x.alpha, x.slope, t.alpha, t.slope);
    step = Number.isFinite(c) && Math.abs(c - t.alpha) > Math.abs(s - t.alpha) ? c : s;
    iv.bracketed = true;
    iv.y = x;
    iv.x = t;
  } else {
    // Lower, and still going down: the slope's shrinking (or not) says how far to go on.
    const s = Math.abs(t.slope) < Math.abs(x.slope) ? secant(x.alpha, x.slope, t.alpha, t.slope) : Number.NaN;
    if (iv.bracketed) {
      const y = iv.y;
      const c = Number.isFinite(y.phi) && !equal ? cubic(t.alpha, t.phi, t.slope, y.alpha, y.phi, y.slope) : Number.NaN;
      step = Number.isFinite(s) ? s : Number.isFinite(c) ? c : t.alpha + (y.alpha - t.alpha) / 2;
      // Never more than 0.66 of the way to the far end.
      const limit = t.alpha + 0.66 * (y.alpha - t.alpha);
      step = t.alpha < y.alpha ? Math.min(limit, step) : Math.max(limit, step);
    } else {
      step = Number.isFinite(s) ? s : hi;
    }
    iv.x = t;
  }
  if (!iv.bracketed) return Math.min(hi, Math.max(lo, step));
  const a = Math.min(iv.x.alpha, iv.y.alpha);
  const b = Math.max(iv.x.alpha, iv.y.alpha);
  // A step outside (or on) the interval, from rounding in the formulas: bisect instead.
  return step > a && step < b ? step : a + (b - a) / 2;
}

/** A step along the search's line meeting the strong (or approximate) Wolfe conditions, from alpha0. */
export function* moreThuente<P>(s: SearchProblem<P>): Generator<unknown, SearchResult<P>, unknown> {
  const { phi0, slope0 } = s;
  const start: Trial<P> = { alpha: 0, phi: phi0, slope: slope0, point: null };
  const iv: Interval<P> = { x: start, y: start, bracketed: false };
  let width = Number.POSITIVE_INFINITY;
  let previousWidth = Number.POSITIVE_INFINITY;
  let alpha = s.alpha0;
  let evaluations = 0;
  const done = (ok: boolean, t: Trial<P>): SearchResult<P> => ({ ok, point: t.point, alpha: t.alpha, evaluations });
  for (;;) {
    const t = yield* s.at(alpha);
    evaluations++;
    const finite = Number.isFinite(t.phi) && Number.isFinite(t.slope);
    const noise = s.noise(Math.max(Math.abs(phi0), Math.abs(t.phi)));
    const decrease = finite && (t.phi <= phi0 + C1 * t.alpha * slope0 || (t.phi <= phi0 + noise && t.slope <= (2 * DELTA - 1) * slope0));
    if (decrease && Math.abs(t.slope) <= -C2 * slope0) return done(true, t);
    // Still falling well beyond the rounding and nothing bracketed yet: extrapolating is progress.
    const falling = finite && !iv.bracketed && t.phi < iv.x.phi - noise && t.slope < 0;
    if (evaluations >= (falling ? MAX_EXTRAPOLATING : MAX_EVALUATIONS)) {
      if (finite && (t.phi < iv.x.phi - noise || (close(t.phi, iv.x.phi, noise) && t.slope < 0 && t.slope > iv.x.slope))) iv.x = t;
      return done(false, iv.x);
    }
    const before = iv.x.alpha;
    let next = nextStep(iv, t, noise, t.alpha + EXTRAPOLATE_MIN * (t.alpha - before), t.alpha + EXTRAPOLATE_MAX * (t.alpha - before));
    if (iv.bracketed) {
      const w = Math.abs(iv.y.alpha - iv.x.alpha);
      // The paper's safeguard: bisect when two steps have not shrunk the interval by a third.
      if (w >= 0.66 * previousWidth) next = iv.x.alpha + (iv.y.alpha - iv.x.alpha) / 2;
      previousWidth = width;
      width = w;
      if (w <= NARROWEST * Math.max(iv.x.alpha, iv.y.alpha)) return done(false, iv.x);
    }
    if (!(next > 0) || !Number.isFinite(next)) return done(false, iv.x);
    alpha = next;
  }
}
