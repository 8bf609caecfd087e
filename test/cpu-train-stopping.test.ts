// Tests for the float64 trainer's stopping rules (tol, gradTol, onEpochEnd), divergence, shape
// errors and the optional metrics (accuracy, valLoss, valAccuracy). Its worked examples, batches,
// order and schedules are in cpu-train.test.ts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ShapeError, ValueError } from '../src/errors.ts';
import { accuracy, gradient, loss, matmul, objectiveGradientNorm, softmax, train } from '../src/cpu/index.ts';
import type { TrainProblem } from '../src/cpu/index.ts';
import type { EpochLog } from '../src/core/options.ts';
import type { Matrix64 } from '../src/types.ts';
import { assertClose } from './support/compare.ts';
import { mat, norm, problem, randomMatrix, targets, theta, WORKED_EXAMPLE, zerosMat } from './support/cpu-train.ts';
import { mulberry32, type Rng } from './support/random.ts';

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
