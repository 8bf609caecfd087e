// Byte features at every entry point: fit, validation, predict, predictProba, score and loss take
// { data: Uint8Array | Uint8ClampedArray, rows, cols, scale } as the values byte·scale, the two byte
// types alike (ImageData gives Uint8ClampedArray). A misspelt key, or a scale on data that is not
// bytes, is a ValueError naming the key at each of them, and the model stays as it was.
import * as assert from 'uvu/assert';
import type { ModelRun } from '../harness/fixtures.ts';
import { gpuSuite } from './support/gpu-suite.ts';
import { problem } from './support/models.ts';
import { mulberry32, randomInt, testSeed } from './support/random.ts';

const { test, gpu } = gpuSuite('estimators: byte inputs');

const METHODS = ['fit', 'validation', 'predict', 'predictProba', 'score', 'loss'] as const;
const BAD = [
  ...METHODS.map((method) => ({ method, X: { kind: 'Uint8ClampedArray', key: 'scal' }, error: 'ValueError', mentions: ["'scal'", 'scale'] })),
  ...METHODS.map((method) => ({ method, X: { kind: 'Float32Array', key: 'scale' }, error: 'ValueError', mentions: ['scale', 'byte data only', 'Float32Array'] })),
  { method: 'predict', X: { kind: 'array', key: 'scale' }, error: 'ValueError', mentions: ['X.scale', 'array'] },
  { method: 'loss', X: { kind: 'Float32Array', key: 'rowz' }, error: 'ValueError', mentions: ["'rowz'"] },
];

test('Uint8Array, Uint8ClampedArray and their f32 values agree at every entry point; bad keys and misplaced scales are refused', async () => {
  const rng = mulberry32(testSeed('byte inputs'));
  for (const model of ['softmax', 'logistic', 'linear'] as const) {
    const n = randomInt(rng, 20, 60);
    const d = randomInt(rng, 2, 20);
    const k = model === 'softmax' ? 3 : 1;
    const { X, y } = problem(rng, model, n, d, k);
    const scale = 1 / 255;
    // Pixels 0..255 that keep the problem's signs: byte·scale − ½ would be X/4 (the labels come from X).
    const bytes = X.data.map((v) => Math.max(0, Math.min(255, Math.round(((v / 4) + 0.5) * 255))));
    // Squared error's curvature grows with ‖x‖² ≤ d + 1 (bias included) for pixels in [0, 1]: a rate
    // below 2/(d + 1) cannot diverge on any batch. The bounded gradients of BCE and CE take 0.5.
    const rate = model === 'linear' ? 1 / (d + 4) : 0.5;
    const options: Record<string, unknown> = model === 'softmax' ? { nFeatures: d, nClasses: k } : { nFeatures: d };
    const run: ModelRun = { model, options, X: { data: bytes, rows: n, cols: d }, y, fit: { epochs: 3, batchSize: randomInt(rng, 4, n), learningRate: rate, seed: 1 } };
    const out = await gpu().call('byteInputs', { run, scale, bad: BAD.map((b) => ({ method: b.method, X: b.X })) });
    const { u8, clamped, f32 } = out.fitted as Record<string, { params: number[]; loss: number[]; valLoss: number[] }>;
    assert.equal(clamped?.params, u8?.params, `${model}: fit on Uint8ClampedArray = on Uint8Array, bit for bit`);
    assert.equal(clamped?.loss, u8?.loss, `${model}: epoch losses`);
    assert.equal(clamped?.valLoss, u8?.valLoss, `${model}: validation losses (each validated on the other byte type)`);
    assert.equal(f32?.valLoss.length, 3, `${model}: validation given as bytes is used`);
    const { u8: a8, clamped: ac, f32: af, unscaled } = out.answered;
    for (const [what, got] of [['Uint8ClampedArray', ac], ['f32 values', af]] as const) {
      assert.equal(got.outputs, a8.outputs, `${model}: predict/predictProba, Uint8Array vs ${what}`);
      assert.equal(got.predicted, a8.predicted, `${model}: predict, Uint8Array vs ${what}`);
      assert.is(got.score, a8.score, `${model}: score, Uint8Array vs ${what}`);
      assert.is(got.loss, a8.loss, `${model}: loss, Uint8Array vs ${what}`);
    }
    assert.not.equal(unscaled.outputs, ac.outputs, `${model}: without scale the bytes are other values (the scale is applied)`);
    assert.not.equal(unscaled.loss, ac.loss, `${model}: the loss too`);
    BAD.forEach((b, i) => {
      const e = out.errors[i];
      const label = `${model}: ${b.method} with ${b.X.kind} data and '${b.X.key}'`;
      assert.ok(e !== null && e !== undefined, `${label} did not throw`);
      assert.is(e.name, b.error, `${label}: ${e.message}`);
      for (const word of b.mentions) assert.ok(e.message.includes(word), `${label}: "${e.message}" lacks "${word}"`);
      if (b.method === 'validation') assert.ok(e.message.startsWith('validation.X'), `${label}: names validation.X: ${e.message}`);
    });
    assert.ok(out.unchanged, `${model}: the model is as before the refused calls`);
  }
});

test.run();
