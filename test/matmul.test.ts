// ops.matmul against cpu.matmul: random shapes with and without bias, NaN-poisoned outputs.
import * as assert from 'uvu/assert';
import * as cpu from '../src/cpu/index.ts';
import { relativeError, WorstCase } from './support/compare.ts';
import { gpuSuite } from './support/gpu-suite.ts';
import { mulberry32, randomInt, randomMatrix, testSeed } from './support/random.ts';

const { test, gpu } = gpuSuite('matmul');
const TOLERANCE = 1e-4; // ‖Z − ref‖/‖ref‖

async function check(m: number, d: number, k: number, withBias: boolean, rng: () => number, worst: WorstCase) {
  const X = randomMatrix(rng, m, d);
  const W = randomMatrix(rng, d, k);
  const b = withBias ? randomMatrix(rng, 1, k) : undefined;
  const Z = await gpu().call('matmul', { X, W, b });
  assert.equal([Z.rows, Z.cols], [m, k], 'Z shape');
  const err = relativeError(Z.data, cpu.matmul(X, W, b).data);
  const where = `m=${m} d=${d} k=${k} bias=${withBias}`;
  worst.record(err, where);
  assert.ok(err <= TOLERANCE, `relative error ${err} > ${TOLERANCE} at ${where}`);
}

test('random shapes (m, d, k in 1..300) match the float64 reference', async () => {
  const rng = mulberry32(testSeed('matmul'));
  const worst = new WorstCase();
  for (let t = 0; t < 30; t++) {
    await check(randomInt(rng, 1, 300), randomInt(rng, 1, 300), randomInt(rng, 1, 300), rng() < 0.5, rng, worst);
  }
  worst.report('matmul');
});

test('tile edges: 1, 15, 16, 17 and 33 in every dimension', async () => {
  const rng = mulberry32(7);
  const worst = new WorstCase();
  for (const [m, d, k] of [[1, 1, 1], [16, 16, 16], [17, 15, 33], [15, 33, 17], [33, 17, 1], [1, 300, 16]] as const) {
    await check(m, d, k, true, rng, worst);
  }
});

test.run();
