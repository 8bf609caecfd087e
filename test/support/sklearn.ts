// scikit-learn's own promises (linear_model/tests/test_logistic.py and test_ridge.py, 1.2.1), ported
// to this library's API: the fixture test/fixtures/sklearn-reference.json (written by
// scripts/sklearn-reference.py) holds the data and scikit-learn's answers, and each check runs
// through a Fitter: the estimators on the harness page (float32, on either step engine) or the
// float64 twin (cpu.train with the same solver).
//
// The objectives map exactly: this library minimizes mean(s·loss)/mean(s) + (l2/2)·‖W‖² with the
// bias unregularized, where s are the row weights (sampleWeight · classWeight[y], 1 without them).
// scikit-learn's LogisticRegression minimizes C·Σ s·loss + ½‖W‖² (its log-loss is the same
// cross-entropy), the same function times C·Σs, so l2 = 1/(C·Σs); Ridge minimizes Σ s·(y − ŷ)² + α‖W‖²,
// which is 2Σs times this library's ½-squared-error objective, so l2 = α/Σs. The fixture carries l2.
import { readFileSync } from 'node:fs';
import * as assert from 'uvu/assert';
import type { Fitted, ModelRun, SequenceRun } from '../../harness/fixtures.ts';
import { cpuFit } from './models.ts';

export type { Fitted };

export interface FixtureMatrix {
  rows: number;
  cols: number;
  data: number[];
}

/** One scikit-learn fit: its data, options and answers, in the library's layout (W is d×k row-major). */
export interface Case {
  model: ModelRun['model'];
  /** X (and y, for regression) rounded to float32 before scikit-learn fitted them. */
  f32: boolean;
  X: string;
  y: number[] | FixtureMatrix;
  nClasses?: number;
  nOutputs?: number;
  fitIntercept: boolean;
  l2: number;
  C?: number;
  alpha?: number;
  sampleWeight?: number[];
  /** 'balanced' class weights as explicit numbers (test_logistic_regression_class_weights). */
  balanced?: number[];
  label?: string;
  ref: {
    W: number[];
    b: number[];
    score: number;
    proba?: number[];
    decision?: number[];
    predict?: number[];
    /** A closed-form solution [W…, b] the scikit-learn test itself asserts against. */
    exact?: number[];
  };
}

interface Fixture {
  sklearn: string;
  data: Record<string, FixtureMatrix>;
  logistic: Record<string, Case[]>;
  ridge: Record<string, Case[]>;
}

export const REFERENCE = JSON.parse(readFileSync(new URL('../fixtures/sklearn-reference.json', import.meta.url), 'utf8')) as Fixture;

/** The fixture's cases for one ported test. */
export function cases(group: 'logistic' | 'ridge', name: string): Case[] {
  const found = REFERENCE[group][name];
  if (found === undefined || found.length === 0) throw new Error(`the fixture has no ${group} cases named ${name}`);
  return found;
}

export function first(group: 'logistic' | 'ridge', name: string): Case {
  return cases(group, name)[0] as Case;
}

/** What fits a sequence of fit() calls on one model: the estimators on the page, or the float64 twin. */
export interface Fitter {
  label: string;
  precision: 'f32' | 'f64';
  fit(run: SequenceRun): Promise<Fitted[]>;
}

/** Fits through `f`, noting each fit's iterations and stop reason for the check's summary line. */
export async function fitWith(f: Fitter, run: SequenceRun): Promise<Fitted[]> {
  const out = await f.fit(run);
  for (const r of out) stops.push(`${r.history.epochs} ${r.history.stopReason}`);
  return out;
}

/**
 * The options every conformance fit uses unless a check says otherwise: the solver run to its end
 * (gradTol 1e-10 ends float64 fits at the optimum; float32 fits stop at their gradient floor).
 */
export function lbfgs(c: Case, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    solver: 'lbfgs', epochs: 300, gradTol: 1e-10, l2: c.l2,
    ...(c.sampleWeight === undefined ? {} : { sampleWeight: c.sampleWeight }), ...extra,
  };
}

/** The case's model and data as the harness takes them (the fits to make are added by each check). */
export function runOf(c: Case, fits: Record<string, unknown>[]): SequenceRun {
  const X = REFERENCE.data[c.X];
  if (X === undefined) throw new Error(`the fixture has no data ${c.X}`);
  const d = X.cols;
  const options = c.model === 'softmax' ? { nFeatures: d, nClasses: c.nClasses, fitIntercept: c.fitIntercept }
    : c.model === 'linear' ? { nFeatures: d, nOutputs: c.nOutputs ?? 1, fitIntercept: c.fitIntercept }
      : { nFeatures: d, fitIntercept: c.fitIntercept };
  const y = Array.isArray(c.y) ? c.y : rowsOf(c.y);
  // The fixture writes float32 values in their shortest form: Math.fround gives back the float32
  // scikit-learn fitted, for the float64 twin as Float32Array.from does for the estimators.
  const data = c.f32 ? X.data.map(Math.fround) : X.data;
  return { model: c.model, options, X: { ...X, data }, y: y as number[], fits };
}

function rowsOf(m: FixtureMatrix): number[][] {
  return Array.from({ length: m.rows }, (_, i) => m.data.slice(i * m.cols, (i + 1) * m.cols));
}

/** The float64 twin: cpu.train with the same options, warm starts passed on as init. */
export const float64Fitter: Fitter = {
  label: 'float64 twin',
  precision: 'f64',
  fit(run: SequenceRun): Promise<Fitted[]> {
    const out: Fitted[] = [];
    for (const options of run.fits) {
      const { warmStart, ...fit } = options;
      const previous = out.at(-1);
      const init = warmStart === true && previous !== undefined ? { init: { W: { data: previous.W }, b: previous.b } } : {};
      const r = cpuFit({ model: run.model, options: run.options, X: run.X, y: run.y, fit: { ...fit, ...init } });
      out.push(outputs(run, Array.from(r.W.data), Array.from(r.b.data), r.history));
    }
    return Promise.resolve(out);
  },
};

/** What the estimators answer on the training rows, computed in float64 from the parameters. */
function outputs(run: SequenceRun, W: number[], b: number[], history: Fitted['history']): Fitted {
  const { rows: n, cols: d } = run.X;
  const k = b.length;
  const Z: number[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < k; j++) {
      let z = b[j] as number;
      for (let f = 0; f < d; f++) z += (run.X.data[i * d + f] as number) * (W[f * k + j] as number);
      Z.push(z);
    }
  }
  if (run.model === 'linear') {
    return { history, W, b, proba: Z, decision: Z, predict: Z, score: r2(Z, (run.y as unknown as number[][]).flat(), n, k) };
  }
  const proba = run.model === 'logistic' ? Z.map((z) => 1 / (1 + Math.exp(-z))) : softmaxRows(Z, k);
  const predict = run.model === 'logistic' ? Z.map((z) => (z > 0 ? 1 : 0)) : argmaxRows(Z, k);
  const score = predict.filter((p, i) => p === run.y[i]).length / n;
  return { history, W, b, proba, decision: Z, predict, score };
}

export function softmaxRows(Z: readonly number[], k: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < Z.length; i += k) {
    const row = Z.slice(i, i + k);
    const top = Math.max(...row);
    const e = row.map((z) => Math.exp(z - top));
    const s = e.reduce((a, v) => a + v, 0);
    out.push(...e.map((v) => v / s));
  }
  return out;
}

export function argmaxRows(P: readonly number[], k: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < P.length; i += k) {
    const row = P.slice(i, i + k);
    out.push(row.indexOf(Math.max(...row)));
  }
  return out;
}

/** R² averaged over the k outputs, as score() and scikit-learn's r2_score. */
function r2(pred: readonly number[], y: readonly number[], n: number, k: number): number {
  let total = 0;
  for (let j = 0; j < k; j++) {
    let mean = 0;
    for (let i = 0; i < n; i++) mean += (y[i * k + j] as number) / n;
    let res = 0;
    let tot = 0;
    for (let i = 0; i < n; i++) {
      res += ((y[i * k + j] as number) - (pred[i * k + j] as number)) ** 2;
      tot += ((y[i * k + j] as number) - mean) ** 2;
    }
    total += 1 - res / tot;
  }
  return total / k;
}

/** numpy's assert_allclose tolerance: |actual − desired| ≤ atol + rtol·|desired| elementwise. */
export interface Tolerance {
  rtol?: number;
  atol?: number;
}

/**
 * A check float32 cannot meet at scikit-learn's tolerance: the bound it does meet, and why. Applies
 * to the float32 fits only; the float64 twin is always held to scikit-learn's tolerance.
 */
export interface Float32Limit extends Tolerance {
  why: string;
}

/** decimal=k of assert_array_almost_equal: |actual − desired| < 1.5·10⁻ᵏ. */
export function decimal(k: number): Tolerance {
  return { atol: 1.5 * 10 ** -k, rtol: 0 };
}

/** Worst |actual − desired| and its ratio to the allowed atol + rtol·|desired| (≤ 1 passes). */
export function measure(actual: ArrayLike<number>, desired: ArrayLike<number>, tol: Tolerance): { abs: number; ratio: number } {
  assert.is(actual.length, desired.length, 'lengths');
  let abs = 0;
  let ratio = 0;
  for (let i = 0; i < desired.length; i++) {
    const a = actual[i] as number;
    const e = desired[i] as number;
    const diff = Number.isFinite(a) ? Math.abs(a - e) : Number.POSITIVE_INFINITY;
    const allowed = (tol.atol ?? 0) + (tol.rtol ?? 1e-7) * Math.abs(e);
    abs = Math.max(abs, diff);
    ratio = Math.max(ratio, allowed === 0 ? (diff === 0 ? 0 : Number.POSITIVE_INFINITY) : diff / allowed);
  }
  return { abs, ratio };
}

function describe(tol: Tolerance): string {
  return `rtol ${tol.rtol ?? 1e-7}, atol ${tol.atol ?? 0}`;
}

/** The failed expectations of the running check: each is measured and printed before the check fails. */
const failures: string[] = [];
/** Each fit's iterations and stop reason in the running check, printed with its time. */
const stops: string[] = [];

/** Runs one check and fails it, after every expectation in it has been measured, if any failed. */
export async function runCheck(check: Check, f: Fitter): Promise<void> {
  failures.length = 0;
  stops.length = 0;
  const start = performance.now();
  await check.run(f);
  console.log(`  [sklearn] ${f.label} | ${check.name} | fits ${stops.splice(0).join(', ')} | ${((performance.now() - start) / 1000).toFixed(1)} s`);
  if (failures.length > 0) assert.unreachable(failures.splice(0).join('\n'));
}

/**
 * Expects actual ≈ desired at scikit-learn's tolerance (or, for a float32 fit, at the documented
 * float32 limit) and prints one line with the measured figure, which the conformance table quotes.
 */
export function expectClose(fitter: Fitter, what: string, actual: ArrayLike<number>, desired: ArrayLike<number>, tol: Tolerance, limit?: Float32Limit): void {
  const m = measure(actual, desired, tol);
  const passes = m.ratio <= 1;
  const within = limit !== undefined && fitter.precision === 'f32' && measure(actual, desired, limit).ratio <= 1;
  const verdict = passes ? 'pass' : within ? `float32 limit (${describe(limit)})` : 'FAIL';
  console.log(`  [sklearn] ${fitter.label} | ${what} | max abs Δ ${m.abs.toExponential(2)}, ${m.ratio.toFixed(2)}× the tolerance (${describe(tol)}) | ${verdict}`);
  if (!passes && !within) failures.push(`${what}: max abs Δ ${m.abs} is ${m.ratio.toFixed(2)}× scikit-learn's tolerance (${describe(tol)})`);
}

/** Expects a condition scikit-learn's test asserts, printing the figure it turned on. */
export function expectThat(fitter: Fitter, what: string, ok: boolean, figure: string): void {
  console.log(`  [sklearn] ${fitter.label} | ${what} | ${figure} | ${ok ? 'pass' : 'FAIL'}`);
  if (!ok) failures.push(`${what}: ${figure}`);
}

/** [W…, b…] of a fit, b dropped when the model has none (it stays 0). */
export function params(f: Fitted, c: Case): number[] {
  return c.fitIntercept ? [...f.W, ...f.b] : [...f.W];
}

export function refParams(c: Case): number[] {
  return c.fitIntercept ? [...c.ref.W, ...c.ref.b] : [...c.ref.W];
}

/** One ported check: scikit-learn's test name (with its parameters) and the body run with a fitter. */
export interface Check {
  name: string;
  run(f: Fitter): Promise<void>;
}

/** The checks whose names match SKLEARN_CHECKS (a regex; all when unset), to rerun one by name. */
export function selected(checks: Check[]): Check[] {
  const pattern = process.env.SKLEARN_CHECKS;
  return pattern === undefined || pattern === '' ? checks : checks.filter((c) => new RegExp(pattern).test(c.name));
}

/** Fits one case once with the default conformance options (plus `extra`). */
export async function fitOnce(f: Fitter, c: Case, extra: Record<string, unknown> = {}): Promise<Fitted> {
  const [r] = await fitWith(f, runOf(c, [lbfgs(c, extra)]));
  if (r === undefined) throw new Error('one fit expected');
  return r;
}
