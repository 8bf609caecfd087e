// The float64 trainer's test helpers (cpu-train*.test.ts): small matrices, problems with zero initial
// parameters, targets per objective, and the training loop written out over cpu ops to compare with.
import { gradient, matmul, sgdStep, sigmoid, softmax } from '../../src/cpu/index.ts';
import type { TrainProblem, TrainResult } from '../../src/cpu/index.ts';
import { objectiveLoss } from '../../src/cpu/loss.ts';
import { LOSSES, OBJECTIVES, type Objective } from '../../src/core/objective.ts';
import { resolveFitOptions, type FitOptions } from '../../src/core/options.ts';
import type { DenseMatrix, Matrix64 } from '../../src/types.ts';
import type { Rng } from './random.ts';

export function mat(rows: readonly (readonly number[])[]): Matrix64 {
  return { data: Float64Array.from(rows.flat()), rows: rows.length, cols: (rows[0] as readonly number[]).length };
}

export function randomMatrix(rand: Rng, rows: number, cols: number, scale = 1): Matrix64 {
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = (2 * rand() - 1) * scale;
  return { data, rows, cols };
}

export function zerosMat(rows: number, cols: number): Matrix64 {
  return { data: new Float64Array(rows * cols), rows, cols };
}

export interface ProblemSpec {
  objective: Objective;
  X: DenseMatrix;
  Y: DenseMatrix;
  W?: DenseMatrix;
  b?: DenseMatrix;
  fitIntercept?: boolean;
  validation?: { X: DenseMatrix; Y: DenseMatrix };
  threshold?: number;
}

/** The classic logistic worked example: bias column first in X, θ as W, no separate bias. */
export const WORKED_EXAMPLE: ProblemSpec = {
  objective: 'logistic-bce',
  X: mat([[1, 1.4, 0.2], [1, 1.5, 0.2], [1, 3.0, 1.1], [1, 4.1, 1.3]]),
  Y: mat([[0], [0], [1], [1]]),
  W: mat([[0.1], [0.5], [-0.1]]),
  b: mat([[0]]),
  fitIntercept: false,
};

/** A TrainProblem with zero initial parameters unless given, options resolved for n = X.rows. */
export function problem(s: ProblemSpec, options: FitOptions<unknown, unknown>): TrainProblem {
  const p: TrainProblem = {
    objective: s.objective,
    X: s.X,
    Y: s.Y,
    W: s.W ?? zerosMat(s.X.cols, s.Y.cols),
    b: s.b ?? zerosMat(1, s.Y.cols),
    fitIntercept: s.fitIntercept ?? true,
    options: resolveFitOptions(options, s.X.rows),
  };
  if (s.validation !== undefined) p.validation = s.validation;
  if (s.threshold !== undefined) p.threshold = s.threshold;
  return p;
}

function rowsOf(M: DenseMatrix, idx: readonly number[]): Matrix64 {
  return mat(idx.map((i) => Array.from({ length: M.cols }, (_, j) => M.data[i * M.cols + j] as number)));
}

function link(objective: Objective, Z: Matrix64): Matrix64 {
  const a = OBJECTIVES[objective].activation;
  return a === 'sigmoid' ? sigmoid(Z) : a === 'softmax' ? softmax(Z) : Z;
}

/** Targets an objective is trained on: one-hot rows for softmax-ce, 0/1 for logistic, reals for linear. */
export function targets(rand: Rng, objective: Objective, n: number, k: number): Matrix64 {
  const Y = zerosMat(n, k);
  for (let i = 0; i < n; i++) {
    if (objective === 'softmax-ce') Y.data[i * k + Math.floor(rand() * k)] = 1;
    else for (let j = 0; j < k; j++) Y.data[i * k + j] = objective === 'linear-mse' ? (2 * rand() - 1) * 2 : rand() < 0.5 ? 0 : 1;
  }
  return Y;
}

export interface HandRolled {
  W: Matrix64;
  b: Matrix64;
  losses: number[];
}

/** The training loop written out directly over cpu ops, for explicit batches of row indices. */
export function handRolled(
  objective: Objective,
  X: DenseMatrix,
  Y: DenseMatrix,
  W0: DenseMatrix,
  b0: DenseMatrix,
  epochs: readonly (readonly (readonly number[])[])[],
  lr: number,
  l2: number,
): HandRolled {
  const spec = OBJECTIVES[objective];
  let W: Matrix64 = { data: Float64Array.from(W0.data), rows: W0.rows, cols: W0.cols };
  const b: Matrix64 = { data: Float64Array.from(b0.data), rows: b0.rows, cols: b0.cols };
  const losses: number[] = [];
  for (const batches of epochs) {
    let sum = 0;
    for (const idx of batches) {
      const Xb = rowsOf(X, idx);
      const Yb = rowsOf(Y, idx);
      const Z = matmul(Xb, W, b);
      const Yhat = link(objective, Z);
      sum += objectiveLoss(spec.loss, LOSSES[spec.loss].input === 'logits' ? Z : Yhat, Yb) * idx.length;
      const { dW, db } = gradient(Xb, Yhat, Yb, spec.gradient);
      W = sgdStep(W, dW, lr, l2);
      for (let j = 0; j < b.cols; j++) b.data[j] = (b.data[j] as number) - lr * (db.data[j] as number);
    }
    losses.push(sum / X.rows);
  }
  return { W, b, losses };
}

/** Batches of `size` over `order`, the last one partial. */
export function chunk(order: ArrayLike<number>, size: number): number[][] {
  const out: number[][] = [];
  for (let s = 0; s < order.length; s += size) out.push(Array.from(order).slice(s, s + size));
  return out;
}

export function theta(r: TrainResult): number[] {
  return [...r.W.data, ...r.b.data];
}

export function norm(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += (v[i] as number) ** 2;
  return Math.sqrt(s);
}
