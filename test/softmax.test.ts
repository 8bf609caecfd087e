// ops.softmax against cpu.softmax: rows of any length, logits up to ±1e4.
import * as assert from 'uvu/assert';
import * as cpu from '../src/cpu/index.ts';
import { maxAbsError, WorstCase } from './support/compare.ts';
import { gpuSuite } from './support/gpu-suite.ts';
import { mulberry32, randomInt, randomMatrix, testSeed } from './support/random.ts';

const { test, gpu } = gpuSuite('softmax');
const TOLERANCE = 1e-5; // max |Ŷ − ref|
const SCALES = [1, 10, 100, 1e4];

test('random shapes and scales match the float64 reference; rows sum to 1', async () => {
  const rng = mulberry32(testSeed('softmax'));
  const worst = new WorstCase();
  for (let t = 0; t < 25; t++) {
    const m = randomInt(rng, 1, 300);
    const k = randomInt(rng, 1, 300);
    const scale = SCALES[t % SCALES.length] as number;
    const Z = randomMatrix(rng, m, k, -scale, scale);
    const out = await gpu().call('softmax', { Z });
    assert.equal([out.rows, out.cols], [m, k]);
    const err = maxAbsError(out.data, cpu.softmax(Z).data);
    worst.record(err, `${m}×${k} scale ${scale}`);
    assert.ok(err <= TOLERANCE, `max error ${err} at ${m}×${k} scale ${scale}`);
    for (let i = 0; i < m; i++) {
      const sum = out.data.slice(i * k, (i + 1) * k).reduce((a, v) => a + v, 0);
      assert.ok(Math.abs(sum - 1) <= 1e-5, `row ${i} sums to ${sum}`);
    }
  }
  worst.report('softmax');
});

test('k = 1 gives 1; worked example from Z = X·W + b', async () => {
  const single = await gpu().call('softmax', { Z: { data: [-1e4, 0, 1e4], rows: 3, cols: 1 } });
  assert.equal(single.data, [1, 1, 1]);
  const Z = cpu.matmul(
    { data: [1, 2, 3, 4, 5, 6], rows: 3, cols: 2 },
    { data: [1, 3, 2, 4], rows: 2, cols: 2 },
    { data: [-10, -20], rows: 1, cols: 2 },
  );
  const out = await gpu().call('softmax', { Z: { data: Array.from(Z.data), rows: 3, cols: 2 } });
  const expected = [0.982, 0.018, 0.018, 0.982, 6.14e-6, 1.0];
  out.data.forEach((v, i) => {
    const e = expected[i] as number;
    const tol = e < 1e-3 ? 1e-7 : 1e-3;
    assert.ok(Math.abs(v - e) <= tol, `softmax[${i}] = ${v}, expected ≈ ${e}`);
  });
});

test.run();
