// ops.gradient against cpu.gradient: dW = Xᵀ(Ŷ−Y)/m and db = mean(Ŷ−Y), including m beyond one chunk.
import * as assert from 'uvu/assert';
import * as cpu from '../src/cpu/index.ts';
import { relativeError, WorstCase } from './support/compare.ts';
import { gpuSuite } from './support/gpu-suite.ts';
import { mulberry32, randomInt, randomMatrix, randomOneHot, testSeed, type Rng } from './support/random.ts';

const { test, gpu } = gpuSuite('gradient');
const TOLERANCE = 1e-4; // ‖dW − ref‖/‖ref‖, same for db

async function check(m: number, d: number, k: number, rng: Rng, worst: WorstCase): Promise<void> {
  const X = randomMatrix(rng, m, d);
  const Yhat = randomMatrix(rng, m, k, 0, 1);
  const Y = randomOneHot(rng, m, k);
  const out = await gpu().call('gradient', { X, Yhat, Y });
  const ref = cpu.gradient(X, Yhat, Y);
  assert.equal([out.dW.rows, out.dW.cols, out.db.rows, out.db.cols], [d, k, 1, k], 'dW and db shapes');
  const where = `m=${m} d=${d} k=${k}`;
  const errW = relativeError(out.dW.data, ref.dW.data);
  const errB = relativeError(out.db.data, ref.db.data);
  worst.record(Math.max(errW, errB), where);
  assert.ok(errW <= TOLERANCE, `dW relative error ${errW} at ${where}`);
  assert.ok(errB <= TOLERANCE, `db relative error ${errB} at ${where}`);
}

test('random shapes (m, d, k in 1..300) match the float64 reference', async () => {
  const rng = mulberry32(testSeed('gradient'));
  const worst = new WorstCase();
  for (let t = 0; t < 25; t++) await check(randomInt(rng, 1, 300), randomInt(rng, 1, 300), randomInt(rng, 1, 300), rng, worst);
  worst.report('gradient');
});

test('many chunks: m up to 5000 rows reduced in two passes', async () => {
  const rng = mulberry32(testSeed('gradient-long'));
  const worst = new WorstCase();
  for (const m of [255, 256, 257, 1000, 4999]) await check(m, randomInt(rng, 1, 40), randomInt(rng, 1, 12), rng, worst);
  worst.report('gradient, long m');
});

test.run();
