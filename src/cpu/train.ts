// The float64 trainer: the exact algorithm the GPU trainer implements, step for step, so that a GPU
// fit can be checked against it epoch by epoch (same batches, same rates, same stopping rule).
import { accuracy, isClassifier } from '../core/metrics.ts';
import { ACTIVATIONS, checkObjective, LOSSES, NO_ROW_STATS, OBJECTIVES, type Activation, type Objective } from '../core/objective.ts';
import { runEpochsSync, type EpochMetrics } from '../core/loop.ts';
import { ROUNDOFF_F64, runLbfgsSync } from '../core/lbfgs.ts';
import type { History, ResolvedFitOptions } from '../core/options.ts';
import type { DenseMatrix, Matrix64 } from '../types.ts';
import { checkFiniteNumber, describeValue, F32_MAX } from '../validate.ts';
import { ValueError } from '../errors.ts';
import { gradient } from './gradient.ts';
import { objectiveLoss } from './loss.ts';
import { matmul } from './matmul.ts';
import { checkMatrix, requireFit } from '../dense.ts';
import {
  copyState, hypergradientStep, learnedRate, optimizerStep, SGD, stateSlots, zeroState, type LearnedRate, type OptimizerState,
} from '../core/optimizer.ts';
import { isHypergradient } from '../core/schedule.ts';
import { softmax } from './softmax.ts';
import { checkSampleWeight, normalizeWeights } from '../core/weights.ts';

/** What cpu.train() trains: the objective, data already encoded, initial parameters and checked options. */
export interface TrainProblem {
  objective: Objective;
  /** n×d features. */
  X: DenseMatrix;
  /** n×k targets, already encoded (one-hot rows for softmax-ce, a 0/1 column for logistic). */
  Y: DenseMatrix;
  /** d×k initial weights. */
  W: DenseMatrix;
  /** 1×k initial bias. */
  b: DenseMatrix;
  /** false: b is left as given and never updated. */
  fitIntercept: boolean;
  options: ResolvedFitOptions;
  validation?: { X: DenseMatrix; Y: DenseMatrix };
  /**
   * One weight ≥ 0 per row of X (sampleWeight · classWeight[y], as fit() combines them): the
   * training loss and gradients become weighted means (core/weights.ts). Validation stays unweighted.
   */
  sampleWeight?: ArrayLike<number>;
  /** Logistic decision threshold for accuracy, default 0.5. */
  threshold?: number;
  /** The optimizer state to continue (a warm start: what a previous train() returned); absent: zeros. */
  optimizerState?: OptimizerState;
}

/** cpu.train()'s result: the final parameters in float64 and the same History fit() returns. */
export interface TrainResult {
  W: Matrix64;
  b: Matrix64;
  history: History;
  /** The optimizer's state at the end, over [W row-major, b] (solver 'sgd'). */
  optimizerState?: OptimizerState;
}

/** Z = X·W + b and Ŷ = activation(Z), for one set of parameters. */
export interface Forward {
  Z: Matrix64;
  Yhat: Matrix64;
}

/** The parameters and data at which the full-training-set gradient is taken. */
export interface GradientAt {
  objective: Objective;
  X: DenseMatrix;
  Y: DenseMatrix;
  W: DenseMatrix;
  b: DenseMatrix;
  l2: number;
  fitIntercept: boolean;
  /** Row weights normalised to mean 1 (core/weights.ts): the weighted objective's gradient. */
  weights?: ArrayLike<number>;
}

function activate(activation: Activation, Z: Matrix64): Matrix64 {
  if (activation === 'softmax') return softmax(Z);
  // Nothing mutates Z afterwards, so sharing it is safe and saves a copy.
  if (activation === 'identity') return Z;
  const part = ACTIVATIONS[activation];
  return { data: Z.data.map((z) => part.value(z, NO_ROW_STATS)), rows: Z.rows, cols: Z.cols };
}

/** The logits Z = X·W + b and predictions Ŷ of the objective's activation, in float64. */
export function forward(objective: Objective, X: DenseMatrix, W: DenseMatrix, b: DenseMatrix): Forward {
  const spec = OBJECTIVES[checkObjective('forward', objective)];
  const Z = matmul(X, W, b);
  return { Z, Yhat: activate(spec.activation, Z) };
}

/**
 * Mean loss over the rows (each row's times weights[i], if given); stable BCE/CE read the logits,
 * the MSE objectives the predictions.
 */
export function meanLoss(objective: Objective, f: Forward, Y: DenseMatrix, weights?: ArrayLike<number>): number {
  const spec = OBJECTIVES[checkObjective('meanLoss', objective)];
  return objectiveLoss(spec.loss, LOSSES[spec.loss].input === 'logits' ? f.Z : f.Yhat, Y, weights);
}

function sumOfSquares(data: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < data.length; i++) s += (data[i] as number) ** 2;
  return s;
}

/**
 * ‖∇θ‖₂ of the regularized objective mean loss + (l2/2)·‖W‖² on the whole of X: the W part is
 * dW + l2·W, and db counts only when the bias is trained (a frozen b has no gradient to vanish).
 */
export function objectiveGradientNorm(p: GradientAt): number {
  const f = forward(p.objective, p.X, p.W, p.b);
  const { dW, db } = gradient(p.X, f.Yhat, p.Y, OBJECTIVES[p.objective].gradient, p.weights);
  let s = 0;
  for (let i = 0; i < dW.data.length; i++) s += ((dW.data[i] as number) + p.l2 * (p.W.data[i] as number)) ** 2;
  if (p.fitIntercept) s += sumOfSquares(db.data);
  return Math.sqrt(s);
}

/** ‖a − b‖₂² over matching entries. */
function distanceSquared(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += ((a[i] as number) - (b[i] as number)) ** 2;
  return s;
}

function copy64(m: DenseMatrix): Matrix64 {
  return { data: Float64Array.from(m.data), rows: m.rows, cols: m.cols };
}

/** Rows order[start .. start+count) of M, in that order. */
function gatherRows(M: DenseMatrix, order: Uint32Array, start: number, count: number): Matrix64 {
  const out: Matrix64 = { data: new Float64Array(count * M.cols), rows: count, cols: M.cols };
  for (let r = 0; r < count; r++) {
    const src = (order[start + r] as number) * M.cols;
    for (let j = 0; j < M.cols; j++) out.data[r * M.cols + j] = M.data[src + j] as number;
  }
  return out;
}

function checkShapes(p: TrainProblem): void {
  const { X, Y, W, b } = p;
  checkMatrix('train', 'X', X);
  checkMatrix('train', 'Y', Y);
  checkMatrix('train', 'W', W);
  checkMatrix('train', 'b', b);
  requireFit('train', 'X', X, 'Y', Y, X.rows === Y.rows, 'X.rows must equal Y.rows');
  requireFit('train', 'X', X, 'W', W, X.cols === W.rows, 'X.cols must equal W.rows');
  requireFit('train', 'Y', Y, 'W', W, Y.cols === W.cols, 'Y.cols must equal W.cols');
  requireFit('train', 'W', W, 'b', b, b.rows === 1 && b.cols === W.cols, 'b must be 1×W.cols');
  if (p.validation === undefined) return;
  const v = p.validation;
  checkMatrix('train', 'validation.X', v.X);
  checkMatrix('train', 'validation.Y', v.Y);
  requireFit('train', 'validation.X', v.X, 'validation.Y', v.Y, v.X.rows === v.Y.rows, 'validation.X.rows must equal validation.Y.rows');
  requireFit('train', 'X', X, 'validation.X', v.X, v.X.cols === X.cols, 'validation.X.cols must equal X.cols');
  requireFit('train', 'Y', Y, 'validation.Y', v.Y, v.Y.cols === Y.cols, 'validation.Y.cols must equal Y.cols');
}

interface Params {
  W: Matrix64;
  b: Matrix64;
  /** The optimizer's state over [W row-major, b]. */
  state: OptimizerState;
}

/**
 * One step: W with λ, b (when trained) without, through the options' optimizer, or through the
 * hypergradient rate's (g_t kept, then its second pass steps θ at the learned α); fresh W, b and
 * state, so held references stay snapshots.
 */
function optimize(p: TrainProblem, params: Params, dW: Matrix64, db: Matrix64, lr: number, rate: LearnedRate | null): void {
  const o = rate?.rule ?? p.options.optimizer;
  // A learned rate keeps its own state; the options' optimizer (SGD) then keeps none and counts no steps.
  const state = rate?.state ?? copyState(params.state);
  if (rate === null) state.steps++;
  const W = params.W.data.slice();
  optimizerStep(o, W, dW.data, p.options.l2, lr, state, 0, state.steps);
  const b = params.b.data.slice();
  if (p.fitIntercept) optimizerStep(o, b, db.data, 0, lr, state, W.length, state.steps);
  if (rate !== null) hypergradientStep(rate.rule, rate.state, p.fitIntercept ? [W, b] : [W]);
  params.W = { data: W, rows: params.W.rows, cols: params.W.cols };
  if (p.fitIntercept) params.b = { data: b, rows: params.b.rows, cols: params.b.cols };
  if (rate === null) params.state = state;
}

/**
 * One pass over the rows in `order`, updating params in place; returns Σ over batches of loss·mb.
 * `rate`: a hypergradient schedule's rule and state, which then set each step's rate instead of `lr`.
 * `weights`: the rows' normalised weights as an n×1 matrix, or null (unweighted).
 */
function runEpoch(p: TrainProblem, params: Params, order: Uint32Array, lr: number, rate: LearnedRate | null, weights: DenseMatrix | null): number {
  const { objective, X, Y, options } = p;
  const mode = OBJECTIVES[objective].gradient;
  const n = X.rows;
  let lossSum = 0;
  for (let start = 0; start < n; start += options.batchSize) {
    const mb = Math.min(options.batchSize, n - start);
    const Xb = gatherRows(X, order, start, mb);
    const Yb = gatherRows(Y, order, start, mb);
    const wb = weights === null ? undefined : gatherRows(weights, order, start, mb).data;
    const f = forward(objective, Xb, params.W, params.b);
    // cpu.loss is a mean over the batch; weighting by mb makes the epoch loss a mean over rows.
    lossSum += meanLoss(objective, f, Yb, wb) * mb;
    const { dW, db } = gradient(Xb, f.Yhat, Yb, mode, wb);
    optimize(p, params, dW, db, lr, rate);
  }
  return lossSum;
}

function epochMetrics(p: TrainProblem, params: Params, threshold: number): EpochMetrics {
  const out: EpochMetrics = {};
  const classifier = isClassifier(p.objective);
  if (p.validation !== undefined) {
    const f = forward(p.objective, p.validation.X, params.W, params.b);
    out.valLoss = meanLoss(p.objective, f, p.validation.Y);
    if (classifier) out.valAccuracy = accuracy(p.objective, f.Yhat, p.validation.Y, threshold);
  }
  if (p.options.trainAccuracy && classifier) {
    const f = forward(p.objective, p.X, params.W, params.b);
    out.accuracy = accuracy(p.objective, f.Yhat, p.Y, threshold);
  }
  return out;
}

/** ‖θ − start‖₂ over W, and b when it is trained. */
function moved(p: TrainProblem, params: Params, start: Params): number {
  let s = distanceSquared(params.W.data, start.W.data);
  if (p.fitIntercept) s += distanceSquared(params.b.data, start.b.data);
  return Math.sqrt(s);
}

/** Mini-batch SGD with the options' schedule, order, L2 and stopping rules (core/loop.ts); inputs are not mutated. */
export function train(p: TrainProblem): TrainResult {
  if (typeof p !== 'object' || p === null) throw new ValueError(`train: problem must be { objective, X, Y, W, b, fitIntercept, options, … }, got ${describeValue(p)}`);
  checkObjective('train', p.objective);
  if (typeof p.options !== 'object' || p.options === null) {
    throw new ValueError(`train: problem.options must be the fit options with their defaults applied, got ${describeValue(p.options)}`);
  }
  checkShapes(p);
  const threshold = checkFiniteNumber('train: threshold', p.threshold === undefined ? 0.5 : p.threshold);
  const n = p.X.rows;
  if (p.options.earlyStopping !== null && p.validation === undefined) {
    throw new ValueError('earlyStopping needs a validation set: give train() a validation');
  }
  const w = p.sampleWeight === undefined ? null : normalizeWeights(checkSampleWeight('sampleWeight', p.sampleWeight, n));
  if (p.options.solver === 'lbfgs') return trainLbfgs(p, threshold, w ?? undefined);
  const weights: DenseMatrix | null = w === null ? null : { data: w, rows: n, cols: 1 };
  const size = p.W.rows * p.W.cols + p.W.cols;
  const initial = p.optimizerState ?? zeroState(p.options.optimizer, size);
  if (initial.first.length !== (stateSlots(p.options.optimizer) >= 1 ? size : 0) || initial.second.length !== (stateSlots(p.options.optimizer) >= 2 ? size : 0)) {
    throw new ValueError(`train: optimizerState does not fit optimizer '${p.options.optimizer.kind}' over ${size} parameters`);
  }
  const params: Params = { W: copy64(p.W), b: copy64(p.b), state: copyState(initial) };
  // Each step makes fresh matrices and state, so holding the old references is a snapshot of θ.
  let start: Params = params;
  let best: Params = { ...params };
  const schedule = p.options.learningRate;
  const rate: LearnedRate | null = isHypergradient(schedule) ? learnedRate(schedule, size) : null;
  const history = runEpochsSync(p.options, n, {
    runEpoch: (order, learningRate) => {
      start = { ...params };
      return runEpoch(p, params, order, learningRate, rate, weights) / n;
    },
    learnedRate: () => rate?.state.alpha ?? Number.NaN,
    metrics: () => epochMetrics(p, params, threshold),
    moved: () => moved(p, params, start),
    gradientNorm: () =>
      objectiveGradientNorm({
        objective: p.objective, X: p.X, Y: p.Y, W: params.W, b: params.b, l2: p.options.l2, fitIntercept: p.fitIntercept,
        ...(w === null ? {} : { weights: w }),
      }),
    // The GPU model holds float32: a float64 value beyond its range is as diverged as Infinity.
    paramsFinite: () => [params.W.data, params.b.data].every((a) => a.every((v) => Math.abs(v) <= F32_MAX)),
    keepBest: () => {
      best = { ...params };
    },
    restoreBest: () => {
      params.W = best.W;
      params.b = best.b;
      params.state = best.state;
    },
  });
  return { W: params.W, b: params.b, history, optimizerState: params.state };
}

/** θ = [W, b] (b only when trained) as the float64 parameters; the frozen bias stays as given. */
function paramsOf(p: TrainProblem, theta: Float64Array): Params {
  const { rows: d, cols: k } = p.W;
  const W: Matrix64 = { data: theta.slice(0, d * k), rows: d, cols: k };
  return { W, b: p.fitIntercept ? { data: theta.slice(d * k), rows: 1, cols: k } : copy64(p.b), state: zeroState(SGD, 0) };
}

/** L-BFGS (core/lbfgs.ts) with the data loss and its gradient over the whole of X in float64. */
function trainLbfgs(p: TrainProblem, threshold: number, rowWeights: ArrayLike<number> | undefined): TrainResult {
  const { objective, X, Y } = p;
  const weights = p.W.rows * p.W.cols;
  const theta = new Float64Array(weights + (p.fitIntercept ? p.W.cols : 0));
  theta.set(p.W.data);
  if (p.fitIntercept) theta.set(p.b.data, weights);
  const mode = OBJECTIVES[objective].gradient;
  const classes = OBJECTIVES[objective].activation === 'softmax' ? p.W.cols : 0;
  const result = runLbfgsSync(p.options, { theta, weights, classes }, {
    roundoff: ROUNDOFF_F64,
    evaluate: (at) => {
      const q = paramsOf(p, at);
      const f = forward(objective, X, q.W, q.b);
      const { dW, db } = gradient(X, f.Yhat, Y, mode, rowWeights);
      const g = new Float64Array(at.length);
      g.set(dW.data);
      if (p.fitIntercept) g.set(db.data, weights);
      return { loss: meanLoss(objective, f, Y, rowWeights), gradient: g };
    },
    metrics: (at) => epochMetrics(p, paramsOf(p, at), threshold),
  });
  const final = paramsOf(p, result.theta);
  return { W: final.W, b: final.b, history: result.history };
}
