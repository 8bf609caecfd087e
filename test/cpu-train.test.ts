// Tests for the float64 trainer: textbook worked examples, hand-rolled loops over cpu ops that the
// trainer must reproduce (batches, order, partial last batch), schedules, stopping rules, divergence,
// bias handling and the optional metrics.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ShapeError, ValueError } from '../src/errors.ts';
import { accuracy, gradient, loss, matmul, objectiveGradientNorm, sgdStep, sigmoid, softmax, train } from '../src/cpu/index.ts';
import type { TrainProblem, TrainResult } from '../src/cpu/index.ts';
import { objectiveLoss } from '../src/cpu/loss.ts';
import { LOSSES, OBJECTIVES, type Objective } from '../src/core/objective.ts';
import { resolveFitOptions, type EpochLog, type FitOptions } from '../src/core/options.ts';
import { epochOrder } from '../src/core/order.ts';
import type { DenseMatrix, Matrix64 } from '../src/types.ts';
import { assertClose } from './support/compare.ts';
import { mulberry32, type Rng } from './support/random.ts';

function mat(rows: readonly (readonly number[])[]): Matrix64 {
  return { data: Float64Array.from(rows.flat()), rows: rows.length, cols: (rows[0] as readonly number[]).length };
}

function randomMatrix(rand: Rng, rows: number, cols: number, scale = 1): Matrix64 {
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = (2 * rand() - 1) * scale;
  return { data, rows, cols };
}

function zerosMat(rows: number, cols: number): Matrix64 {
  return { data: new Float64Array(rows * cols), rows, cols };
}

interface ProblemSpec {
  objective: Objective;
  X: DenseMatrix;
  Y: DenseMatrix;
  W?: DenseMatrix;
  b?: DenseMatrix;
  fitIntercept?: boolean;
  validation?: { X: DenseMatrix; Y: DenseMatrix };
  threshold?: number;
}

/** A TrainProblem with zero initial parameters unless given, options resolved for n = X.rows. */
/** The classic logistic worked example: bias column first in X, θ as W, no separate bias. */
const WORKED_EXAMPLE: ProblemSpec = {
  objective: 'logistic-bce',
  X: mat([[1, 1.4, 0.2], [1, 1.5, 0.2], [1, 3.0, 1.1], [1, 4.1, 1.3]]),
  Y: mat([[0], [0], [1], [1]]),
  W: mat([[0.1], [0.5], [-0.1]]),
  b: mat([[0]]),
  fitIntercept: false,
};

function problem(s: ProblemSpec, options: FitOptions<unknown, unknown>): TrainProblem {
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
function targets(rand: Rng, objective: Objective, n: number, k: number): Matrix64 {
  const Y = zerosMat(n, k);
  for (let i = 0; i < n; i++) {
    if (objective === 'softmax-ce') Y.data[i * k + Math.floor(rand() * k)] = 1;
    else for (let j = 0; j < k; j++) Y.data[i * k + j] = objective === 'linear-mse' ? (2 * rand() - 1) * 2 : rand() < 0.5 ? 0 : 1;
  }
  return Y;
}

interface HandRolled {
  W: Matrix64;
  b: Matrix64;
  losses: number[];
}

/** The training loop written out directly over cpu ops, for explicit batches of row indices. */
function handRolled(
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
function chunk(order: ArrayLike<number>, size: number): number[][] {
  const out: number[][] = [];
  for (let s = 0; s < order.length; s += size) out.push(Array.from(order).slice(s, s + size));
  return out;
}

function theta(r: TrainResult): number[] {
  return [...r.W.data, ...r.b.data];
}

function norm(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += (v[i] as number) ** 2;
  return Math.sqrt(s);
}

// ---- Worked examples ----

test('linear regression, SGD one row at a time: θ = (0.5, 0.1) after row 1, (2.732, 0.348) after row 2', () => {
  // Loss is ½-MSE, so η = 0.02 here matches η = 0.01 on the slides' squared error.
  const opts = { epochs: 1, batchSize: 1, shuffle: false, learningRate: 0.02 };
  const one = train(problem({ objective: 'linear-mse', X: mat([[5]]), Y: mat([[5]]) }, opts));
  assertClose(one.W.data, [0.5], 1e-9, 'w after row 1');
  assertClose(one.b.data, [0.1], 1e-9, 'b after row 1');
  const two = train(problem({ objective: 'linear-mse', X: mat([[5], [9]]), Y: mat([[5], [17]]) }, opts));
  assertClose(two.W.data, [2.732], 1e-9, 'w after row 2');
  assertClose(two.b.data, [0.348], 1e-9, 'b after row 2');
  assert.is(two.history.epochs, 1);
  assert.is(two.history.stopReason, 'epochs');
  assert.is(two.history.converged, false);
});

test('logistic worked example, full batch: loss 0.669262 and W after one step (1e-6)', () => {
  const r = train(
    problem(
      WORKED_EXAMPLE,
      { epochs: 1, batchSize: 4, shuffle: false, learningRate: 0.01 },
    ),
  );
  assertClose(r.history.loss, [0.669262], 1e-6, 'loss');
  assertClose(r.W.data, [0.097298, 0.497569, -0.099805], 1e-6, 'W');
  assert.equal(Array.from(r.b.data), [0]);
});

// ---- The trainer reproduces a hand-rolled loop ----

const ALL: readonly Objective[] = ['logistic-bce', 'logistic-mse', 'softmax-ce', 'linear-mse'];

for (const objective of ALL) {
  test(`${objective}: last partial batch is used and divided by its own size (n = 5, batches 2, 2, 1)`, () => {
    const rand = mulberry32(21);
    const k = objective === 'softmax-ce' ? 3 : 1;
    const X = randomMatrix(rand, 5, 3, 2);
    const Y = targets(rand, objective, 5, k);
    const W0 = randomMatrix(rand, 3, k, 0.5);
    const b0 = randomMatrix(rand, 1, k, 0.5);
    const opts = { epochs: 2, batchSize: 2, shuffle: false, learningRate: 0.3, l2: 0.05 };
    const r = train(problem({ objective, X, Y, W: W0, b: b0 }, opts));
    const batches = [[0, 1], [2, 3], [4]];
    const ref = handRolled(objective, X, Y, W0, b0, [batches, batches], 0.3, 0.05);
    assertClose(r.W.data, ref.W.data, 1e-12, 'W');
    assertClose(r.b.data, ref.b.data, 1e-12, 'b');
    assertClose(r.history.loss, ref.losses, 1e-12, 'loss');
    // Dropping the last row instead would give different parameters.
    const dropped = handRolled(objective, X, Y, W0, b0, [[[0, 1], [2, 3]], [[0, 1], [2, 3]]], 0.3, 0.05);
    assert.ok(norm(ref.W.data.map((v, i) => v - (dropped.W.data[i] as number))) > 1e-6, 'the last row must matter');
  });
}

test('shuffle false visits rows 0..n−1; shuffle true follows epochOrder(n, e, true, seed)', () => {
  const rand = mulberry32(22);
  const n = 11;
  const X = randomMatrix(rand, n, 4, 1);
  const Y = targets(rand, 'softmax-ce', n, 3);
  const natural = Array.from({ length: n }, (_, i) => i);
  const plain = train(problem({ objective: 'softmax-ce', X, Y }, { epochs: 3, batchSize: 4, shuffle: false, learningRate: 0.5 }));
  const refPlain = handRolled('softmax-ce', X, Y, zerosMat(4, 3), zerosMat(1, 3), [0, 1, 2].map(() => chunk(natural, 4)), 0.5, 0);
  assert.equal(Array.from(plain.W.data), Array.from(refPlain.W.data));
  assert.equal(Array.from(plain.b.data), Array.from(refPlain.b.data));

  const shuffled = train(problem({ objective: 'softmax-ce', X, Y }, { epochs: 3, batchSize: 4, seed: 7, learningRate: 0.5 }));
  const orders = [0, 1, 2].map((e) => chunk(epochOrder(n, e, true, 7), 4));
  const refShuffled = handRolled('softmax-ce', X, Y, zerosMat(4, 3), zerosMat(1, 3), orders, 0.5, 0);
  assert.equal(Array.from(shuffled.W.data), Array.from(refShuffled.W.data));
  assert.equal(Array.from(shuffled.b.data), Array.from(refShuffled.b.data));
  assert.not.equal(Array.from(shuffled.W.data), Array.from(plain.W.data));
});

test('same seed gives bit-identical parameters; different seeds differ', () => {
  const rand = mulberry32(23);
  const X = randomMatrix(rand, 20, 3, 1);
  const Y = targets(rand, 'logistic-bce', 20, 1);
  const run = (seed: number): number[] => theta(train(problem({ objective: 'logistic-bce', X, Y }, { epochs: 4, batchSize: 3, seed, learningRate: 0.4 })));
  const a = run(5);
  const b = run(5);
  assert.ok(a.every((v, i) => Object.is(v, b[i])), 'same seed must give identical bits');
  assert.not.equal(run(6), a);
});

test('inputs are not mutated', () => {
  const rand = mulberry32(24);
  const X = randomMatrix(rand, 6, 2);
  const Y = targets(rand, 'linear-mse', 6, 2);
  const W = randomMatrix(rand, 2, 2);
  const b = randomMatrix(rand, 1, 2);
  const copies = [X, Y, W, b].map((m) => Array.from(m.data));
  train(problem({ objective: 'linear-mse', X, Y, W, b }, { epochs: 3, batchSize: 2, learningRate: 0.1, l2: 0.1 }));
  [X, Y, W, b].forEach((m, i) => assert.equal(Array.from(m.data), copies[i]));
});

// ---- Schedules ----

test('schedules: history.learningRate follows step, exponential, inverse-time and a function', () => {
  const X = mat([[1], [2], [3]]);
  const Y = mat([[1], [2], [3]]);
  const epochs = 7;
  const cases: { schedule: FitOptions<unknown, unknown>['learningRate']; rate: (e: number) => number }[] = [
    { schedule: 0.05, rate: () => 0.05 },
    { schedule: { kind: 'step', initial: 0.1, factor: 0.5, every: 3 }, rate: (e) => 0.1 * 0.5 ** Math.floor(e / 3) },
    { schedule: { kind: 'exponential', initial: 0.1, decay: 0.9 }, rate: (e) => 0.1 * 0.9 ** e },
    { schedule: { kind: 'inverse-time', initial: 0.1, decay: 0.25 }, rate: (e) => 0.1 / (1 + 0.25 * e) },
    { schedule: (e: number) => 0.01 * (e + 1), rate: (e) => 0.01 * (e + 1) },
  ];
  for (const c of cases) {
    const r = train(problem({ objective: 'linear-mse', X, Y }, { epochs, learningRate: c.schedule, shuffle: false }));
    const expected = Array.from({ length: epochs }, (_, e) => c.rate(e));
    assertClose(r.history.learningRate, expected, 1e-15, `learningRate for ${JSON.stringify(c.schedule) ?? 'function'}`);
    assert.is(r.history.ms.length, epochs);
    assert.ok(r.history.ms.every((ms) => ms >= 0));
  }
});

test('the rate of epoch e is used for every step of epoch e', () => {
  const X = mat([[5], [9]]);
  const Y = mat([[5], [17]]);
  const schedule = { kind: 'step' as const, initial: 0.02, factor: 0.1, every: 1 };
  const r = train(problem({ objective: 'linear-mse', X, Y }, { epochs: 2, batchSize: 1, shuffle: false, learningRate: schedule }));
  const e0 = handRolled('linear-mse', X, Y, zerosMat(1, 1), zerosMat(1, 1), [[[0], [1]]], 0.02, 0);
  const e1 = handRolled('linear-mse', X, Y, e0.W, e0.b, [[[0], [1]]], 0.002, 0);
  assertClose(theta(r), [...e1.W.data, ...e1.b.data], 1e-12, 'θ');
});

// ---- Stopping ----

test('tol: stops when ‖Δθ‖ over an epoch is ≤ tol, and not one epoch earlier', () => {
  const rand = mulberry32(25);
  const X = randomMatrix(rand, 12, 3);
  const Y = targets(rand, 'linear-mse', 12, 1);
  const tol = 1e-6;
  const opts = { batchSize: 12, learningRate: 0.5 };
  const r = train(problem({ objective: 'linear-mse', X, Y }, { ...opts, epochs: 100_000, tol }));
  assert.is(r.history.stopReason, 'tol');
  assert.is(r.history.converged, true);
  const k = r.history.epochs;
  assert.ok(k > 2 && k < 100_000, `stopped after ${k} epochs`);
  assert.is(r.history.loss.length, k);
  const at = (epochs: number): number[] => theta(train(problem({ objective: 'linear-mse', X, Y }, { ...opts, epochs })));
  assert.equal(at(k), theta(r));
  const step = (a: number[], b: number[]): number => norm(a.map((v, i) => v - (b[i] as number)));
  assert.ok(step(at(k), at(k - 1)) <= tol, 'last epoch moved ≤ tol');
  assert.ok(step(at(k - 1), at(k - 2)) > tol, 'the epoch before moved > tol');
});

test('tol: with fitIntercept false only W counts, and the bias stays put', () => {
  const rand = mulberry32(26);
  const X = randomMatrix(rand, 10, 2);
  const Y = targets(rand, 'logistic-bce', 10, 1);
  const b = mat([[0.3]]);
  const r = train(problem({ objective: 'logistic-bce', X, Y, b, fitIntercept: false }, { epochs: 100_000, batchSize: 10, learningRate: 1, l2: 0.1, tol: 1e-7 }));
  assert.is(r.history.stopReason, 'tol');
  assert.equal(Array.from(r.b.data), [0.3]);
});

test('gradTol: stops with stopReason gradTol once the full regularized gradient is small', () => {
  const rand = mulberry32(27);
  const X = randomMatrix(rand, 15, 2);
  const Y = targets(rand, 'logistic-mse', 15, 1);
  // Full batch: constant-rate mini-batch SGD settles into a cycle whose full gradient need not vanish.
  const opts = { epochs: 100_000, batchSize: 15, learningRate: 1, l2: 0.2, gradTol: 1e-4 };
  const r = train(problem({ objective: 'logistic-mse', X, Y }, opts));
  assert.is(r.history.stopReason, 'gradTol');
  assert.is(r.history.converged, true);
  assert.ok(r.history.epochs > 1 && r.history.epochs < 100_000, `ran ${r.history.epochs} epochs`);
  const g = objectiveGradientNorm({ objective: 'logistic-mse', X, Y, W: r.W, b: r.b, l2: 0.2, fitIntercept: true });
  assert.ok(g <= 1e-4, `‖g‖ = ${g}`);
  const before = train(problem({ objective: 'logistic-mse', X, Y }, { ...opts, gradTol: 0, epochs: r.history.epochs - 1 }));
  const gBefore = objectiveGradientNorm({ objective: 'logistic-mse', X, Y, W: before.W, b: before.b, l2: 0.2, fitIntercept: true });
  assert.ok(gBefore > 1e-4, `one epoch earlier ‖g‖ = ${gBefore} should exceed gradTol`);
});

test('tol is checked before gradTol', () => {
  const X = mat([[1], [2]]);
  const Y = mat([[2], [4]]);
  // W starts at the exact solution w = 2, b = 0: nothing moves and the gradient is 0, so both rules fire.
  const r = train(problem({ objective: 'linear-mse', X, Y, W: mat([[2]]) }, { epochs: 5, learningRate: 0.1, tol: 1e-9, gradTol: 1e-9 }));
  assert.is(r.history.stopReason, 'tol');
  assert.is(r.history.epochs, 1);
});

/** A standardized 3-class problem: Gaussian-ish blobs around random centres, columns scaled to mean 0, sd 1. */
function blobs(rand: Rng, n: number, d: number, k: number): { X: Matrix64; Y: Matrix64 } {
  const centres = randomMatrix(rand, k, d, 2);
  const X = zerosMat(n, d);
  const Y = zerosMat(n, k);
  for (let i = 0; i < n; i++) {
    const c = i % k;
    Y.data[i * k + c] = 1;
    for (let t = 0; t < d; t++) {
      const noise = rand() + rand() + rand() - 1.5;
      X.data[i * d + t] = (centres.data[c * d + t] as number) + 1.5 * noise;
    }
  }
  for (let t = 0; t < d; t++) {
    let mean = 0;
    for (let i = 0; i < n; i++) mean += X.data[i * d + t] as number;
    mean /= n;
    let v = 0;
    for (let i = 0; i < n; i++) v += ((X.data[i * d + t] as number) - mean) ** 2;
    const sd = Math.sqrt(v / n);
    for (let i = 0; i < n; i++) X.data[i * d + t] = ((X.data[i * d + t] as number) - mean) / sd;
  }
  return { X, Y };
}

test('L2 softmax, full-batch GD, converges to full regularized gradient ‖g‖ ≤ 1e-6 (checked by hand)', () => {
  const { X, Y } = blobs(mulberry32(28), 90, 4, 3);
  const l2 = 0.05;
  const r = train(problem({ objective: 'softmax-ce', X, Y }, { epochs: 50_000, batchSize: 90, learningRate: 1, l2, gradTol: 1e-6 }));
  assert.is(r.history.stopReason, 'gradTol');
  assert.ok(r.history.epochs < 50_000, `ran ${r.history.epochs} epochs`);
  console.log(`  [softmax L2] converged in ${r.history.epochs} epochs`);
  // Recompute the gradient of mean CE + (l2/2)‖W‖² from cpu ops, independently of train.ts.
  const { dW, db } = gradient(X, softmax(matmul(X, r.W, r.b)), Y);
  const g = [...Array.from(dW.data, (v, i) => v + l2 * (r.W.data[i] as number)), ...db.data];
  assert.ok(norm(g) <= 1e-6, `‖g‖ = ${norm(g)}`);
  // The loss went down monotonically, as full-batch GD with a small enough step must.
  for (let e = 1; e < r.history.loss.length; e++) {
    assert.ok((r.history.loss[e] as number) <= (r.history.loss[e - 1] as number) + 1e-15, `loss rose at epoch ${e}`);
  }
});

// ---- Divergence and errors ----

test('divergence: a huge learning rate with large features throws ValueError naming learningRate', () => {
  const X = mat([[1000], [-2000], [1500], [3000]]);
  const Y = mat([[1], [2], [3], [4]]);
  try {
    train(problem({ objective: 'linear-mse', X, Y }, { epochs: 1000, batchSize: 1, shuffle: false, learningRate: 10 }));
  } catch (err) {
    assert.instance(err, ValueError);
    const message = (err as Error).message;
    assert.ok(message.includes('diverged') && message.includes('learningRate') && message.includes('10'), message);
    return;
  }
  assert.unreachable('expected a ValueError');
});

test('shape errors name the arguments', () => {
  const X = mat([[1, 2], [3, 4], [5, 6]]);
  const Y = mat([[1], [0], [1]]);
  const expectShape = (p: TrainProblem, parts: readonly string[]): void => {
    try {
      train(p);
    } catch (err) {
      assert.instance(err, ShapeError);
      for (const part of parts) assert.ok((err as Error).message.includes(part), `"${(err as Error).message}" should contain "${part}"`);
      return;
    }
    assert.unreachable('expected a ShapeError');
  };
  expectShape(problem({ objective: 'logistic-bce', X, Y: mat([[1], [0]]) }, {}), ['train', 'X is 3×2', 'Y is 2×1']);
  expectShape(problem({ objective: 'logistic-bce', X, Y, W: mat([[0], [0], [0]]) }, {}), ['train', 'W is 3×1']);
  expectShape(problem({ objective: 'logistic-bce', X, Y, b: mat([[0, 0]]) }, {}), ['train', 'b is 1×2']);
  expectShape(problem({ objective: 'logistic-bce', X, Y, validation: { X: mat([[1, 2, 3]]), Y: mat([[1]]) } }, {}), ['validation.X is 1×3']);
  expectShape(problem({ objective: 'logistic-bce', X, Y, validation: { X: mat([[1, 2]]), Y: mat([[1], [0]]) } }, {}), ['validation.Y is 2×1']);
});

// ---- Bias handling ----

test('fitIntercept false leaves b exactly as given', () => {
  const rand = mulberry32(29);
  const X = randomMatrix(rand, 8, 3);
  const Y = targets(rand, 'softmax-ce', 8, 3);
  const b = mat([[0.7, -0.3, 0.1]]);
  const r = train(problem({ objective: 'softmax-ce', X, Y, b, fitIntercept: false }, { epochs: 5, batchSize: 3, learningRate: 0.5, l2: 0.3 }));
  assert.equal(Array.from(r.b.data), [0.7, -0.3, 0.1]);
  assert.is.not(r.b.data, b.data);
});

test('l2 decays W but never b: one full-batch step is W − η(dW + λW), b − η·db', () => {
  const rand = mulberry32(30);
  const X = randomMatrix(rand, 6, 2);
  const Y = targets(rand, 'logistic-bce', 6, 1);
  const W0 = mat([[0.8], [-1.2]]);
  const b0 = mat([[1.5]]);
  const eta = 0.1;
  const l2 = 5;
  const r = train(problem({ objective: 'logistic-bce', X, Y, W: W0, b: b0 }, { epochs: 1, batchSize: 6, learningRate: eta, l2 }));
  const { dW, db } = gradient(X, sigmoid(matmul(X, W0, b0)), Y);
  assertClose(r.W.data, Array.from(W0.data, (w, i) => w - eta * ((dW.data[i] as number) + l2 * w)), 1e-15, 'W');
  assertClose(r.b.data, [1.5 - eta * (db.data[0] as number)], 1e-15, 'b');
});

// ---- Metrics ----

test('accuracy, valLoss and valAccuracy are computed when asked and absent otherwise', () => {
  const rand = mulberry32(31);
  const X = randomMatrix(rand, 12, 3);
  const Y = targets(rand, 'softmax-ce', 12, 3);
  const Xv = randomMatrix(rand, 5, 3);
  const Yv = targets(rand, 'softmax-ce', 5, 3);
  const logs: EpochLog[] = [];
  const r = train(
    problem({ objective: 'softmax-ce', X, Y, validation: { X: Xv, Y: Yv } }, {
      epochs: 3, batchSize: 4, learningRate: 0.5, trainAccuracy: true, onEpochEnd: (log) => logs.push(log),
    }),
  );
  const h = r.history;
  assert.is(h.valLoss?.length, 3);
  assert.is(h.accuracy?.length, 3);
  assert.is(h.valAccuracy?.length, 3);
  assert.is(logs.length, 3);
  logs.forEach((log, e) => {
    assert.is(log.epoch, e);
    assert.is(log.loss, h.loss[e]);
    assert.is(log.valLoss, h.valLoss?.[e]);
    assert.is(log.accuracy, h.accuracy?.[e]);
    assert.is(log.valAccuracy, h.valAccuracy?.[e]);
    assert.is(log.learningRate, h.learningRate[e]);
    assert.is(log.ms, h.ms[e]);
  });
  // End-of-epoch metrics are those of the returned parameters after the last epoch.
  const Zv = matmul(Xv, r.W, r.b);
  assertClose([h.valLoss?.[2] ?? NaN], [loss('ce', Zv, Yv)], 1e-15, 'valLoss');
  assertClose([h.valAccuracy?.[2] ?? NaN], [accuracy('softmax-ce', softmax(Zv), Yv)], 1e-15, 'valAccuracy');
  assertClose([h.accuracy?.[2] ?? NaN], [accuracy('softmax-ce', softmax(matmul(X, r.W, r.b)), Y)], 1e-15, 'accuracy');

  const bare: EpochLog[] = [];
  const plain = train(problem({ objective: 'softmax-ce', X, Y }, { epochs: 2, learningRate: 0.5, onEpochEnd: (log) => bare.push(log) }));
  assert.is(plain.history.valLoss, undefined);
  assert.is(plain.history.accuracy, undefined);
  assert.is(plain.history.valAccuracy, undefined);
  for (const log of bare) {
    assert.ok(!('valLoss' in log) && !('accuracy' in log) && !('valAccuracy' in log), JSON.stringify(log));
  }
});

test('linear-mse reports valLoss but never accuracy', () => {
  const rand = mulberry32(32);
  const X = randomMatrix(rand, 6, 2);
  const Y = targets(rand, 'linear-mse', 6, 1);
  const r = train(problem({ objective: 'linear-mse', X, Y, validation: { X, Y } }, { epochs: 2, learningRate: 0.1, trainAccuracy: true }));
  assert.is(r.history.valLoss?.length, 2);
  assert.is(r.history.accuracy, undefined);
  assert.is(r.history.valAccuracy, undefined);
  // Validating on the training set reproduces the mean ½-MSE at the final parameters.
  assertClose([r.history.valLoss?.[1] ?? NaN], [loss('mse', matmul(X, r.W, r.b), Y)], 1e-15, 'valLoss');
});

test('logistic accuracy uses the threshold (ŷ > t predicts 1)', () => {
  const spec = WORKED_EXAMPLE;
  const opts = { epochs: 1, batchSize: 4, shuffle: false, learningRate: 0.01, trainAccuracy: true };
  // After one step ŷ ≈ (0.685, 0.696, 0.816, 0.883): all > 0.5, but only the last > 0.85.
  assert.equal(train(problem(spec, opts)).history.accuracy, [0.5]);
  assert.equal(train(problem({ ...spec, threshold: 0.85 }, opts)).history.accuracy, [0.75]);
});

test('accuracy(): softmax takes the first max on ties, logistic predicts 0 at the threshold; linear-mse is rejected', () => {
  const Yhat = mat([[0.4, 0.4, 0.2], [0.1, 0.2, 0.7]]);
  assert.is(accuracy('softmax-ce', Yhat, mat([[1, 0, 0], [0, 0, 1]])), 1);
  assert.is(accuracy('softmax-ce', Yhat, mat([[0, 1, 0], [0, 0, 1]])), 0.5);
  // A tie (ŷ = 0.5 exactly) predicts 0, as scikit-learn's decision > 0.
  assert.is(accuracy('logistic-mse', mat([[0.5], [0.49]]), mat([[1], [0]])), 0.5);
  assert.is(accuracy('logistic-mse', mat([[0.51], [0.5]]), mat([[1], [0]])), 1);
  assert.throws(() => accuracy('linear-mse', Yhat, Yhat), (e: unknown) => e instanceof ValueError);
});

test('onEpochEnd returning false stops after that epoch (stopReason callback); other return values go on', () => {
  const X = mat([[1], [2], [3], [4]]);
  const Y = mat([[2], [4], [6], [8]]);
  const seen: number[] = [];
  const stopAt = 2;
  const r = train(problem({ objective: 'linear-mse', X, Y }, {
    epochs: 10, batchSize: 2, learningRate: 0.01, onEpochEnd: (log) => (seen.push(log.epoch), log.epoch === stopAt ? false : 0),
  }));
  assert.equal(seen, [0, 1, 2]);
  assert.is(r.history.epochs, stopAt + 1);
  assert.is(r.history.stopReason, 'callback');
  assert.is(r.history.converged, false);
  const all = train(problem({ objective: 'linear-mse', X, Y }, { epochs: 4, batchSize: 2, learningRate: 0.01, onEpochEnd: () => undefined }));
  assert.is(all.history.epochs, 4);
  assert.is(all.history.stopReason, 'epochs');
});

test.run();
