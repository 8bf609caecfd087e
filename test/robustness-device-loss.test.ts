// Device loss, simulated with device.destroy() in the middle of fit(): the fit rejects with a
// DeviceLostError (never a generic GPUError, whenever the loss lands), ctx.lost resolves, every
// later call on the lost context says the device is lost, nothing stays allocated, and the model
// saved with toJSON() comes back on a new context with the same parameters and predictions.
import * as assert from 'uvu/assert';
import type { ModelRun } from '../harness/fixtures.ts';
import * as cpu from '../src/cpu/index.ts';
import { maxAbsError } from './support/compare.ts';
import { gpuSuite } from './support/gpu-suite.ts';
import { mulberry32, randomInt, randomMatrix, testSeed } from './support/random.ts';

const { test, gpu } = gpuSuite('robustness: device loss');
const PREDICTION_TOLERANCE = 1e-5; // max |restored prediction − float64 reference|

function run(model: ModelRun['model'], seed: number): ModelRun {
  const rng = mulberry32(seed);
  const n = randomInt(rng, 20, 60);
  const X = randomMatrix(rng, n, 3, -2, 2);
  const y = Array.from({ length: n }, (_, i) => {
    const s = (X.data[i * 3] as number) - (X.data[i * 3 + 1] as number);
    if (model === 'logistic') return i < 2 ? i : s > 0 ? 1 : 0;
    if (model === 'softmax') return s > 0.5 ? 2 : s > -0.5 ? 1 : 0;
    return 2 * s + 1;
  });
  const options: Record<string, unknown> = { nFeatures: 3 };
  if (model === 'softmax') options.nClasses = 3;
  return { model, options, X, y, fit: { epochs: 4, batchSize: 8, learningRate: 0.1, seed } };
}

/** What the model predicts from the saved parameters, in float64. */
function reference(r: ModelRun, saved: { W: number[]; b: number[] }): Float64Array {
  const k = saved.b.length;
  const Z = cpu.matmul(r.X, { data: saved.W, rows: r.X.cols, cols: k }, { data: saved.b, rows: 1, cols: k });
  return r.model === 'logistic' ? cpu.sigmoid(Z).data : r.model === 'softmax' ? cpu.softmax(Z).data : Z.data;
}

for (const model of ['logistic', 'softmax', 'linear'] as const) {
  test(`${model}: device destroyed from onEpochEnd → DeviceLostError; restored from toJSON() on a new context`, async () => {
    const r = run(model, testSeed(`device loss ${model}`));
    const out = await gpu().call('deviceLoss', { ...r, loseAfterEpoch: 1 });
    assert.is(out.fitError?.name, 'DeviceLostError', `fit: ${JSON.stringify(out.fitError)}`);
    assert.match(out.fitError?.message ?? '', /device lost/);
    assert.is(out.lostReason, 'destroyed', 'ctx.lost resolves with the reason');
    for (const [what, e] of Object.entries(out.afterLoss)) {
      assert.is(e?.name, 'DeviceLostError', `${what} on the lost context: ${JSON.stringify(e)}`);
    }
    assert.ok(out.jsonUnchanged, 'toJSON() after the failed fit still gives the parameters of the last completed fit');
    assert.is(out.liveAfterDestroy, 0, 'nothing stays allocated once the model is destroyed (twice)');
    assert.equal(out.restoredW, Array.from(Float32Array.from(out.saved.W)), 'restored W is the saved W');
    assert.equal(out.restoredB, Array.from(Float32Array.from(out.saved.b)), 'restored b is the saved b');
    assert.equal(out.probaRestored, out.probaBefore, 'the restored model predicts exactly what the model did before the loss');
    const err = maxAbsError(out.probaRestored, reference(r, out.saved));
    assert.ok(err <= PREDICTION_TOLERANCE, `restored predictions vs float64 reference: ${err}`);
    assert.is(out.freshLive, 0, 'the new context holds nothing once the restored model is destroyed');
  });
}

test('loss at a random moment (timer) is always a DeviceLostError, never a generic GPUError', async () => {
  const rng = mulberry32(testSeed('device loss timer'));
  for (let t = 0; t < 3; t++) {
    const delayMs = randomInt(rng, 0, 40);
    const r = run(t % 2 === 0 ? 'softmax' : 'logistic', randomInt(rng, 0, 1e6));
    const out = await gpu().call('deviceLoss', { ...r, delayMs });
    assert.is(out.fitError?.name, 'DeviceLostError', `delay ${delayMs} ms: ${JSON.stringify(out.fitError)}`);
    assert.ok(out.jsonUnchanged, `delay ${delayMs} ms: toJSON() unchanged`);
    assert.is(out.liveAfterDestroy, 0, `delay ${delayMs} ms: no buffers left`);
    assert.equal(out.probaRestored, out.probaBefore, `delay ${delayMs} ms: restored predictions`);
  }
});

test('a read pending when the device is destroyed rejects with DeviceLostError', async () => {
  const e = await gpu().call('readDuringLoss');
  assert.is(e?.name, 'DeviceLostError', JSON.stringify(e));
});

test.run();
