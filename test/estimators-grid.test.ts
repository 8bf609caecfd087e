// GridSearch trains every candidate in one pass over X: each candidate must equal a separate fit()
// with its setting (same row order) and the float64 trainer, for the three estimators, every batch
// mode, a schedule and optimizers with state, on random shapes; bad grids and options fail by name.
import * as assert from 'uvu/assert';
import type { GridRun } from '../harness/fixtures.ts';
import { relativeError, WorstCase } from './support/compare.ts';
import { gpuSuite } from './support/gpu-suite.ts';
import { cpuFit, problem } from './support/models.ts';
import { mulberry32, randomInt, testSeed, uniform } from './support/random.ts';

const { test, gpu } = gpuSuite('estimators: grid search');
/** A candidate against its separate f32 fit: the same f32 steps on the same rows. */
const SEPARATE_TOLERANCE = 1e-4;
/** A candidate against the float64 trainer (as in estimators.test.ts). */
const REFERENCE_TOLERANCE = 1e-3;

const MODES = [
  { name: 'full batch, Nesterov momentum', batchSize: (n: number) => n, epochs: 4, lr: [0.05, 0.3], learningRate: undefined, shardBytes: undefined, optimizer: { kind: 'momentum', momentum: 0.5, nesterov: true } },
  // A batch size that leaves a shorter last batch.
  { name: 'mini-batch with remainder', batchSize: (n: number) => Math.max(2, Math.floor(n / 3) - 1), epochs: 3, lr: [0.02, 0.1, 0.2], learningRate: undefined, shardBytes: undefined },
  { name: 'stochastic, Adam', batchSize: () => 1, epochs: 1, lr: [0.003, 0.01], learningRate: undefined, shardBytes: undefined, optimizer: { kind: 'adam', beta1: 0.8 } },
  // With X split into shards of a few rows, each step first gathers its batch (the sharded path).
  { name: 'step schedule, sharded X', batchSize: () => 8, epochs: 3, lr: [0.05, 0.15], learningRate: { kind: 'step', initial: 1, factor: 0.5, every: 1 }, shardBytes: 64 * 9 },
];

/** R² of X·W + b against the targets in float64, per output and averaged (scikit-learn's default). */
function r2(X: { data: ArrayLike<number>; rows: number; cols: number }, y: readonly (number | number[])[], W: number[], b: number[]): number {
  const k = b.length;
  let total = 0;
  for (let j = 0; j < k; j++) {
    const t = y.map((v) => (Array.isArray(v) ? (v[j] as number) : v));
    const mean = t.reduce((a, v) => a + v, 0) / t.length;
    let res = 0;
    let tot = 0;
    for (let i = 0; i < X.rows; i++) {
      let p = b[j] as number;
      for (let f = 0; f < X.cols; f++) p += (X.data[i * X.cols + f] as number) * (W[f * k + j] as number);
      res += ((t[i] as number) - p) ** 2;
      tot += ((t[i] as number) - mean) ** 2;
    }
    total += 1 - res / tot;
  }
  return total / k;
}

function split(n: number): number {
  return Math.floor(n * 0.75);
}

for (const model of ['logistic', 'softmax', 'linear'] as const) {
  test(`${model}: every candidate equals its separate fit and the float64 trainer, in every batch mode`, async () => {
    const rng = mulberry32(testSeed(`grid ${model}`));
    const worst = new WorstCase();
    for (const mode of MODES) {
      const n = randomInt(rng, 30, 70);
      const d = randomInt(rng, 2, 11);
      const k = model === 'softmax' ? randomInt(rng, 2, 6) : model === 'linear' ? randomInt(rng, 1, 3) : 1;
      const all = problem(rng, model === 'linear' && k > 1 ? 'softmax' : model, n, d, k);
      const nt = split(n);
      // Several regression outputs: one row array per sample. The first k validation rows take classes
      // 0 … k − 1, so every output varies there and its R² is defined (a draw with no validation row
      // of some class made that output constant, which the grid rightly refuses to score).
      const classes = Array.from(all.y as ArrayLike<number>, (c, i) => (i >= nt && i < nt + k ? i - nt : c));
      const y = (model === 'linear' && k > 1 ? classes.map((c) => Array.from({ length: k }, (_, j) => (j === c ? 1 : 0) + 0.1 * j)) : all.y) as number[];
      const X = { data: all.X.data.slice(0, nt * d), rows: nt, cols: d };
      const Xv = { data: all.X.data.slice(nt * d), rows: n - nt, cols: d };
      const options: Record<string, unknown> = { nFeatures: d };
      if (model === 'softmax') options.nClasses = k;
      if (model === 'linear') options.nOutputs = k;
      const seed = randomInt(rng, 0, 1e6);
      const scale = model === 'linear' ? 0.25 : 1;
      const l2 = [0, Number(uniform(rng, 0.001, 0.05).toFixed(4))];
      const fit: Record<string, unknown> = { epochs: mode.epochs, batchSize: mode.batchSize(nt), seed };
      if (mode.learningRate !== undefined) fit.learningRate = mode.learningRate;
      if (mode.shardBytes !== undefined) fit.shardBytes = mode.shardBytes;
      if (mode.optimizer !== undefined) fit.optimizer = mode.optimizer;
      const run: GridRun = {
        model, options, X, y: y.slice(0, nt), validation: { X: Xv, y: y.slice(nt) }, fit,
        grid: { learningRate: mode.lr.map((r) => r * scale), l2 },
      };
      const out = await gpu().call('gridSearch', run);
      const where = `${mode.name} n=${nt} d=${d} k=${k} seed=${seed}`;
      assert.is(out.candidates.length, mode.lr.length * l2.length, `${where}: one candidate per combination`);
      assert.is(out.leaked, 0, `${where}: buffers left after destroy()`);
      assert.equal(out.epochsLogged, new Array<number>(mode.epochs).fill(out.candidates.length), `${where}: onEpochEnd saw every candidate`);
      out.candidates.forEach((c, i) => {
        const s = out.separate[i];
        if (s === undefined || 'error' in s) throw new Error(`separate fit ${i} failed: ${s === undefined ? 'missing' : s.error}`);
        const at = `${where} candidate ${i} (lr ${c.learningRate}, l2 ${c.l2})`;
        // Grid order: learningRate outer, l2 inner.
        assert.is(c.learningRate, mode.lr[Math.floor(i / l2.length)]! * scale, `${at}: grid order`);
        assert.is(c.l2, l2[i % l2.length], `${at}: grid order`);
        assert.not.ok(c.diverged, `${at}: diverged`);
        const errLoss = Math.abs(c.validationLoss - s.valLoss) / Math.max(Math.abs(s.valLoss), 1e-6);
        assert.ok(errLoss <= SEPARATE_TOLERANCE, `${at}: validation loss ${c.validationLoss} vs separate fit ${s.valLoss}`);
        const errParams = relativeError([...c.W, ...c.b], [...s.W, ...s.b]);
        worst.record(errParams, at);
        assert.ok(errParams <= SEPARATE_TOLERANCE, `${at}: parameters differ from the separate fit by ${errParams}`);
        c.losses.forEach((l, e) => {
          const ref = s.history.loss[e] as number;
          assert.ok(Math.abs(l - ref) <= SEPARATE_TOLERANCE * Math.max(Math.abs(ref), 1e-6), `${at}: epoch ${e} loss ${l} vs ${ref}`);
        });
        const learningRate = mode.learningRate === undefined ? c.learningRate : { ...mode.learningRate, initial: c.learningRate };
        const ref = cpuFit({ ...run, fit: { ...fit, learningRate, l2: c.l2 } });
        const errRef = relativeError([...c.W, ...c.b], [...ref.W.data, ...ref.b.data]);
        assert.ok(errRef <= REFERENCE_TOLERANCE, `${at}: parameters vs float64 ${errRef}`);
      });
      // The best is the highest validation accuracy (classifiers) or R² (regression, the default scoring there).
      assert.ok(out.best >= 0 && out.best < out.candidates.length, `${where}: best index`);
      const scores = out.candidates.map((c) => (model === 'linear' ? c.validationR2 : c.validationAccuracy) as number);
      if (model === 'linear') {
        out.candidates.forEach((c, i) => {
          const ref = r2(Xv, y.slice(nt), c.W, c.b);
          assert.ok(Math.abs((c.validationR2 as number) - ref) <= 1e-4, `${where} candidate ${i}: validation R² ${c.validationR2} vs float64 ${ref}`);
        });
      }
      const top = Math.max(...scores);
      assert.is(scores[out.best], top, `${where}: best has the top ${model === 'linear' ? 'R²' : 'accuracy'}`);
      assert.is(scores.indexOf(top), out.best, `${where}: ties go to the first`);
    }
    worst.report(`${model} grid vs separate fits`);
  });
}

test('linear regression scored by loss picks the lowest validation loss; a diverging candidate drops out', async () => {
  const rng = mulberry32(testSeed('grid diverging'));
  const n = 48;
  const d = 5;
  const all = problem(rng, 'linear', n, d, 1);
  const X = { data: all.X.data.slice(0, 36 * d), rows: 36, cols: d };
  const Xv = { data: all.X.data.slice(36 * d), rows: 12, cols: d };
  const run: GridRun = {
    model: 'linear', options: { nFeatures: d }, X, y: all.y.slice(0, 36), validation: { X: Xv, y: all.y.slice(36) },
    fit: { epochs: 4, batchSize: 36, scoring: 'loss' }, grid: { learningRate: [0.01, 0.05, 40] },
  };
  const out = await gpu().call('gridSearch', run);
  // The separate fit at rate 40 throws, as fit() does on divergence; in the search that candidate drops out.
  const lost = out.separate[2];
  assert.ok(lost !== undefined && 'error' in lost && /diverged/.test(lost.error), `separate fit at rate 40: ${JSON.stringify(lost)}`);
  assert.ok(out.candidates[2]?.diverged === true, 'the rate-40 candidate is marked diverged');
  // NaN arrives from the page as null (JSON).
  const lostLoss: unknown = out.candidates[2]?.validationLoss;
  assert.ok(lostLoss === null || Number.isNaN(lostLoss), `a diverged candidate has no validation loss: ${String(lostLoss)}`);
  const losses = out.candidates.slice(0, 2).map((c) => c.validationLoss);
  assert.is(out.best, losses.indexOf(Math.min(...losses)), 'best = lowest validation loss of those that trained');
  assert.is(out.leaked, 0, 'buffers left after destroy()');
});

test('a one-candidate grid (the plain kernels, its rate and λ from the uniforms) equals its separate fit', async () => {
  const rng = mulberry32(testSeed('grid single'));
  const n = randomInt(rng, 30, 60);
  const d = randomInt(rng, 2, 9);
  const k = randomInt(rng, 2, 5);
  const all = problem(rng, 'softmax', n, d, k);
  const nt = split(n);
  const run: GridRun = {
    model: 'softmax', options: { nFeatures: d, nClasses: k }, X: { data: all.X.data.slice(0, nt * d), rows: nt, cols: d }, y: all.y.slice(0, nt),
    validation: { X: { data: all.X.data.slice(nt * d), rows: n - nt, cols: d }, y: all.y.slice(nt) },
    fit: { epochs: 3, batchSize: 7, seed: randomInt(rng, 0, 1e6) }, grid: { learningRate: [0.2], l2: [0.02] },
  };
  const out = await gpu().call('gridSearch', run);
  const c = out.candidates[0];
  const s = out.separate[0];
  if (c === undefined || s === undefined || 'error' in s) throw new Error(`no result: ${JSON.stringify(s)}`);
  assert.is(out.candidates.length, 1);
  const err = relativeError([...c.W, ...c.b], [...s.W, ...s.b]);
  assert.ok(err <= SEPARATE_TOLERANCE, `parameters differ from the separate fit by ${err}`);
  assert.ok(Math.abs(c.validationLoss - s.valLoss) <= SEPARATE_TOLERANCE * s.valLoss, `validation loss ${c.validationLoss} vs ${s.valLoss}`);
  assert.is(out.leaked, 0, 'buffers left after destroy()');
});

test('refused up front, naming the cause, with no buffer made or left: too many candidates, bad grid values by index, undefined R², a one-class training part, a search too large for the device', async () => {
  const rng = mulberry32(testSeed('grid refusals'));
  const d = randomInt(rng, 2, 6);
  const n = randomInt(rng, 12, 30);
  const lin = problem(rng, 'linear', n, d, 1);
  const X = lin.X;
  const Xv1 = { data: lin.X.data.slice(0, d), rows: 1, cols: d };
  const Xv3 = { data: lin.X.data.slice(0, 3 * d), rows: 3, cols: d };
  const linear = { model: 'linear' as const, options: { nFeatures: d }, X, y: lin.y, fit: { epochs: 1, batchSize: 4 } };
  // A training part of one class: the held-out rows hold every row of the other.
  const held = randomInt(rng, 1, 3);
  const labels = Array.from({ length: n }, (_, i) => (i < n - held ? 0 : 1));
  const fraction = held / n;
  const outcomes = await gpu().call('gridRefusals', [
    { ...linear, grid: { learningRate: Array.from({ length: 257 }, (_, i) => 0.001 * (i + 1)) } },
    { ...linear, grid: { learningRate: [0.01, 0.1], l2: Array.from({ length: 129 }, (_, i) => i * 1e-3) } },
    { ...linear, grid: { learningRate: [0.1, 0.2, 1e-40] } },
    { ...linear, grid: { l2: [0, 1e39] } },
    { ...linear, grid: { learningRate: [0.1, 1e39] } },
    { ...linear, grid: { learningRate: [0.05, 0.1] }, validation: { X: Xv1, y: [lin.y[0] as number] } },
    { ...linear, grid: { learningRate: [0.05, 0.1] }, validation: { X: Xv3, y: [2.5, 2.5, 2.5] }, fit: { epochs: 1, batchSize: 4, scoring: 'r2' } },
    { ...linear, grid: { learningRate: [0.05, 0.1] }, validation: { X: Xv1, y: [lin.y[0] as number] }, fit: { epochs: 1, batchSize: 4, scoring: 'loss' } },
    { model: 'logistic', options: { nFeatures: d }, X, y: labels, grid: { learningRate: [0.1, 0.3] }, fit: { epochs: 1, batchSize: 4, validationFraction: fraction } },
    { model: 'softmax', options: { nFeatures: d, nClasses: 3 }, X, y: labels.map((c) => 2 * c), grid: { learningRate: [0.1, 0.3] }, fit: { epochs: 1, batchSize: 4, validationFraction: fraction } },
  ]);
  const expected: (RegExp | null)[] = [
    /^grid has 257 candidates \(every combination of its values\), over the limit of 256: search a coarser grid first$/,
    /^grid has 258 candidates .* over the limit of 256/,
    /^grid\.learningRate\[2\] is 1e-40, below the smallest normal float32 \(1\.18e-38\): the GPU would use 0$/,
    /^grid\.l2\[1\] is 1e\+39, beyond the float32 range \(±3\.4e38\)$/,
    /^grid\.learningRate\[1\] is 1e\+39, beyond the float32 range \(±3\.4e38\)$/,
    /^scoring 'r2' \(the default for LinearRegression\) is undefined on a validation set of 1 row: give at least 2 rows, or scoring: 'loss'$/,
    /^scoring 'r2' is undefined: the validation targets are all 2\.5 \(no variance\); give a validation set whose targets vary, or scoring: 'loss'$/,
    null,
    new RegExp(`^y's training part \\(its first ${n - held} rows, before the ${held} that validationFraction ${fraction} holds out\\) holds only class 0; logistic regression needs examples of both 0 and 1$`),
    new RegExp(`^y's training part .* holds only class 0; softmax regression needs examples of at least two classes$`),
  ];
  outcomes.forEach((o, i) => {
    const pattern = expected[i] ?? null;
    if (pattern === null) assert.is(o.error, null, `case ${i}: ${JSON.stringify(o.error)}`);
    else {
      assert.ok(o.error !== null, `case ${i}: accepted, expected ${pattern}`);
      assert.is(o.error.name, 'ValueError', `case ${i}: ${o.error.message}`);
      assert.match(o.error.message, pattern, `case ${i}`);
      assert.is(o.created, 0, `case ${i}: buffers created before the refusal`);
    }
    assert.is(o.leaked, 0, `case ${i}: buffers left`);
  });
  const big = await gpu().call('gridTooLarge');
  assert.ok(big.error !== null, `d=${big.d}: a search too large for the device was accepted`);
  assert.is(big.error.name, 'ShapeError', big.error.message);
  assert.match(big.error.message, /^GridSearch: their parameters side by side \(256 candidates, d = \d+, k = 2\) need \d+ bytes, over this device's \d+-byte buffer limit: search fewer candidates at a time$/);
  assert.is(big.created, 0, `d=${big.d}: buffers created before the size check`);
  assert.is(big.leaked, 0, `d=${big.d}: buffers left after the failed fit`);
});

test('bad grids, bad options and a destroyed search fail by name', async () => {
  const rng = mulberry32(testSeed('grid errors'));
  const d = 3;
  const all = problem(rng, 'softmax', 24, d, 3);
  const X = { data: all.X.data.slice(0, 18 * d), rows: 18, cols: d };
  const Xv = { data: all.X.data.slice(18 * d), rows: 6, cols: d };
  const out = await gpu().call('gridErrors', {
    model: 'softmax', options: { nFeatures: d, nClasses: 3 }, X, y: all.y.slice(0, 18), validation: { X: Xv, y: all.y.slice(18) },
    fit: { epochs: 1, batchSize: 6 }, grid: { learningRate: [0.1, 0.2] },
    grids: [{}, { learningRate: [] }, { learningRate: [0.1, { $number: 'NaN' }] }, { l2: [-1] }, { momentum: [0.9] }, { learningRate: 0.1 }, { learningRate: [0] }, { learningRate: [0.1] }],
    fits: [{ epochs: 1 }, { validationFraction: 1.5 }, { validationFraction: 0.25, learningRate: 0.3 },
      { validationFraction: 0.25, learningRate: { kind: 'hypergradient', initial: 0.1, beta: 1e-4 } }, { validationFraction: 0.25, scoring: 'r2' },
      { validationFraction: 0.25, gradTol: 1e-3 }, { validationFraction: 0.25, epochs: 0 }, { validationFraction: 0.25, epochs: 1 }],
  });
  const expect = (e: { name: string; message: string } | null | undefined, name: string, pattern: RegExp, what: string): void => {
    assert.ok(e !== null && e !== undefined, `${what}: no error`);
    assert.is(e.name, name, `${what}: ${e.message}`);
    assert.match(e.message, pattern, what);
  };
  expect(out.grids[0], 'ValueError', /grid is empty/, 'empty grid');
  expect(out.grids[1], 'ValueError', /grid\.learningRate is empty/, 'empty list');
  expect(out.grids[2], 'ValueError', /grid\.learningRate\[1\]/, 'NaN rate');
  expect(out.grids[3], 'ValueError', /grid\.l2\[0\]/, 'negative l2');
  expect(out.grids[4], 'ValueError', /unknown key 'momentum'/, 'unknown key');
  expect(out.grids[5], 'ValueError', /grid\.learningRate must be an array/, 'not an array');
  expect(out.grids[6], 'ValueError', /grid\.learningRate\[0\]/, 'zero rate');
  assert.is(out.grids[7], null, 'a good grid');
  expect(out.fits[0], 'ValueError', /validation/, 'no validation');
  expect(out.fits[1], 'ValueError', /validationFraction/, 'bad fraction');
  expect(out.fits[2], 'ValueError', /learningRate/, 'a rate besides the grid');
  expect(out.fits[3], 'ValueError', /learningRate\.kind/, 'unsupported schedule');
  expect(out.fits[4], 'ValueError', /scoring/, 'r2 for a classifier');
  expect(out.fits[5], 'ValueError', /unknown option 'gradTol'/, 'unknown option');
  expect(out.fits[6], 'ValueError', /epochs/, 'epochs 0');
  assert.is(out.fits[7], null, 'validationFraction works');
  expect(out.misuse[0], 'StateError', /before fit/, 'bestModel before fit');
  expect(out.misuse[1], 'ValueError', /index/, 'bestModel(99)');
  expect(out.misuse[2], 'StateError', /after destroy/, 'bestModel after destroy');
  expect(out.misuse[3], 'StateError', /after destroy/, 'fit after destroy');
});

test.run();
