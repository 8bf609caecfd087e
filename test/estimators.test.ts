// Each estimator in batch, mini-batch and stochastic mode: the GPU fit and the float64 trainer, from
// the same initial parameters and seed, agree on every epoch's loss and on the final parameters.
import * as assert from 'uvu/assert';
import type { ModelRun } from '../harness/fixtures.ts';
import { relativeError, WorstCase } from './support/compare.ts';
import { gpuSuite } from './support/gpu-suite.ts';
import { fitBoth, problem } from './support/models.ts';
import { mulberry32, randomInt, testSeed } from './support/random.ts';

const { test, gpu } = gpuSuite('estimators: GPU vs float64 trainer');
const PARAM_TOLERANCE = 1e-3; // ‖θ_gpu − θ_cpu‖/‖θ_cpu‖ after training
const LOSS_TOLERANCE = 1e-3; // per epoch, relative

const MODES = [
  { name: 'batch', batchSize: (n: number) => n, epochs: 12, lr: 0.5 },
  { name: 'mini-batch', batchSize: () => 32, epochs: 5, lr: 0.1 },
  { name: 'stochastic', batchSize: () => 1, epochs: 2, lr: 0.01 },
];

for (const model of ['logistic', 'softmax', 'linear'] as const) {
  test(`${model}: batch, mini-batch and stochastic GD agree with the float64 trainer`, async () => {
    const rng = mulberry32(testSeed(`estimators ${model}`));
    const worst = new WorstCase();
    for (const mode of MODES) {
      const n = randomInt(rng, 90, 250);
      const d = randomInt(rng, 2, 20);
      const k = model === 'softmax' ? randomInt(rng, 2, 7) : 1;
      const { X, y } = problem(rng, model, n, d, k);
      const options: Record<string, unknown> = { nFeatures: d };
      if (model === 'softmax') options.nClasses = k;
      const seed = randomInt(rng, 0, 1e6);
      const lr = model === 'linear' ? mode.lr / 4 : mode.lr;
      const run: ModelRun = { model, options, X, y, fit: { epochs: mode.epochs, batchSize: mode.batchSize(n), learningRate: lr, l2: 0.01, seed } };
      const { gpu: g, cpu: c } = await fitBoth(gpu(), run);
      const where = `${mode.name} n=${n} d=${d} k=${k} seed=${seed}`;
      assert.is(g.history.epochs, mode.epochs, `${where}: epochs run`);
      g.history.loss.forEach((l, e) => {
        const ref = c.history.loss[e] as number;
        const err = Math.abs(l - ref) / Math.max(Math.abs(ref), 1e-6);
        assert.ok(err <= LOSS_TOLERANCE, `${where}: epoch ${e} loss ${l} vs ${ref}`);
      });
      const errParams = relativeError([...g.W, ...g.b], [...c.W.data, ...c.b.data]);
      worst.record(errParams, where);
      assert.ok(errParams <= PARAM_TOLERANCE, `${where}: parameter error ${errParams}`);
      assert.ok((g.history.loss.at(-1) as number) < (g.history.loss[0] as number) || mode.epochs === 1, `${where}: loss falls`);
    }
    worst.report(`${model} parameters`);
  });
}

test('softmax with many classes (k > 16: several column blocks) and k = 2, the fewest it accepts, d not a multiple of 4', async () => {
  const rng = mulberry32(testSeed('estimators wide'));
  for (const k of [2, 17, randomInt(rng, 18, 60)]) {
    const n = randomInt(rng, 60, 140);
    const d = 4 * randomInt(rng, 1, 5) + randomInt(rng, 1, 3);
    const { X, y } = problem(rng, 'softmax', n, d, k);
    const run: ModelRun = { model: 'softmax', options: { nFeatures: d, nClasses: k }, X, y, fit: { epochs: 3, batchSize: 16, learningRate: 0.2, seed: 5 } };
    const { gpu: g, cpu: c } = await fitBoth(gpu(), run);
    const err = relativeError([...g.W, ...g.b], [...c.W.data, ...c.b.data]);
    const where = `k=${k} n=${n} d=${d}`;
    assert.ok(err <= PARAM_TOLERANCE, `${where}: parameter error ${err}`);
    g.history.loss.forEach((l, e) => assert.ok(Math.abs(l - (c.history.loss[e] as number)) <= LOSS_TOLERANCE * Math.max(1, Math.abs(c.history.loss[e] as number)), `${where}: epoch ${e} loss`));
  }
});

test('subgroup and plain kernel builds: each agrees with the float64 trainer, and with the other', async () => {
  const info = await gpu().call('adapter');
  // Subgroups are used exactly when the adapter offers them, and never when the context opts out.
  assert.is(info.subgroups, info.subgroupsOffered);
  assert.is(info.plainSubgroups, false);
  const rng = mulberry32(testSeed('estimators subgroups'));
  for (const [model, k] of [['softmax', randomInt(rng, 2, 16)], ['softmax', randomInt(rng, 17, 40)], ['logistic', 1]] as const) {
    const n = randomInt(rng, 70, 200);
    const d = randomInt(rng, 1, 30);
    const { X, y } = problem(rng, model, n, d, k);
    const options: Record<string, unknown> = model === 'softmax' ? { nFeatures: d, nClasses: k } : { nFeatures: d };
    const fit = { epochs: 3, batchSize: randomInt(rng, 1, 40), learningRate: 0.2, l2: 0.01, seed: randomInt(rng, 0, 1e6) };
    const where = `${model} n=${n} d=${d} k=${k} batch=${fit.batchSize}`;
    const withSubgroups = await fitBoth(gpu(), { model, options, X, y, fit });
    const plain = await gpu().call('fitModel', { model, options, X, y, fit, subgroups: false });
    const ref = [...withSubgroups.cpu.W.data, ...withSubgroups.cpu.b.data];
    const errSg = relativeError([...withSubgroups.gpu.W, ...withSubgroups.gpu.b], ref);
    const errPlain = relativeError([...plain.W.data, ...plain.b], ref);
    assert.ok(errSg <= PARAM_TOLERANCE, `${where}: subgroup build vs float64 ${errSg}`);
    assert.ok(errPlain <= PARAM_TOLERANCE, `${where}: plain build vs float64 ${errPlain}`);
    // Same sums in the same order: the two builds differ only in how values reach the lanes.
    const between = relativeError([...plain.W.data, ...plain.b], [...withSubgroups.gpu.W, ...withSubgroups.gpu.b]);
    assert.ok(between <= 1e-6, `${where}: plain vs subgroup build ${between}`);
    // And so do the scores the two sets of parameters give.
    assert.ok(Math.abs(plain.score - withSubgroups.gpu.score) <= 1e-6 * Math.max(1, Math.abs(withSubgroups.gpu.score)), `${where}: score ${plain.score} vs ${withSubgroups.gpu.score}`);
  }
});

test.run();
