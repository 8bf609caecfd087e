// ops.sigmoid against cpu.sigmoid, over logits from ±1e-3 up to ±1e4.
import * as assert from 'uvu/assert';
import * as cpu from '../src/cpu/index.ts';
import { maxAbsError, WorstCase } from './support/compare.ts';
import { gpuSuite } from './support/gpu-suite.ts';
import { mulberry32, randomInt, randomMatrix, testSeed } from './support/random.ts';

const { test, gpu } = gpuSuite('sigmoid');
const TOLERANCE = 1e-5; // max |σ − ref|
const SCALES = [1e-3, 1, 10, 100, 1e4];

test('random shapes and scales match the float64 reference', async () => {
  const rng = mulberry32(testSeed('sigmoid'));
  const worst = new WorstCase();
  for (let t = 0; t < 25; t++) {
    const rows = randomInt(rng, 1, 300);
    const cols = randomInt(rng, 1, 300);
    const scale = SCALES[t % SCALES.length] as number;
    const Z = randomMatrix(rng, rows, cols, -scale, scale);
    const out = await gpu().call('sigmoid', { Z });
    assert.equal([out.rows, out.cols], [rows, cols]);
    const err = maxAbsError(out.data, cpu.sigmoid(Z).data);
    worst.record(err, `${rows}×${cols} scale ${scale}`);
    assert.ok(err <= TOLERANCE, `max error ${err} at ${rows}×${cols} scale ${scale}`);
  }
  worst.report('sigmoid');
});

test('extreme logits give exact 0/1 limits, never NaN', async () => {
  const Z = { data: [-1e4, -100, -88.8, 0, 88.8, 100, 1e4, -3.4e38, 3.4e38], rows: 1, cols: 9 };
  const out = await gpu().call('sigmoid', { Z });
  for (const v of out.data) assert.ok(Number.isFinite(v) && v >= 0 && v <= 1, `σ out of [0,1]: ${v}`);
  assert.is(out.data[0], 0);
  assert.is(out.data[3], 0.5);
  assert.is(out.data[6], 1);
});

test.run();
