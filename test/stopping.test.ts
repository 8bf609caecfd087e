// Stopping a fit from outside or on the validation loss, as the epoch loop (core/loop.ts) decides it
// for both trainers: earlyStopping's patience and minDelta, restoring the best epoch, and an
// AbortSignal checked between epochs; with their option errors.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as cpu from '../src/cpu/index.ts';
import { runEpochsSync, type EpochMetrics, type EpochRunner } from '../src/core/loop.ts';
import { resolveFitOptions, type FitOptions } from '../src/core/options.ts';
import { ValueError } from '../src/errors.ts';
import { thrown } from './support/errors.ts';

const test = suite('epoch loop: early stopping and abort');

/** A runner whose epochs report the validation losses `val` in turn, recording keepBest/restoreBest. */
function scripted(val: readonly number[], events: string[] = []): EpochRunner<'sync'> {
  let epoch = -1;
  return {
    runEpoch: () => {
      epoch++;
      events.push(`epoch ${epoch}`);
      return 1;
    },
    metrics: (): EpochMetrics => ({ valLoss: val[epoch] as number }),
    moved: () => Number.POSITIVE_INFINITY,
    gradientNorm: () => Number.POSITIVE_INFINITY,
    paramsFinite: () => true,
    keepBest: () => {
      events.push(`keep ${epoch}`);
    },
    restoreBest: () => {
      events.push('restore');
    },
  };
}

const VALIDATION = { X: [[0]], y: [0] };

function options(extra: FitOptions<unknown, unknown>, epochs = 10): ReturnType<typeof resolveFitOptions> {
  return resolveFitOptions({ epochs, validation: VALIDATION, ...extra }, 4);
}

test('patience: stops after that many epochs without improvement, keeps and restores the best', () => {
  const events: string[] = [];
  const h = runEpochsSync(options({ earlyStopping: { patience: 2 } }), 4, scripted([1, 0.5, 0.6, 0.55, 0.1, 0.1], events));
  assert.is(h.stopReason, 'early-stopping');
  assert.is(h.epochs, 4);
  assert.is(h.bestEpoch, 1);
  assert.is(h.converged, false);
  assert.equal(events, ['epoch 0', 'keep 0', 'epoch 1', 'keep 1', 'epoch 2', 'epoch 3', 'restore']);
});

test('minDelta: an improvement must beat the best by more than minDelta; restoreBest false keeps the last', () => {
  const events: string[] = [];
  const h = runEpochsSync(options({ earlyStopping: { patience: 2, minDelta: 0.1, restoreBest: false } }), 4, scripted([1, 0.95, 0.9, 0.5], events));
  assert.is(h.stopReason, 'early-stopping');
  assert.is(h.epochs, 3);
  assert.is(h.bestEpoch, 0);
  assert.equal(events, ['epoch 0', 'epoch 1', 'epoch 2'], 'nothing kept or restored');
});

test('patience not run out: all epochs, stopReason epochs, nothing restored', () => {
  const events: string[] = [];
  const h = runEpochsSync(options({ earlyStopping: { patience: 3 } }, 4), 4, scripted([1, 0.9, 0.95, 0.8], events));
  assert.is(h.stopReason, 'epochs');
  assert.is(h.bestEpoch, 3);
  assert.not.ok(events.includes('restore'));
});

test('earlyStopping and signal option errors name the option', () => {
  const bad: [FitOptions<unknown, unknown>, RegExp][] = [
    [{ earlyStopping: { patience: 2 } }, /^earlyStopping needs a validation set/],
    [{ earlyStopping: { patience: 0 }, validation: VALIDATION }, /^earlyStopping\.patience must be a positive integer, got 0/],
    [{ earlyStopping: {} as never, validation: VALIDATION }, /^earlyStopping\.patience is required/],
    [{ earlyStopping: { patience: 1, minDelta: -1 }, validation: VALIDATION }, /^earlyStopping\.minDelta must be ≥ 0/],
    [{ earlyStopping: { patience: 1, restoreBest: 1 as never }, validation: VALIDATION }, /^earlyStopping\.restoreBest must be true or false/],
    [{ earlyStopping: { patience: 1, delta: 1 } as never, validation: VALIDATION }, /^earlyStopping: unknown key 'delta'/],
    [{ earlyStopping: 3 as never, validation: VALIDATION }, /^earlyStopping must be \{ patience/],
    [{ signal: { aborted: false } as never }, /^signal must be an AbortSignal, got/],
    [{ signal: 'stop' as never }, /^signal must be an AbortSignal, got 'stop'/],
  ];
  for (const [o, message] of bad) {
    const e = thrown(() => resolveFitOptions(o, 4));
    assert.instance(e, ValueError);
    assert.match(e.message, message);
  }
});

test('an aborted signal stops the loop before the next epoch with an AbortError', () => {
  const controller = new AbortController();
  const events: string[] = [];
  const e = thrown(() => runEpochsSync(options({ signal: controller.signal, onEpochEnd: ({ epoch }) => {
    if (epoch === 1) controller.abort();
  } }), 4, scripted([3, 2, 1, 0.5], events)));
  assert.is(e.name, 'AbortError');
  assert.is(e, controller.signal.reason, "the signal's own AbortError");
  assert.equal(events, ['epoch 0', 'epoch 1'], 'epochs 0 and 1 ran, epoch 2 did not');
  // Another reason becomes the message of a new AbortError; an already-aborted signal runs no epoch.
  const other = new AbortController();
  other.abort(new RangeError('user clicked stop'));
  const none: string[] = [];
  const e2 = thrown(() => runEpochsSync(options({ signal: other.signal }), 4, scripted([1], none)));
  assert.is(e2.name, 'AbortError');
  assert.match(e2.message, /fit\(\) was aborted: user clicked stop/);
  assert.equal(none, []);
});

test('the float64 trainer: earlyStopping needs validation; restores the best epoch; signal aborts between epochs', () => {
  const X = { data: [0, 1, 2, 3, 4, 5], rows: 6, cols: 1 };
  const Y = { data: [0, 0, 0, 1, 1, 1], rows: 6, cols: 1 };
  // Validation labels opposite to training: the validation loss rises from the first epoch on.
  const validation = { X, Y: { data: [1, 1, 1, 0, 0, 0], rows: 6, cols: 1 } };
  const problem = (o: FitOptions<unknown, unknown>, withValidation = true): cpu.TrainProblem => ({
    objective: 'logistic-bce', X, Y, W: { data: [0], rows: 1, cols: 1 }, b: { data: [0], rows: 1, cols: 1 }, fitIntercept: true,
    options: resolveFitOptions({ epochs: 20, batchSize: 6, learningRate: 0.5, shuffle: false, ...o, ...(withValidation ? { validation: VALIDATION } : {}) }, 6),
    ...(withValidation ? { validation } : {}),
  });
  const e = thrown(() => cpu.train({ ...problem({ earlyStopping: { patience: 2 } }), validation: undefined } as never));
  assert.instance(e, ValueError);
  assert.match(e.message, /^earlyStopping needs a validation set/);
  const r = cpu.train(problem({ earlyStopping: { patience: 3 } }));
  assert.is(r.history.stopReason, 'early-stopping');
  assert.is(r.history.epochs, 4);
  assert.is(r.history.bestEpoch, 0);
  const one = cpu.train(problem({ epochs: 1 }));
  assert.equal(Array.from(r.W.data), Array.from(one.W.data), 'W of the best epoch');
  assert.equal(Array.from(r.b.data), Array.from(one.b.data), 'b of the best epoch');
  const controller = new AbortController();
  const aborted = thrown(() => cpu.train(problem({ signal: controller.signal, onEpochEnd: ({ epoch }) => {
    if (epoch === 2) controller.abort();
  } })));
  assert.is(aborted.name, 'AbortError');
});

test.run();
