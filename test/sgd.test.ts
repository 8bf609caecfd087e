// ops.sgdStep against cpu.sgdStep: in-place update, L2 on the weights only, never the bias.
import * as assert from 'uvu/assert';
import * as cpu from '../src/cpu/index.ts';
import { relativeError } from './support/compare.ts';
import { gpuSuite } from './support/gpu-suite.ts';
import { mulberry32, randomInt, randomMatrix, testSeed, uniform } from './support/random.ts';

const { test, gpu } = gpuSuite('sgd');
const TOLERANCE = 1e-6; // relative, one f32 multiply-add per element

test('random shapes, rates and L2 match the float64 reference; the bias is not decayed', async () => {
  const rng = mulberry32(testSeed('sgd'));
  for (let t = 0; t < 25; t++) {
    const d = randomInt(rng, 1, 300);
    const k = randomInt(rng, 1, 300);
    const W = randomMatrix(rng, d, k);
    const dW = randomMatrix(rng, d, k);
    const b = randomMatrix(rng, 1, k);
    const db = randomMatrix(rng, 1, k);
    const learningRate = uniform(rng, 1e-3, 1);
    const l2 = t % 2 === 0 ? 0 : uniform(rng, 1e-3, 1);
    const out = await gpu().call('sgdStep', { W, dW, learningRate, l2, b, db });
    const errW = relativeError(out.W.data, cpu.sgdStep(W, dW, learningRate, l2).data);
    assert.ok(errW <= TOLERANCE, `W error ${errW} at ${d}×${k}`);
    assert.ok(out.b !== undefined, 'bias returned');
    const errB = relativeError(out.b.data, cpu.sgdStep(b, db, learningRate, 0).data);
    assert.ok(errB <= TOLERANCE, `b error ${errB} (the bias must not be decayed)`);
  }
});

test.run();
