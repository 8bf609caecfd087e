// The epoch loop's failure rules, shared by both trainers (core/loop.ts), driven with a scripted
// runner: divergence by a non-finite loss, by a loss that grows DIVERGENCE_GROWTH times past its
// lowest, and by non-finite parameters after the last step; epoch callbacks that throw or reject
// (the error becomes the cause); and the float64 trainer stopping on the same rules.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as cpu from '../src/cpu/index.ts';
import { DIVERGENCE_GROWTH, runEpochs, runEpochsSync, type EpochRunner } from '../src/core/loop.ts';
import { resolveFitOptions, type EpochLog, type FitOptions, type History } from '../src/core/options.ts';
import { loadIris } from '../src/data/iris.ts';
import { ValueError } from '../src/errors.ts';
import { thrown, rejected } from './support/errors.ts';

const test = suite('epoch loop: divergence and callbacks');

/** A runner whose epochs report `losses` in turn, and whose parameters are finite unless told. */
function scripted(losses: readonly number[], finite = true): EpochRunner<'sync'> {
  let epoch = 0;
  return {
    runEpoch: () => losses[epoch++] as number,
    metrics: () => ({}),
    moved: () => Number.POSITIVE_INFINITY,
    gradientNorm: () => Number.POSITIVE_INFINITY,
    paramsFinite: () => finite,
    keepBest: () => undefined,
    restoreBest: () => undefined,
  };
}

function asAsync(r: EpochRunner<'sync'>): EpochRunner<'async'> {
  return {
    runEpoch: async (order, rate, snapshot) => r.runEpoch(order, rate, snapshot),
    metrics: async () => r.metrics(),
    moved: async () => r.moved(),
    gradientNorm: async () => r.gradientNorm(),
    paramsFinite: async () => r.paramsFinite(),
    keepBest: async () => r.keepBest(),
    restoreBest: async () => r.restoreBest(),
  };
}

function run(losses: readonly number[], options: FitOptions<unknown, unknown> = {}, finite = true): History {
  return runEpochsSync(resolveFitOptions({ epochs: losses.length, learningRate: 0.5, ...options }, 4), 4, scripted(losses, finite));
}

test('a loss DIVERGENCE_GROWTH times its lowest so far is divergence; just below is not', () => {
  assert.is(run([10, 4, DIVERGENCE_GROWTH * 4]).epochs, 3, 'exactly the limit: still training');
  const e = thrown(() => run([10, 4, DIVERGENCE_GROWTH * 4 * 1.0001, 1]));
  assert.instance(e, ValueError);
  assert.match(e.message, /training diverged: the loss grew to .* in epoch 2, over 1000000 times its lowest epoch value 4; try a smaller learningRate \(it was 0\.5\)/);
  // The lowest value is the reference, not the previous one: slow growth is caught too.
  const slow = thrown(() => run([5, 5e2, 5e4, 5e6, 5.1e6, 1]));
  assert.match(slow.message, /in epoch 4, over 1000000 times its lowest epoch value 5;/);
});

test('losses below 1 are measured against 1: rounding noise near an exact fit is not divergence', () => {
  assert.is(run([1e-12, 1e-3, DIVERGENCE_GROWTH]).epochs, 3);
  assert.match(thrown(() => run([1e-12, DIVERGENCE_GROWTH * 1.01])).message, /in epoch 1, over 1000000 times its lowest epoch value 1e-12/);
});

test('a non-finite loss, and non-finite parameters after the last step, are divergence', () => {
  for (const bad of [Number.NaN, Number.POSITIVE_INFINITY]) {
    assert.match(thrown(() => run([1, bad])).message, new RegExp(`the loss became ${bad} in epoch 1`));
  }
  const last = thrown(() => run([3, 2, 1], {}, false));
  assert.instance(last, ValueError);
  assert.match(last.message, /the parameters became non-finite in epoch 2; try a smaller learningRate \(it was 0\.5\)/);
  // Also when a stopping rule ends training early: the parameters are checked whenever it ends.
  const stopped = thrown(() => run([3, 2, 1], { onEpochEnd: () => false }, false));
  assert.match(stopped.message, /non-finite in epoch 0/);
});

test('onEpochEnd throwing (sync or async runner) or rejecting becomes an Error whose cause is what it threw', async () => {
  const boom = new TypeError('boom');
  const options = (onEpochEnd: (log: EpochLog) => unknown) => resolveFitOptions({ epochs: 3, learningRate: 0.5, onEpochEnd }, 4);
  const syncThrow = thrown(() => runEpochsSync(options(({ epoch }) => {
    if (epoch === 1) throw boom;
  }), 4, scripted([3, 2, 1])));
  const asyncThrow = await rejected(() => runEpochs(options(({ epoch }) => {
    if (epoch === 1) throw boom;
  }), 4, asAsync(scripted([3, 2, 1]))));
  const asyncReject = await rejected(() => runEpochs(options(async ({ epoch }) => {
    if (epoch === 1) throw boom;
  }), 4, asAsync(scripted([3, 2, 1]))));
  for (const [how, e] of [['sync', syncThrow], ['async, thrown', asyncThrow], ['async, rejected', asyncReject]] as const) {
    assert.is(e.constructor, Error, `${how}: a plain Error, not one of the library's classes`);
    assert.is(e.cause, boom, `${how}: the callback's error is the cause`);
    assert.is(e.message, 'onEpochEnd failed after epoch 1: TypeError: boom', how);
  }
  const notAnError = await rejected(() => runEpochs(options(() => Promise.reject(42)), 4, asAsync(scripted([3, 2, 1]))));
  assert.is(notAnError.cause, 42);
  assert.match(notAnError.message, /after epoch 0: 42/);
});

test('an async onEpochEnd is awaited before the next epoch starts', async () => {
  const events: string[] = [];
  const runner = asAsync(scripted([3, 2, 1]));
  const runEpoch = runner.runEpoch;
  runner.runEpoch = (order, rate, snapshot) => {
    events.push('epoch');
    return runEpoch(order, rate, snapshot);
  };
  const options = resolveFitOptions({
    epochs: 3, learningRate: 0.5,
    onEpochEnd: async () => {
      events.push('callback');
      await new Promise((resolve) => setTimeout(resolve, 5));
      events.push('callback done');
    },
  }, 4);
  await runEpochs(options, 4, runner);
  assert.equal(events, ['epoch', 'callback', 'callback done', 'epoch', 'callback', 'callback done', 'epoch', 'callback', 'callback done']);
});

test('the float64 trainer: raw Iris at the default rate diverges in epoch 1 (growth), not after 5 epochs of garbage', () => {
  const iris = loadIris();
  const Y = { data: Float64Array.from(iris.y), rows: iris.X.rows, cols: 1 };
  const problem = (epochs: number): cpu.TrainProblem => ({
    objective: 'linear-mse', X: iris.X, Y, W: { data: new Float64Array(4), rows: 4, cols: 1 }, b: { data: [0], rows: 1, cols: 1 },
    fitIntercept: true, options: resolveFitOptions({ epochs }, iris.X.rows),
  });
  assert.is(cpu.train(problem(1)).history.epochs, 1, 'one epoch alone does not look diverged');
  const e = thrown(() => cpu.train(problem(5)));
  assert.instance(e, ValueError);
  assert.match(e.message, /training diverged: the loss grew to .* in epoch 1, over 1000000 times/);
});

test('the float64 trainer: parameters past float32 range after the last step are divergence', () => {
  const X = { data: [100, -200, 300], rows: 3, cols: 1 };
  const Y = { data: [1, 2, 3], rows: 3, cols: 1 };
  const e = thrown(() => cpu.train({
    objective: 'linear-mse', X, Y, W: { data: [0], rows: 1, cols: 1 }, b: { data: [0], rows: 1, cols: 1 },
    fitIntercept: true, options: resolveFitOptions({ epochs: 1, batchSize: 3, learningRate: 1e38 }, 3),
  }));
  assert.instance(e, ValueError);
  assert.match(e.message, /the parameters became non-finite in epoch 0; try a smaller learningRate \(it was 1e\+38\)/);
});

test.run();
