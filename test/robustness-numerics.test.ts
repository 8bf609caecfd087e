// Numerical edges: logits of ±1e4, constant features, features of scale 1e6, one-row datasets,
// k = 2 and k = 512 classes, d = 1 and d = 8192 features. Nothing may be NaN, and every fit must
// follow the float64 trainer (cpu.train) epoch by epoch.
import * as assert from 'uvu/assert';
import type { ModelRun } from '../harness/fixtures.ts';
import * as cpu from '../src/cpu/index.ts';
import { standardize } from '../src/data/preprocess.ts';
import { binaryTargets, oneHotTargets } from '../src/models/targets.ts';
import { maxAbsError, relativeError, WorstCase } from './support/compare.ts';
import { BOTH_ENGINES, gpuSuite } from './support/gpu-suite.ts';
import { fitBoth, type Both } from './support/models.ts';
import { mulberry32, randomInt, randomMatrix, testSeed, type Rng, type TestMatrix } from './support/random.ts';

const { test, gpu } = gpuSuite('robustness: numerical edges', { engines: BOTH_ENGINES });
const PARAM_TOLERANCE = 1e-3; // ‖θ_gpu − θ_cpu‖ / ‖θ_cpu‖ after training
// Per epoch, |loss_gpu − loss_cpu| / max(|loss_cpu|, 1e-4). The floor is an absolute 1e-8 for losses
// a fit has driven near 0: a ½r² loss holds r's float32 rounding (|r|·ε·|ŷ|, ~1e-9 at r ~ 1e-3).
const LOSS_TOLERANCE = 1e-4;
const LOSS_FLOOR = 1e-4;
const PROBA_TOLERANCE = 1e-5; // max |ŷ_gpu − ŷ_cpu| for given parameters

/** Labels from a random linear rule, so there is something to learn. */
function labels(rng: Rng, model: ModelRun['model'], X: TestMatrix, k: number): number[] {
  const truth = randomMatrix(rng, X.cols, k, -1, 1);
  const y = Array.from({ length: X.rows }, (_, i) => {
    const scores = Array.from({ length: k }, (_, j) => {
      let s = 0;
      for (let f = 0; f < X.cols; f++) s += (X.data[i * X.cols + f] as number) * (truth.data[f * k + j] as number);
      return s;
    });
    if (model === 'softmax') return scores.indexOf(Math.max(...scores));
    if (model === 'logistic') return (scores[0] as number) > 0 ? 1 : 0;
    return scores[0] as number;
  });
  if (model === 'logistic' && X.rows > 1 && (!y.includes(0) || !y.includes(1))) y[0] = 1 - (y[0] as number);
  return y;
}

function optionsFor(model: ModelRun['model'], d: number, k: number): Record<string, unknown> {
  return model === 'softmax' ? { nFeatures: d, nClasses: k } : { nFeatures: d };
}

function allFinite(values: readonly number[]): boolean {
  return values.every((v) => Number.isFinite(v));
}

/** Fits on the GPU and in float64; asserts no NaN and agreement per epoch and in the parameters. */
async function agrees(run: ModelRun, where: string, worst: WorstCase): Promise<Both['gpu']> {
  const { gpu: g, cpu: c } = await fitBoth(gpu(), run);
  assert.ok(allFinite([...g.W, ...g.b, ...g.history.loss, g.score]), `${where}: NaN/Infinity in ${JSON.stringify([g.history.loss, g.b, g.score])}`);
  assert.is(g.history.epochs, c.history.epochs, `${where}: epochs run`);
  g.history.loss.forEach((l, e) => {
    const ref = c.history.loss[e] as number;
    const err = Math.abs(l - ref) / Math.max(Math.abs(ref), LOSS_FLOOR);
    assert.ok(err <= LOSS_TOLERANCE, `${where}: epoch ${e} loss ${l} vs float64 ${ref} (error ${err})`);
  });
  const err = relativeError([...g.W, ...g.b], [...c.W.data, ...c.b.data]);
  worst.record(err, where);
  assert.ok(err <= PARAM_TOLERANCE, `${where}: parameter error ${err}`);
  return g;
}

test('logits of ±1e4: predictions, loss and training stay finite and match float64', async () => {
  const rng = mulberry32(testSeed('logits 1e4'));
  const worst = new WorstCase();
  const n = randomInt(rng, 20, 60);
  const d = randomInt(rng, 2, 6);
  // Column 0 is ±1 and W's first row is ±1e4, so every logit is ±1e4 plus a little. Everything
  // else is a multiple of 1/8, so the logits are exact in float32 (ulp(1e4) = 2⁻¹⁰) and the
  // comparison measures the kernels, not the rounding of the inputs.
  const eighths = (rows: number, cols: number) => {
    const m = randomMatrix(rng, rows, cols, -1, 1);
    return { ...m, data: m.data.map((v) => Math.round(v * 8) / 8) };
  };
  const X = eighths(n, d);
  for (let i = 0; i < n; i++) X.data[i * d] = rng() < 0.5 ? -1 : 1;
  for (const [model, k] of [['logistic', 1], ['softmax', 4], ['linear', 1]] as const) {
    const W = eighths(d, k);
    for (let j = 0; j < k; j++) W.data[j] = (j % 2 === 0 ? 1e4 : -1e4);
    const b = eighths(1, k).data;
    // Random labels, so many rows sit on the wrong side at |z| = 1e4 (a loss of about 1e4 each).
    const y = Array.from({ length: n }, (_, i) => (model === 'linear' ? rng() : i < k ? i : randomInt(rng, 0, Math.max(1, k - 1))));
    const got = await gpu().call('predictions', { model, options: optionsFor(model, d, k), W, b, X, y });
    assert.ok(allFinite([...got.proba, got.loss, got.score]), `${model}: finite outputs at logits ±1e4`);
    const Z = cpu.matmul(X, W, { data: b, rows: 1, cols: k });
    const ref = model === 'logistic' ? cpu.sigmoid(Z) : model === 'softmax' ? cpu.softmax(Z) : Z;
    const tolerance = model === 'linear' ? 1e4 * 1e-6 : PROBA_TOLERANCE;
    assert.ok(maxAbsError(got.proba, ref.data) <= tolerance, `${model}: predictions at ±1e4`);
    if (model !== 'linear') {
      const Y = model === 'logistic' ? binaryTargets('y', y, n, false) : oneHotTargets('y', y, n, k);
      const refLoss = cpu.loss(model === 'logistic' ? 'bce' : 'ce', Z, Y);
      assert.ok(refLoss > 1e3, `${model}: the wrong rows cost about 1e4 each (loss ${refLoss})`);
      assert.ok(Math.abs(got.loss - refLoss) / refLoss <= 1e-5, `${model}: loss ${got.loss} vs float64 ${refLoss}`);
    }
    if (model === 'linear') continue;
    // Training from there: residuals of ±1 on every wrong row, and nothing overflows.
    const fit = { epochs: 3, batchSize: randomInt(rng, 3, n), learningRate: 0.05, seed: randomInt(rng, 0, 1e6), init: { W, b } };
    await agrees({ model, options: optionsFor(model, d, k), X, y, fit }, `${model} from logits ±1e4`, worst);
  }
  worst.report('logits ±1e4 parameters');
});

test('constant features (a constant column, or every column constant) train like float64', async () => {
  const rng = mulberry32(testSeed('constant features'));
  const worst = new WorstCase();
  for (const model of ['logistic', 'softmax', 'linear'] as const) {
    const n = randomInt(rng, 30, 80);
    const d = randomInt(rng, 2, 7);
    const k = model === 'softmax' ? 3 : 1;
    const X = randomMatrix(rng, n, d, -1, 1);
    const y = labels(rng, model, X, k);
    const c = randomInt(rng, 0, d - 1);
    for (let i = 0; i < n; i++) X.data[i * d + c] = 3;
    const fit = { epochs: 4, batchSize: randomInt(rng, 5, n), learningRate: 0.05, seed: randomInt(rng, 0, 1e6) };
    await agrees({ model, options: optionsFor(model, d, k), X, y, fit }, `${model} n=${n} d=${d}, column ${c} constant`, worst);
    const allConstant = { data: new Array<number>(n * 2).fill(0).map((_, i) => (i % 2 === 0 ? 1 : -2)), rows: n, cols: 2 };
    await agrees({ model, options: optionsFor(model, 2, k), X: allConstant, y, fit }, `${model}: every column constant`, worst);
    const standardized = standardize(X);
    assert.ok(Array.from(standardized.data).every((v) => Number.isFinite(v)), 'standardize leaves no NaN for a constant column');
  }
  worst.report('constant features parameters');
});

test('features of scale 1e6: finite and float64-exact at a rate that keeps the logits O(1); raw data diverges at a rate that standardized data trains at', async () => {
  const rng = mulberry32(testSeed('scale 1e6'));
  const worst = new WorstCase();
  const n = randomInt(rng, 40, 90);
  const d = randomInt(rng, 2, 5);
  const X = randomMatrix(rng, n, d, -1e6, 1e6);
  // A rate that keeps the logits O(1). At 1e-7 they reach ~1e5 after one step and a row near the
  // boundary feeds a change of Δw·x ≈ 3000·Δw back into the next step: the float32 and float64
  // trajectories then part ways (measured: 6% apart after 3 epochs) however exact each step is.
  for (const model of ['logistic', 'softmax'] as const) {
    const k = model === 'softmax' ? 3 : 1;
    const y = labels(rng, model, X, k);
    const fit = { epochs: 5, batchSize: randomInt(rng, 8, n), learningRate: 1e-13, seed: randomInt(rng, 0, 1e6) };
    await agrees({ model, options: optionsFor(model, d, k), X, y, fit }, `${model} at scale 1e6, n=${n} d=${d}`, worst);
  }
  const y = labels(rng, 'linear', X, 1).map((v) => v / 1e6);
  const fit = { epochs: 30, batchSize: n, learningRate: 0.5, shuffle: false };
  let diverged = '';
  try {
    await gpu().call('fitModel', { model: 'linear', options: { nFeatures: d }, X, y, fit });
  } catch (e) {
    diverged = (e as Error).message;
  }
  assert.match(diverged, /diverged.*smaller learningRate/, 'raw 1e6-scale features diverge at learningRate 0.5, with advice');
  const S = standardize(X);
  const run: ModelRun = { model: 'linear', options: { nFeatures: d }, X: { data: Array.from(S.data), rows: n, cols: d }, y, fit };
  const standardizedFit = await agrees(run, 'linear on the standardized features', worst);
  assert.ok(standardizedFit.score > 0.99, `standardized features: R² ${standardizedFit.score} after 30 epochs`);
  worst.report('scale 1e6 parameters');
});

test('one-row datasets train like float64; the classifiers reject one row (a single class)', async () => {
  const rng = mulberry32(testSeed('one row'));
  const worst = new WorstCase();
  const d = randomInt(rng, 1, 9);
  const X = randomMatrix(rng, 1, d, -2, 2);
  await agrees({ model: 'linear', options: optionsFor('linear', d, 1), X, y: labels(rng, 'linear', X, 1), fit: { epochs: 5, learningRate: 0.2 } }, `linear with one row, d=${d}`, worst);
  // One row holds one class, which neither classifier can learn from (scikit-learn refuses it too).
  for (const [model, options] of [['logistic', { nFeatures: 2 }], ['softmax', { nFeatures: 2, nClasses: 4 }]] as const) {
    let message = '';
    try {
      await gpu().call('fitModel', { model, options, X: { data: [1, 2], rows: 1, cols: 2 }, y: [1], fit: {} });
    } catch (e) {
      message = (e as Error).message;
    }
    assert.match(message, /y holds only class 1/, model);
  }
  worst.report('one-row parameters');
});

test('k = 2 and k = 512 classes, d = 1 and d = 8192 features: no NaN, float64 agreement', async () => {
  const rng = mulberry32(testSeed('extreme shapes'));
  const worst = new WorstCase();
  const cases: { model: ModelRun['model']; n: number; d: number; k: number }[] = [
    { model: 'softmax', n: randomInt(rng, 10, 40), d: randomInt(rng, 1, 6), k: 2 },
    { model: 'softmax', n: randomInt(rng, 30, 60), d: randomInt(rng, 2, 6), k: 512 },
    { model: 'logistic', n: randomInt(rng, 20, 60), d: 1, k: 1 },
    { model: 'softmax', n: randomInt(rng, 20, 60), d: 1, k: 3 },
    { model: 'linear', n: randomInt(rng, 20, 60), d: 1, k: 1 },
    { model: 'logistic', n: randomInt(rng, 5, 12), d: 8192, k: 1 },
    { model: 'softmax', n: randomInt(rng, 5, 12), d: 8192, k: 3 },
  ];
  for (const { model, n, d, k } of cases) {
    const X = randomMatrix(rng, n, d, -1, 1);
    const y = labels(rng, model, X, k);
    const rate = d === 8192 ? 1e-3 : 0.1;
    const fit = { epochs: 3, batchSize: randomInt(rng, 4, n), learningRate: rate, l2: 0.01, seed: randomInt(rng, 0, 1e6) };
    await agrees({ model, options: optionsFor(model, d, k), X, y, fit }, `${model} n=${n} d=${d} k=${k}`, worst);
  }
  worst.report('extreme shapes parameters');
});

test.run();
