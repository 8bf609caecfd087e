// Optimizers with state (optimizer: momentum, Nesterov, Adam): GPU fits against the float64 trainer
// epoch by epoch, each epoch a fit of its own continued by warmStart, so the state must carry over
// between fits exactly as it does between steps. Every draw mixes the other paths a step can take:
// f32 or byte X, mini-batches with a shorter last one, sharded X, sample weights, no intercept, L2.
import * as assert from 'uvu/assert';
import * as cpu from '../src/cpu/index.ts';
import type { OptimizerOptions } from '../src/core/optimizer.ts';
import type { FitStep, WarmRun } from '../harness/fixtures.ts';
import { relativeError, WorstCase } from './support/compare.ts';
import { gpuSuite } from './support/gpu-suite.ts';
import { cpuFit, epochMoves, maxRowNorm2, problem } from './support/models.ts';
import { mulberry32, randomInt, testSeed, uniform, type Rng } from './support/random.ts';

const { test, gpu } = gpuSuite('estimators: optimizers with state');
const LOSS_TOLERANCE = 1e-4; // per epoch, relative, GPU vs float64
/** ‖θ_gpu − θ_cpu‖/‖θ_cpu‖ after each epoch: Adam's errors seen up to 3.1e-5 (it divides by √v̂), momentum's about 1e-7. */
const PARAM_TOLERANCE = 3e-4;
/** How far restarting the state each fit must move W for the comparison to mean something (seen ≥ 3.6e-3 over 2700 float64 draws). */
const STATE_MATTERS = 1e-3;

/** Per model, what times max‖x‖² bounds the curvature of the mean loss: σ' ≤ 1/4, softmax's ≤ 1/2, ½-MSE's 1. */
const CURVATURE = { logistic: 0.25, softmax: 0.5, linear: 1 } as const;

/** One of the three rules with drawn settings, and a rate that keeps it stable on curvature ≤ L. */
function drawOptimizer(rng: Rng, which: number, L: number): { optimizer: OptimizerOptions; learningRate: number } {
  if (which === 2) {
    // Adam divides by √v̂ + ε, so a gradient component that is 0 in float64 (balanced classes make a
    // bias's) but ±1e-8 in float32 would step by a fraction of η either way: an ε of 1e-3 damps such
    // components, so the comparison sees the rule and not that rounding.
    const optimizer = { kind: 'adam', beta1: uniform(rng, 0.8, 0.95), beta2: uniform(rng, 0.99, 0.9995), epsilon: 1e-3 } as const;
    // Adam's steps are about the rate per parameter whatever the curvature.
    return { optimizer, learningRate: uniform(rng, 0.005, 0.03) };
  }
  const momentum = uniform(rng, 0.5, 0.9);
  // Heavy ball is stable for η < 2(1 + μ)/L; Nesterov's update adds up to μ more of g.
  return { optimizer: { kind: 'momentum', momentum, nesterov: which === 1 }, learningRate: (0.5 * (1 - momentum)) / L };
}

const NAMES = ['momentum', 'nesterov', 'adam'] as const;

for (const model of ['logistic', 'softmax', 'linear'] as const) {
  test(`${model}: momentum, Nesterov and Adam agree with the float64 trainer epoch by epoch, across warm-started fits`, async () => {
    const rng = mulberry32(testSeed(`optimizers ${model}`));
    const worst = new WorstCase();
    for (let which = 0; which < 3; which++) {
      const n = randomInt(rng, 40, 140);
      const d = randomInt(rng, 2, 21);
      const k = model === 'softmax' ? randomInt(rng, 2, 7) : 1;
      const bytes = rng() < 0.5;
      const sharded = rng() < 0.5;
      const weighted = rng() < 0.5;
      const intercept = rng() < 0.7;
      let { X, y } = problem(rng, model, n, d, k);
      const byteScale = 4 / 255;
      // Bytes b stand for b·scale − 2 would need an offset; here the features are simply b·scale in [0, 4].
      if (bytes) X = { ...X, data: X.data.map((v) => Math.round(((v + 2) / 4) * 255)) };
      const values = bytes ? { ...X, data: X.data.map((b) => b * byteScale) } : X;
      let batchSize: number;
      do batchSize = randomInt(rng, 5, 40);
      while (n % batchSize === 0);
      const { optimizer, learningRate } = drawOptimizer(rng, which, CURVATURE[model] * maxRowNorm2(values, true));
      const fit: Record<string, unknown> = { epochs: 1, batchSize, learningRate, optimizer, l2: rng() < 0.5 ? 0 : 0.01, seed: randomInt(rng, 0, 1e6) };
      if (sharded) fit.shardBytes = (bytes ? 1 : 4) * 16 * Math.ceil(d / 16) * Math.ceil(n / 3);
      if (weighted) fit.sampleWeight = Array.from({ length: n }, () => (rng() < 0.2 ? 0 : uniform(rng, 0.2, 3)));
      const options: Record<string, unknown> = { nFeatures: d, fitIntercept: intercept };
      if (model === 'softmax') options.nClasses = k;
      const fits = 3;
      const run: WarmRun = { model, options, X, y, fit, fits, ...(bytes ? { byteScale } : {}) };
      const where = `${NAMES[which]} n=${n} d=${d} k=${k} batch=${batchSize}${bytes ? ' bytes' : ''}${sharded ? ' sharded' : ''}${weighted ? ' weighted' : ''}${intercept ? '' : ' no intercept'} l2=${fit.l2}`;
      const got: FitStep[] = await gpu().call('warmFits', run);
      let ref: cpu.TrainResult | undefined;
      for (let f = 0; f < fits; f++) {
        ref = cpuFit({ ...run, X: values, fit: { ...fit, ...(f > 0 ? { warmStart: true } : {}) } }, ref);
        const g = got[f] as FitStep;
        const loss = g.loss[0] as number;
        const refLoss = ref.history.loss[0] as number;
        assert.ok(Math.abs(loss - refLoss) <= LOSS_TOLERANCE * Math.max(Math.abs(refLoss), 1e-6), `${where}: fit ${f} loss ${loss} vs ${refLoss}`);
        const err = relativeError([...g.W, ...g.b], [...ref.W.data, ...ref.b.data]);
        worst.record(err, `${where}, fit ${f}`);
        assert.ok(err <= PARAM_TOLERANCE, `${where}: fit ${f} parameter error ${err}`);
        if (!intercept) assert.equal(g.b, new Array<number>(k).fill(0), `${where}: no bias is trained`);
      }
      // The carried state matters: the same chain restarting the optimizer at each fit ends far away.
      let restarted: cpu.TrainResult | undefined;
      for (let f = 0; f < fits; f++) {
        const start = restarted === undefined ? {} : { init: { W: { data: Array.from(restarted.W.data) }, b: Array.from(restarted.b.data) } };
        restarted = cpuFit({ ...run, X: values, fit: { ...fit, ...start } });
      }
      const apart = relativeError(Array.from((restarted as cpu.TrainResult).W.data), Array.from((ref as cpu.TrainResult).W.data));
      assert.ok(apart > STATE_MATTERS, `${where}: restarting the state moves W by only ${apart}`);
    }
    worst.report(`${model} optimizers`);
  });
}

test('earlyStopping\'s restoreBest and a tol stop inside a run queued ahead put the state back with the parameters', async () => {
  const rng = mulberry32(testSeed('optimizer state restored'));
  const worst = new WorstCase();
  for (const stop of ['earlyStopping', 'tol'] as const) {
    for (const which of [0, 2]) {
      const model = rng() < 0.5 ? 'logistic' : 'softmax';
      const n = randomInt(rng, 50, 120);
      const d = randomInt(rng, 2, 12);
      const k = model === 'softmax' ? randomInt(rng, 2, 5) : 1;
      const { X, y } = problem(rng, model, n, d, k);
      const options: Record<string, unknown> = model === 'softmax' ? { nFeatures: d, nClasses: k } : { nFeatures: d };
      const { optimizer, learningRate } = drawOptimizer(rng, which, CURVATURE[model] * maxRowNorm2(X, true));
      // Momentum speeds up before it slows down, so its moves fall below the first one only later: in
      // float64 over 200 draws some epoch ≥ 2 moved 1 % less than all before it by epoch 54 at the
      // latest (Adam by far sooner). A run queued ahead makes the spare epochs cheap.
      const epochs = 80;
      const base: WarmRun = { model, options, X, y, fits: 2, laterEpochs: 1, fit: { epochs, batchSize: randomInt(rng, 9, 30), learningRate, optimizer, seed: randomInt(rng, 0, 1e6) } };
      let run: WarmRun;
      if (stop === 'earlyStopping') {
        // Validation labels of another problem: its loss soon rises while training goes on.
        const other = problem(rng, model, n, d, k);
        run = { ...base, validation: { X, y: other.y }, fit: { ...base.fit, earlyStopping: { patience: 2, restoreBest: true } } };
      } else {
        // A tol between two epochs' moves with room on both sides, so float32 stops where float64 does.
        const moves = epochMoves(base, epochs);
        // float32 and float64 moves differ by about 1e-6 relative: a 1 % gap on both sides is plenty.
        const at = moves.findIndex((m, e) => e >= 2 && m < 0.99 * Math.min(...moves.slice(0, e)));
        assert.ok(at > 0, `tol: some epoch moves clearly less than all before it (${moves.join(', ')})`);
        run = { ...base, fit: { ...base.fit, tol: Math.sqrt((moves[at] as number) * Math.min(...moves.slice(0, at))) } };
      }
      const where = `${stop} ${NAMES[which]} ${model} n=${n} d=${d} k=${k}`;
      const first = cpuFit(run);
      assert.is(first.history.stopReason, stop === 'tol' ? 'tol' : 'early-stopping', `${where}: the float64 fit stops early`);
      if (stop === 'earlyStopping') assert.ok((first.history.bestEpoch as number) < first.history.epochs - 1, `${where}: the best epoch is not the last`);
      const second = cpuFit({ ...run, fit: { ...run.fit, epochs: 1, warmStart: true } }, first);
      const got: FitStep[] = await gpu().call('warmFits', run);
      assert.is(got[0]?.stopReason, first.history.stopReason, `${where}: the GPU fit stops for the same reason`);
      assert.is(got[0]?.loss.length, first.history.epochs, `${where}: after as many epochs`);
      for (const [i, ref] of [first, second].entries()) {
        const g = got[i] as FitStep;
        const err = relativeError([...g.W, ...g.b], [...ref.W.data, ...ref.b.data]);
        worst.record(err, `${where}, fit ${i}`);
        assert.ok(err <= PARAM_TOLERANCE, `${where}: fit ${i} parameter error ${err}`);
      }
    }
  }
  worst.report('optimizer state restored');
});

test('a warm start continues only the state of the fit just before it: after an SGD fit, Adam starts anew', async () => {
  const rng = mulberry32(testSeed('optimizer state after sgd'));
  const n = randomInt(rng, 40, 90);
  const d = randomInt(rng, 2, 12);
  const { X, y } = problem(rng, 'logistic', n, d, 1);
  const fit = { epochs: 2, batchSize: randomInt(rng, 5, 20), learningRate: 0.02, optimizer: { kind: 'adam', epsilon: 1e-3 }, seed: randomInt(rng, 0, 1e6) };
  const run: WarmRun = { model: 'logistic', options: { nFeatures: d }, X, y, fit, fits: 3, later: [{ optimizer: 'sgd', learningRate: 0.1 }, {}] };
  const got: FitStep[] = await gpu().call('warmFits', run);
  const adam = cpuFit(run);
  const sgd = cpuFit({ ...run, fit: { ...fit, optimizer: 'sgd', learningRate: 0.1, warmStart: true } }, { ...adam, optimizerState: undefined } as cpu.TrainResult);
  // The SGD fit kept no state, so the last Adam fit starts from zeros, not from the first one's moments.
  const fresh = cpuFit({ ...run, fit: { ...fit, warmStart: true } }, { ...sgd, optimizerState: undefined } as cpu.TrainResult);
  const stale = cpuFit({ ...run, fit: { ...fit, warmStart: true } }, { ...sgd, optimizerState: adam.optimizerState } as cpu.TrainResult);
  const theta = (r: cpu.TrainResult): number[] => [...r.W.data, ...r.b.data];
  const last = got[2] as FitStep;
  const err = relativeError([...last.W, ...last.b], theta(fresh));
  assert.ok(err <= PARAM_TOLERANCE, `the last fit differs from Adam started anew by ${err}`);
  assert.ok(relativeError(theta(stale), theta(fresh)) > 10 * STATE_MATTERS, 'continuing the stale state would end elsewhere');
});

test.run();
