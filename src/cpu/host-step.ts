// The 'js' engine's passes over host data, in float64: the logits, loss and gradient of a batch of
// rows, and whole-set metrics and predictions. The maths is the float64 reference's (the objective
// table's parts, the same weighting), written as tight loops over the caller's typed arrays for
// speed: row-major X read in place (f32 values or bytes, the bytes' scale applied per row), Xᵀ·G
// accumulated row by row, zero features skipped (most pixels are 0), no allocation per row or step.
import { ACTIVATIONS, ERRORS, LOSSES, NO_ROW_STATS, rowStats, type ObjectiveSpec, type RowStats } from '../core/objective.ts';

/** Feature values as the 'js' engine reads them: f32 or f64 values, or bytes each worth `scale`. */
export type HostValues = Float32Array | Float64Array | Uint8Array;

/** A set of rows: n×d features, n×k encoded targets (null for predictions), and row weights (null: unweighted). */
export interface HostSet {
  X: HostValues;
  /** What one unit of X is worth (1 for values). */
  scale: number;
  rows: number;
  cols: number;
  Y: ArrayLike<number> | null;
  weights: ArrayLike<number> | null;
}

/** Parameters in float64: W d×k row-major, b of length k. */
export interface HostParams64 {
  W: Float64Array;
  b: Float64Array;
}

/** Per-row scratch for one objective and shape: logits, predictions and errors of one row. */
export class RowScratch {
  readonly z: Float64Array;
  readonly yhat: Float64Array;
  readonly g: Float64Array;
  readonly softmax: boolean;
  /** The last row's nonzero features (their columns and values), which its gradient walks without scanning zeros again. */
  readonly idx: Int32Array;
  readonly val: Float64Array;
  nnz = 0;
  constructor(readonly spec: ObjectiveSpec, readonly k: number, d: number) {
    this.z = new Float64Array(k);
    this.yhat = new Float64Array(k);
    this.g = new Float64Array(k);
    this.softmax = spec.activation === 'softmax';
    this.idx = new Int32Array(d);
    this.val = new Float64Array(d);
  }
}

/** z = x_i·W·scale + b for row i; the row's nonzeros are left in s.idx/s.val. */
function rowLogits(set: HostSet, i: number, p: HostParams64, s: RowScratch): void {
  const X = set.X;
  const d = set.cols;
  const { z, idx, val, k } = s;
  const W = p.W;
  const base = i * d;
  let nnz = 0;
  if (k === 1) {
    let acc = 0;
    for (let j = 0; j < d; j++) {
      const x = X[base + j] as number;
      if (x === 0) continue;
      acc += x * (W[j] as number);
      idx[nnz] = j;
      val[nnz++] = x;
    }
    z[0] = acc * set.scale + (p.b[0] as number);
    s.nnz = nnz;
    return;
  }
  for (let j = 0; j < d; j++) {
    const x = X[base + j] as number;
    if (x === 0) continue;
    idx[nnz] = j;
    val[nnz++] = x;
  }
  z.fill(0);
  // Four features a pass, then two: a quarter of the loads and stores of z, and independent products.
  let t = 0;
  for (; t + 3 < nnz; t += 4) {
    const x1 = val[t] as number;
    const x2 = val[t + 1] as number;
    const x3 = val[t + 2] as number;
    const x4 = val[t + 3] as number;
    const o1 = (idx[t] as number) * k;
    const o2 = (idx[t + 1] as number) * k;
    const o3 = (idx[t + 2] as number) * k;
    const o4 = (idx[t + 3] as number) * k;
    for (let c = 0; c < k; c++) {
      z[c] = (z[c] as number) + ((x1 * (W[o1 + c] as number) + x2 * (W[o2 + c] as number)) + (x3 * (W[o3 + c] as number) + x4 * (W[o4 + c] as number)));
    }
  }
  for (; t + 1 < nnz; t += 2) {
    const x1 = val[t] as number;
    const x2 = val[t + 1] as number;
    const o1 = (idx[t] as number) * k;
    const o2 = (idx[t + 1] as number) * k;
    for (let c = 0; c < k; c++) z[c] = (z[c] as number) + (x1 * (W[o1 + c] as number) + x2 * (W[o2 + c] as number));
  }
  if (t < nnz) {
    const x = val[t] as number;
    const o = (idx[t] as number) * k;
    for (let c = 0; c < k; c++) z[c] = (z[c] as number) + x * (W[o + c] as number);
  }
  for (let c = 0; c < k; c++) z[c] = (z[c] as number) * set.scale + (p.b[c] as number);
  s.nnz = nnz;
}

/** Row i's logits and predictions in the scratch; returns the row's softmax stats (or none). */
function rowForward(set: HostSet, i: number, p: HostParams64, s: RowScratch): RowStats {
  rowLogits(set, i, p, s);
  const stats = s.softmax ? rowStats(s.z, 0, s.k) : NO_ROW_STATS;
  const act = ACTIVATIONS[s.spec.activation];
  for (let c = 0; c < s.k; c++) s.yhat[c] = act.value(s.z[c] as number, stats);
  return stats;
}

/** Row i's loss, its elements summed (unweighted). */
function rowLoss(set: HostSet, i: number, s: RowScratch, stats: RowStats): number {
  const Y = set.Y as ArrayLike<number>;
  const part = LOSSES[s.spec.loss];
  let row = 0;
  for (let c = 0; c < s.k; c++) row += part.element(s.z[c] as number, s.yhat[c] as number, Y[i * s.k + c] as number, stats);
  return row;
}

/**
 * Rows order[start .. start+count) (or start .. start+count when order is null): adds Σ w_i·x_iᵀg_i
 * to dW and Σ w_i·g_i to db (sums, not yet divided by the rows) and returns Σ w_i·loss_i.
 */
export function accumulateGradient(
  set: HostSet, order: Uint32Array | null, start: number, count: number, p: HostParams64, s: RowScratch, dW: Float64Array, db: Float64Array,
): number {
  const Y = set.Y as ArrayLike<number>;
  const { k, g, idx, val } = s;
  const error = ERRORS[s.spec.gradient];
  let lossSum = 0;
  for (let r = 0; r < count; r++) {
    const i = order === null ? start + r : (order[start + r] as number);
    const stats = rowForward(set, i, p, s);
    const w = set.weights === null ? 1 : (set.weights[i] as number);
    lossSum += w * rowLoss(set, i, s, stats);
    for (let c = 0; c < k; c++) {
      const gc = w * error.element(s.yhat[c] as number, Y[i * k + c] as number);
      db[c] = (db[c] as number) + gc;
      // Bytes: x·scale·g = x·(scale·g), one multiply per output instead of one per feature.
      g[c] = gc * set.scale;
    }
    const nnz = s.nnz;
    if (k === 1) {
      const g0 = g[0] as number;
      for (let t = 0; t < nnz; t++) {
        const j = idx[t] as number;
        dW[j] = (dW[j] as number) + (val[t] as number) * g0;
      }
      continue;
    }
    // Two features a pass: each g[c] loaded once for both.
    let t = 0;
    for (; t + 1 < nnz; t += 2) {
      const x1 = val[t] as number;
      const x2 = val[t + 1] as number;
      const o1 = (idx[t] as number) * k;
      const o2 = (idx[t + 1] as number) * k;
      for (let c = 0; c < k; c++) {
        const gc = g[c] as number;
        dW[o1 + c] = (dW[o1 + c] as number) + x1 * gc;
        dW[o2 + c] = (dW[o2 + c] as number) + x2 * gc;
      }
    }
    if (t < nnz) {
      const x = val[t] as number;
      const o = (idx[t] as number) * k;
      for (let c = 0; c < k; c++) dW[o + c] = (dW[o + c] as number) + x * (g[c] as number);
    }
  }
  return lossSum;
}

/** Whole-set sums: Σ loss_i (unweighted) and the hits (rows for softmax, elements for logistic). */
export function setSums(set: HostSet, p: HostParams64, s: RowScratch, classifier: boolean, threshold: number): { lossSum: number; hits: number } {
  const Y = set.Y as ArrayLike<number>;
  const probability = ACTIVATIONS[s.spec.activation].probability;
  let lossSum = 0;
  let hits = 0;
  for (let i = 0; i < set.rows; i++) {
    const stats = rowForward(set, i, p, s);
    lossSum += rowLoss(set, i, s, stats);
    if (!classifier) continue;
    if (s.softmax) {
      if (firstMax(s.yhat, 0, s.k) === firstMax(Y, i * s.k, s.k)) hits++;
      continue;
    }
    for (let c = 0; c < s.k; c++) if ((probability(s.yhat[c] as number) > threshold ? 1 : 0) === Y[i * s.k + c]) hits++;
  }
  return { lossSum, hits };
}

/** Index of the first largest of v[base .. base+k), as core/metrics.ts's argmaxRow. */
function firstMax(v: ArrayLike<number>, base: number, k: number): number {
  let best = 0;
  for (let c = 1; c < k; c++) if ((v[base + c] as number) > (v[base + best] as number)) best = c;
  return best;
}

/** Ŷ (or the logits Z) of every row, n×k, into `out`. */
export function predictInto(set: HostSet, p: HostParams64, s: RowScratch, logits: boolean, out: Float32Array): void {
  for (let i = 0; i < set.rows; i++) {
    rowForward(set, i, p, s);
    out.set(logits ? s.z : s.yhat, i * s.k);
  }
}
