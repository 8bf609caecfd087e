// Divergence is always an error, never a fit that resolves with garbage: a last update that
// overflows (the epoch loss is taken before it, so only the parameter check sees it), and a loss
// that grows by orders of magnitude before it overflows. The model keeps its parameters, its
// toJSON() stays loadable, and the GPU stops in the same epoch as the float64 trainer.
import * as assert from 'uvu/assert';
import type { ModelRun } from '../harness/fixtures.ts';
import { standardize } from '../src/data/preprocess.ts';
import { loadIris } from '../src/data/iris.ts';
import { BOTH_ENGINES, gpuSuite } from './support/gpu-suite.ts';
import { cpuFit, problem } from './support/models.ts';
import { mulberry32, randomInt, testSeed } from './support/random.ts';

const { test, gpu } = gpuSuite('robustness: divergence', { engines: BOTH_ENGINES });

/** A run on features of scale `scale`: a good first fit at `rate`, for the divergent fit to start from. */
function runFor(model: ModelRun['model'], seed: number, scale: number, rate: number): ModelRun {
  const rng = mulberry32(seed);
  const n = randomInt(rng, 20, 60);
  const d = randomInt(rng, 2, 6);
  const k = model === 'softmax' ? 3 : 1;
  const { X, y } = problem(rng, model, n, d, k);
  const options: Record<string, unknown> = model === 'softmax' ? { nFeatures: d, nClasses: k } : { nFeatures: d };
  return { model, options, X: { ...X, data: X.data.map((v) => Math.fround(v * scale)) }, y, fit: { epochs: 3, batchSize: 8, learningRate: rate, seed } };
}

function cpuError(run: ModelRun): string {
  try {
    cpuFit(run);
  } catch (e) {
    return (e as Error).message;
  }
  return '';
}

test('one full-batch epoch whose update overflows float32: ValueError, parameters kept, toJSON() loads', async () => {
  const seed = testSeed('last-step divergence');
  const cases = [
    { model: 'linear', rate: 1e38 }, { model: 'logistic', rate: 3e38 }, { model: 'softmax', rate: 3e38 },
  ] as const;
  for (const c of cases) {
    const run = runFor(c.model, seed, 50, 1e-4);
    const diverging = { epochs: 1, batchSize: run.X.rows, learningRate: c.rate };
    const out = await gpu().call('divergence', { run, diverging });
    const where = `${c.model} at learningRate ${c.rate}`;
    assert.is(out.error?.name, 'ValueError', `${where}: ${JSON.stringify(out.error)}`);
    assert.match(out.error?.message ?? '', /training diverged: the parameters became non-finite in epoch 0; try a smaller learningRate/);
    assert.ok(out.error?.message.includes(String(c.rate)), `${where}: the message gives the rate`);
    assert.ok(out.unchanged, `${where}: the model keeps the parameters of its last good fit`);
    assert.ok(out.finite, `${where}: parameters and predictions finite`);
    assert.is(out.fromJSONError, null, `${where}: toJSON() after the failed fit loads again: ${JSON.stringify(out.fromJSONError)}`);
    // The float64 trainer, given the same problem, stops on the same rule.
    assert.match(cpuError({ ...run, fit: diverging }), /parameters became non-finite in epoch 0/, `${where}: float64 agrees`);
  }
});

test('raw (unstandardized) features at the default rate: the growing loss is divergence in the epoch the float64 trainer says', async () => {
  const iris = loadIris();
  const X = { data: Array.from(iris.X.data), rows: iris.X.rows, cols: iris.X.cols };
  // Petal width from the other three measurements.
  const y = Array.from({ length: X.rows }, (_, i) => X.data[i * 4 + 3] as number);
  const Xin = { data: X.data.map((v, i) => (i % 4 === 3 ? 0 : v)), rows: X.rows, cols: 4 };
  const run: ModelRun = { model: 'linear', options: { nFeatures: 4 }, X: Xin, y, fit: { epochs: 2, learningRate: 1e-3 } };
  const out = await gpu().call('divergence', { run, diverging: {} });
  assert.is(out.error?.name, 'ValueError', JSON.stringify(out.error));
  const epoch = /the loss grew to \S+ in epoch (\d+), over 1000000 times/.exec(out.error?.message ?? '')?.[1];
  assert.ok(epoch !== undefined, `the loss-growth rule: ${out.error?.message}`);
  assert.match(cpuError({ ...run, fit: {} }), new RegExp(`the loss grew to \\S+ in epoch ${epoch}, over 1000000 times`), 'float64 stops in the same epoch');
  assert.ok(out.unchanged && out.finite && out.fromJSONError === null, 'the model is as before and loads from JSON');
  // The same data standardized trains at that rate.
  const S = standardize({ data: Float32Array.from(Xin.data), rows: Xin.rows, cols: 4 });
  const ok = await gpu().call('fitModel', { ...run, X: { data: Array.from(S.data), rows: S.rows, cols: 4 }, fit: {} });
  assert.ok(ok.score > 0.8, `standardized: R² ${ok.score}`);
});

test.run();
