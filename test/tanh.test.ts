// Logistic regression with a tanh output (h = tanh(z), P(y=1) = (1 + h)/2), with BCE of P(y=1) or
// ½(h − t)² against t = 2y − 1: the float64 twins against their formulas and finite differences,
// the lectures' worked example, and GPU fits (both engines) against the float64 trainer.
import * as assert from 'uvu/assert';
import { ACTIVATIONS, ERRORS, LOSSES, NO_ROW_STATS, OBJECTIVES } from '../src/core/objective.ts';
import { forward, meanLoss } from '../src/cpu/index.ts';
import { relativeError } from './support/compare.ts';
import { BOTH_ENGINES, gpuSuite } from './support/gpu-suite.ts';
import { fitBoth, problem } from './support/models.ts';
import { mulberry32, randomInt, testSeed } from './support/random.ts';

const { test, gpu } = gpuSuite('tanh-output logistic regression', { engines: BOTH_ENGINES });

test('float64 twins: h = 2σ(2z) − 1, losses by their definitions, G = ∂loss/∂z by central differences', () => {
  for (const z of [-12, -3, -0.4, 0, 0.25, 2, 9]) {
    const h = ACTIVATIONS.tanh.value(z, NO_ROW_STATS);
    assert.ok(Math.abs(h - (2 / (1 + Math.exp(-2 * z)) - 1)) < 1e-12, `tanh(${z})`);
    assert.ok(Math.abs(ACTIVATIONS.tanh.probability(h) - 1 / (1 + Math.exp(-2 * z))) < 1e-12, `P(y=1) at ${z}`);
    for (const y of [0, 1]) {
      const p = (1 + h) / 2;
      const direct = -(y * Math.log(p) + (1 - y) * Math.log(1 - p));
      if (Math.abs(z) < 8) assert.ok(Math.abs(LOSSES['tanh-bce'].element(z, h, y, NO_ROW_STATS) - direct) < 1e-9, `bce z=${z} y=${y}`);
      assert.ok(Math.abs(LOSSES['tanh-mse'].element(z, h, y, NO_ROW_STATS) - 0.5 * (h - (2 * y - 1)) ** 2) < 1e-15, `mse z=${z}`);
      for (const kind of ['tanh-bce', 'tanh-mse'] as const) {
        const f = (t: number): number => LOSSES[kind].element(t, Math.tanh(t), y, NO_ROW_STATS);
        const eps = 1e-6;
        const numeric = (f(z + eps) - f(z - eps)) / (2 * eps);
        assert.ok(Math.abs(ERRORS[kind].element(h, y) - numeric) < 1e-6, `${kind} G at z=${z}, y=${y}: ${ERRORS[kind].element(h, y)} vs ${numeric}`);
      }
    }
  }
});

test('worked example with a tanh output: θ = [0.1, 0.5, −0.1] on the slides\' four rows', () => {
  const X = { data: [1, 1.4, 0.2, 1, 1.5, 0.2, 1, 3.0, 1.1, 1, 4.1, 1.3], rows: 4, cols: 3 };
  const W = { data: [0.1, 0.5, -0.1], rows: 3, cols: 1 };
  const b = { data: [0], rows: 1, cols: 1 };
  const Y = { data: [0, 0, 1, 1], rows: 4, cols: 1 };
  const f = forward('logistic-tanh-bce', X, W, b);
  // z = [0.78, 0.83, 1.49, 2.02]: h = tanh z, P(y=1) = σ(2z).
  const z = [0.78, 0.83, 1.49, 2.02];
  z.forEach((v, i) => assert.ok(Math.abs((f.Yhat.data[i] as number) - Math.tanh(v)) < 1e-12, `h[${i}]`));
  const p = z.map((v) => 1 / (1 + Math.exp(-2 * v)));
  const bce = -(Math.log(1 - (p[0] as number)) + Math.log(1 - (p[1] as number)) + Math.log(p[2] as number) + Math.log(p[3] as number)) / 4;
  assert.ok(Math.abs(meanLoss('logistic-tanh-bce', f, Y) - bce) < 1e-12, 'mean BCE');
  assert.ok(Math.abs(bce - 0.912948) < 1e-6, `mean BCE ${bce}`);
  const mse = z.reduce((s, v, i) => s + 0.5 * (Math.tanh(v) - (2 * (Y.data[i] as number) - 1)) ** 2, 0) / 4;
  assert.ok(Math.abs(meanLoss('logistic-tanh-mse', forward('logistic-tanh-mse', X, W, b), Y) - mse) < 1e-12, 'mean ½-MSE');
  assert.is(OBJECTIVES['logistic-tanh-bce'].activation, 'tanh');
});

for (const loss of ['bce', 'mse'] as const) {
  test(`GPU fit with activation 'tanh', loss '${loss}': every epoch's loss and the parameters agree with float64`, async () => {
    const rng = mulberry32(testSeed(`tanh ${loss}`));
    for (const batch of ['full', 'mini'] as const) {
      const n = randomInt(rng, 60, 200);
      const d = randomInt(rng, 1, 25);
      const { X, y } = problem(rng, 'logistic', n, d, 1);
      const fit = { epochs: 5, batchSize: batch === 'full' ? n : randomInt(rng, 3, 40), learningRate: 0.2, l2: 0.01, seed: randomInt(rng, 0, 1e6) };
      const { gpu: g, cpu: c } = await fitBoth(gpu(), { model: 'logistic', options: { nFeatures: d, activation: 'tanh', loss }, X, y, fit });
      const where = `${loss} ${batch} n=${n} d=${d}`;
      g.history.loss.forEach((l, e) => {
        const ref = c.history.loss[e] as number;
        assert.ok(Math.abs(l - ref) <= 1e-4 * Math.max(1, Math.abs(ref)), `${where}: epoch ${e} loss ${l} vs ${ref}`);
      });
      assert.ok(relativeError([...g.W, ...g.b], [...c.W.data, ...c.b.data]) <= 1e-3, `${where}: parameters`);
      assert.ok((g.history.loss.at(-1) as number) < (g.history.loss[0] as number), `${where}: loss falls`);
      assert.ok(g.score >= 0.6, `${where}: accuracy ${g.score}`);
    }
  });
}

test('a tanh-output model saves its activation and loads back to the same predictions, loss and score', async () => {
  const rng = mulberry32(testSeed('tanh json'));
  const n = randomInt(rng, 40, 120);
  const d = randomInt(rng, 2, 12);
  const { X, y } = problem(rng, 'logistic', n, d, 1);
  for (const loss of ['bce', 'mse'] as const) {
    const r = await gpu().call('roundTrip', { model: 'logistic', options: { nFeatures: d, activation: 'tanh', loss }, X, y, fit: { epochs: 3, batchSize: 16, learningRate: 0.2 } });
    assert.is(r.json.settings.activation, 'tanh');
    assert.is(r.json.settings.loss, loss);
    assert.ok(r.sameParams, 'parameters');
    assert.is(r.s1, r.s2, 'score');
    assert.is(r.l1, r.l2, 'loss');
  }
});

test.run();
