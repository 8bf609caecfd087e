// Stopping a GPU fit: earlyStopping against the float64 trainer (same stop epoch, same restored
// parameters), and an AbortSignal before fit(), between epochs and in mid-epoch (the model keeps the
// last finished epoch's parameters and stays usable).
import * as assert from 'uvu/assert';
import type { ModelRun } from '../harness/fixtures.ts';
import { relativeError } from './support/compare.ts';
import { gpuSuite } from './support/gpu-suite.ts';
import { fitBoth, problem } from './support/models.ts';
import { mulberry32, testSeed } from './support/random.ts';

const { test, gpu } = gpuSuite('estimators: early stopping and abort');

/** A logistic problem whose validation set has every sixth label flipped: its loss falls, then rises. */
function overfitting(model: 'logistic' | 'softmax', fit: Record<string, unknown>): ModelRun {
  const { X, y } = problem(mulberry32(7), 'logistic', 120, 4, 1);
  const flipped = y.map((v, i) => (i % 6 === 0 ? 1 - v : v));
  const options = model === 'softmax' ? { nFeatures: 4, nClasses: 2 } : { nFeatures: 4 };
  return { model, options, X, y, validation: { X, y: flipped }, fit: { epochs: 60, batchSize: 20, learningRate: 0.5, seed: 3, ...fit } };
}

test('earlyStopping: the GPU stops on the float64 trainer\'s epoch and restores its best parameters', async () => {
  for (const model of ['logistic', 'softmax'] as const) {
    const run = overfitting(model, { earlyStopping: { patience: 4 } });
    const both = await fitBoth(gpu(), run);
    const g = both.gpu.history;
    const c = both.cpu.history;
    assert.is(g.stopReason, 'early-stopping', model);
    assert.is(g.epochs, c.epochs, `${model}: stop epoch`);
    assert.is(g.bestEpoch, c.bestEpoch, `${model}: best epoch`);
    assert.ok((g.bestEpoch as number) < g.epochs - 1, `${model}: the best epoch is not the last`);
    const err = relativeError([...both.gpu.W, ...both.gpu.b], [...both.cpu.W.data, ...both.cpu.b.data]);
    assert.ok(err <= 1e-4, `${model}: restored parameters differ from float64 by ${err}`);
    // The restored parameters are the best epoch's: a fit of bestEpoch + 1 epochs gives them too.
    const best = await gpu().call('fitModel', { ...run, fit: { ...run.fit, earlyStopping: undefined, epochs: (g.bestEpoch as number) + 1 } });
    assert.equal([...both.gpu.W, ...both.gpu.b], [...best.W.data, ...best.b], `${model}: bit-identical to the best epoch`);
  }
});

test('earlyStopping with restoreBest false keeps the last epoch\'s parameters', async () => {
  const run = overfitting('logistic', { earlyStopping: { patience: 4, restoreBest: false } });
  const both = await fitBoth(gpu(), run);
  assert.is(both.gpu.history.stopReason, 'early-stopping');
  const last = await gpu().call('fitModel', { ...run, fit: { ...run.fit, earlyStopping: undefined, epochs: both.gpu.history.epochs } });
  assert.equal([...both.gpu.W, ...both.gpu.b], [...last.W.data, ...last.b]);
});

function abortRun(when: 'before' | 'epochEnd' | 'midEpoch', epoch: number, reason?: string) {
  const { X, y } = problem(mulberry32(testSeed('abort')), 'softmax', 640, 5, 3);
  // batchSize 1: 640 steps an epoch, 20 submits of 32 when a signal is given.
  const run: ModelRun = { model: 'softmax', options: { nFeatures: 5, nClasses: 3 }, X, y, fit: { epochs: 5, batchSize: 1, learningRate: 0.05, seed: 5 } };
  return gpu().call('fitAborted', { ...run, when, epoch, ...(reason === undefined ? {} : { reason }) });
}

test('abort at an epoch\'s end: AbortError (the signal\'s reason), the parameters of that epoch, usable after', async () => {
  const r = await abortRun('epochEnd', 1);
  assert.ok(r.error !== null, 'rejected');
  assert.is(r.error?.name, 'AbortError');
  assert.ok(r.error?.isReason, "the signal's default reason is what fit() rejects with");
  assert.equal(r.ended, [0, 1], 'no epoch after the abort');
  assert.equal(r.after, r.expected, 'parameters of epoch 1');
  assert.equal(r.json, r.expected, 'toJSON holds them too');
  assert.is(r.leakedBuffers, 0);
  assert.ok(r.score > 0.5 && r.refitEpochs === 1, 'the model scores and trains again');
});

test('abort in mid-epoch: stops between submits, puts back the last finished epoch', async () => {
  const r = await abortRun('midEpoch', 0, 'user clicked stop');
  assert.is(r.error?.name, 'AbortError');
  assert.ok(r.error?.isDOMException, 'a DOMException AbortError');
  assert.match(r.error?.message ?? '', /fit\(\) was aborted: 'user clicked stop'/);
  assert.equal(r.ended, [0], 'epoch 1 never finished');
  assert.equal(r.after, r.expected, 'parameters of epoch 0, not of a part of epoch 1');
  assert.equal(r.json, r.expected);
  assert.is(r.leakedBuffers, 0);
  assert.is(r.refitEpochs, 1);
});

test('an already-aborted signal rejects before any GPU work; the parameters stay', async () => {
  const r = await abortRun('before', 0);
  assert.is(r.error?.name, 'AbortError');
  assert.equal(r.ended, []);
  assert.equal(r.after, r.before);
  assert.equal(r.json, r.before);
  assert.is(r.leakedBuffers, 0);
});

test.run();
