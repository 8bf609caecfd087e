// ops.loss against cpu.loss for 'bce', 'ce' and 'mse', reduced on the GPU to one number.
import * as assert from 'uvu/assert';
import * as cpu from '../src/cpu/index.ts';
import type { LossKind } from '../src/types.ts';
import { WorstCase } from './support/compare.ts';
import { gpuSuite } from './support/gpu-suite.ts';
import { mulberry32, randomBinary, randomInt, randomMatrix, randomOneHot, testSeed, type Rng, type TestMatrix } from './support/random.ts';

const { test, gpu } = gpuSuite('loss');
const TOLERANCE = 1e-4; // |loss − ref| / max(|ref|, 1e-3)

function targets(kind: LossKind, rng: Rng, m: number, k: number): TestMatrix {
  if (kind === 'bce') return randomBinary(rng, m);
  if (kind === 'ce') return randomOneHot(rng, m, k);
  return randomMatrix(rng, m, k, -3, 3);
}

test('random shapes and logit scales match the float64 reference', async () => {
  const rng = mulberry32(testSeed('loss'));
  const worst = new WorstCase();
  for (let t = 0; t < 30; t++) {
    const kind = (['bce', 'ce', 'mse'] as const)[t % 3] as LossKind;
    const m = t < 3 ? randomInt(rng, 2000, 70000) : randomInt(rng, 1, 300);
    const k = kind === 'bce' ? 1 : randomInt(rng, 1, t < 3 ? 10 : 300);
    const scale = [1, 10, 1e4][t % 3] as number;
    const Z = randomMatrix(rng, m, k, -scale, scale);
    const Y = targets(kind, rng, m, k);
    const got = await gpu().call('loss', { kind, Z, Y });
    const ref = cpu.loss(kind, Z, Y);
    const err = Math.abs(got - ref) / Math.max(Math.abs(ref), 1e-3);
    const where = `${kind} m=${m} k=${k} scale ${scale}`;
    worst.record(err, where);
    assert.ok(err <= TOLERANCE, `loss ${got} vs ${ref} (error ${err}) at ${where}`);
  }
  worst.report('loss');
});

test('confident correct logits give tiny positive losses, not 0 or NaN', async () => {
  const Y = { data: [1, 0], rows: 2, cols: 1 };
  const got = await gpu().call('loss', { kind: 'bce', Z: { data: [30, -30], rows: 2, cols: 1 }, Y });
  const ref = cpu.loss('bce', { data: [30, -30], rows: 2, cols: 1 }, Y);
  assert.ok(got > 0 && Math.abs(got - ref) / ref <= 1e-4, `bce at ±30: ${got} vs ${ref}`);
});

test.run();
