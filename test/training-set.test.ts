// Training data stored as bytes (u8, scale folded into the shaders) and split into shards (forced
// tiny here) must train exactly like the plain f32 single-buffer path on the same values.
import * as assert from 'uvu/assert';
import type { ModelRun } from '../harness/fixtures.ts';
import * as cpu from '../src/cpu/index.ts';
import { resolveFitOptions } from '../src/core/options.ts';
import { oneHotTargets } from '../src/models/targets.ts';
import { relativeError } from './support/compare.ts';
import { BOTH_ENGINES, gpuSuite } from './support/gpu-suite.ts';
import { mulberry32, randomInt, testSeed } from './support/random.ts';

const { test, gpu } = gpuSuite('training set storage: u8 and shards', { engines: BOTH_ENGINES });
const TOLERANCE = 1e-5; // relative, between storage variants of the same data

function byteProblem(rng: () => number, n: number, d: number, k: number): { X: ModelRun['X']; y: number[] } {
  const data = Array.from({ length: n * d }, () => Math.floor(rng() * 256));
  const y = Array.from({ length: n }, (_, i) => {
    let best = 0;
    for (let j = 1; j < k; j++) if ((data[i * d + (j % d)] as number) > (data[i * d + (best % d)] as number)) best = j;
    return best;
  });
  return { X: { data, rows: n, cols: d }, y };
}

test('u8 and sharded storage give the parameters of the f32 path, which matches the float64 trainer', async () => {
  const rng = mulberry32(testSeed('training-set'));
  for (const d of [randomInt(rng, 3, 9) * 4, randomInt(rng, 3, 9) * 4 + randomInt(rng, 1, 3)]) {
    const n = randomInt(rng, 150, 260);
    const k = randomInt(rng, 2, 6);
    const scale = 1 / 255;
    const { X, y } = byteProblem(rng, n, d, k);
    // Shards of about a fifth of the rows, in bytes of each storage.
    const f32Shard = 4 * d * Math.ceil(n / 5);
    const u8Shard = 4 * Math.ceil(d / 4) * Math.ceil(n / 5);
    const run = {
      model: 'softmax' as const, options: { nFeatures: d, nClasses: k }, X, y, scale,
      fit: { epochs: 3, batchSize: 32, learningRate: 0.5, seed: 11 },
      variants: [
        { storage: 'f32' as const },
        { storage: 'f32' as const, shardBytes: f32Shard },
        { storage: 'u8' as const },
        { storage: 'u8' as const, shardBytes: u8Shard },
      ],
    };
    const [plain, sharded, bytes, bytesSharded] = await gpu().call('fitStorageVariants', run);
    const theta = (v: { W: number[]; b: number[] } | undefined) => [...(v?.W ?? []), ...(v?.b ?? [])];
    const where = `n=${n} d=${d} k=${k}`;
    for (const [name, v] of [['f32 sharded', sharded], ['u8', bytes], ['u8 sharded', bytesSharded]] as const) {
      const err = relativeError(theta(v), theta(plain));
      assert.ok(err <= TOLERANCE, `${name} vs f32 at ${where}: parameter error ${err}`);
      assert.equal(v?.predicted, plain?.predicted, `${name}: predictions`);
    }
    const ref = cpu.train({
      objective: 'softmax-ce', X: { data: X.data.map((v) => Math.fround(v * scale)), rows: n, cols: d }, Y: oneHotTargets('y', y, n, k),
      W: { data: new Array<number>(d * k).fill(0), rows: d, cols: k }, b: { data: new Array<number>(k).fill(0), rows: 1, cols: k },
      fitIntercept: true, options: resolveFitOptions(run.fit, n),
    });
    const err = relativeError(theta(plain), [...ref.W.data, ...ref.b.data]);
    assert.ok(err <= 1e-3, `f32 vs float64 trainer at ${where}: ${err}`);
  }
});

test('a shard limit smaller than one row is refused with a clear error', async () => {
  const r = await gpu().call('modelErrors', {
    model: 'softmax', options: { nFeatures: 4, nClasses: 2 }, X: { data: [1, 2, 3, 4, 5, 6, 7, 8], rows: 2, cols: 4 }, y: [0, 1],
    fit: { epochs: 1 },
    calls: [{ method: 'fit', args: [{ data: [1, 2, 3, 4, 5, 6, 7, 8], rows: 2, cols: 4 }, [0, 1], { shardBytes: 8 }] }],
  });
  assert.is(r.errors[0]?.name, 'ShapeError');
  assert.match(r.errors[0]?.message ?? '', /one row takes 64 bytes/);
  assert.is(r.leakedBuffers, 0);
});

test.run();
