// Concurrency on one context: models fitting at the same time (Promise.all, their awaits
// interleaved) end with exactly the parameters they get when fitted one after the other, and those
// follow the float64 trainer. Meanwhile a model busy fitting refuses predict(), and other work on
// the same context still computes correctly. Read-only calls on one model overlap freely.
import * as assert from 'uvu/assert';
import type { ModelRun } from '../harness/fixtures.ts';
import { relativeError } from './support/compare.ts';
import { BOTH_ENGINES, gpuSuite } from './support/gpu-suite.ts';
import { cpuFit } from './support/models.ts';
import { mulberry32, randomInt, randomMatrix, testSeed, type Rng } from './support/random.ts';

const { test, gpu } = gpuSuite('robustness: concurrency', { engines: BOTH_ENGINES });
const PARAM_TOLERANCE = 1e-3; // ‖θ_gpu − θ_cpu‖ / ‖θ_cpu‖

function runFor(rng: Rng, model: ModelRun['model']): ModelRun {
  const n = randomInt(rng, 40, 120);
  const d = randomInt(rng, 2, 9);
  const k = model === 'softmax' ? randomInt(rng, 2, 6) : 1;
  const X = randomMatrix(rng, n, d, -2, 2);
  const y = Array.from({ length: n }, (_, i) => {
    const s = (X.data[i * d] as number) + 0.5 * (X.data[i * d + 1] as number);
    if (model === 'logistic') return i < 2 ? i : s > 0 ? 1 : 0;
    if (model === 'softmax') return i < k ? i : Math.min(k - 1, Math.max(0, Math.floor(s + k / 2)));
    return s;
  });
  const options: Record<string, unknown> = { nFeatures: d };
  if (model === 'softmax') options.nClasses = k;
  const fit = { epochs: randomInt(rng, 3, 6), batchSize: randomInt(rng, 1, n), learningRate: model === 'linear' ? 0.02 : 0.1, l2: 0.01, seed: randomInt(rng, 0, 1e6) };
  return { model, options, X, y, fit };
}

test('four models fitting at once on one context = fitted one after the other (bit for bit) = float64', async () => {
  const rng = mulberry32(testSeed('concurrency'));
  const runs = [runFor(rng, 'softmax'), runFor(rng, 'logistic'), runFor(rng, 'softmax'), runFor(rng, 'linear')];
  const r = await gpu().call('concurrentFits', { runs });
  runs.forEach((run, i) => {
    const where = `${run.model} #${i} n=${run.X.rows} d=${run.X.cols} batch ${String(run.fit.batchSize)}`;
    const together = r.together[i];
    const apart = r.apart[i];
    assert.ok(together !== undefined && apart !== undefined, `${where}: results`);
    assert.equal(together.W, apart.W, `${where}: W together vs apart`);
    assert.equal(together.b, apart.b, `${where}: b together vs apart`);
    assert.equal(together.loss, apart.loss, `${where}: epoch losses together vs apart`);
    const ref = cpuFit(run);
    const err = relativeError([...together.W, ...together.b], [...ref.W.data, ...ref.b.data]);
    assert.ok(err <= PARAM_TOLERANCE, `${where}: parameters vs float64, error ${err}`);
  });
  const busy = r.together[0]?.interleaved as { name: string; message: string } | null;
  assert.is(busy?.name, 'StateError', 'predict() on a model that is fitting is refused');
  assert.match(busy?.message ?? '', /while fit\(\) is running/);
  const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
  r.op.forEach((v, i) => {
    const z = [0, 2, -2, 1e4][i] as number;
    assert.ok(Math.abs(v - sigmoid(z)) <= 1e-6, `σ(${z}) computed during the fits: ${v}`);
  });
  assert.is(r.leakedBuffers, 0, 'no buffers left behind');
});

test('read-only calls on one model run together (same answers as one by one); fit() and setParams() meanwhile are refused, naming what runs', async () => {
  const rng = mulberry32(testSeed('concurrent reads'));
  for (const model of ['softmax', 'logistic', 'linear'] as const) {
    const out = await gpu().call('concurrentReads', { run: runFor(rng, model) });
    assert.is(out.together, out.sequential, `${model}: predict, predictProba, score, loss and getParams at once = one by one`);
    assert.is(out.togetherAgain, out.sequential, `${model}: a second batch alongside the first`);
    for (const [what, e] of [['fit', out.fitRefused], ['setParams', out.setParamsRefused]] as const) {
      assert.is(e?.name, 'StateError', `${model}: ${what}() during the reads: ${JSON.stringify(e)}`);
      const running = model === 'linear' ? 'predict(), score(), loss() and getParams()' : 'predict(), predictProba(), score(), loss() and getParams()';
      assert.ok(e?.message.includes(`.${what}() called while ${running} are running`), `${model}: ${e?.message}`);
    }
    assert.ok(out.jsonDuring > 0, `${model}: toJSON() answers during the reads`);
    assert.is(out.refit, null, `${model}: fit() once the reads are done`);
    assert.is(out.afterDestroy, out.sequential, `${model}: reads running when destroy() is called still finish, with the same answers`);
    assert.is(out.usedAfter?.name, 'StateError', `${model}: afterwards the model is destroyed`);
    assert.is(out.leakedBuffers, 0, `${model}: its buffers freed once those reads ended`);
  }
});

test.run();
