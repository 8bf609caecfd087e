// Whole-dataset passes of a model over host data: predictions, the mean loss (and accuracy), and the
// gradient norm, in row blocks that fit one storage binding, each uploaded and freed in turn.
import type { GpuContext } from '../gpu/context.ts';
import { isClassifier } from '../core/metrics.ts';
import type { Objective, ObjectiveSpec } from '../core/objective.ts';
import type { CheckedFeatures } from '../step/training-set.ts';
import type { GpuMatrix } from '../matrix.ts';
import type { HostMatrix } from '../types.ts';
import { blockRows, sliceRows } from './chunks.ts';
import { checkIntact } from './features.ts';
import { forward, objectiveGradient, setMetrics, type Params } from './forward.ts';

/** What a pass needs of the model. */
export interface ModelView {
  ctx: GpuContext;
  objective: Objective;
  spec: ObjectiveSpec;
  params: Params;
  nOutputs: number;
  /** Decision threshold for logistic accuracy. */
  threshold: number;
}

/** Host data a pass reads, with the names its errors use and the call it belongs to. */
export interface PassData {
  X: CheckedFeatures;
  /** Encoded targets, or null for predictions. */
  Y: HostMatrix | null;
  names: { X: string; Y: string; during: string };
  /** The same data already on the GPU whole (fit's unpadded f32 training set): no uploads. */
  resident?: { X: GpuMatrix; Y: GpuMatrix } | null;
}

type BlockBody = (X: GpuMatrix, Y: GpuMatrix | null, start: number, rows: number) => Promise<void>;

/**
 * Runs `body` on the data in row blocks. The caller's arrays are checked before each block is
 * read: a pass awaits the GPU between blocks, and fit() between epochs.
 */
async function eachBlock(m: ModelView, d: PassData, body: BlockBody): Promise<void> {
  const resident = d.resident ?? null;
  const intact = (): void => {
    // Resident features were uploaded once and are not read again; the host targets still are (accuracy).
    if (resident === null) checkIntact(d.names.X, d.X, d.names.during);
    if (d.Y !== null) checkIntact(d.names.Y, d.Y, d.names.during);
  };
  if (resident !== null) {
    intact();
    await body(resident.X, resident.Y, 0, d.X.rows);
    return;
  }
  const size = blockRows(m.ctx, d.X.cols, m.nOutputs);
  for (let start = 0; start < d.X.rows; start += size) {
    intact();
    const rows = Math.min(size, d.X.rows - start);
    const Xg = m.ctx.upload(sliceRows(d.X, start, rows), 'X');
    const Yg = d.Y === null ? null : m.ctx.upload(sliceRows(d.Y, start, rows), 'y');
    try {
      await body(Xg, Yg, start, rows);
    } finally {
      Xg.destroy();
      Yg?.destroy();
    }
  }
}

/** What predictRows reads: Ŷ (probabilities for classifiers, predictions for regression) or the logits Z = XW + b. */
export type RowOutput = 'predictions' | 'logits';

/** Ŷ or Z for X, n×nOutputs. */
export async function predictRows(m: ModelView, d: PassData, output: RowOutput = 'predictions'): Promise<HostMatrix> {
  const out = new Float32Array(d.X.rows * m.nOutputs);
  await eachBlock(m, d, async (Xg, _Y, start) => {
    const f = forward(m.ctx, m.spec, Xg, m.params);
    try {
      out.set((await (output === 'logits' ? f.Z : f.Yhat).read()).data, start * m.nOutputs);
    } finally {
      f.destroy();
    }
  });
  return { data: out, rows: d.X.rows, cols: m.nOutputs };
}

/** Mean loss (and accuracy, for classifiers) over X and the encoded targets Y, reduced on the GPU. */
export async function evaluate(m: ModelView, d: PassData & { Y: HostMatrix }): Promise<{ loss: number; accuracy?: number }> {
  let loss = 0;
  let hits = 0;
  await eachBlock(m, d, async (Xg, Yg) => {
    const s = await setMetrics(m.ctx, m.spec, Xg, Yg as GpuMatrix, m.params, m.threshold);
    loss += s.lossSum;
    hits += s.hits;
  });
  const n = d.X.rows;
  // A hit is a row for softmax and an element for logistic, which has one per row.
  return isClassifier(m.objective) ? { loss: loss / n, accuracy: hits / n } : { loss: loss / n };
}

/**
 * ‖∇‖₂ of the regularized objective over the whole data, from per-block gradient sums; with
 * `weights` (the rows' weights normalised to mean 1) that of the weighted objective.
 */
export async function gradientNorm(m: ModelView, d: PassData & { Y: HostMatrix }, l2: number, weights: Float32Array | null = null): Promise<number> {
  const dW = new Float64Array(m.params.W.length);
  const db = new Float64Array(m.nOutputs);
  await eachBlock(m, d, async (Xg, Yg, start, rows) => {
    const w = weights === null ? null : m.ctx.upload({ data: weights.subarray(start, start + rows), rows, cols: 1 }, 'sampleWeight');
    try {
      const g = await objectiveGradient(m.ctx, m.spec, Xg, Yg as GpuMatrix, m.params, w);
      g.dW.forEach((v, i) => (dW[i] += v * rows));
      g.db.forEach((v, i) => (db[i] += v * rows));
    } finally {
      w?.destroy();
    }
  });
  // The model's host copy of W is refreshed only when fit ends: read the current one.
  const W = (await m.params.W.read()).data;
  const n = d.X.rows;
  let norm = 0;
  dW.forEach((v, i) => (norm += (v / n + l2 * (W[i] as number)) ** 2));
  if (m.params.fitIntercept) db.forEach((v) => (norm += (v / n) ** 2));
  return Math.sqrt(norm);
}
