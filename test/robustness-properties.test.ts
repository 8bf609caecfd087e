// Properties on random shapes and data (seeded; replay with TEST_SEED): identities the kernels must
// satisfy whatever the input, rather than agreement on particular values.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as cpu from '../src/cpu/index.ts';
import { OBJECTIVES, type Objective } from '../src/core/objective.ts';
import { binaryTargets, oneHotTargets } from '../src/models/targets.ts';
import type { DenseMatrix } from '../src/types.ts';
import { relativeError, WorstCase } from './support/compare.ts';
import { gpuSuite } from './support/gpu-suite.ts';
import { mulberry32, randomBinary, randomInt, randomMatrix, randomOneHot, testSeed, type Rng, type TestMatrix } from './support/random.ts';

const { test, gpu } = gpuSuite('robustness: properties (GPU)');
const SCALES = [0.1, 1, 10, 100, 1e4];
const ROW_SUM_TOLERANCE = 1e-6; // |Σ_j softmax(z)_j − 1|
const SYMMETRY_TOLERANCE = 2.5e-7; // |σ(−z) − (1 − σ(z))|: a few float32 ulps of 1
const FD_TOLERANCE_CPU = 1e-6; // ‖∇ − ∇_fd‖ / ‖∇_fd‖, float64 gradient
const FD_TOLERANCE_GPU = 1e-4; // the same for the float32 GPU gradient

test('softmax: every row sums to 1 within 1e-6 and lies in [0, 1]', async () => {
  const rng = mulberry32(testSeed('softmax rows'));
  const worst = new WorstCase();
  for (let t = 0; t < 20; t++) {
    const m = randomInt(rng, 1, 150);
    // Up to 128 classes: the kernel sums a row in plain float32, which drifts with k (measured
    // up to 7.8e-7 at k = 256 and 1.2e-6 at k = 512).
    const k = randomInt(rng, 1, 128);
    const scale = SCALES[t % SCALES.length] as number;
    const out = await gpu().call('softmax', { Z: randomMatrix(rng, m, k, -scale, scale) });
    for (let i = 0; i < m; i++) {
      let sum = 0;
      for (let j = 0; j < k; j++) {
        const p = out.data[i * k + j] as number;
        assert.ok(p >= 0 && p <= 1, `${m}×${k} scale ${scale}: p[${i}][${j}] = ${p}`);
        sum += p;
      }
      worst.record(Math.abs(sum - 1), `${m}×${k} scale ${scale}`);
      assert.ok(Math.abs(sum - 1) <= ROW_SUM_TOLERANCE, `${m}×${k} scale ${scale}: row ${i} sums to ${sum}`);
    }
  }
  worst.report('|row sum − 1|');
});

test('softmax is invariant to adding a constant to a row (bit for bit when the shift is exact)', async () => {
  const rng = mulberry32(testSeed('softmax shift'));
  for (let t = 0; t < 8; t++) {
    const m = randomInt(rng, 1, 80);
    const k = randomInt(rng, 1, 100);
    // Multiples of 1/64 shifted by integers stay exact in float32, so z − max(z) is the same number.
    const Z = randomMatrix(rng, m, k, -8, 8);
    Z.data = Z.data.map((v) => Math.round(v * 64) / 64);
    const shifts = Array.from({ length: m }, () => randomInt(rng, -1000, 1000));
    const shifted = { ...Z, data: Z.data.map((v, i) => v + (shifts[Math.floor(i / k)] as number)) };
    const [a, b] = [await gpu().call('softmax', { Z }), await gpu().call('softmax', { Z: shifted })];
    assert.equal(b.data, a.data, `${m}×${k}: softmax(Z + c) = softmax(Z)`);
  }
});

const MONOTONE_SLACK = 1.2e-7;

test('sigmoid(−z) = 1 − sigmoid(z), outputs in [0, 1], non-decreasing in z (to 2 f32 steps)', async () => {
  const rng = mulberry32(testSeed('sigmoid symmetry'));
  const worst = new WorstCase();
  for (let t = 0; t < 15; t++) {
    const m = randomInt(rng, 1, 120);
    const k = randomInt(rng, 1, 120);
    const scale = SCALES[t % SCALES.length] as number;
    const Z = randomMatrix(rng, m, k, -scale, scale);
    const n = m * k;
    const both = { data: [...Z.data, ...Z.data.map((v) => -v)], rows: 2 * m, cols: k };
    const out = await gpu().call('sigmoid', { Z: both });
    for (let i = 0; i < n; i++) {
      const [p, q] = [out.data[i] as number, out.data[n + i] as number];
      assert.ok(p >= 0 && p <= 1, `σ(${Z.data[i]}) = ${p}`);
      const err = Math.abs(q - (1 - p));
      worst.record(err, `z = ${Z.data[i]}`);
      assert.ok(err <= SYMMETRY_TOLERANCE, `σ(−z) = ${q} but 1 − σ(z) = ${1 - p} at z = ${Z.data[i]}`);
    }
    const order = [...Array(2 * n).keys()].sort((x, y) => (both.data[x] as number) - (both.data[y] as number));
    for (let r = 1; r < order.length; r++) {
      const [lo, hi] = [out.data[order[r - 1] as number] as number, out.data[order[r] as number] as number];
      // WGSL's exp() is not correctly rounded, so neighbouring inputs may come out one or two f32
      // steps (≤ 1.2e-7 near 1) out of order; anything larger is a real fault.
      assert.ok(lo <= hi + MONOTONE_SLACK, `σ is not monotone: σ(${both.data[order[r - 1] as number]}) = ${lo} > σ(${both.data[order[r] as number]}) = ${hi}`);
    }
  }
  worst.report('|σ(−z) − (1 − σ(z))|');
});

test('binary cross-entropy on logit z equals two-class cross-entropy on logits [0, z]', async () => {
  const rng = mulberry32(testSeed('bce = ce'));
  for (let t = 0; t < 8; t++) {
    const m = randomInt(rng, 1, 200);
    const scale = SCALES[t % SCALES.length] as number;
    const z = randomMatrix(rng, m, 1, -scale, scale);
    const y = randomBinary(rng, m);
    const Z2 = { data: z.data.flatMap((v) => [0, v]), rows: m, cols: 2 };
    const Y2 = { data: y.data.flatMap((v) => [1 - v, v]), rows: m, cols: 2 };
    const bce = await gpu().call('loss', { kind: 'bce', Z: z, Y: y });
    const ce = await gpu().call('loss', { kind: 'ce', Z: Z2, Y: Y2 });
    assert.ok(Math.abs(bce - ce) <= 1e-5 * Math.max(1, Math.abs(ce)), `m=${m} scale ${scale}: bce ${bce} vs ce ${ce}`);
  }
});

/** A random problem for an objective: X, one-hot/binary/real targets, W and b. */
function problem(rng: Rng, objective: Objective): { X: TestMatrix; Y: TestMatrix; W: TestMatrix; b: TestMatrix } {
  const m = randomInt(rng, 1, 40);
  const d = randomInt(rng, 1, 8);
  const k = objective === 'softmax-ce' ? randomInt(rng, 1, 6) : objective === 'linear-mse' ? randomInt(rng, 1, 3) : 1;
  const Y = objective === 'softmax-ce' ? randomOneHot(rng, m, k) : objective === 'linear-mse' ? randomMatrix(rng, m, k, -2, 2) : randomBinary(rng, m);
  return { X: randomMatrix(rng, m, d, -2, 2), Y, W: randomMatrix(rng, d, k, -1, 1), b: randomMatrix(rng, 1, k, -1, 1) };
}

/** The regularized objective J(W, b) = mean loss + (l2/2)·‖W‖², in float64. */
function objectiveValue(objective: Objective, X: DenseMatrix, Y: DenseMatrix, W: DenseMatrix, b: DenseMatrix, l2: number): number {
  let sq = 0;
  for (let i = 0; i < W.data.length; i++) sq += (W.data[i] as number) ** 2;
  return cpu.meanLoss(objective, cpu.forward(objective, X, W, b), Y) + (l2 / 2) * sq;
}

/** Central differences of J over every entry of W, then of b. */
function finiteDifference(objective: Objective, X: DenseMatrix, Y: DenseMatrix, W: TestMatrix, b: TestMatrix, l2: number): number[] {
  const h = 1e-6;
  const out: number[] = [];
  for (const which of [W, b]) {
    for (let i = 0; i < which.data.length; i++) {
      const at = (delta: number) => {
        const moved = { ...which, data: which.data.map((v, j) => (j === i ? v + delta : v)) };
        return which === W ? objectiveValue(objective, X, Y, moved, b, l2) : objectiveValue(objective, X, Y, W, moved, l2);
      };
      out.push((at(h) - at(-h)) / (2 * h));
    }
  }
  return out;
}

const OBJECTIVE_NAMES: Objective[] = ['logistic-bce', 'logistic-mse', 'softmax-ce', 'linear-mse'];

test('the GPU gradient matches a finite-difference check of the float64 loss', async () => {
  const rng = mulberry32(testSeed('gradient fd gpu'));
  const worst = new WorstCase();
  // ops.gradient computes Xᵀ(Ŷ − Y)/m: the gradient of the three canonical pairs.
  for (const objective of ['logistic-bce', 'softmax-ce', 'linear-mse'] as Objective[]) {
    for (let t = 0; t < 4; t++) {
      const { X, Y, W, b } = problem(rng, objective);
      const Yhat = cpu.forward(objective, X, W, b).Yhat;
      const g = await gpu().call('gradient', { X, Yhat: { data: Array.from(Yhat.data), rows: Yhat.rows, cols: Yhat.cols }, Y });
      const fd = finiteDifference(objective, X, Y, W, b, 0);
      const err = relativeError([...g.dW.data, ...g.db.data], fd);
      worst.record(err, `${objective} ${X.rows}×${X.cols}, k=${Y.cols}`);
      assert.ok(err <= FD_TOLERANCE_GPU, `${objective} ${X.rows}×${X.cols} k=${Y.cols}: GPU gradient vs finite differences ${err}`);
    }
  }
  worst.report('GPU ∇ vs finite differences');
});

test.run();

const node = suite('robustness: properties (float64 reference)');

node('cpu.gradient (+ l2·W) matches a finite-difference check of the loss, for every objective', () => {
  const rng = mulberry32(testSeed('gradient fd cpu'));
  const worst = new WorstCase();
  for (const objective of OBJECTIVE_NAMES) {
    for (let t = 0; t < 10; t++) {
      const { X, Y, W, b } = problem(rng, objective);
      const l2 = t % 2 === 0 ? 0 : rng();
      const f = cpu.forward(objective, X, W, b);
      const { dW, db } = cpu.gradient(X, f.Yhat, Y, OBJECTIVES[objective].gradient);
      const analytic = [...Array.from(dW.data, (v, i) => v + l2 * (W.data[i] as number)), ...db.data];
      const fd = finiteDifference(objective, X, Y, W, b, l2);
      const err = relativeError(analytic, fd);
      const where = `${objective} ${X.rows}×${X.cols}, k=${Y.cols}, l2=${l2.toFixed(3)}`;
      worst.record(err, where);
      assert.ok(err <= FD_TOLERANCE_CPU, `${where}: gradient vs finite differences ${err}`);
      const norm = cpu.objectiveGradientNorm({ objective, X, Y, W, b, l2, fitIntercept: true });
      assert.ok(Math.abs(norm - Math.hypot(...fd)) <= 1e-6 * Math.max(1, norm), `${where}: objectiveGradientNorm ${norm}`);
    }
  }
  worst.report('float64 ∇ vs finite differences');
});

node('labels encode consistently: one-hot rows sum to 1, binary targets keep 0/1', () => {
  const rng = mulberry32(testSeed('targets'));
  for (let t = 0; t < 20; t++) {
    const n = randomInt(rng, 1, 50);
    const k = randomInt(rng, 1, 9);
    const y = Array.from({ length: n }, () => randomInt(rng, 0, k - 1));
    const Y = oneHotTargets('y', y, n, k);
    for (let i = 0; i < n; i++) {
      const row = Array.from(Y.data.slice(i * k, (i + 1) * k));
      assert.equal(row.reduce((s, v) => s + v, 0), 1, `row ${i} of one-hot`);
      assert.is(row.indexOf(1), y[i], `row ${i} hot column`);
    }
    const yb = y.map((v) => v % 2);
    assert.equal(Array.from(binaryTargets('y', yb, n, false).data), yb, 'binary targets');
  }
});

node.run();
