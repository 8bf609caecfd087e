// Per-row training weights (scikit-learn's sample_weight and class_weight): checked, combined into
// one weight a row, and normalised to mean 1 over the training set. Both trainers use the
// normalised weights the same way: each row's loss and residual are multiplied by its weight and
// everything else (÷ batch rows, epoch loss ÷ n) stays, so the epoch loss is Σwℓ/Σw, a full batch
// is exactly the fit on rows duplicated by integer weights, and a mini-batch gradient is an
// unbiased estimate of the weighted one.
import { ValueError } from '../errors.ts';
import type { DenseMatrix } from '../types.ts';
import { describeValue } from '../validate.ts';
import { argmaxRow } from './metrics.ts';

/** One non-negative weight per training row. */
export type SampleWeightInput = readonly number[] | Float32Array | Float64Array;

/** 'balanced' (n / (classes · count_c), scikit-learn's) or one weight ≥ 0 per class, not all 0. */
export type ClassWeightInput = 'balanced' | readonly number[];

/** Checks sampleWeight: n finite values ≥ 0, not all 0. */
export function checkSampleWeight(name: string, w: unknown, n: number): Float64Array {
  if (!Array.isArray(w) && !(w instanceof Float32Array) && !(w instanceof Float64Array)) {
    throw new ValueError(`${name} must be an array, Float32Array or Float64Array of ${n} numbers, got ${describeValue(w)}`);
  }
  const values = w as ArrayLike<unknown>;
  if (values.length !== n) throw new ValueError(`${name} has ${values.length} values but X has ${n} rows`);
  const out = new Float64Array(n);
  let positive = false;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
      throw new ValueError(`${name}[${i}] = ${describeValue(v)}, but sample weights must be finite numbers ≥ 0`);
    }
    out[i] = v;
    positive ||= v > 0;
  }
  if (!positive) throw new ValueError(`${name} is all zeros: at least one row must have a positive weight`);
  return out;
}

/**
 * Each row's class from a classifier's encoded targets: the hot column of one-hot rows (nClasses
 * columns), or the 0/1 label of a binary classifier's single column.
 */
export function targetClasses(Y: DenseMatrix, nClasses: number): Int32Array {
  const out = new Int32Array(Y.rows);
  for (let i = 0; i < Y.rows; i++) out[i] = Y.cols === nClasses ? argmaxRow(Y, i) : (Y.data[i] as number) > 0.5 ? 1 : 0;
  return out;
}

/**
 * classWeight checked and turned into one weight per class (`nClasses` of them) for these row
 * classes. As in scikit-learn, a class may weigh 0 (its rows then count for nothing), not all of them.
 */
export function checkClassWeight(name: string, cw: unknown, classes: Int32Array, nClasses: number): Float64Array {
  if (cw === 'balanced') {
    const counts = new Float64Array(nClasses);
    for (const c of classes) counts[c] = (counts[c] as number) + 1;
    // scikit-learn counts the classes present in y; an absent class has no row to weigh.
    const present = counts.filter((c) => c > 0).length;
    return counts.map((c) => (c > 0 ? classes.length / (present * c) : 0));
  }
  const expected = `'balanced' or an array of ${nClasses} numbers ≥ 0`;
  if (typeof cw === 'string') throw new ValueError(`${name} must be ${expected}, got '${cw}'`);
  if (!Array.isArray(cw)) throw new ValueError(`${name} must be ${expected}, got ${describeValue(cw)}`);
  const values = cw as readonly unknown[];
  if (values.length !== nClasses) throw new ValueError(`${name} has ${values.length} values but the model has ${nClasses} classes`);
  const out = Float64Array.from(values, (v, c) => {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
      throw new ValueError(`${name}[${c}] = ${describeValue(v)}, but class weights must be finite numbers ≥ 0`);
    }
    return v;
  });
  if (out.every((v) => v === 0)) throw new ValueError(`${name} is all zeros: at least one class must have a positive weight`);
  return out;
}

/** The weighting a fit was given, before checking. */
export interface WeightOptions {
  sampleWeight?: unknown;
  classWeight?: unknown;
}

/**
 * v > 0 (finite, subnormals included) as m·2^e with 1 ≤ m < 2. Hand-rolled (JavaScript has no
 * frexp): m = v / 2^e is exact, as is any scaling by a power of two that stays in range.
 */
function splitPower(v: number): { m: number; e: number } {
  let e = Math.min(Math.floor(Math.log2(v)), 1023);
  let m = v / 2 ** e;
  // log2 rounds: correct its floor by one where it landed on the wrong side of a power of two.
  while (m >= 2) {
    m /= 2;
    e++;
  }
  while (m < 1) {
    m *= 2;
    e--;
  }
  return { m, e };
}

/**
 * The products of per-row factors (each ≥ 0, finite), all divided by one power of two so the
 * largest lies in [1, 4): products of huge or tiny weights (1e300 · 1e10, or 1e-320) neither
 * overflow nor underflow, and since only the ratios between rows matter (the weights are
 * normalised next), the result is exactly those of the plain products wherever those are finite
 * and normal. A row below 2^−1074 of the largest becomes 0, as it would in float32 anyway.
 */
export function scaledProducts(factors: readonly ArrayLike<number>[], n: number): Float64Array {
  const m = new Float64Array(n).fill(1);
  const e = new Float64Array(n);
  let top = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    for (const f of factors) {
      const v = f[i] as number;
      if (v === 0) {
        m[i] = 0;
        break;
      }
      const s = splitPower(v);
      m[i] = (m[i] as number) * s.m;
      e[i] = (e[i] as number) + s.e;
    }
    if ((m[i] as number) > 0) top = Math.max(top, e[i] as number);
  }
  return m.map((mi, i) => (mi === 0 ? 0 : mi * 2 ** ((e[i] as number) - top)));
}

/**
 * The rows' relative weights, sampleWeight[i] · classWeight[yᵢ] (either factor 1 when not given) up
 * to one common factor (see scaledProducts), or null when neither is given: the unweighted fit. Y
 * holds the encoded targets of a classifier with `nClasses` classes (2 for a binary one), which its
 * classes are read from; a regression model (nClasses null) refuses classWeight.
 */
export function rowWeights(o: WeightOptions, Y: DenseMatrix, nClasses: number | null, model: string): Float64Array | null {
  const n = Y.rows;
  const sample = o.sampleWeight === undefined ? null : checkSampleWeight('sampleWeight', o.sampleWeight, n);
  if (o.classWeight === undefined) return sample;
  if (nClasses === null) throw new ValueError(`classWeight is for classifiers: ${model} has no classes (use sampleWeight)`);
  const classes = targetClasses(Y, nClasses);
  const perClass = checkClassWeight('classWeight', o.classWeight, classes, nClasses);
  const perRow = Float64Array.from(classes, (c) => perClass[c] as number);
  const w = scaledProducts(sample === null ? [perRow] : [sample, perRow], n);
  if (w.some((v) => v > 0)) return w;
  const weighed = classes.filter((_, i) => sample === null || (sample[i] as number) > 0);
  const zero = [...new Set(weighed)].sort((a, b) => a - b);
  const listed = zero.map((c) => `classWeight[${c}] = 0`).join(', ');
  throw new ValueError(sample === null
    ? `classWeight gives weight 0 to every class present in y (${listed}): no row has a positive weight`
    : `sampleWeight · classWeight is 0 on every row: each row with a positive sampleWeight is in a class whose classWeight is 0 (${listed})`);
}

/**
 * w scaled to mean 1: wᵢ·n/Σw (all ones stay exactly ones), computed on w divided by a power of two
 * first (scaledProducts), so neither 1e308s nor subnormals overflow or underflow the sum.
 */
export function normalizeWeights(w: ArrayLike<number>): Float64Array {
  const scaled = scaledProducts([w], w.length);
  let sum = 0;
  for (const v of scaled) sum += v;
  const scale = w.length / sum;
  return scaled.map((v) => v * scale);
}

/** The float64 twins' optional per-row weights: `rows` finite values ≥ 0 (undefined: all 1). */
export function checkRowWeights(fn: string, w: ArrayLike<number> | undefined, rows: number): void {
  if (w === undefined) return;
  if (!Array.isArray(w) && !(w instanceof Float32Array) && !(w instanceof Float64Array)) {
    throw new ValueError(`${fn}: weights must be an array, Float32Array or Float64Array, got ${describeValue(w)}`);
  }
  if (w.length !== rows) throw new ValueError(`${fn}: weights has ${w.length} values but there are ${rows} rows`);
  for (let i = 0; i < rows; i++) {
    const v = w[i];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new ValueError(`${fn}: weights[${i}] = ${describeValue(v)}, must be a finite number ≥ 0`);
  }
}
