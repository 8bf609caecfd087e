// solver 'lbfgs': the GPU fit against the float64 twin (same solver, float64 loss and gradient) on
// random shapes for all three estimators; the twin against optima known another way (ridge's
// closed form, a vanishing logistic gradient); stopping rules; and the options it refuses.
import * as assert from 'uvu/assert';
import * as cpu from '../src/cpu/index.ts';
import { MAX_EVALUATIONS, ROUNDOFF_F32, runLbfgsSync } from '../src/core/lbfgs.ts';
import { resolveFitOptions } from '../src/core/options.ts';
import { ValueError } from '../src/errors.ts';
import type { ModelRun } from '../harness/fixtures.ts';
import { relativeError, solve } from './support/compare.ts';
import { expectThrow } from './support/errors.ts';
import { gpuSuite } from './support/gpu-suite.ts';
import { cpuFit, fitBoth, objectiveOf, problem } from './support/models.ts';
import { mulberry32, randomInt, randomMatrix, testSeed, type Rng } from './support/random.ts';

const { test, gpu } = gpuSuite('estimators: solver lbfgs');

function randomRun(rng: Rng, model: ModelRun['model'], fit: Record<string, unknown>): ModelRun {
  // Row and feature counts that are no multiple of the kernels' 8-feature chunks or tiles.
  const n = randomInt(rng, 40, 180);
  const d = randomInt(rng, 2, 21);
  const k = model === 'logistic' ? 1 : randomInt(rng, 2, 6);
  const { X, y } = problem(rng, model, n, d, k);
  // Every class present: a class no row has drives its unregularized bias to −∞ (the objective
  // has no minimum there), and two solvers then stop at different points of that descent.
  if (model === 'softmax') for (let c = 0; c < k; c++) y[c] = c;
  const fitIntercept = rng() < 0.75;
  const options = model === 'softmax' ? { nFeatures: d, nClasses: k, fitIntercept }
    : model === 'linear' ? { nFeatures: d, nOutputs: 1, fitIntercept } : { nFeatures: d, fitIntercept };
  return { model, options, X, y, fit: { solver: 'lbfgs', ...fit } };
}

/** mean loss + (l2/2)·‖W‖², the objective L-BFGS minimizes, in float64 at given parameters. */
function objective(run: ModelRun, W: ArrayLike<number>, b: ArrayLike<number>, l2: number): number {
  const k = b.length;
  const d = run.X.cols;
  const Y = encodeTargets(run, k);
  const f = cpu.forward(objectiveOf(run), run.X, { data: Array.from(W), rows: d, cols: k }, { data: Array.from(b), rows: 1, cols: k });
  let squares = 0;
  for (let i = 0; i < W.length; i++) squares += (W[i] as number) ** 2;
  return cpu.meanLoss(objectiveOf(run), f, Y) + 0.5 * l2 * squares;
}

/** The biases the objective determines: softmax's about their mean (a shift of all of them changes nothing). */
function identifiable(run: ModelRun, b: ArrayLike<number>): number[] {
  const values = Array.from(b);
  if (run.model !== 'softmax') return values;
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  return values.map((v) => v - mean);
}

function encodeTargets(run: ModelRun, k: number): { data: number[]; rows: number; cols: number } {
  const n = run.X.rows;
  if (run.model === 'softmax') return { data: run.y.flatMap((c) => Array.from({ length: k }, (_, j) => (j === c ? 1 : 0))), rows: n, cols: k };
  return { data: [...run.y], rows: n, cols: 1 };
}

test('GPU L-BFGS follows the float64 twin: loss per iteration, step lengths, final parameters and objective', async () => {
  const rng = mulberry32(testSeed('lbfgs-vs-float64'));
  for (const model of ['logistic', 'softmax', 'linear'] as const) {
    for (let trial = 0; trial < 2; trial++) {
      const l2 = 0.02 + 0.1 * rng();
      const run = randomRun(rng, model, { epochs: 40, l2 });
      const label = `${model} ${run.X.rows}×${run.X.cols} ${JSON.stringify(run.options)}`;
      const both = await fitBoth(gpu(), run);
      const g = both.gpu.history;
      const c = both.cpu.history;
      assert.ok(g.epochs >= 3 && c.epochs >= 3, `${label}: iterations gpu ${g.epochs}, float64 ${c.epochs}`);
      assert.is(g.loss.length, g.epochs);
      assert.is(g.learningRate.length, g.epochs);
      for (let i = 0; i < 3; i++) {
        const err = Math.abs((g.loss[i] as number) - (c.loss[i] as number)) / Math.abs(c.loss[i] as number);
        assert.ok(err <= 1e-4, `${label}: iteration ${i} loss ${g.loss[i]} vs float64 ${c.loss[i]} (rel ${err})`);
        const step = Math.abs((g.learningRate[i] as number) - (c.learningRate[i] as number)) / (c.learningRate[i] as number);
        assert.ok(step <= 1e-3, `${label}: iteration ${i} step ${g.learningRate[i]} vs ${c.learningRate[i]}`);
      }
      const fg = objective(run, both.gpu.W, both.gpu.b, l2);
      const fc = objective(run, both.cpu.W.data, both.cpu.b.data, l2);
      assert.ok(Math.abs(fg - fc) / fc <= 1e-5, `${label}: final objective ${fg} vs float64 ${fc}`);
      // Softmax's loss is unchanged by adding one constant to every bias, which λ does not decay:
      // the objective is flat along that direction, so the biases are compared about their mean.
      const err = relativeError([...both.gpu.W, ...identifiable(run, both.gpu.b)], [...both.cpu.W.data, ...identifiable(run, both.cpu.b.data)]);
      assert.ok(err <= 2e-3, `${label}: final parameters differ from float64 by ${err} (stop ${g.stopReason} after ${g.epochs}, float64 ${c.stopReason} after ${c.epochs})`);
      if (run.options.fitIntercept === false) assert.ok(both.gpu.b.every((v) => v === 0), `${label}: frozen bias stays 0`);
    }
  }
});

test('GPU L-BFGS with sample weights follows the float64 twin, whose integer weights equal duplicated rows', async () => {
  const rng = mulberry32(testSeed('lbfgs-weights'));
  for (const model of ['logistic', 'softmax', 'linear'] as const) {
    const base = randomRun(rng, model, { epochs: 30, l2: 0.05 });
    const weights = base.y.map(() => randomInt(rng, 0, 3));
    weights[0] = 2;
    const run: ModelRun = { ...base, fit: { ...base.fit, sampleWeight: weights } };
    const label = `${model} ${run.X.rows}×${run.X.cols}`;
    const both = await fitBoth(gpu(), run);
    const err = relativeError([...both.gpu.W, ...identifiable(run, both.gpu.b)], [...both.cpu.W.data, ...identifiable(run, both.cpu.b.data)]);
    assert.ok(err <= 2e-3, `${label}: weighted parameters differ from float64 by ${err}`);
    const lossErr = Math.abs((both.gpu.history.loss[0] as number) - (both.cpu.history.loss[0] as number)) / (both.cpu.history.loss[0] as number);
    assert.ok(lossErr <= 1e-5, `${label}: first weighted loss ${both.gpu.history.loss[0]} vs float64 ${both.cpu.history.loss[0]}`);
    // The same rows repeated weight times, unweighted: the same objective, so the same iterates.
    const rows = weights.flatMap((w, i) => new Array<number>(w).fill(i));
    const d = run.X.cols;
    const duplicated: ModelRun = {
      ...base,
      X: { data: rows.flatMap((i) => run.X.data.slice(i * d, (i + 1) * d)), rows: rows.length, cols: d },
      y: rows.map((i) => run.y[i] as number),
    };
    const dup = cpuFit(duplicated);
    const dupErr = relativeError([...both.cpu.W.data, ...both.cpu.b.data], [...dup.W.data, ...dup.b.data]);
    assert.ok(dupErr <= 1e-6, `${label}: weighted float64 fit differs from duplicated rows by ${dupErr}`);
  }
});

test('GPU L-BFGS: gradTol and tol stop as documented, and bytes give the f32 fit', async () => {
  const rng = mulberry32(testSeed('lbfgs-stopping'));
  const run = randomRun(rng, 'softmax', { epochs: 200, l2: 0.05, gradTol: 1e-3 });
  const both = await fitBoth(gpu(), run);
  assert.is(both.gpu.history.stopReason, 'gradTol');
  assert.ok(both.gpu.history.converged);
  // The norm crosses gradTol on the float64 twin's iteration, or one off where it is close to 1e-3.
  assert.ok(Math.abs(both.gpu.history.epochs - both.cpu.history.epochs) <= 1, `iterations ${both.gpu.history.epochs} vs float64 ${both.cpu.history.epochs}`);
  const tol = await gpu().call('fitModel', { ...run, fit: { solver: 'lbfgs', epochs: 200, l2: 0.05, tol: 1e-2 } });
  assert.is(tol.history.stopReason, 'tol');
  assert.ok(tol.history.epochs < 200);
  // Pixels as bytes with a scale: the resident bytes give the same fit as their f32 values.
  const pixels = { ...run.X, data: run.X.data.map(() => randomInt(rng, 0, 255)) };
  const variants = await gpu().call('fitStorageVariants', { ...run, X: pixels, scale: 1 / 255, fit: { solver: 'lbfgs', epochs: 8, l2: 0.01 }, variants: [{ storage: 'f32' }, { storage: 'u8' }] });
  const [f32, u8] = variants;
  if (f32 === undefined || u8 === undefined) throw new Error('two fits expected');
  assert.ok(relativeError(u8.loss, f32.loss) <= 1e-4, `losses ${u8.loss} vs ${f32.loss}`);
  assert.ok(relativeError(u8.W, f32.W) <= 1e-3);
});

test('GPU L-BFGS: earlyStopping on the validation loss stops on the float64 twin\'s iteration', async () => {
  const { X, y } = problem(mulberry32(7), 'logistic', 120, 4, 1);
  // Every sixth validation label flipped: the validation loss falls, then rises as the fit sharpens.
  const flipped = y.map((v, i) => (i % 6 === 0 ? 1 - v : v));
  const run: ModelRun = {
    model: 'logistic', options: { nFeatures: 4 }, X, y, validation: { X, y: flipped },
    fit: { solver: 'lbfgs', epochs: 60, earlyStopping: { patience: 3 } },
  };
  const both = await fitBoth(gpu(), run);
  const g = both.gpu.history;
  const c = both.cpu.history;
  assert.is(c.stopReason, 'early-stopping');
  assert.is(g.stopReason, 'early-stopping');
  assert.is(g.bestEpoch, c.bestEpoch);
  assert.is(g.epochs, c.epochs);
  assert.is(g.valLoss?.length, g.epochs, 'one validation loss per iteration');
  const err = relativeError([...both.gpu.W, ...identifiable(run, both.gpu.b)], [...both.cpu.W.data, ...identifiable(run, both.cpu.b.data)]);
  assert.ok(err <= 1e-3, `restored parameters differ from float64 by ${err}`);
});

test('GPU L-BFGS: an abort at an iteration\'s end keeps that iteration\'s parameters', async () => {
  const { X, y } = problem(mulberry32(testSeed('lbfgs-abort')), 'softmax', 90, 5, 3);
  const run: ModelRun = { model: 'softmax', options: { nFeatures: 5, nClasses: 3 }, X, y, fit: { solver: 'lbfgs', epochs: 20, l2: 0.01 } };
  const r = await gpu().call('fitAborted', { ...run, when: 'epochEnd', epoch: 1 });
  assert.is(r.error?.name, 'AbortError');
  assert.equal(r.ended, [0, 1]);
  assert.equal(r.after, r.expected, 'the parameters of a 2-iteration fit');
  assert.equal(r.json, r.after);
  assert.is(r.leakedBuffers, 0);
  assert.is(r.refitEpochs, 1);
});

test('float64 twin: onEpochEnd returning false stops after that iteration', () => {
  const run = randomRun(mulberry32(testSeed('lbfgs-callback')), 'softmax', { epochs: 50, l2: 0.01 });
  const seen: number[] = [];
  const r = cpuFit({ ...run, fit: { ...run.fit, onEpochEnd: ({ epoch, objective }: { epoch: number; objective?: number }) => {
    seen.push(objective ?? Number.NaN);
    return epoch < 2;
  } } });
  assert.is(r.history.stopReason, 'callback');
  assert.is(r.history.epochs, 3);
  assert.equal(seen, r.history.objective, 'each log carries its objective');
  for (let i = 1; i < seen.length; i++) assert.ok((seen[i] as number) < (seen[i - 1] as number), 'the objective falls');
});

test('float64 twin: linear regression reaches the closed-form ridge solution', () => {
  const rng = mulberry32(testSeed('lbfgs-ridge'));
  for (let trial = 0; trial < 3; trial++) {
    const n = randomInt(rng, 20, 90);
    const d = randomInt(rng, 1, 12);
    const X = randomMatrix(rng, n, d, -2, 2);
    const y = Array.from({ length: n }, () => 3 * rng() - 1);
    const l2 = 0.01 + rng();
    const r = cpuFit({ model: 'linear', options: { nFeatures: d }, X, y, fit: { solver: 'lbfgs', epochs: 300, l2, gradTol: 1e-11 } });
    // (AᵀA/n + λD)θ = Aᵀy/n with A = [X 1] and D = diag(1, …, 1, 0): the bias is not regularized.
    const m = d + 1;
    const M = Array.from({ length: m }, () => new Array<number>(m + 1).fill(0));
    for (let i = 0; i < n; i++) {
      const a = [...X.data.slice(i * d, (i + 1) * d), 1];
      for (let p = 0; p < m; p++) {
        for (let q = 0; q < m; q++) (M[p] as number[])[q] = ((M[p] as number[])[q] as number) + ((a[p] as number) * (a[q] as number)) / n;
        (M[p] as number[])[m] = ((M[p] as number[])[m] as number) + ((a[p] as number) * (y[i] as number)) / n;
      }
    }
    for (let p = 0; p < d; p++) (M[p] as number[])[p] = ((M[p] as number[])[p] as number) + l2;
    const theta = solve(M);
    const err = relativeError([...r.W.data, ...r.b.data], theta);
    assert.ok(err <= 1e-7, `${n}×${d}, l2 ${l2}: ${err} from the closed form (${r.history.stopReason} after ${r.history.epochs})`);
  }
});

test('float64 twin: logistic and softmax end with a vanishing regularized gradient', () => {
  const rng = mulberry32(testSeed('lbfgs-gradient'));
  for (const model of ['logistic', 'softmax'] as const) {
    const run = randomRun(rng, model, { epochs: 300, l2: 0.01 });
    const r = cpuFit(run);
    const k = r.b.cols;
    const norm = cpu.objectiveGradientNorm({
      objective: objectiveOf(run), X: run.X, Y: encodeTargets(run, k), W: r.W, b: r.b, l2: 0.01, fitIntercept: run.options.fitIntercept !== false,
    });
    assert.ok(norm <= 1e-7, `${model}: ‖∇‖ = ${norm} after ${r.history.epochs} (${r.history.stopReason})`);
    // The objective never rises from one iteration to the next.
    const start = objective(run, new Array<number>(r.W.data.length).fill(0), new Array<number>(k).fill(0), 0.01);
    assert.ok(objective(run, r.W.data, r.b.data, 0.01) < start);
  }
});

test('the solver: a gradient that points the wrong way ends in \'line-search\' at the best point, not a throw', () => {
  // f(θ) = ½‖θ − 3‖² with the gradient's sign flipped: no step along −∇ decreases f.
  const options = resolveFitOptions({ solver: 'lbfgs', epochs: 10 }, 1);
  const theta = Float64Array.from([1, -2, 0.5]);
  const loss = (x: Float64Array): number => 0.5 * x.reduce((s, v) => s + (v - 3) ** 2, 0);
  const evaluations: number[] = [];
  const r = runLbfgsSync(options, { theta, weights: 3 }, {
    evaluate: (x) => {
      evaluations.push(loss(x));
      return { loss: loss(x), gradient: x.map((v) => -(v - 3)) };
    },
    metrics: () => ({}),
  });
  assert.is(r.history.stopReason, 'line-search');
  assert.is(r.history.epochs, 0);
  assert.equal(Array.from(r.theta), Array.from(theta), 'no point below the start was found: the start is kept');
  assert.ok(evaluations.length > 2 && evaluations.length <= 1 + 2 * MAX_EVALUATIONS, `${evaluations.length} evaluations`);
  // A starting point where the objective is not finite is a ValueError.
  expectThrow(() => runLbfgsSync(options, { theta, weights: 3 }, { evaluate: (x) => ({ loss: Number.NaN, gradient: x }), metrics: () => ({}) }), ValueError, /diverged.*starting parameters/);
});

test('the solver: on a quadratic, L-BFGS recovers its minimizer and the L2 term is its own', () => {
  // f(θ) = ½ Σ cᵢ(θᵢ − tᵢ)² + (l2/2)‖θ_W‖² over the first two (the weights): minimizer cᵢtᵢ/(cᵢ + l2) there, tᵢ past them.
  const c = [1, 10, 100, 0.5];
  const t = [1, -2, 3, 4];
  const l2 = 0.7;
  const options = resolveFitOptions({ solver: 'lbfgs', epochs: 200, l2, gradTol: 1e-12 }, 1);
  const r = runLbfgsSync(options, { theta: new Float64Array(4), weights: 2 }, {
    evaluate: (x) => ({
      loss: 0.5 * c.reduce((s, ci, i) => s + ci * ((x[i] as number) - (t[i] as number)) ** 2, 0),
      gradient: x.map((v, i) => (c[i] as number) * (v - (t[i] as number))),
    }),
    metrics: () => ({}),
  });
  const expected = c.map((ci, i) => (i < 2 ? (ci * (t[i] as number)) / (ci + l2) : (t[i] as number)));
  assert.ok(relativeError(Array.from(r.theta), expected) <= 1e-9, `${Array.from(r.theta)} vs ${expected} (${r.history.stopReason})`);
  assert.is(r.history.objective?.length, r.history.epochs);
});

test('the solver: at its rounding floor a fit ends with \'line-search\' instead of bouncing to the iteration cap', () => {
  // A badly scaled least-squares-like objective (a quadratic over a residual it cannot go below)
  // evaluated as a float32 trainer does: the loss rounded to float32 and the gradient with an error
  // of 1e-6 of its starting norm, so no step gets below that floor. Without a rule for it, 100 of
  // 100 seeds ran to the cap of 2000 iterations; with it, 2000 seeds stopped after 182 (median) to
  // 551 iterations.
  const rng = mulberry32(testSeed('lbfgs-rounding-floor'));
  const d = randomInt(rng, 2, 7);
  const scale = 1e15;
  const c = Array.from({ length: d }, () => scale * (0.5 + 4 * rng()));
  const t = Array.from({ length: d }, () => 4 * rng() - 2);
  const exact = (x: Float64Array): Float64Array => x.map((v, i) => (c[i] as number) * (v - (t[i] as number)));
  const residual = c.reduce((sum, v) => sum + v, 0);
  const floor = 1e-6 * Math.hypot(...exact(new Float64Array(d)));
  const epochs = 2000;
  const options = resolveFitOptions({ solver: 'lbfgs', epochs }, 1);
  const r = runLbfgsSync(options, { theta: new Float64Array(d), weights: d }, {
    roundoff: ROUNDOFF_F32,
    evaluate: (x) => ({
      loss: Math.fround(residual + 0.5 * c.reduce((s, ci, i) => s + ci * ((x[i] as number) - (t[i] as number)) ** 2, 0)),
      gradient: exact(x).map((g) => g + floor * (2 * rng() - 1)),
    }),
    metrics: () => ({}),
  });
  const grad = Math.hypot(...exact(r.theta));
  assert.is(r.history.stopReason, 'line-search', `${r.history.stopReason} after ${r.history.epochs}, ‖∇‖ ${grad}, floor ${floor}`);
  assert.ok(r.history.epochs < epochs / 2, `${r.history.epochs} iterations`);
  assert.ok(grad <= 10 * floor, `‖∇‖ ${grad} at the end, the gradient's error ${floor}`);
});

test('options that do not apply to lbfgs are refused by name', () => {
  const n = 50;
  expectThrow(() => resolveFitOptions({ solver: 'newton' as never }, n), ValueError, /solver must be 'sgd' or 'lbfgs'/);
  expectThrow(() => resolveFitOptions({ solver: 'lbfgs', batchSize: 10 }, n), ValueError, /batchSize 10 does not apply to solver 'lbfgs'/);
  expectThrow(() => resolveFitOptions({ solver: 'lbfgs', learningRate: 0.1 }, n), ValueError, /learningRate does not apply/);
  expectThrow(() => resolveFitOptions({ solver: 'lbfgs', shuffle: false }, n), ValueError, /shuffle does not apply/);
  expectThrow(() => resolveFitOptions({ solver: 'lbfgs', seed: 3 }, n), ValueError, /seed does not apply/);
  expectThrow(() => resolveFitOptions({ solver: 'lbfgs', epochs: 0 }, n), ValueError, /epochs must be a positive integer/);
  const ok = resolveFitOptions({ solver: 'lbfgs', batchSize: 80 }, n);
  assert.is(ok.batchSize, n);
  assert.is(ok.epochs, 100, 'default iterations');
});

test('GPU: a refused lbfgs fit leaves the model as it was', async () => {
  const rng = mulberry32(testSeed('lbfgs-refused'));
  const run = randomRun(rng, 'softmax', { epochs: 3 });
  const r = await gpu().call('modelErrors', {
    ...run,
    calls: [
      { method: 'fit', args: [run.X, run.y, { solver: 'lbfgs', batchSize: 4 }] },
      { method: 'fit', args: [run.X, run.y, { solver: 'lbfgs', learningRate: { kind: 'exponential', initial: 0.1, decay: 0.9 } }] },
    ],
  });
  assert.match(r.errors[0]?.message ?? '', /batchSize 4 does not apply/);
  assert.match(r.errors[1]?.message ?? '', /learningRate does not apply/);
  assert.ok(r.unchanged);
  assert.is(r.leakedBuffers, 0);
});

test.run();
