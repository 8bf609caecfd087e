// A GPU error belongs to the call that caused it. destroy() on a model whose fit is running makes
// that fit reject with a StateError (never a raw GPU error) while another model's fit on the same
// context ends exactly as it would alone, and the context keeps working. On a device shared with
// the app, the app's own invalid calls reach the app's listener and leave the library alone, and
// the library's own failed read, op or submit rejects that call only.
import * as assert from 'uvu/assert';
import type { ModelRun } from '../harness/fixtures.ts';
import { BOTH_ENGINES, gpuSuite } from './support/gpu-suite.ts';
import { problem } from './support/models.ts';
import { mulberry32, randomInt, testSeed, type Rng } from './support/random.ts';

const { test, gpu } = gpuSuite('robustness: errors stay with their call', { engines: BOTH_ENGINES });

function runFor(rng: Rng, model: ModelRun['model'], epochs: number): ModelRun {
  const n = randomInt(rng, 30, 90);
  const d = randomInt(rng, 2, 8);
  const k = model === 'softmax' ? randomInt(rng, 2, 5) : 1;
  const { X, y } = problem(rng, model, n, d, k);
  const options: Record<string, unknown> = model === 'softmax' ? { nFeatures: d, nClasses: k } : { nFeatures: d };
  const fit = { epochs, batchSize: randomInt(rng, 4, n), learningRate: model === 'linear' ? 0.02 : 0.1, seed: randomInt(rng, 0, 1e6) };
  return { model, options, X, y, fit };
}

test('destroy() while fit() runs (at once, from onEpochEnd, from a timer): StateError; the other fit on the context is undisturbed', async () => {
  const rng = mulberry32(testSeed('destroy during fit'));
  const kinds = ['softmax', 'logistic', 'linear'] as const;
  const whens = [
    { when: 'now' as const }, { when: 'callback' as const }, { when: 'timer' as const, delayMs: randomInt(rng, 0, 30) },
    { when: 'timer' as const, delayMs: randomInt(rng, 30, 80) },
  ];
  for (const [i, w] of whens.entries()) {
    const victim = runFor(rng, kinds[i % 3] as ModelRun['model'], 400);
    const other = runFor(rng, kinds[(i + 1) % 3] as ModelRun['model'], 6);
    const out = await gpu().call('destroyDuringFit', { victim, other, ...w });
    const where = `${victim.model} destroyed ${w.when}${w.delayMs === undefined ? '' : ` after ${w.delayMs} ms`}`;
    assert.is(out.victimError?.name, 'StateError', `${where}: ${JSON.stringify(out.victimError)}`);
    assert.match(out.victimError?.message ?? '', /was destroyed while fit\(\) was running/, where);
    assert.equal(out.together, out.apart, `${where}: the other model's fit beside it = the same fit alone, bit for bit`);
    assert.ok(out.destroyed, `${where}: destroyed`);
    assert.is(out.usedAfter?.name, 'StateError', `${where}: using it afterwards`);
    assert.match(out.usedAfter?.message ?? '', /used after destroy/);
    assert.is(out.liveBuffers, 0, `${where}: both models' buffers freed once their calls ended`);
    assert.ok(out.contextWorks, `${where}: the context still computes`);
    assert.is(out.liveAtEnd, 0, `${where}: nothing left allocated`);
  }
});

test("shared device: the app's invalid calls stay the app's; the library's own errors reject only the call that made them", async () => {
  const rng = mulberry32(testSeed('shared device errors'));
  const run = runFor(rng, 'softmax', 5);
  const out = await gpu().call('sharedDevice', { run });
  assert.equal(out.disturbed, out.quiet, 'a fit while the app makes invalid calls (timer, onEpochEnd) = the same fit undisturbed');
  assert.equal(out.afterErrors, out.quiet, 'and after every error below, the same fit again');
  assert.ok(out.appErrorsSeen >= (run.fit.epochs as number) + 1, `the app's listener heard its own errors (${out.appErrorsSeen})`);
  assert.is(out.appMessages.length, 1, `the app's listener heard only its own invalid createBuffer, none of the library's errors: ${JSON.stringify(out.appMessages)}`);
  for (const [what, e, pattern] of [
    ['reading a buffer without COPY_SRC', out.readError, /CopySrc/i],
    ['an op on a buffer destroyed behind the library', out.opError, /destroyed/i],
    ['a submit binding a destroyed buffer', out.submitError, /destroyed/i],
  ] as const) {
    assert.is(e?.name, 'GPUError', `${what}: ${JSON.stringify(e)}`);
    assert.ok(e?.isGPUError, `${what}: a GPUError instance`);
    assert.match(e?.message ?? '', pattern, what);
  }
  assert.equal(out.healthyRead.map((v) => Math.round(v * 1e6) / 1e6), [0.5, 0.880797], 'the op beside the failing one computes');
  assert.is(out.secondRead, null, 'an error is reported once, by the read that met it');
  assert.ok(out.contextWorks, 'the context still computes');
  assert.is(out.liveBuffers, 0, 'nothing left allocated');
});

test.run();
