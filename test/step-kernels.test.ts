// One training step of the page's step engine, a dispatch at a time, against float64: whichever
// kernel breaks (logits, residual, gradient + update, …) is named by the failing assertion. npm test
// runs this file once per engine. Scratch buffers are NaN-poisoned before the step.
import * as assert from 'uvu/assert';
import type { LaneRun, StepRun, StepSnapshot } from '../harness/fixtures-steps.ts';
import { ERRORS, LOSSES, OBJECTIVES, type Objective } from '../src/core/objective.ts';
import { hypergradientStep, learnedRate, optimizerStep } from '../src/core/optimizer.ts';
import { forward, gradient } from '../src/cpu/index.ts';
import { objectiveLoss } from '../src/cpu/loss.ts';
import type { Matrix64 } from '../src/types.ts';
import { relativeError } from './support/compare.ts';
import { BOTH_ENGINES, gpuSuite } from './support/gpu-suite.ts';
import { maxRowNorm2 } from './support/models.ts';
import { mulberry32, randomInt, randomMatrix, randomOneHot, testSeed, type Rng } from './support/random.ts';

const { test, gpu } = gpuSuite('step kernels, one dispatch at a time', { engines: BOTH_ENGINES });
const TOL = 2e-5; // relative (‖·‖₂) per checked quantity

/** The rows of `m` listed in `order`, in that order. */
function rowsOf(m: { data: number[]; cols: number }, order: number[], scale = 1): Matrix64 {
  const out = new Float64Array(order.length * m.cols);
  order.forEach((src, r) => {
    for (let j = 0; j < m.cols; j++) out[r * m.cols + j] = (m.data[src * m.cols + j] as number) * scale;
  });
  return { data: out, rows: order.length, cols: m.cols };
}

interface Expected {
  Z: Float64Array;
  G: Float64Array;
  rowLoss: Float64Array;
  W: Float64Array;
  b: Float64Array;
  epochLoss: number;
}

/** The step in float64: logits, residuals, row losses, then the updated parameters. */
function expectedStep(run: StepRun): Expected {
  const spec = OBJECTIVES[run.objective];
  const batch = run.order.slice(0, run.rows);
  const Xb = rowsOf(run.X, batch, run.bytes?.scale ?? 1);
  const Yb = rowsOf(run.Y, batch);
  const k = run.Y.cols;
  const d = run.X.cols;
  const b0 = run.b;
  const f = forward(run.objective, Xb, { data: Float64Array.from(run.W.data), rows: d, cols: k }, { data: Float64Array.from(b0), rows: 1, cols: k });
  const G = f.Yhat.data.map((yhat, i) => ERRORS[spec.gradient].element(yhat, Yb.data[i] as number));
  const rowLoss = new Float64Array(run.rows);
  const input = LOSSES[spec.loss].input === 'logits' ? f.Z : f.Yhat;
  for (let r = 0; r < run.rows; r++) {
    const row = (m: Matrix64): Matrix64 => ({ data: m.data.slice(r * k, (r + 1) * k), rows: 1, cols: k });
    rowLoss[r] = objectiveLoss(spec.loss, row(input), row(Yb));
  }
  const W = new Float64Array(d * k);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < k; j++) {
      let g = 0;
      for (let r = 0; r < run.rows; r++) g += (Xb.data[r * d + i] as number) * (G[r * k + j] as number);
      const w = run.W.data[i * k + j] as number;
      W[i * k + j] = w - run.learningRate * (g / run.rows + run.l2 * w);
    }
  }
  const b = Float64Array.from(b0, (v, j) => {
    if (!run.fitIntercept) return v;
    let g = 0;
    for (let r = 0; r < run.rows; r++) g += G[r * k + j] as number;
    return v - (run.learningRate * g) / run.rows;
  });
  return { Z: f.Z.data, G, rowLoss, W, b, epochLoss: rowLoss.reduce((s, v) => s + v, 0) / run.X.rows };
}

/** The live k columns of the first `rows` rows of a rows×kPad buffer. */
function live(G: number[], rows: number, k: number, kPad: number): number[] {
  const out: number[] = [];
  for (let r = 0; r < rows; r++) out.push(...G.slice(r * kPad, r * kPad + k));
  return out;
}

function randomRun(rng: Rng, objective: Objective, bytes: boolean): StepRun {
  const n = randomInt(rng, 20, 160);
  const d = randomInt(rng, 1, 45);
  const k = objective === 'softmax-ce' ? randomInt(rng, 2, 24) : objective === 'linear-mse' ? randomInt(rng, 1, 3) : 1;
  const X = bytes ? { data: Array.from({ length: n * d }, () => randomInt(rng, 0, 255)), rows: n, cols: d } : randomMatrix(rng, n, d);
  const Y = objective === 'softmax-ce' ? randomOneHot(rng, n, k)
    : objective === 'linear-mse' ? randomMatrix(rng, n, k)
    : { data: Array.from({ length: n }, () => (rng() < 0.5 ? 0 : 1)), rows: n, cols: 1 };
  const batchSize = randomInt(rng, 1, n);
  const order = Array.from({ length: n }, (_, i) => i).sort(() => rng() - 0.5);
  // The last step of an epoch takes the remainder when batchSize does not divide n.
  const rows = rng() < 0.5 || n % batchSize === 0 ? batchSize : n % batchSize;
  // Without an intercept a model's b is zero (fit and setParams insist).
  const fitIntercept = rng() < 0.8;
  return {
    objective, X, Y, W: randomMatrix(rng, d, k, -0.5, 0.5), b: fitIntercept ? randomMatrix(rng, 1, k, -0.5, 0.5).data : new Array<number>(k).fill(0), fitIntercept,
    batchSize, rows, order, learningRate: 0.05 + rng() * 0.5, l2: rng() < 0.5 ? 0 : 0.01, ...(bytes ? { bytes: { scale: 1 / 255 } } : {}),
  };
}

const FORWARD = /^(batch_residual|gpu_forward)\./;
const UPDATE = /^(batch_update|gpu_gradient\.apply)/;
const HYPERGRADIENT = /^hypergradient\./;

function check(run: StepRun, kPad: number, snapshots: StepSnapshot[], where: string): void {
  // A fit's first hypergradient step has g_{t−1} = 0, so it steps at `initial`.
  const hyper = run.hypergradient;
  const e = expectedStep(hyper === undefined ? run : { ...run, learningRate: hyper.initial });
  const k = run.Y.cols;
  const stages = snapshots.map((s) => s.kernel);
  assert.ok(stages.some((s) => FORWARD.test(s)), `${where}: a residual stage among ${stages.join(', ')}`);
  assert.ok(stages.some((s) => UPDATE.test(s)), `${where}: an update stage among ${stages.join(', ')}`);
  assert.is(stages.some((s) => HYPERGRADIENT.test(s)), hyper !== undefined, `${where}: a hypergradient stage exactly when the rate is learned (${stages.join(', ')})`);
  for (const s of snapshots) {
    const at = `${where} after ${s.kernel}`;
    if (s.kernel.startsWith('batch_logits.')) {
      assert.ok(relativeError(live(s.G, run.rows, k, kPad), e.Z) <= TOL, `${at}: Z`);
    }
    if (FORWARD.test(s.kernel)) {
      assert.ok(relativeError(live(s.G, run.rows, k, kPad), e.G) <= TOL, `${at}: G ${relativeError(live(s.G, run.rows, k, kPad), e.G)}`);
      for (let r = 0; r < run.rows; r++) {
        for (let j = k; j < kPad; j++) assert.is(s.G[r * kPad + j], 0, `${at}: G padding [${r}, ${j}]`);
      }
      assert.ok(relativeError(s.losses.slice(0, run.rows), e.rowLoss) <= TOL, `${at}: row losses`);
    }
    if (UPDATE.test(s.kernel)) {
      // With a learned rate the update kernels leave θ as it was: the hypergradient kernel steps it.
      const W = hyper === undefined ? e.W : run.W.data.map(Math.fround);
      const b = hyper === undefined ? e.b : run.b.map(Math.fround);
      assert.ok(relativeError(s.W, W) <= TOL, `${at}: W ${relativeError(s.W, W)}`);
      assert.ok(relativeError(s.b, b) <= TOL, `${at}: b`);
      assert.ok(Math.abs((s.losses[run.batchSize] as number) - e.epochLoss) <= TOL * Math.max(1, e.epochLoss), `${at}: epoch loss`);
    }
    if (HYPERGRADIENT.test(s.kernel) && hyper !== undefined) {
      assert.ok(relativeError(s.W, e.W) <= TOL, `${at}: W ${relativeError(s.W, e.W)}`);
      assert.ok(relativeError(s.b, e.b) <= TOL, `${at}: b`);
      assert.is(s.rate, Math.fround(hyper.initial), `${at}: α after a first step`);
    }
  }
  const last = snapshots.at(-1) as StepSnapshot;
  assert.ok(relativeError(last.W, e.W) <= TOL, `${where}: W after the whole step`);
}

for (const objective of ['logistic-bce', 'logistic-mse', 'logistic-tanh-bce', 'logistic-tanh-mse', 'softmax-ce', 'linear-mse'] as const) {
  test(`${objective}: each dispatch of one step matches float64 (f32 and byte X, random shapes)`, async () => {
    const rng = mulberry32(testSeed(`step ${objective}`));
    for (let c = 0; c < 4; c++) {
      const run = randomRun(rng, objective, c === 3);
      const r = await gpu().call('stepDispatches', run);
      check(run, r.kPad, r.snapshots, `${r.engine} engine, n=${run.X.rows} d=${run.X.cols} k=${run.Y.cols} batch=${run.batchSize} rows=${run.rows}${run.bytes ? ' bytes' : ''}`);
    }
  });
}

test('hypergradient: the update kernels hand the gradient over, the hypergradient kernel steps at α (random shapes)', async () => {
  const rng = mulberry32(testSeed('step hypergradient'));
  for (const objective of ['logistic-bce', 'softmax-ce', 'linear-mse'] as const) {
    const run = randomRun(rng, objective, false);
    // The epoch's given rate is far off, so a step that used it instead of α would show.
    const initial = run.learningRate;
    const learned: StepRun = { ...run, learningRate: 7.5, hypergradient: { initial, beta: 0.5 } };
    const r = await gpu().call('stepDispatches', learned);
    check(learned, r.kPad, r.snapshots, `${r.engine} engine, ${objective} n=${run.X.rows} d=${run.X.cols} k=${run.Y.cols} batch=${run.batchSize} rows=${run.rows}`);
  }
});

/** Per objective, what times max‖x‖² bounds the mean loss's curvature: σ' ≤ 1/4, softmax's ≤ 1/2. */
const CURVATURE = { 'logistic-bce': 0.25, 'softmax-ce': 0.5 } as const;

/** Lane l's α after each step and its W and b at the end, in float64: the same rule through core/optimizer.ts. */
function expectedLane(run: LaneRun, l: number): { rates: number[]; W: Float64Array; b: Float64Array } {
  const d = run.X.cols;
  const k = run.Y.cols;
  const rule = { kind: 'hypergradient', ...run.hypergradient } as const;
  const rate = learnedRate(rule, d * k + k);
  const W = Float64Array.from(run.W.data.slice(l * d * k, (l + 1) * d * k));
  const b = Float64Array.from(run.b.slice(l * k, (l + 1) * k));
  const rates: number[] = [];
  for (let s = 0; s < run.steps; s++) {
    const f = forward(run.objective, run.X, { data: W, rows: d, cols: k }, { data: b, rows: 1, cols: k });
    const g = gradient(run.X, f.Yhat, run.Y, OBJECTIVES[run.objective].gradient);
    optimizerStep(rule, W, g.dW.data, run.l2[l] as number, 0, rate.state, 0, 0);
    if (run.fitIntercept) optimizerStep(rule, b, g.db.data, 0, 0, rate.state, d * k, 0);
    hypergradientStep(rule, rate.state, run.fitIntercept ? [W, b] : [W]);
    rates.push(rate.state.alpha);
  }
  return { rates, W, b };
}

test('hypergradient in lanes: each of a grid\'s lanes learns its own α over full-batch steps and steps only its own W and b (random shapes)', async () => {
  const rng = mulberry32(testSeed('step hypergradient lanes'));
  for (const objective of ['logistic-bce', 'softmax-ce'] as const) {
    const n = randomInt(rng, 20, 90);
    const d = randomInt(rng, 1, 30);
    const k = objective === 'softmax-ce' ? randomInt(rng, 2, 7) : 1;
    const lanes = randomInt(rng, 2, 5);
    const fitIntercept = rng() < 0.7;
    const X = randomMatrix(rng, n, d);
    const Y = objective === 'softmax-ce' ? randomOneHot(rng, n, k) : { data: Array.from({ length: n }, () => (rng() < 0.5 ? 0 : 1)), rows: n, cols: 1 };
    const l2 = Array.from({ length: lanes }, () => (rng() < 0.5 ? 0 : 0.05 * rng()));
    const steps = 4;
    const beta = 0.5;
    // A rate at most 1/(2L) through every step, so each lane's α provably grows (see
    // estimators-hypergradient.test.ts), each by its own gradients' agreement.
    const curvature = CURVATURE[objective] * maxRowNorm2(X, fitIntercept) + Math.max(...l2);
    const run: LaneRun = {
      objective, X, Y, W: randomMatrix(rng, lanes * d, k, -0.5, 0.5),
      b: fitIntercept ? randomMatrix(rng, 1, lanes * k, -0.5, 0.5).data : new Array<number>(lanes * k).fill(0),
      lanes, fitIntercept, l2, steps, hypergradient: { initial: 1 / (2 * curvature * (1 + beta) ** steps), beta },
    };
    const r = await gpu().call('laneSteps', run);
    const where = `${r.engine} engine, ${objective} n=${n} d=${d} k=${k} lanes=${lanes}${fitIntercept ? '' : ' no intercept'}`;
    for (let l = 0; l < lanes; l++) {
      const e = expectedLane(run, l);
      const least = run.hypergradient.initial * (1 + beta / 2) ** (steps - 1);
      assert.ok((e.rates.at(-1) as number) >= least * (1 - 1e-12), `${where} lane ${l}: α grew to at least ${least} (${e.rates.join(', ')})`);
      r.rates.forEach((seen, s) => {
        const rate = seen[l] as number;
        assert.ok(Math.abs(rate - (e.rates[s] as number)) <= 1e-4 * (e.rates[s] as number), `${where} lane ${l} step ${s}: α ${rate} vs ${e.rates[s]}`);
      });
      const W = r.W.slice(l * d * k, (l + 1) * d * k);
      assert.ok(relativeError(W, Array.from(e.W)) <= 1e-4, `${where} lane ${l}: W ${relativeError(W, Array.from(e.W))}`);
      const b = r.b.slice(l * k, (l + 1) * k);
      if (fitIntercept) assert.ok(relativeError(b, Array.from(e.b)) <= 1e-4, `${where} lane ${l}: b`);
      else assert.equal(b, new Array<number>(k).fill(0), `${where} lane ${l}: an untrained b stays 0`);
    }
  }
});

test.run();
