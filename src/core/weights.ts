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

/** 'balanced' (n / (classes · count_c), scikit-learn's) or one positive weight per class. */
export type ClassWeightInput = 'balanced' | readonly number[];

/** Checks sampleWeight: n finite values ≥ 0, not all 0, whose sum is finite. */
export function checkSampleWeight(name: string, w: unknown, n: number): Float64Array {
  if (!Array.isArray(w) && !(w instanceof Float32Array) && !(w instanceof Float64Array)) {
    throw new ValueError(`${name} must be an array, Float32Array or Float64Array of ${n} numbers, got ${describeValue(w)}`);
  }
  const values = w as ArrayLike<unknown>;
  if (values.length !== n) throw new ValueError(`${name} has ${values.length} values but X has ${n} rows`);
  const out = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
      throw new ValueError(`${name}[${i}] = ${describeValue(v)}, but sample weights must be finite numbers ≥ 0`);
    }
    out[i] = v;
    sum += v;
  }
  if (sum === 0) throw new ValueError(`${name} is all zeros: at least one row must have a positive weight`);
  if (!Number.isFinite(sum)) throw new ValueError(`${name} sums to ${sum}: the weights are too large to normalise`);
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

/** classWeight checked and turned into one weight per class (`nClasses` of them) for these row classes. */
export function checkClassWeight(name: string, cw: unknown, classes: Int32Array, nClasses: number): Float64Array {
  if (cw === 'balanced') {
    const counts = new Float64Array(nClasses);
    for (const c of classes) counts[c] = (counts[c] as number) + 1;
    // scikit-learn counts the classes present in y; an absent class has no row to weigh.
    const present = counts.filter((c) => c > 0).length;
    return counts.map((c) => (c > 0 ? classes.length / (present * c) : 0));
  }
  if (typeof cw === 'string') throw new ValueError(`${name} must be 'balanced' or an array of ${nClasses} positive numbers, got '${cw}'`);
  if (!Array.isArray(cw)) throw new ValueError(`${name} must be 'balanced' or an array of ${nClasses} positive numbers, got ${describeValue(cw)}`);
  const values = cw as readonly unknown[];
  if (values.length !== nClasses) throw new ValueError(`${name} has ${values.length} values but the model has ${nClasses} classes`);
  return Float64Array.from(values, (v, c) => {
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
      throw new ValueError(`${name}[${c}] = ${describeValue(v)}, but class weights must be finite numbers > 0`);
    }
    return v;
  });
}

/** The weighting a fit was given, before checking. */
export interface WeightOptions {
  sampleWeight?: unknown;
  classWeight?: unknown;
}

/**
 * The rows' weights wᵢ = sampleWeight[i] · classWeight[yᵢ] (either factor 1 when not given), or
 * null when neither is given: the unweighted fit. Y holds the encoded targets of a classifier with
 * `nClasses` classes (2 for a binary one), which its classes are read from; a regression model
 * (nClasses null) refuses classWeight.
 */
export function rowWeights(o: WeightOptions, Y: DenseMatrix, nClasses: number | null, model: string): Float64Array | null {
  const n = Y.rows;
  const sample = o.sampleWeight === undefined ? null : checkSampleWeight('sampleWeight', o.sampleWeight, n);
  if (o.classWeight === undefined) return sample;
  if (nClasses === null) throw new ValueError(`classWeight is for classifiers: ${model} has no classes (use sampleWeight)`);
  const classes = targetClasses(Y, nClasses);
  const perClass = checkClassWeight('classWeight', o.classWeight, classes, nClasses);
  // Class weights are > 0, so a sampleWeight with some positive weight keeps one here too.
  return Float64Array.from(classes, (c, i) => (perClass[c] as number) * (sample === null ? 1 : (sample[i] as number)));
}

/** w scaled to mean 1: wᵢ·n/Σw (all ones stay exactly ones). */
export function normalizeWeights(w: ArrayLike<number>): Float64Array {
  let sum = 0;
  for (let i = 0; i < w.length; i++) sum += w[i] as number;
  const scale = w.length / sum;
  return Float64Array.from(w, (v) => v * scale);
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
