// The float64 twin of weighted training: a tiny case worked out here from the definition (loss
// Σwℓ/Σw, gradient Σw(ŷ−y)x/Σw), integer weights as duplicated rows, weights scaled by a constant,
// the weighted gradient norm, and the checks on the weights cpu.train() and the cpu ops take.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { gradient, objectiveGradientNorm, train } from '../src/cpu/index.ts';
import { objectiveLoss } from '../src/cpu/loss.ts';
import { resolveFitOptions, type FitOptions } from '../src/core/options.ts';
import { checkClassWeight, normalizeWeights, rowWeights } from '../src/core/weights.ts';
import { ValueError } from '../src/errors.ts';
import type { Objective } from '../src/core/objective.ts';
import type { Matrix64 } from '../src/types.ts';
import { mulberry32, randomInt, testSeed } from './support/random.ts';

function mat(rows: readonly (readonly number[])[]): Matrix64 {
  return { data: Float64Array.from(rows.flat()), rows: rows.length, cols: (rows[0] as readonly number[]).length };
}

function fit(objective: Objective, X: Matrix64, Y: Matrix64, options: FitOptions<unknown, unknown>, sampleWeight?: ArrayLike<number>, W0?: Matrix64, b0?: Matrix64) {
  return train({
    objective, X, Y,
    W: W0 ?? { data: new Float64Array(X.cols * Y.cols), rows: X.cols, cols: Y.cols },
    b: b0 ?? { data: new Float64Array(Y.cols), rows: 1, cols: Y.cols },
    fitIntercept: true,
    options: resolveFitOptions(options, X.rows),
    ...(sampleWeight === undefined ? {} : { sampleWeight }),
  });
}

test('linear regression, one full-batch step: loss Σw·½(ŷ−y)²/Σw and θ − η·Σw(ŷ−y)x/Σw, from the definition', () => {
  const X = [1, 2, 3];
  const y = [1, 0, 2];
  const w = [2, 0, 1];
  const [W0, b0, lr] = [0.25, -0.5, 0.1];
  let sw = 0;
  let lossSum = 0;
  let gW = 0;
  let gb = 0;
  for (let i = 0; i < 3; i++) {
    const r = W0 * (X[i] as number) + b0 - (y[i] as number);
    sw += w[i] as number;
    lossSum += (w[i] as number) * 0.5 * r * r;
    gW += (w[i] as number) * r * (X[i] as number);
    gb += (w[i] as number) * r;
  }
  const r = fit('linear-mse', mat([[1], [2], [3]]), mat([[1], [0], [2]]), { epochs: 1, batchSize: 3, learningRate: lr, shuffle: false }, w, mat([[W0]]), mat([[b0]]));
  assert.ok(Math.abs((r.history.loss[0] as number) - lossSum / sw) < 1e-15, `loss ${r.history.loss[0]} vs ${lossSum / sw}`);
  assert.ok(Math.abs((r.W.data[0] as number) - (W0 - (lr * gW) / sw)) < 1e-15, `W ${r.W.data[0]} vs ${W0 - (lr * gW) / sw}`);
  assert.ok(Math.abs((r.b.data[0] as number) - (b0 - (lr * gb) / sw)) < 1e-15, `b ${r.b.data[0]} vs ${b0 - (lr * gb) / sw}`);
  // The weights change the answer: the unweighted step is elsewhere.
  const plain = fit('linear-mse', mat([[1], [2], [3]]), mat([[1], [0], [2]]), { epochs: 1, batchSize: 3, learningRate: lr, shuffle: false }, undefined, mat([[W0]]), mat([[b0]]));
  assert.ok(Math.abs((plain.W.data[0] as number) - (r.W.data[0] as number)) > 1e-3);
});

test('logistic BCE: the weighted loss and gradient of cpu.loss/cpu.gradient are Σwℓ/m and Σw(σ(z)−y)x/m', () => {
  const X = mat([[0.5, -1], [2, 0.25], [-1, 1], [0, 0]]);
  const Y = mat([[1], [0], [1], [0]]);
  const w = [0.5, 2, 1.5, 0];
  const [w0, w1, b] = [0.3, -0.7, 0.1];
  const at = (a: ArrayLike<number>, i: number): number => a[i] as number;
  let loss = 0;
  let dW0 = 0;
  let dW1 = 0;
  let db = 0;
  const Z: number[] = [];
  const Yhat: number[] = [];
  for (let i = 0; i < 4; i++) {
    const [x0, x1, t, wi] = [at(X.data, 2 * i), at(X.data, 2 * i + 1), at(Y.data, i), at(w, i)];
    const z = w0 * x0 + w1 * x1 + b;
    const p = 1 / (1 + Math.exp(-z));
    Z.push(z);
    Yhat.push(p);
    loss += wi * -(t * Math.log(p) + (1 - t) * Math.log(1 - p));
    dW0 += wi * (p - t) * x0;
    dW1 += wi * (p - t) * x1;
    db += wi * (p - t);
  }
  const got = objectiveLoss('bce', { data: Z, rows: 4, cols: 1 }, Y, w);
  assert.ok(Math.abs(got - loss / 4) < 1e-14, `loss ${got} vs ${loss / 4}`);
  const g = gradient(X, { data: Yhat, rows: 4, cols: 1 }, Y, 'residual', w);
  assert.ok(Math.abs(at(g.dW.data, 0) - dW0 / 4) < 1e-15 && Math.abs(at(g.dW.data, 1) - dW1 / 4) < 1e-15, `dW ${Array.from(g.dW.data)}`);
  assert.ok(Math.abs(at(g.db.data, 0) - db / 4) < 1e-15, 'db');
});

test('integer weights train as duplicated rows (full batch); scaling every weight changes nothing', () => {
  const rng = mulberry32(41);
  for (const objective of ['softmax-ce', 'logistic-bce', 'linear-mse'] as const) {
    const n = randomInt(rng, 5, 30);
    const d = randomInt(rng, 1, 6);
    const k = objective === 'softmax-ce' ? randomInt(rng, 2, 5) : 1;
    const X = mat(Array.from({ length: n }, () => Array.from({ length: d }, () => 2 * rng() - 1)));
    const Y = mat(Array.from({ length: n }, () => {
      if (objective === 'linear-mse') return [rng() * 2 - 1];
      if (objective === 'logistic-bce') return [rng() < 0.5 ? 0 : 1];
      const row = new Array<number>(k).fill(0);
      row[randomInt(rng, 0, k - 1)] = 1;
      return row;
    }));
    const counts = Array.from({ length: n }, () => randomInt(rng, 0, 3));
    counts[0] = 1;
    const dupX: number[][] = [];
    const dupY: number[][] = [];
    counts.forEach((c, i) => {
      for (let t = 0; t < c; t++) {
        dupX.push(Array.from(X.data.subarray(i * d, (i + 1) * d)));
        dupY.push(Array.from(Y.data.subarray(i * k, (i + 1) * k)));
      }
    });
    const m = dupX.length;
    const options = { epochs: 5, learningRate: 0.3, l2: 0.01, shuffle: false };
    const weighted = fit(objective, X, Y, { ...options, batchSize: n }, counts);
    const duplicated = fit(objective, mat(dupX), mat(dupY), { ...options, batchSize: m });
    const scaled = fit(objective, X, Y, { ...options, batchSize: n }, counts.map((c) => c * 7.25));
    for (const [what, other] of [['duplicated rows', duplicated], ['weights × 7.25', scaled]] as const) {
      [...weighted.W.data, ...weighted.b.data].forEach((v, i) => {
        const o = [...other.W.data, ...other.b.data][i] as number;
        assert.ok(Math.abs(v - o) < 1e-12, `${objective} vs ${what}: θ[${i}] ${v} vs ${o}`);
      });
      weighted.history.loss.forEach((l, e) => assert.ok(Math.abs(l - (other.history.loss[e] as number)) < 1e-12, `${objective} vs ${what}: epoch ${e} loss`));
    }
    // And the weighted gradient norm is the duplicated set's.
    const at = { objective, W: weighted.W, b: weighted.b, l2: 0.01, fitIntercept: true };
    const gw = objectiveGradientNorm({ ...at, X, Y, weights: normalizeWeights(counts) });
    const gd = objectiveGradientNorm({ ...at, X: mat(dupX), Y: mat(dupY) });
    assert.ok(Math.abs(gw - gd) < 1e-12, `${objective}: weighted gradient norm ${gw} vs duplicated ${gd}`);
  }
});

test("rowWeights: sampleWeight · classWeight[y]; 'balanced' is n / (classes present · count); normalised to mean 1", () => {
  const Y = mat([[1, 0, 0], [0, 0, 1], [0, 0, 1], [1, 0, 0], [0, 0, 1]]);
  const balanced = rowWeights({ classWeight: 'balanced' }, Y, 3, 'SoftmaxRegression');
  // Classes 0 (2 rows) and 2 (3 rows) are present; class 1 is not.
  assert.equal(Array.from(balanced ?? []), [5 / 4, 5 / 6, 5 / 6, 5 / 4, 5 / 6]);
  // Products come scaled by one power of two (here 1/2, so the largest is in [1, 4)).
  const both = rowWeights({ classWeight: [2, 9, 0.5], sampleWeight: [1, 2, 3, 0, 1] }, Y, 3, 'SoftmaxRegression');
  assert.equal(Array.from(both ?? []), [2, 1, 1.5, 0, 0.5].map((v) => v / 2));
  const binary = rowWeights({ classWeight: [3, 1] }, mat([[0], [1], [1]]), 2, 'LogisticRegression');
  assert.equal(Array.from(binary ?? []), [3, 1, 1].map((v) => v / 2));
  assert.is(rowWeights({}, Y, 3, 'SoftmaxRegression'), null);
  const norm = normalizeWeights([1, 3, 0, 4]);
  assert.equal(Array.from(norm), [0.5, 1.5, 0, 2]);
  assert.equal(Array.from(normalizeWeights([1, 1, 1])), [1, 1, 1]);
  assert.throws(() => rowWeights({ classWeight: 'balanced' }, mat([[0.5]]), null, 'LinearRegression'), (e: Error) => e instanceof ValueError && /classWeight.*LinearRegression/.test(e.message));
  assert.throws(() => checkClassWeight('classWeight', [1, -1], new Int32Array(2), 2), (e: Error) => e instanceof ValueError && /classWeight\[1\]/.test(e.message));
});

test('classWeight may weigh a class 0, as in scikit-learn; not all of them, nor every row', () => {
  const Y = mat([[1, 0, 0], [0, 1, 0], [0, 0, 1], [0, 1, 0]]);
  assert.equal(Array.from(rowWeights({ classWeight: [1, 0, 2] }, Y, 3, 'SoftmaxRegression') ?? []), [1, 0, 2, 0].map((v) => v / 2));
  assert.equal(Array.from(checkClassWeight('classWeight', [0, 3], new Int32Array([0, 1]), 2)), [0, 3]);
  const refused: [unknown, unknown, string][] = [
    [[0, 0, 0], undefined, 'classWeight is all zeros: at least one class must have a positive weight'],
    [[0, 5, 0], [1, 0, 1, 0], 'sampleWeight · classWeight is 0 on every row: each row with a positive sampleWeight is in a class whose classWeight is 0 (classWeight[0] = 0, classWeight[2] = 0)'],
  ];
  for (const [classWeight, sampleWeight, message] of refused) {
    assert.throws(() => rowWeights({ classWeight, sampleWeight }, Y, 3, 'SoftmaxRegression'), (e: Error) => e instanceof ValueError && e.message === message, message);
  }
  const only = mat([[1, 0], [1, 0]]);
  assert.throws(() => rowWeights({ classWeight: [0, 1] }, only, 2, 'SoftmaxRegression'), (e: Error) => e instanceof ValueError && e.message === 'classWeight gives weight 0 to every class present in y (classWeight[0] = 0): no row has a positive weight');
});

test('weights train alike at any power-of-two scale, subnormal to 1e308, and in any split between sampleWeight and classWeight', () => {
  const rng = mulberry32(testSeed('weights scale'));
  const n = randomInt(rng, 6, 20);
  const d = randomInt(rng, 1, 4);
  const X = mat(Array.from({ length: n }, () => Array.from({ length: d }, () => rng() * 2 - 1)));
  const labels = Array.from({ length: n }, (_, i) => (i < 2 ? i : randomInt(rng, 0, 1)));
  const Y = mat(labels.map((c) => [c]));
  const base = Array.from({ length: n }, () => randomInt(rng, 1, 9));
  const options = { epochs: 2, batchSize: randomInt(rng, 2, n), learningRate: 0.3, seed: randomInt(rng, 0, 1e6) };
  const ref = fit('logistic-bce', X, Y, options, base);
  // Equal subnormal weights, and ones near the top of float64, are the same relative weights.
  for (const scale of [2 ** -1070, 2 ** -1060, 2 ** 1000]) {
    const r = fit('logistic-bce', X, Y, options, base.map((w) => w * scale));
    assert.equal(r.history.loss, ref.history.loss, `sampleWeight × ${scale}: losses`);
    assert.equal(Array.from(r.W.data), Array.from(ref.W.data), `sampleWeight × ${scale}: W`);
  }
  const equal = normalizeWeights(new Array<number>(n).fill(1e-320));
  assert.ok(equal.every((v) => Math.abs(v - 1) <= 1e-15), `equal subnormal weights normalise to 1: ${Array.from(equal)}`);
  // classWeight 2^1000 times sampleWeight 2^30: the product overflows float64, the ratios do not.
  const cw = [2 ** 1000, 2 ** 1000 * 3];
  const combined = rowWeights({ classWeight: cw, sampleWeight: base.map((w) => w * 2 ** 30) }, Y, 2, 'LogisticRegression');
  const expected = base.map((w, i) => w * ((labels[i] as number) === 1 ? 3 : 1));
  assert.equal(Array.from(normalizeWeights(combined ?? [])), Array.from(normalizeWeights(expected)), 'huge classWeight × sampleWeight');
});

test('cpu.train, cpu.gradient and cpu.loss refuse bad weights with a ValueError naming them', () => {
  const X = mat([[1], [2]]);
  const Y = mat([[0], [1]]);
  const bad: [unknown, RegExp][] = [
    [[1], /sampleWeight has 1 values/],
    [[1, -1], /sampleWeight\[1\] = -1/],
    [[1, Number.NaN], /sampleWeight\[1\] = NaN/],
    [[0, 0], /sampleWeight is all zeros/],
    ['heavy', /sampleWeight must be an array/],
  ];
  for (const [w, pattern] of bad) {
    assert.throws(() => fit('logistic-bce', X, Y, { epochs: 1 }, w as number[]), (e: Error) => e instanceof ValueError && pattern.test(e.message), `train with sampleWeight ${String(w)}`);
  }
  assert.throws(() => gradient(X, Y, Y, 'residual', [1]), (e: Error) => e instanceof ValueError && /gradient: weights has 1 values/.test(e.message));
  assert.throws(() => objectiveLoss('bce', X, Y, [1, Number.POSITIVE_INFINITY]), (e: Error) => e instanceof ValueError && /loss: weights\[1\] = Infinity/.test(e.message));
});

test.run();
