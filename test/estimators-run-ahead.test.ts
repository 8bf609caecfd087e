// Epochs queued ahead: a fit that needs nothing from the host between epochs queues runs of them and
// reads their losses once. Each test fits twice on the page, once with a do-nothing onEpochEnd (one
// epoch read back at a time) and once without (runs), and checks that the two report the same
// history, stop and error and end with the same parameters, bit for bit, and that both agree with
// the float64 trainer.
import * as assert from 'uvu/assert';
import type { ModelRun } from '../harness/fixtures.ts';
import { relativeError } from './support/compare.ts';
import { gpuSuite } from './support/gpu-suite.ts';
import { cpuFit, problem } from './support/models.ts';
import { mulberry32, testSeed } from './support/random.ts';

const { test, gpu } = gpuSuite('estimators: epochs queued ahead');

type Kind = ModelRun['model'];

function run(kind: Kind, rng: () => number, n: number, fit: Record<string, unknown>): ModelRun {
  const d = 2 + Math.floor(rng() * 6);
  const k = kind === 'softmax' ? 3 : 1;
  const { X, y } = problem(rng, kind, n, d, k);
  const options = kind === 'softmax' ? { nFeatures: d, nClasses: k } : kind === 'linear' ? { nFeatures: d } : { nFeatures: d };
  return { model: kind, options, X, y, fit };
}

async function both(r: ModelRun) {
  const out = await gpu().call('fitPacedAndAhead', r);
  assert.is(out.leakedBuffers, 0, 'buffers left alive');
  return out;
}

test('runs of epochs give the history and parameters of epochs read back one at a time, and float64\'s', async () => {
  const rng = mulberry32(testSeed('run-ahead'));
  for (const kind of ['logistic', 'softmax', 'linear'] as const) {
    // n is not a multiple of the batch: every epoch ends with a shorter batch.
    const n = 37 + Math.floor(rng() * 40);
    for (const batchSize of [n, 16]) {
      const r = run(kind, rng, n, { epochs: 40, batchSize, learningRate: { kind: 'exponential', initial: 0.2, decay: 0.97 }, seed: 4 });
      const { paced, ahead } = await both(r);
      const what = `${kind}, n = ${n}, batch ${batchSize}`;
      assert.ok(paced.history !== null && ahead.history !== null, `${what}: both fits finished`);
      assert.equal(ahead.history?.loss, paced.history?.loss, `${what}: epoch losses`);
      assert.equal(ahead.history?.learningRate, paced.history?.learningRate, `${what}: rates`);
      assert.is(ahead.history?.epochs, 40, what);
      assert.equal(ahead.theta, paced.theta, `${what}: parameters`);
      const ref = cpuFit(r);
      const lossErr = relativeError(ahead.history?.loss ?? [], ref.history.loss);
      assert.ok(lossErr <= 1e-4, `${what}: epoch losses differ from float64 by ${lossErr}`);
      const err = relativeError(ahead.theta ?? [], [...ref.W.data, ...ref.b.data]);
      assert.ok(err <= 1e-4, `${what}: parameters differ from float64 by ${err}`);
    }
  }
});

test('a tol stop inside a run reports the same epoch and puts back that epoch\'s parameters', async () => {
  const rng = mulberry32(testSeed('run-ahead-tol'));
  const stops: number[] = [];
  for (const kind of ['logistic', 'linear'] as const) {
    const n = 50 + Math.floor(rng() * 30);
    // Full-batch steps shrink geometrically, so these tolerances stop at spread-out epochs, most of
    // them inside a run rather than at its last epoch.
    for (const tol of [3e-2, 1e-2, 3e-3, 1e-3, 3e-4]) {
      // l2 makes the logistic objective strongly convex, so its steps shrink too; with l2 0.2 and rate
      // 0.2 they shrink about as fast as linear's, stopping within 10–100 epochs (measured in float64
      // over seeds) instead of 10–350 at l2 0.05 and rate 0.1: every run length up to 64 epochs still
      // holds a stop, with a third of the epochs on the slow 'gpu' engine.
      const rate = kind === 'logistic' ? { learningRate: 0.2, l2: 0.2 } : { learningRate: 0.1, l2: 0.05 };
      const r = run(kind, rng, n, { epochs: 1000, batchSize: n, ...rate, tol, seed: 2 });
      const { paced, ahead } = await both(r);
      const what = `${kind}, tol ${tol}`;
      assert.is(paced.history?.stopReason, 'tol', `${what}: the paced fit stopped on tol`);
      assert.is(ahead.history?.stopReason, 'tol', what);
      assert.is(ahead.history?.epochs, paced.history?.epochs, `${what}: stop epoch`);
      assert.equal(ahead.history?.loss, paced.history?.loss, `${what}: epoch losses`);
      assert.equal(ahead.theta, paced.theta, `${what}: parameters of the stop epoch`);
      const ref = cpuFit(r);
      assert.ok(Math.abs((ahead.history?.epochs ?? 0) - ref.history.epochs) <= 1, `${what}: stopped after ${ahead.history?.epochs} epochs, float64 after ${ref.history.epochs}`);
      stops.push(ahead.history?.epochs ?? 0);
    }
  }
  console.log(`  [tol] stop epochs ${stops.join(', ')}`);
});

test('a schedule that leaves float32 inside a run, and a diverging fit, fail on the same epoch with the same error', async () => {
  const rng = mulberry32(testSeed('run-ahead-errors'));
  const n = 40;
  // Rates 0.1, 1e-10, 1e-19, 1e-28, 1e-37, then 1e-46: below float32's normal range in epoch 5.
  const underflow = run('logistic', rng, n, { epochs: 10, batchSize: n, learningRate: { kind: 'exponential', initial: 0.1, decay: 1e-9 } });
  const diverging = run('linear', rng, n, { epochs: 30, batchSize: n, learningRate: 50 });
  for (const [r, mentions] of [[underflow, 'epoch 5'], [diverging, 'diverged']] as const) {
    const { paced, ahead } = await both(r);
    assert.ok(paced.error !== null, `the paced fit fails (${mentions})`);
    assert.equal(ahead.error, paced.error);
    assert.ok(ahead.error?.message.includes(mentions), ahead.error?.message);
  }
});

test.run();
