// What user code does while a fit runs, on the GPU. An async onEpochEnd holds the next epoch back
// until it settles; one that throws or rejects makes fit() reject with an Error whose cause is what
// it threw, with no unhandled rejection, and the model keeps its parameters. An array fit() still
// reads (validation.X, X for trainAccuracy) that is detached meanwhile gives a StateError naming it,
// not a raw TypeError.
import * as assert from 'uvu/assert';
import type { ModelRun } from '../harness/fixtures.ts';
import { BOTH_ENGINES, gpuSuite } from './support/gpu-suite.ts';
import { problem } from './support/models.ts';
import { mulberry32, randomInt, testSeed, type Rng } from './support/random.ts';

const { test, gpu } = gpuSuite('robustness: during a fit', { engines: BOTH_ENGINES });

function runFor(rng: Rng, model: ModelRun['model']): ModelRun {
  const n = randomInt(rng, 20, 60);
  const d = randomInt(rng, 2, 6);
  const k = model === 'softmax' ? 3 : 1;
  const { X, y } = problem(rng, model, n, d, k);
  const options: Record<string, unknown> = model === 'softmax' ? { nFeatures: d, nClasses: k } : { nFeatures: d };
  return { model, options, X, y, fit: { epochs: 3, batchSize: randomInt(rng, 4, n), learningRate: 0.05, seed: randomInt(rng, 0, 1e6) } };
}

test('async onEpochEnd delays the next epoch; a throwing or rejecting one rejects fit() with it as the cause', async () => {
  const rng = mulberry32(testSeed('async callbacks'));
  for (const model of ['logistic', 'softmax', 'linear'] as const) {
    const failAfter = randomInt(rng, 0, 2);
    const out = await gpu().call('asyncCallbacks', { run: runFor(rng, model), failAfter });
    const expected = Array.from({ length: 3 }, (_, e) => [`rate ${e}`, `start ${e}`, `end ${e}`]).flat();
    assert.equal(out.events, expected, `${model}: each epoch (its rate is asked for first) starts after the previous callback's promise settled`);
    assert.is(out.epochs, 3);
    for (const f of out.failed) {
      const where = `${model}, callback that ${f.kind} after epoch ${failAfter}`;
      assert.is(f.name, 'Error', `${where}: ${f.message}`);
      assert.ok(f.message?.startsWith(`onEpochEnd failed after epoch ${failAfter}: `), `${where}: ${f.message}`);
      if (f.kind === 'rejects a string') assert.is(f.cause, 'not an Error', `${where}: the cause is the thrown value`);
      else assert.ok(f.causeIsBoom, `${where}: the cause is the callback's own Error object`);
      assert.ok(f.unchanged, `${where}: the model keeps the parameters it had before the call`);
    }
    assert.is(out.refit, null, `${model}: the model fits again afterwards`);
    assert.is(out.unhandled, 0, `${model}: no unhandled rejection in the page`);
  }
});

test('detaching an array a running fit still reads is a StateError naming it; the model keeps its parameters', async () => {
  const rng = mulberry32(testSeed('detach during fit'));
  for (const model of ['softmax', 'logistic'] as const) {
    const run = runFor(rng, model);
    // Byte-valued features, so the same values can go in as bytes.
    run.X = { ...run.X, data: run.X.data.map((v) => Math.round((v + 2) * 60)) };
    const out = await gpu().call('detachDuringFit', { run, scale: 1 / 60 });
    assert.ok(out.detached, 'the buffers were transferred');
    assert.is(out.validation?.name, 'StateError', `${model} validation.X: ${JSON.stringify(out.validation)}`);
    assert.match(out.validation?.message ?? '', /^validation\.X \(\d+×\d+\) now holds 0 values: its ArrayBuffer was transferred or shrunk while fit\(\) was running/);
    assert.is(out.trainAccuracy?.name, 'StateError', `${model} X for trainAccuracy: ${JSON.stringify(out.trainAccuracy)}`);
    assert.match(out.trainAccuracy?.message ?? '', /^X \(\d+×\d+\) now holds 0 values/);
    assert.ok(out.unchanged, `${model}: parameters as before the failed fits`);
    assert.is(out.residentFit, null, `${model}: X that nothing reads after its upload may be detached: the fit completes`);
    // Sets that fit one pass stay on the GPU for the whole fit: their host arrays are not read again.
    assert.equal(out.residentSets, [null, null], `${model}: resident validation and training sets may be detached`);
  }
});

test.run();
