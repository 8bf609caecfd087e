// Weighted fits (sampleWeight, classWeight): the GPU fit agrees with the float64 trainer on every
// epoch's loss and the final parameters (f32 and byte X, one buffer or shards, full and mini-batches
// with a short last batch); integer weights train as duplicated rows; 'balanced' and all-ones
// weights equal the sampleWeight they stand for, bit for bit; bad weights are refused by name.
import * as assert from 'uvu/assert';
import type { ModelRun } from '../harness/fixtures.ts';
import type { WeightedRun } from '../harness/fixtures-weights.ts';
import { relativeError, WorstCase } from './support/compare.ts';
import { gpuSuite } from './support/gpu-suite.ts';
import { cpuFit, problem, type ModelKind } from './support/models.ts';
import { mulberry32, randomInt, testSeed, uniform, type Rng } from './support/random.ts';
import { objectiveGradientNorm } from '../src/cpu/index.ts';
import { normalizeWeights } from '../src/core/weights.ts';
import { oneHotTargets } from '../src/models/targets.ts';

const { test, gpu } = gpuSuite('estimators: weighted fits');
const PARAM_TOLERANCE = 1e-3; // ‖θ_gpu − θ_cpu‖/‖θ_cpu‖ after training, as for unweighted fits
const LOSS_TOLERANCE = 1e-3; // per epoch, relative
const DUPLICATE_TOLERANCE = 1e-4; // weighted vs duplicated rows, both f32 on the GPU: summation order only

const MODELS: readonly ModelKind[] = ['logistic', 'softmax', 'linear'];

/** Weights from 0 to 3, about one in five exactly 0, at least one positive. */
function randomWeights(rng: Rng, n: number): number[] {
  const w = Array.from({ length: n }, () => (rng() < 0.2 ? 0 : Math.fround(uniform(rng, 0.1, 3))));
  w[randomInt(rng, 0, n - 1)] = 1.5;
  return w;
}

function modelOptions(model: ModelKind, d: number, k: number): Record<string, unknown> {
  return model === 'softmax' ? { nFeatures: d, nClasses: k } : { nFeatures: d };
}

/** Byte features byte·(1/64) = X + 2 to within 1/128: the labels (drawn from X) still fit, the bias takes the shift. */
function asBytes(X: ModelRun['X']): { bytes: ModelRun['X']; values: ModelRun['X']; scale: number } {
  const scale = 1 / 64;
  const data = X.data.map((v) => Math.max(0, Math.min(255, Math.round((v + 2) * 64))));
  return { bytes: { ...X, data }, values: { ...X, data: data.map((v) => v * scale) }, scale };
}

/**
 * A rate at which weighted least squares cannot diverge: a step's curvature is at most the largest
 * normalised weight times the largest ‖(x, 1)‖², and η below 1/that keeps every step contracting.
 */
function stableRate(X: ModelRun['X'], w: number[]): number {
  const scale = w.length / w.reduce((a, b) => a + b, 0);
  let worst = 0;
  for (let i = 0; i < X.rows; i++) {
    let sq = 1;
    for (let f = 0; f < X.cols; f++) sq += (X.data[i * X.cols + f] as number) ** 2;
    worst = Math.max(worst, (w[i] as number) * scale * sq);
  }
  return Math.min(0.05, 0.5 / worst);
}

function paramsOf(r: { W: number[]; b: number[] }): number[] {
  return [...r.W, ...r.b];
}

const MODES = [
  { name: 'full batch, f32', full: true, bytes: false, shards: false },
  { name: 'mini-batch, f32', full: false, bytes: false, shards: false },
  { name: 'mini-batch, bytes', full: false, bytes: true, shards: false },
  { name: 'mini-batch, f32 shards', full: false, bytes: false, shards: true },
  { name: 'full batch, byte shards', full: true, bytes: true, shards: true },
];

for (const model of MODELS) {
  test(`${model}: weighted fits agree with the float64 trainer (full and mini-batch, f32 and bytes, shards)`, async () => {
    const rng = mulberry32(testSeed(`weights ${model}`));
    const worst = new WorstCase();
    for (const mode of MODES) {
      const n = randomInt(rng, 40, 110);
      const d = randomInt(rng, 2, 19);
      const k = model === 'softmax' ? randomInt(rng, 2, 6) : 1;
      const { X, y } = problem(rng, model, n, d, k);
      // A short last batch: n is never a multiple of the batch size.
      let batchSize = mode.full ? n : randomInt(rng, 5, 24);
      while (!mode.full && n % batchSize === 0) batchSize++;
      const sampleWeight = randomWeights(rng, n);
      const data = mode.bytes ? asBytes(X) : null;
      const fit: Record<string, unknown> = {
        epochs: mode.full ? 6 : 3, batchSize, learningRate: model === 'linear' ? stableRate(data?.values ?? X, sampleWeight) : 0.3, l2: 0.01,
        seed: randomInt(rng, 0, 1e6), sampleWeight,
      };
      if (model !== 'linear' && rng() < 0.5) fit.classWeight = rng() < 0.5 ? 'balanced' : Array.from({ length: model === 'softmax' ? k : 2 }, () => uniform(rng, 0.2, 4));
      // f32 rows take 64 bytes per 16 features, byte rows 16: a few rows a shard.
      const rowBytes = (mode.bytes ? 16 : 64) * Math.ceil(d / 16);
      if (mode.shards) fit.shardBytes = rowBytes * randomInt(rng, 7, 20);
      const run: WeightedRun = {
        model, options: modelOptions(model, d, k), X: data?.bytes ?? X, y, fit, ...(data === null ? {} : { bytes: { scale: data.scale } }),
      };
      const g = await gpu().call('fitWeighted', run);
      const c = cpuFit({ ...run, X: data?.values ?? X });
      const where = `${mode.name} n=${n} d=${d} k=${k} batch=${batchSize} classWeight=${JSON.stringify(fit.classWeight ?? null)}`;
      assert.is(g.history.epochs, fit.epochs, `${where}: epochs run`);
      g.history.loss.forEach((l, e) => {
        const ref = c.history.loss[e] as number;
        assert.ok(Math.abs(l - ref) <= LOSS_TOLERANCE * Math.max(Math.abs(ref), 1e-6), `${where}: epoch ${e} loss ${l} vs ${ref}`);
      });
      const err = relativeError(paramsOf(g), [...c.W.data, ...c.b.data]);
      worst.record(err, where);
      assert.ok(err <= PARAM_TOLERANCE, `${where}: parameter error ${err}`);
      // The weights matter: the unweighted float64 fit is elsewhere.
      const { sampleWeight: _w, classWeight: _c, ...plain } = fit;
      const unweighted = cpuFit({ ...run, X: data?.values ?? X, fit: plain });
      assert.ok(relativeError(paramsOf(g), [...unweighted.W.data, ...unweighted.b.data]) > 10 * PARAM_TOLERANCE, `${where}: weighted fit differs from the unweighted one`);
    }
    worst.report(`${model} weighted parameters`);
  });
}

test('integer sampleWeight trains as the rows duplicated that many times (full batch)', async () => {
  const rng = mulberry32(testSeed('weights duplicates'));
  for (const model of MODELS) {
    const n = randomInt(rng, 30, 70);
    const d = randomInt(rng, 2, 12);
    const k = model === 'softmax' ? randomInt(rng, 2, 5) : 1;
    const { X, y } = problem(rng, model, n, d, k);
    const counts = Array.from({ length: n }, () => randomInt(rng, 0, 3));
    counts[0] = 2;
    const dupX: number[] = [];
    const dupY: number[] = [];
    counts.forEach((c, i) => {
      for (let t = 0; t < c; t++) {
        dupX.push(...X.data.slice(i * d, (i + 1) * d));
        dupY.push(y[i] as number);
      }
    });
    // Logistic regression needs both classes among the kept rows.
    if (model === 'logistic' && (!dupY.includes(0) || !dupY.includes(1))) continue;
    const m = dupY.length;
    const base = { epochs: 8, learningRate: model === 'linear' ? 0.05 : 0.4, l2: 0.01, seed: 3 };
    const options = modelOptions(model, d, k);
    const weighted = await gpu().call('fitWeighted', { model, options, X, y, fit: { ...base, batchSize: n, sampleWeight: counts } });
    const duplicated = await gpu().call('fitWeighted', { model, options, X: { data: dupX, rows: m, cols: d }, y: dupY, fit: { ...base, batchSize: m } });
    const where = `${model} n=${n} (${m} duplicated rows) d=${d} k=${k}`;
    const err = relativeError(paramsOf(weighted), paramsOf(duplicated));
    assert.ok(err <= DUPLICATE_TOLERANCE, `${where}: parameters ${err}`);
    weighted.history.loss.forEach((l, e) => {
      const ref = duplicated.history.loss[e] as number;
      assert.ok(Math.abs(l - ref) <= DUPLICATE_TOLERANCE * Math.max(Math.abs(ref), 1e-6), `${where}: epoch ${e} loss ${l} vs ${ref}`);
    });
    console.log(`  [duplicates] ${where}: parameter difference ${err.toExponential(2)}`);
  }
});

test("classWeight ('balanced' or per class) equals the sampleWeight it defines; all-ones weights equal no weights (bit for bit)", async () => {
  const rng = mulberry32(testSeed('weights equivalences'));
  for (const model of MODELS) {
    const n = randomInt(rng, 40, 90);
    const d = randomInt(rng, 2, 12);
    const k = model === 'softmax' ? randomInt(rng, 2, 5) : 1;
    const { X, y } = problem(rng, model, n, d, k);
    let batchSize = randomInt(rng, 6, 20);
    if (n % batchSize === 0) batchSize++;
    const fit = { epochs: 2, batchSize, learningRate: model === 'linear' ? 0.05 : 0.3, seed: randomInt(rng, 0, 1e6) };
    const options = modelOptions(model, d, k);
    const where = `${model} n=${n} d=${d} k=${k} batch=${batchSize}`;
    const plain = await gpu().call('fitWeighted', { model, options, X, y, fit });
    for (const weightType of ['array', 'Float32Array', 'Float64Array'] as const) {
      const ones = await gpu().call('fitWeighted', { model, options, X, y, fit: { ...fit, sampleWeight: new Array<number>(n).fill(1) }, weightType });
      assert.equal(paramsOf(ones), paramsOf(plain), `${where}: all-ones ${weightType} = unweighted`);
      assert.equal(ones.history.loss, plain.history.loss, `${where}: all-ones ${weightType} epoch losses`);
    }
    // The sharded path gathers the weights with the rows.
    const shardBytes = 64 * Math.ceil(d / 16) * randomInt(rng, 5, 15);
    const shardPlain = await gpu().call('fitWeighted', { model, options, X, y, fit: { ...fit, shardBytes } });
    const shardOnes = await gpu().call('fitWeighted', { model, options, X, y, fit: { ...fit, shardBytes, sampleWeight: new Array<number>(n).fill(1) } });
    assert.equal(paramsOf(shardOnes), paramsOf(shardPlain), `${where}: all-ones = unweighted, sharded`);
    if (model === 'linear') continue;
    const classes = model === 'softmax' ? k : 2;
    const count = new Array<number>(classes).fill(0);
    for (const c of y) count[c] = (count[c] as number) + 1;
    const present = count.filter((c) => c > 0).length;
    // scikit-learn's definition: n / (classes present · rows of the class).
    const balanced = y.map((c) => n / (present * (count[c] as number)));
    const viaClass = await gpu().call('fitWeighted', { model, options, X, y, fit: { ...fit, classWeight: 'balanced' } });
    const viaSample = await gpu().call('fitWeighted', { model, options, X, y, fit: { ...fit, sampleWeight: balanced } });
    assert.equal(paramsOf(viaClass), paramsOf(viaSample), `${where}: 'balanced' = its sampleWeight`);
    assert.ok(relativeError(paramsOf(viaClass), paramsOf(plain)) > 0 || count.every((c) => c === count[0]), `${where}: 'balanced' changes an unbalanced fit`);
    const perClass = Array.from({ length: classes }, () => uniform(rng, 0.2, 4));
    const sample = randomWeights(rng, n);
    const both = await gpu().call('fitWeighted', { model, options, X, y, fit: { ...fit, classWeight: perClass, sampleWeight: sample } });
    const product = await gpu().call('fitWeighted', { model, options, X, y, fit: { ...fit, sampleWeight: sample.map((w, i) => w * (perClass[y[i] as number] as number)) } });
    assert.equal(paramsOf(both), paramsOf(product), `${where}: sampleWeight and classWeight multiply`);
    assert.equal(both.history.loss, product.history.loss, `${where}: sampleWeight and classWeight multiply (losses)`);
  }
});

test('weights train as their ratios however large or small: 2^1020, subnormal, classWeight 2^1000 × sampleWeight 2^30 (bit for bit)', async () => {
  const rng = mulberry32(testSeed('weights extremes'));
  for (const model of ['logistic', 'softmax'] as const) {
    const n = randomInt(rng, 20, 60);
    const d = randomInt(rng, 2, 8);
    const k = model === 'softmax' ? randomInt(rng, 2, 4) : 1;
    const { X, y } = problem(rng, model, n, d, k);
    const fit = { epochs: 2, batchSize: randomInt(rng, 4, 12), learningRate: 0.3, seed: randomInt(rng, 0, 1e6) };
    const options = modelOptions(model, d, k);
    const where = `${model} n=${n} d=${d} k=${k} batch=${fit.batchSize}`;
    const counts = Array.from({ length: n }, () => randomInt(rng, 1, 9));
    const plain = await gpu().call('fitWeighted', { model, options, X, y, fit: { ...fit, sampleWeight: counts } });
    // Σw overflows float64 at 2^1020 (before, "too large to normalise"); 2^-1070 is subnormal.
    for (const scale of [2 ** 1020, 2 ** -1070]) {
      const scaled = await gpu().call('fitWeighted', { model, options, X, y, fit: { ...fit, sampleWeight: counts.map((c) => c * scale) } });
      assert.equal(paramsOf(scaled), paramsOf(plain), `${where}: sampleWeight × ${scale}`);
    }
    const classes = model === 'softmax' ? k : 2;
    const perClass = Array.from({ length: classes }, () => randomInt(rng, 1, 4));
    const product = await gpu().call('fitWeighted', { model, options, X, y, fit: { ...fit, sampleWeight: counts.map((c, i) => c * (perClass[y[i] as number] as number)) } });
    // The product 2^1030 per row is Infinity in float64 (before: blamed on sampleWeight as non-finite).
    const huge = await gpu().call('fitWeighted', {
      model, options, X, y, fit: { ...fit, classWeight: perClass.map((w) => w * 2 ** 1000), sampleWeight: counts.map((c) => c * 2 ** 30) },
    });
    assert.equal(paramsOf(huge), paramsOf(product), `${where}: classWeight × 2^1000 with sampleWeight × 2^30`);
  }
});

test('gradTol tests the weighted objective\'s gradient: the GPU fit stops at the float64 trainer\'s epoch', async () => {
  const rng = mulberry32(testSeed('weights gradTol'));
  const n = randomInt(rng, 40, 80);
  const d = randomInt(rng, 2, 6);
  const k = randomInt(rng, 2, 4);
  const { X, y } = problem(rng, 'softmax', n, d, k);
  // The rows of class 0 and half the others weigh nothing: the weighted and unweighted gradients part ways.
  const sampleWeight = y.map((c, i) => (c === 0 || i % 2 === 0 ? 0 : Math.fround(uniform(rng, 0.5, 2))));
  sampleWeight[y.findIndex((c) => c !== 0)] = 1;
  const base = { batchSize: n, learningRate: 0.5, l2: 0.01, seed: 1, sampleWeight };
  const options = modelOptions('softmax', d, k);
  const Y = oneHotTargets('y', y, n, k);
  const w = normalizeWeights(sampleWeight);
  const norms = (epochs: number): { weighted: number; plain: number } => {
    const c = cpuFit({ model: 'softmax', options, X, y, fit: { ...base, epochs } });
    const at = { objective: 'softmax-ce' as const, X, Y, W: c.W, b: c.b, l2: 0.01, fitIntercept: true };
    return { weighted: objectiveGradientNorm({ ...at, weights: w }), plain: objectiveGradientNorm(at) };
  };
  // Stop after epoch 15: the threshold sits halfway (geometrically) between the norms after 14 and 15.
  const stop = 15;
  const seen = Array.from({ length: stop }, (_, e) => norms(e + 1));
  const [before, after] = [seen[stop - 2] as { weighted: number }, seen[stop - 1] as { weighted: number }];
  const gradTol = Math.sqrt(before.weighted * after.weighted);
  const where = `n=${n} d=${d} k=${k} gradTol=${gradTol}`;
  assert.ok(before.weighted / after.weighted > 1.01, `${where}: the norms of epochs ${stop - 1} and ${stop} are apart`);
  const plainLeast = Math.min(...seen.map((s) => s.plain));
  assert.ok(plainLeast > 1.1 * gradTol, `${where}: the unweighted gradient would not stop the fit (${plainLeast})`);
  const fit = { ...base, epochs: 40, gradTol };
  const c = cpuFit({ model: 'softmax', options, X, y, fit });
  assert.is(c.history.stopReason, 'gradTol', `${where}: the float64 trainer stops on gradTol`);
  assert.is(c.history.epochs, stop, `${where}: the float64 trainer stops after epoch ${stop}`);
  const g = await gpu().call('fitWeighted', { model: 'softmax', options, X, y, fit });
  assert.is(g.history.stopReason, 'gradTol', `${where}: the GPU fit stops on gradTol`);
  assert.is(g.history.epochs, stop, `${where}: the GPU fit stops after the same epoch`);
});

const num = (v: number) => ({ $number: String(v) });

interface Case {
  args: Record<string, unknown>;
  mentions: string[];
}

const X6 = { data: [0, 1, 1, 0, 2, 2, 3, 1, 0.5, 0.5, 1, 3], rows: 6, cols: 2 };

const BAD: Record<ModelKind, { y: number[]; options: Record<string, unknown>; cases: Case[] }> = {
  softmax: {
    y: [0, 1, 2, 0, 1, 2],
    options: { nFeatures: 2, nClasses: 3 },
    cases: [
      { args: { sampleWeight: [1, 1, 1] }, mentions: ['sampleWeight', '3 values', '6 rows'] },
      { args: { sampleWeight: [1, 1, 1, 1, 1, 1, 1] }, mentions: ['sampleWeight', '7 values'] },
      { args: { sampleWeight: [1, 1, -1, 1, 1, 1] }, mentions: ['sampleWeight[2]', '-1'] },
      { args: { sampleWeight: [1, 1, num(Number.NaN), 1, 1, 1] }, mentions: ['sampleWeight[2]', 'NaN'] },
      { args: { sampleWeight: [1, num(Number.POSITIVE_INFINITY), 1, 1, 1, 1] }, mentions: ['sampleWeight[1]', 'Infinity'] },
      { args: { sampleWeight: [0, 0, 0, 0, 0, 0] }, mentions: ['sampleWeight', 'all zeros'] },
      { args: { classWeight: [0, 0, 0] }, mentions: ['classWeight is all zeros'] },
      { args: { sampleWeight: 'heavy' }, mentions: ['sampleWeight', 'string'] },
      { args: { sampleWeight: { 0: 1 } }, mentions: ['sampleWeight', 'object'] },
      { args: { sampleWeight: ['1', 1, 1, 1, 1, 1] }, mentions: ['sampleWeight[0]', 'string'] },
      { args: { sampleWeight: null }, mentions: ['sampleWeight', 'null'] },
      { args: { classWeight: [1, 2] }, mentions: ['classWeight', '2 values', '3 classes'] },
      { args: { classWeight: 'balance' }, mentions: ['classWeight', "'balance'"] },
      { args: { classWeight: [0, 5, 0], sampleWeight: [1, 0, 1, 1, 0, 1] }, mentions: ['sampleWeight · classWeight is 0 on every row', 'classWeight[0] = 0, classWeight[2] = 0'] },
      { args: { classWeight: [1, 1, -2] }, mentions: ['classWeight[2]', '-2'] },
      { args: { classWeight: [1, num(Number.NaN), 1] }, mentions: ['classWeight[1]', 'NaN'] },
      { args: { classWeight: 3 }, mentions: ['classWeight', '3'] },
      { args: { classWeight: [1, 1, 1], sampleWeight: [1, 1] }, mentions: ['sampleWeight', '2 values'] },
    ],
  },
  logistic: {
    y: [0, 1, 1, 0, 1, 0],
    options: { nFeatures: 2 },
    cases: [
      { args: { classWeight: [1, 2, 3] }, mentions: ['classWeight', '3 values', '2 classes'] },
      { args: { classWeight: [num(Number.POSITIVE_INFINITY), 1] }, mentions: ['classWeight[0]', 'Infinity'] },
      { args: { sampleWeight: [1, 1, 1, 1, 1, num(Number.NEGATIVE_INFINITY)] }, mentions: ['sampleWeight[5]', '-Infinity'] },
    ],
  },
  linear: {
    y: [0.5, 1, 2, -1, 0, 3],
    options: { nFeatures: 2 },
    cases: [
      { args: { classWeight: 'balanced' }, mentions: ['classWeight', 'LinearRegression', 'classifiers'] },
      { args: { classWeight: [1] }, mentions: ['classWeight', 'LinearRegression'] },
      { args: { sampleWeight: [1, 1, 1, -0.5, 1, 1] }, mentions: ['sampleWeight[3]', '-0.5'] },
    ],
  },
};

for (const model of MODELS) {
  const { y, options, cases } = BAD[model];
  test(`${model}: ${cases.length} bad sampleWeight/classWeight values are ValueErrors naming the argument; the model is unchanged`, async () => {
    const r = await gpu().call('modelErrors', {
      model, options, X: X6, y, fit: { epochs: 2, batchSize: 4, learningRate: 0.1 },
      calls: cases.map((c) => ({ method: 'fit', args: [X6, y, { epochs: 1, ...c.args }] })),
    });
    cases.forEach((c, i) => {
      const label = `${model} fit(${JSON.stringify(c.args)})`;
      const e = r.errors[i];
      assert.ok(e !== null && e !== undefined, `${label} did not throw`);
      assert.is(e.name, 'ValueError', `${label}: ${e.name}: ${e.message}`);
      for (const word of c.mentions) assert.ok(e.message.includes(word), `${label}: "${e.message}" lacks "${word}"`);
    });
    assert.ok(r.unchanged, `${model}: the fitted parameters survive every rejected call`);
    assert.ok(r.predictionsWork, `${model}: the model still predicts`);
    assert.is(r.leakedBuffers, 0, `${model}: no GPU buffers leaked`);
  });
}

test.run();
