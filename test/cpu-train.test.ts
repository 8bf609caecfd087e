// Tests for the float64 trainer: textbook worked examples, hand-rolled loops over cpu ops that the
// trainer must reproduce (batches, order, partial last batch), schedules and bias handling. Its
// stopping rules, divergence, shape errors and optional metrics are in cpu-train-stopping.test.ts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { gradient, matmul, sigmoid, train } from '../src/cpu/index.ts';
import type { Objective } from '../src/core/objective.ts';
import type { FitOptions } from '../src/core/options.ts';
import { epochOrder } from '../src/core/order.ts';
import { assertClose } from './support/compare.ts';
import { chunk, handRolled, mat, norm, problem, randomMatrix, targets, theta, WORKED_EXAMPLE, zerosMat } from './support/cpu-train.ts';
import { mulberry32 } from './support/random.ts';

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

test.run();
