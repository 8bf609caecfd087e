// The estimators' API on known answers: the classic SGD worked example, convergence of L2-regularized
// full-batch GD on standardized Iris, reproducibility, predictions, and toJSON/fromJSON.
import * as assert from 'uvu/assert';
import * as cpu from '../src/cpu/index.ts';
import { loadIris, loadIrisBinary } from '../src/data/iris.ts';
import { standardize } from '../src/data/preprocess.ts';
import { oneHotTargets } from '../src/models/targets.ts';
import type { ModelRun } from '../harness/fixtures.ts';
import { assertClose, maxAbsError, relativeError } from './support/compare.ts';
import { gpuSuite } from './support/gpu-suite.ts';
import { fitBoth } from './support/models.ts';
import { mulberry32, randomMatrix, testSeed } from './support/random.ts';

const { test, gpu } = gpuSuite('estimators: API');
/**
 * Predictions from parameters set by hand: no fit, so no step engine (the engines differ only in how
 * fit() steps; decisionFunction, predictProba, score and loss run the same kernels on either). Once,
 * on the adapter's choice of engine, instead of once per engine.
 */
const given = gpuSuite('estimators: API, predictions from given parameters', { engines: [] });

function irisRun(fit: Record<string, unknown>): ModelRun {
  const iris = loadIris();
  const X = standardize(iris.X);
  return { model: 'softmax', options: { nFeatures: 4, nClasses: 3 }, X: { data: Array.from(X.data), rows: 150, cols: 4 }, y: Array.from(iris.y), fit };
}

test('linear regression, stochastic GD: the worked example θ₁ = (0.5, 0.1), θ₂ = (2.732, 0.348)', async () => {
  // Our loss is ½·MSE, whose gradient is half the slides' (ŷ−y)² gradient (−50, −10): η = 0.02 here is their η = 0.01.
  const fit = { epochs: 1, batchSize: 1, shuffle: false, learningRate: 0.02 };
  const one = await gpu().call('fitModel', { model: 'linear', options: { nFeatures: 1 }, X: { data: [5], rows: 1, cols: 1 }, y: [5], fit });
  assertClose([one.W.data[0] as number, one.b[0] as number], [0.5, 0.1], 1e-6, 'θ₁');
  const two = await gpu().call('fitModel', { model: 'linear', options: { nFeatures: 1 }, X: { data: [5, 9], rows: 2, cols: 1 }, y: [5, 17], fit });
  assertClose([two.W.data[0] as number, two.b[0] as number], [2.732, 0.348], 1e-5, 'θ₂');
});

test('logistic regression, full batch: the worked example step and loss', async () => {
  const X = { data: [1, 1.4, 0.2, 1, 1.5, 0.2, 1, 3.0, 1.1, 1, 4.1, 1.3], rows: 4, cols: 3 };
  const r = await gpu().call('fitModel', {
    model: 'logistic', options: { nFeatures: 3, fitIntercept: false }, X, y: [0, 0, 1, 1],
    fit: { epochs: 1, batchSize: 4, learningRate: 0.01, init: { W: { data: [0.1, 0.5, -0.1], rows: 3, cols: 1 } } },
  });
  assertClose(r.history.loss, [0.669262], 1e-6, 'loss');
  assertClose(r.W.data, [0.097298, 0.497569, -0.099805], 1e-6, 'θ');
  assert.equal(r.b, [0], 'no bias when fitIntercept is false');
});

test('L2 full-batch GD on standardized Iris converges: ‖∇‖ ≤ 1e-4 by the float64 reference', async () => {
  const l2 = 0.01;
  const run = irisRun({ epochs: 3000, batchSize: 150, learningRate: 1, l2, gradTol: 2e-5 });
  const r = await gpu().call('fitModel', run);
  assert.is(r.history.stopReason, 'gradTol', `stopped by ${r.history.stopReason} after ${r.history.epochs} epochs`);
  const norm = cpu.objectiveGradientNorm({
    objective: 'softmax-ce', X: run.X, Y: oneHotTargets('y', run.y, 150, 3),
    W: { data: r.W.data, rows: 4, cols: 3 }, b: { data: r.b, rows: 1, cols: 3 }, l2, fitIntercept: true,
  });
  console.log(`  [iris] converged in ${r.history.epochs} epochs, reference ‖∇‖ = ${norm.toExponential(2)}, accuracy ${r.score}`);
  assert.ok(norm <= 1e-4, `gradient norm ${norm}`);
  assert.ok(r.score >= 0.95, `training accuracy ${r.score}`);
});

test('same seed → bit-identical parameters; another seed → another batch order', async () => {
  const fit = { epochs: 3, batchSize: 16, learningRate: 0.3, seed: 42 };
  const a = await gpu().call('fitModel', irisRun(fit));
  const b = await gpu().call('fitModel', irisRun(fit));
  assert.equal([...a.W.data, ...a.b], [...b.W.data, ...b.b], 'same seed, same bits');
  const c = await gpu().call('fitModel', irisRun({ ...fit, seed: 43 }));
  assert.not.equal([...a.W.data, ...a.b], [...c.W.data, ...c.b], 'different seed, different parameters');
});

test('logistic regression with loss "mse" follows the float64 trainer, and trains slower than BCE', async () => {
  const iris = loadIrisBinary();
  const X = standardize(iris.X);
  const base = { model: 'logistic' as const, X: { data: Array.from(X.data), rows: 150, cols: 4 }, y: Array.from(iris.y) };
  const fit = { epochs: 5, batchSize: 10, learningRate: 0.2, seed: 1 };
  const mse = await fitBoth(gpu(), { ...base, options: { nFeatures: 4, loss: 'mse' }, fit });
  const err = relativeError([...mse.gpu.W, ...mse.gpu.b], [...mse.cpu.W.data, ...mse.cpu.b.data]);
  assert.ok(err <= 1e-3, `mse parameters differ: ${err}`);
  assertClose(mse.gpu.history.loss, mse.cpu.history.loss, 1e-4, 'mse loss per epoch');
});

given.test('predictProba / predict / score / loss match the reference for given parameters', async () => {
  const rng = mulberry32(testSeed('predictions'));
  const X = randomMatrix(rng, 57, 6);
  for (const [model, k] of [['softmax', 4], ['logistic', 1], ['linear', 2]] as const) {
    const W = randomMatrix(rng, 6, k);
    const b = randomMatrix(rng, 1, k).data;
    const options: Record<string, unknown> = { nFeatures: 6 };
    if (model === 'softmax') options.nClasses = k;
    if (model === 'linear') options.nOutputs = k;
    const y = model === 'softmax' ? X.data.slice(0, 57).map((_, i) => i % k) : model === 'logistic' ? X.data.slice(0, 57).map((_, i) => i % 2) : [];
    const yLinear = model === 'linear' ? Array.from({ length: 57 * k }, () => rng()) : [];
    const got = await given.gpu().call('predictions', { model, options, W, b, X, y: model === 'linear' ? (toRows(yLinear, k) as never) : y });
    const Z = cpu.matmul(X, W, { data: b, rows: 1, cols: k });
    const ref = model === 'softmax' ? cpu.softmax(Z) : model === 'logistic' ? cpu.sigmoid(Z) : Z;
    assert.ok(maxAbsError(got.proba, ref.data) <= 1e-5, `${model}: predictProba`);
    if (model === 'softmax') {
      const Y = oneHotTargets('y', y, 57, k);
      assert.ok(Math.abs(got.loss - cpu.loss('ce', Z, Y)) <= 1e-5, `${model}: loss`);
    }
    if (model === 'logistic') {
      // scikit-learn's rule: class 1 where the decision value is > 0 (p > 0.5), so a tie is class 0.
      const expected = Array.from(Z.data, (z) => (z > 0 ? 1 : 0));
      assert.equal(got.predicted, expected, 'logistic predictions: class 1 where the decision is > 0');
      const acc = expected.filter((v, i) => v === y[i]).length / 57;
      assert.ok(Math.abs(got.score - acc) < 1e-12, 'logistic score is accuracy');
    }
  }
});

function toRows(flat: number[], k: number): number[][] {
  return Array.from({ length: flat.length / k }, (_, i) => flat.slice(i * k, (i + 1) * k));
}

/** [log P(0), log P(1)] of P(1) = σ(t), and log softmax of a row, in float64. */
function refBinaryLogProba(t: number): [number, number] {
  const softplus = (x: number): number => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
  return [-softplus(t), -softplus(-t)];
}

function refLogSoftmax(row: number[]): number[] {
  const max = Math.max(...row);
  const lse = max + Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0));
  return row.map((v) => v - lse);
}

/** Each value within tol of the reference, relative to max(1, |ref|); all finite. */
function assertLogsClose(got: number[], ref: number[], tol: number, what: string): void {
  assert.is(got.length, ref.length, `${what}: length`);
  got.forEach((v, i) => {
    const r = ref[i] as number;
    assert.ok(Number.isFinite(v), `${what}[${i}] = ${v} is not finite`);
    assert.ok(Math.abs(v - r) <= tol * Math.max(1, Math.abs(r)), `${what}[${i}]: ${v} vs ${r}`);
  });
}

given.test('decisionFunction is XW + b; predictLogProba matches float64 log-probabilities of those logits', async () => {
  const rng = mulberry32(testSeed('logits'));
  const X = randomMatrix(rng, 23, 5);
  for (const [model, k, options] of [
    ['logistic', 1, {}], ['logistic', 1, { activation: 'tanh' }], ['softmax', 4, { nClasses: 4 }], ['linear', 2, { nOutputs: 2 }],
  ] as const) {
    const W = randomMatrix(rng, 5, k, -3, 3);
    const b = randomMatrix(rng, 1, k).data;
    const got = await given.gpu().call('logits', { model, options: { nFeatures: 5, ...options }, W, b, X });
    const Z = Array.from(cpu.matmul(X, W, { data: b, rows: 1, cols: k }).data);
    const what = `${model} ${JSON.stringify(options)}`;
    assert.ok(maxAbsError(got.z, Z) <= 1e-5, `${what}: decisionFunction`);
    assert.equal(got.zShape, model === 'logistic' ? [23] : [23, k], `${what}: a Float32Array for logistic, else n×k`);
    if (model === 'linear') continue;
    const ref = model === 'softmax'
      ? Array.from({ length: 23 }, (_, i) => refLogSoftmax(Z.slice(i * k, (i + 1) * k))).flat()
      : Z.flatMap((z) => refBinaryLogProba(('activation' in options ? 2 : 1) * z));
    assert.is(got.logProba?.rows, 23);
    assert.is(got.logProba?.cols, model === 'softmax' ? k : 2);
    assertLogsClose(got.logProba?.data ?? [], ref, 1e-5, `${what}: predictLogProba`);
  }
});

given.test('predictLogProba at logits ±200: finite and accurate, where log(predictProba) is −Infinity', async () => {
  const X = { data: [1, -1, 0], rows: 3, cols: 1 };
  const logistic = await given.gpu().call('logits', { model: 'logistic', options: { nFeatures: 1 }, W: { data: [200], rows: 1, cols: 1 }, b: [0], X });
  assert.equal(logistic.z, [200, -200, 0]);
  assertLogsClose(logistic.logProba?.data ?? [], [-200, -0, -0, -200, -Math.LN2, -Math.LN2], 1e-6, 'logistic');
  const softmax = await given.gpu().call('logits', {
    model: 'softmax', options: { nFeatures: 1, nClasses: 3 }, W: { data: [200, 0, -200], rows: 1, cols: 3 }, b: [0, 0, 0], X,
  });
  assertLogsClose(softmax.logProba?.data ?? [], [0, -200, -400, -400, -200, 0, -Math.log(3), -Math.log(3), -Math.log(3)], 1e-6, 'softmax');
  const p = await given.gpu().call('predictions', {
    model: 'logistic', options: { nFeatures: 1 }, W: { data: [200], rows: 1, cols: 1 }, b: [0], X, y: [1, 0, 1],
  });
  assert.is(Math.log(1 - (p.proba[0] as number)), Number.NEGATIVE_INFINITY, 'the probability itself rounds to 1');
});

test('toJSON → fromJSON restores parameters, score and loss exactly', async () => {
  const r = await gpu().call('roundTrip', irisRun({ epochs: 5, batchSize: 32, learningRate: 0.3 }));
  assert.ok(r.sameParams, 'parameters');
  assert.is(r.s1, r.s2);
  assert.is(r.l1, r.l2);
  assert.is(r.json.model, 'SoftmaxRegression');
});

test.run();
given.test.run();
