// The hypergradient learning rate (learningRate: { kind: 'hypergradient', initial, beta }): the GPU
// fit against the float64 trainer for each estimator (losses, learned rates and parameters), beta = 0
// against a constant rate, the float64 trainer against the recurrence written out here from its
// definition, a positive rate over a scan of settings, and the refused options.
//
// Where a test needs α to move, the draw cannot prevent it: full-batch gradient descent at a rate
// α ≤ 1/(2L) (L bounds the objective's curvature) has g_t = (I − αH̄)g_{t−1} with H̄ between 0 and
// L, so g_t·g_{t−1} ≥ (1 − αL)‖g_{t−1}‖² and ‖g_t‖ ≤ ‖g_{t−1}‖: cos(g_t, g_{t−1}) ≥ 1/2, and α
// grows by at least 1 + β/2 every step after the first, as long as it stays below 1/(2L).
import * as assert from 'uvu/assert';
import * as cpu from '../src/cpu/index.ts';
import { resolveFitOptions } from '../src/core/options.ts';
import { checkSchedule, learningRateAt, type LearningRateSchedule } from '../src/core/schedule.ts';
import { ValueError } from '../src/errors.ts';
import type { ModelRun } from '../harness/fixtures.ts';
import { relativeError, WorstCase } from './support/compare.ts';
import { expectThrow } from './support/errors.ts';
import { gpuSuite } from './support/gpu-suite.ts';
import { cpuFit, fitBoth, maxRowNorm2, problem } from './support/models.ts';
import { mulberry32, randomInt, randomMatrix, testSeed } from './support/random.ts';

const { test, gpu } = gpuSuite('estimators: hypergradient learning rate');
const LOSS_TOLERANCE = 1e-4; // per epoch, relative, GPU vs float64
const RATE_TOLERANCE = 1e-4; // history.learningRate per epoch, relative, GPU vs float64
const PARAM_TOLERANCE = 1e-4; // ‖θ_gpu − θ_cpu‖/‖θ_cpu‖ after training (errors seen: ~1e-7)

const relative = (a: number, b: number): number => Math.abs(a - b) / Math.max(Math.abs(b), 1e-6);

/** Mini-batch starting rate and beta per model. */
const RATES = {
  logistic: { initial: 0.05, beta: 0.05 },
  softmax: { initial: 0.05, beta: 0.05 },
  linear: { initial: 0.005, beta: 0.05 },
} as const;

/** Per model, what times max‖x‖² bounds the curvature of the mean loss: σ' ≤ 1/4, softmax's ≤ 1/2, ½-MSE's 1. */
const CURVATURE = { logistic: 0.25, softmax: 0.5, linear: 1 } as const;

/**
 * A starting rate for `steps` full-batch steps that keeps α ≤ 1/(2L) however fast it grows (at most
 * 1 + β a step), so every cos(g_t, g_{t−1}) ≥ 1/2 (see the top of this file).
 */
function safeInitial(curvature: number, l2: number, beta: number, steps: number): number {
  return 1 / (2 * (curvature + l2) * (1 + beta) ** steps);
}

for (const model of ['logistic', 'softmax', 'linear'] as const) {
  test(`${model}: mini-batch (remainder batch, sharded X) and full batch (no intercept) agree with the float64 trainer`, async () => {
    const rng = mulberry32(testSeed(`hypergradient ${model}`));
    const worst = new WorstCase();
    for (const mode of ['mini-batch', 'full batch'] as const) {
      const n = randomInt(rng, 60, 180);
      const d = randomInt(rng, 2, 19);
      const k = model === 'softmax' ? randomInt(rng, 2, 7) : 1;
      let batchSize = n;
      if (mode === 'mini-batch') {
        do batchSize = randomInt(rng, 7, 30);
        while (n % batchSize === 0);
      }
      const { X, y } = problem(rng, model, n, d, k);
      const options: Record<string, unknown> = { nFeatures: d };
      if (model === 'softmax') options.nClasses = k;
      const seed = randomInt(rng, 0, 1e6);
      const epochs = mode === 'mini-batch' ? 4 : 10;
      const rates = mode === 'full batch'
        ? { initial: safeInitial(CURVATURE[model] * maxRowNorm2(X, false), 0.02, 0.05, epochs), beta: 0.05 }
        : RATES[model];
      const learningRate = { kind: 'hypergradient', ...rates };
      const fit: Record<string, unknown> = { epochs, batchSize, learningRate, l2: 0.02, seed };
      // X in about three shards: each step first gathers its rows, then the same kernels run.
      if (mode === 'mini-batch') fit.shardBytes = 4 * d * Math.ceil(n / 3);
      if (mode === 'full batch') {
        // No bias: the weights alone make g, from a non-zero start.
        options.fitIntercept = false;
        fit.init = { W: randomMatrix(rng, d, k, -0.2, 0.2) };
      }
      const run: ModelRun = { model, options, X, y, fit };
      const { gpu: g, cpu: c } = await fitBoth(gpu(), run);
      const where = `${mode} n=${n} d=${d} k=${k} batch=${batchSize} seed=${seed}${mode === 'full batch' ? ' no intercept' : ' sharded X'}`;
      assert.is(g.history.epochs, epochs, `${where}: epochs run`);
      // Full batch: the rate is learned, provably by far more than the tolerance (else the comparison
      // would hold for a constant rate too): ≥ (1 + β/2)^(steps − 1). Mini-batch gradients give no
      // such bound; there α is only compared.
      const lastRate = c.history.learningRate.at(-1) as number;
      if (mode === 'full batch') {
        const least = learningRate.initial * (1 + learningRate.beta / 2) ** (epochs - 1);
        assert.ok(lastRate >= least * (1 - 1e-12), `${where}: α grew from ${learningRate.initial} to ${lastRate}, at least ${least}`);
      }
      assert.ok(c.history.learningRate.every((r) => r > 0) && g.history.learningRate.every((r) => r > 0), `${where}: every rate > 0`);
      g.history.loss.forEach((l, e) => {
        const ref = c.history.loss[e] as number;
        assert.ok(relative(l, ref) <= LOSS_TOLERANCE, `${where}: epoch ${e} loss ${l} vs ${ref}`);
        const rate = g.history.learningRate[e] as number;
        const refRate = c.history.learningRate[e] as number;
        worst.record(relative(rate, refRate), `${where} rate, epoch ${e}`);
        assert.ok(relative(rate, refRate) <= RATE_TOLERANCE, `${where}: epoch ${e} learned rate ${rate} vs ${refRate}`);
      });
      if (mode === 'full batch') assert.equal(g.b, new Array<number>(k).fill(0), `${where}: no bias is trained`);
      const err = relativeError([...g.W, ...g.b], [...c.W.data, ...c.b.data]);
      worst.record(err, `${where} parameters`);
      assert.ok(err <= PARAM_TOLERANCE, `${where}: parameter error ${err}`);
    }
    worst.report(`${model} hypergradient`);
  });
}

test('beta = 0 is the constant rate `initial`: exactly in float64, to float32 noise on the GPU', async () => {
  const rng = mulberry32(testSeed('hypergradient beta 0'));
  for (const model of ['logistic', 'softmax'] as const) {
    const n = randomInt(rng, 50, 120);
    const d = randomInt(rng, 2, 12);
    const k = model === 'softmax' ? randomInt(rng, 2, 5) : 1;
    const { X, y } = problem(rng, model, n, d, k);
    const options: Record<string, unknown> = model === 'softmax' ? { nFeatures: d, nClasses: k } : { nFeatures: d };
    const fit = { epochs: 3, batchSize: randomInt(rng, 5, 25), l2: 0.05, seed: randomInt(rng, 0, 1e6) };
    const where = `${model} n=${n} d=${d} k=${k} batch=${fit.batchSize}`;
    const learned: ModelRun = { model, options, X, y, fit: { ...fit, learningRate: { kind: 'hypergradient', initial: 0.3, beta: 0 } } };
    const constant: ModelRun = { model, options, X, y, fit: { ...fit, learningRate: 0.3 } };
    const a = cpuFit(learned);
    const b = cpuFit(constant);
    assert.equal(a.history.loss, b.history.loss, `${where}: float64 losses`);
    assert.equal(Array.from(a.W.data), Array.from(b.W.data), `${where}: float64 W`);
    assert.equal(Array.from(a.b.data), Array.from(b.b.data), `${where}: float64 b`);
    assert.equal(a.history.learningRate, [0.3, 0.3, 0.3], `${where}: float64 rates`);
    const ga = await gpu().call('fitModel', learned);
    const gb = await gpu().call('fitModel', constant);
    // α is a float32 on the GPU.
    assert.equal(ga.history.learningRate, [Math.fround(0.3), Math.fround(0.3), Math.fround(0.3)], `${where}: GPU rates`);
    ga.history.loss.forEach((l, e) => assert.ok(relative(l, gb.history.loss[e] as number) <= 1e-6, `${where}: GPU epoch ${e} loss ${l} vs ${gb.history.loss[e]}`));
    const err = relativeError([...ga.W.data, ...ga.b], [...gb.W.data, ...gb.b]);
    assert.ok(err <= 1e-5, `${where}: GPU parameters differ by ${err}`);
  }
});

/**
 * Logistic regression with BCE trained by hypergradient descent, written out from the definitions:
 * per batch, p = σ(x·w + b), g = [mean (p − y)x + λw, mean (p − y)], α ← α·(1 + β·cos(g, g_prev))
 * (cos 0 while g_prev = 0), θ −= α g.
 */
function byDefinition(X: number[], y: number[], n: number, d: number, o: { batch: number; epochs: number; l2: number; initial: number; beta: number; bias: boolean }) {
  const w = new Array<number>(d).fill(0);
  let b = 0;
  let alpha = o.initial;
  let prev = new Array<number>(d + 1).fill(0);
  const rates: number[] = [];
  const losses: number[] = [];
  for (let e = 0; e < o.epochs; e++) {
    let loss = 0;
    for (let start = 0; start < n; start += o.batch) {
      const rows = Math.min(o.batch, n - start);
      const g = new Array<number>(d + 1).fill(0);
      for (let r = start; r < start + rows; r++) {
        let z = b;
        for (let f = 0; f < d; f++) z += (X[r * d + f] as number) * (w[f] as number);
        const p = 1 / (1 + Math.exp(-z));
        const t = y[r] as number;
        loss -= t * Math.log(p) + (1 - t) * Math.log(1 - p);
        for (let f = 0; f < d; f++) g[f] = (g[f] as number) + ((p - t) * (X[r * d + f] as number)) / rows;
        if (o.bias) g[d] = (g[d] as number) + (p - t) / rows;
      }
      for (let f = 0; f < d; f++) g[f] = (g[f] as number) + o.l2 * (w[f] as number);
      const dot = g.reduce((s, v, i) => s + v * (prev[i] as number), 0);
      const norms = Math.hypot(...g) * Math.hypot(...prev);
      alpha *= 1 + o.beta * (norms > 0 ? dot / norms : 0);
      for (let f = 0; f < d; f++) w[f] = (w[f] as number) - alpha * (g[f] as number);
      b -= alpha * (g[d] as number);
      prev = g;
    }
    losses.push(loss / n);
    rates.push(alpha);
  }
  return { w, b, rates, losses };
}

test('float64: the learned rate follows α ← α·(1 + β·cos(g_t, g_{t−1})) step by step, across epochs', () => {
  const rng = mulberry32(testSeed('hypergradient definition'));
  for (const bias of [true, false]) {
    for (const full of [true, false]) {
      // n odd and a first feature of ones: Σ(½ − y)·1 ≠ 0, so the gradient at θ = 0 is not zero.
      const n = 2 * randomInt(rng, 6, 20) + 1;
      const d = randomInt(rng, 1, 5);
      let batch = full ? n : randomInt(rng, 3, 9);
      if (!full && n % batch === 0) batch++;
      const X = randomMatrix(rng, n, d, -2, 2);
      for (let i = 0; i < n; i++) X.data[i * d] = 1;
      const y = Array.from({ length: n }, () => (rng() < 0.5 ? 0 : 1));
      const epochs = full ? 8 : 4;
      const beta = 0.3;
      const l2 = 0.1;
      const initial = full ? safeInitial(CURVATURE.logistic * maxRowNorm2(X, bias), l2, beta, epochs) : 0.2;
      const o = { batch, epochs, l2, initial, beta, bias };
      const ref = byDefinition(X.data, y, n, d, o);
      const r = cpu.train({
        objective: 'logistic-bce',
        X,
        Y: { data: y, rows: n, cols: 1 },
        W: { data: new Array<number>(d).fill(0), rows: d, cols: 1 },
        b: { data: [0], rows: 1, cols: 1 },
        fitIntercept: bias,
        options: resolveFitOptions({ epochs: o.epochs, batchSize: batch, l2: o.l2, shuffle: false, learningRate: { kind: 'hypergradient', initial: o.initial, beta: o.beta } }, n),
      });
      const where = `bias=${bias} n=${n} d=${d} batch=${batch}`;
      if (full) {
        // Provably moved (see the top of this file): by far more than the 1e-12 compared below.
        const least = initial * (1 + beta / 2) ** (epochs - 1);
        assert.ok((ref.rates.at(-1) as number) >= least * (1 - 1e-12), `${where}: α grew to at least ${least} (${ref.rates.join(', ')})`);
      }
      assert.ok(relativeError(r.history.learningRate, ref.rates) <= 1e-12, `${where}: rates ${r.history.learningRate} vs ${ref.rates}`);
      assert.ok(relativeError(r.history.loss, ref.losses) <= 1e-12, `${where}: losses ${r.history.loss} vs ${ref.losses}`);
      assert.ok(relativeError(Array.from(r.W.data), ref.w) <= 1e-12, `${where}: W`);
      if (bias) assert.ok(relative(r.b.data[0] as number, ref.b) <= 1e-12, `${where}: b ${r.b.data[0]} vs ${ref.b}`);
      else assert.is(r.b.data[0], 0, `${where}: an untrained b stays as it was`);
    }
  }
});

test('the learned rate stays > 0 over a scan of (initial, beta), on the GPU and in float64; beta ≥ 1 is refused', async () => {
  const rng = mulberry32(testSeed('hypergradient scan'));
  const n = randomInt(rng, 40, 80);
  const d = randomInt(rng, 2, 8);
  const k = randomInt(rng, 2, 4);
  const { X, y } = problem(rng, 'softmax', n, d, k);
  const batchSize = randomInt(rng, 8, 16);
  let seen = 0;
  let lowest = Number.POSITIVE_INFINITY;
  for (const initial of [1e-3, 0.05, 0.5]) {
    for (const beta of [0.1, 0.6, 0.999]) {
      const run: ModelRun = {
        model: 'softmax', options: { nFeatures: d, nClasses: k }, X, y,
        fit: { epochs: 3, batchSize, l2: 0.01, seed: randomInt(rng, 0, 1e6), learningRate: { kind: 'hypergradient', initial, beta } },
      };
      const where = `initial=${initial} beta=${beta} n=${n} d=${d} k=${k} batch=${batchSize}`;
      for (const side of ['float64', 'GPU'] as const) {
        let rates: number[];
        try {
          rates = side === 'float64' ? cpuFit(run).history.learningRate : (await gpu().call('fitModel', run)).history.learningRate;
        } catch (e) {
          // A rate grown too large may diverge: fit() says so; it never steps uphill on a negative rate.
          assert.match(String((e as Error).message), /diverged/, `${where} ${side}`);
          continue;
        }
        seen++;
        lowest = Math.min(lowest, ...rates);
        assert.ok(rates.every((r) => r > 0 && Number.isFinite(r)), `${where} ${side}: rates ${rates.join(', ')}`);
      }
    }
  }
  assert.ok(seen >= 9, `${seen} of 18 fits ran`);
  console.log(`  [hypergradient scan] ${seen} fits, lowest learned rate ${lowest.toExponential(2)}`);
  for (const beta of [1, 2.5]) {
    expectThrow(() => resolveFitOptions({ learningRate: { kind: 'hypergradient', initial: 0.05, beta } }, 10), ValueError, /learningRate\.beta must be ≥ 0 and < 1/);
  }
});

test('bad hypergradient options are refused with a ValueError naming the key, and leave a fitted model as it was', async () => {
  const hg = (o: Record<string, unknown>): LearningRateSchedule => ({ kind: 'hypergradient', initial: 0.1, beta: 0.01, ...o }) as LearningRateSchedule;
  const cases: { s: LearningRateSchedule; mentions: RegExp }[] = [
    { s: hg({ initial: 0 }), mentions: /learningRate\.initial must be > 0/ },
    { s: hg({ initial: -0.1 }), mentions: /learningRate\.initial must be > 0/ },
    { s: hg({ initial: Number.NaN }), mentions: /learningRate\.initial.*NaN/ },
    { s: hg({ initial: 1e-40 }), mentions: /learningRate\.initial.*smallest normal float32/ },
    { s: hg({ initial: 1e39 }), mentions: /learningRate\.initial.*float32 range/ },
    { s: hg({ initial: '0.1' }), mentions: /learningRate\.initial/ },
    { s: hg({ beta: -1e-3 }), mentions: /learningRate\.beta must be ≥ 0 and < 1/ },
    { s: hg({ beta: 1 }), mentions: /learningRate\.beta must be ≥ 0 and < 1/ },
    { s: hg({ beta: 1e39 }), mentions: /learningRate\.beta is 1e\+39, beyond the float32 range/ },
    { s: hg({ beta: Number.POSITIVE_INFINITY }), mentions: /learningRate\.beta.*Infinity/ },
    { s: hg({ beta: Number.NaN }), mentions: /learningRate\.beta.*NaN/ },
    { s: hg({ beta: undefined }), mentions: /learningRate\.beta/ },
    { s: hg({ decay: 0.5 }), mentions: /unknown key 'decay' for kind 'hypergradient'/ },
  ];
  for (const c of cases) expectThrow(() => checkSchedule(c.s), ValueError, c.mentions);
  for (const c of cases) expectThrow(() => resolveFitOptions({ learningRate: c.s }, 10), ValueError, c.mentions);
  // No per-epoch formula: the planned rate is `initial`.
  assert.is(learningRateAt(hg({ initial: 0.25 }), 7), 0.25);

  const num = (v: number) => ({ $number: String(v) });
  const X = { data: [0, 1, 2, 3, 1, 0, 2, 2], rows: 4, cols: 2 };
  const r = await gpu().call('modelErrors', {
    model: 'logistic', options: { nFeatures: 2 }, X, y: [0, 1, 1, 0],
    fit: { epochs: 2, batchSize: 3, learningRate: { kind: 'hypergradient', initial: 0.1, beta: 0.01 } },
    calls: [
      { method: 'fit', args: [X, [0, 1, 1, 0], { learningRate: { kind: 'hypergradient', initial: num(Number.NaN), beta: 0.01 } }] },
      { method: 'fit', args: [X, [0, 1, 1, 0], { learningRate: { kind: 'hypergradient', initial: 0.1, beta: -1 } }] },
      { method: 'fit', args: [X, [0, 1, 1, 0], { learningRate: { kind: 'hypergradient', initial: 0.1, beta: 0.01, every: 2 } }] },
    ],
  });
  const expected = ['learningRate.initial', 'learningRate.beta', "unknown key 'every'"];
  r.errors.forEach((e, i) => {
    assert.ok(e !== null && e !== undefined, `call ${i} did not throw`);
    assert.is(e.name, 'ValueError', e.message);
    assert.ok(e.message.includes(expected[i] as string), `"${e.message}" lacks "${expected[i]}"`);
  });
  assert.ok(r.unchanged, 'the fitted parameters survive every rejected fit');
  assert.is(r.leakedBuffers, 0, 'no GPU buffers leaked');
});

test.run();
