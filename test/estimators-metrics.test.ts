// A fit's per-epoch metrics: the validation loss and accuracy and the training accuracy, measured on
// sets kept on the GPU for the whole fit through the step kernels' forward, against the float64
// trainer's, and against the block-by-block passes that small shards force.
import * as assert from 'uvu/assert';
import type { ModelRun } from '../harness/fixtures.ts';
import { relativeError } from './support/compare.ts';
import { gpuSuite } from './support/gpu-suite.ts';
import { fitBoth, problem } from './support/models.ts';
import { mulberry32, testSeed } from './support/random.ts';

const { test, gpu } = gpuSuite('estimators: per-epoch metrics');

/** At most `rows` rows' predictions differ: a logit within f32 rounding of the boundary may flip. */
function assertAccuracies(got: number[] | undefined, ref: number[] | undefined, n: number, what: string): void {
  assert.ok(got !== undefined && ref !== undefined, `${what}: reported`);
  assert.is(got?.length, ref?.length, `${what}: one per epoch`);
  got?.forEach((a, i) => assert.ok(Math.abs(a - (ref?.[i] as number)) <= 1 / n + 1e-12, `${what} epoch ${i}: ${a} vs float64 ${ref?.[i]}`));
}

test('validation loss and accuracy, and training accuracy, agree with float64 and with the block-by-block passes', async () => {
  const rng = mulberry32(testSeed('epoch metrics'));
  for (const kind of ['logistic', 'softmax', 'linear'] as const) {
    const d = 3 + Math.floor(rng() * 9);
    const k = kind === 'softmax' ? 2 + Math.floor(rng() * 4) : 1;
    const n = 61 + Math.floor(rng() * 50);
    const nVal = 23 + Math.floor(rng() * 30);
    const train = problem(rng, kind, n, d, k);
    const val = problem(rng, kind, nVal, d, k);
    const options = kind === 'softmax' ? { nFeatures: d, nClasses: k } : { nFeatures: d };
    const classifier = kind !== 'linear';
    const fit = { epochs: 4, batchSize: 16, learningRate: 0.1, seed: 9, ...(classifier ? { trainAccuracy: true } : {}) };
    const run: ModelRun = { model: kind, options, X: train.X, y: train.y, validation: { X: val.X, y: val.y }, fit };
    const both = await fitBoth(gpu(), run);
    const g = both.gpu.history;
    const c = both.cpu.history;
    const what = `${kind} (n ${n}, validation ${nVal}, d ${d}, k ${k})`;
    const lossErr = relativeError(g.valLoss ?? [], c.valLoss ?? []);
    assert.ok(lossErr <= 1e-4, `${what}: validation losses differ from float64 by ${lossErr}`);
    if (classifier) {
      assertAccuracies(g.valAccuracy, c.valAccuracy, nVal, `${what} validation accuracy`);
      assertAccuracies(g.accuracy, c.accuracy, n, `${what} training accuracy`);
    } else {
      assert.is(g.valAccuracy, undefined, `${what}: no accuracy for regression`);
    }
    // Shards of 64 bytes (a row or two) cannot be measured in one pass: the block-by-block passes
    // measure the same parameters.
    const blocks = await gpu().call('fitModel', { ...run, fit: { ...fit, shardBytes: 64 } });
    const blockErr = relativeError(g.valLoss ?? [], blocks.history.valLoss ?? []);
    assert.ok(blockErr <= 1e-5, `${what}: validation losses differ from the block passes by ${blockErr}`);
    if (classifier) assertAccuracies(g.accuracy, blocks.history.accuracy, n, `${what} training accuracy vs the block passes`);
  }
});

test.run();
