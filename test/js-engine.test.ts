// The 'js' engine in Node, which has no WebGPU at all: createContext() falls back to it with one
// warning, an explicit 'gpu'/'cpu' still throws, the ops refuse to run, and every estimator, both
// solvers and GridSearch train in JavaScript to what the float64 trainer (cpu.train) computes.
// Imports the built bundle (dist/index.js), as a user would: the engine needs no shaders.
//
// Tolerances: the engine is float64 like the reference, so the two differ only in summation order
// (Xᵀ·G row by row, zero features skipped, a byte's scale applied per row): 1e-9 relative on each
// epoch's loss and on the parameters. Features are float32 values (what fit() takes), so both see
// the same inputs; row weights are rounded to float32 by fit() (1e-6 there).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as cpu from '../src/cpu/index.ts';
import type { ModelRun } from '../harness/fixtures-shared.ts';
import {
  createContext, GridSearch, LinearRegression, LogisticRegression, ops, ShapeError, SoftmaxRegression, StateError, ValueError, WebGPUUnavailableError,
  type GpuContext, type History,
} from '../dist/index.js';
import { relativeError } from './support/compare.ts';
import { cpuFit, epochMoves, problem } from './support/models.ts';
import { mulberry32, randomInt, testSeed, type Rng } from './support/random.ts';
import { warnings } from './support/console-warnings.ts';

const test = suite('js engine (Node, no WebGPU)');
const TOL = 1e-9;
const WEIGHTED_TOL = 1e-6;

type Model = LogisticRegression | SoftmaxRegression | LinearRegression;

let shared: GpuContext | null = null;
async function jsContext(): Promise<GpuContext> {
  shared ??= await createContext({ engine: 'js' });
  return shared;
}

function makeModel(ctx: GpuContext, run: ModelRun): Model {
  const o = run.options as never;
  if (run.model === 'logistic') return new LogisticRegression(ctx, o);
  if (run.model === 'softmax') return new SoftmaxRegression(ctx, o);
  return new LinearRegression(ctx, o);
}

const f32 = (m: { data: ArrayLike<number>; rows: number; cols: number }): { data: Float32Array; rows: number; cols: number } => ({ data: Float32Array.from(m.data), rows: m.rows, cols: m.cols });

/** A run whose features are float32 values (so the reference sees what fit() sees), n = q·batch + r with 1 ≤ r < batch. */
function makeRun(rng: Rng, model: ModelRun['model'], fit: Record<string, unknown>, extra: Record<string, unknown> = {}): ModelRun {
  const batch = randomInt(rng, 4, 24);
  const n = batch * randomInt(rng, 2, 6) + randomInt(rng, 1, batch - 1);
  const d = randomInt(rng, 2, 9);
  const k = model === 'softmax' ? randomInt(rng, 3, 5) : 1;
  const { X, y } = problem(rng, model, n, d, k);
  const options: Record<string, unknown> = { nFeatures: d, ...extra };
  if (model === 'softmax') options.nClasses = k;
  const rate = model === 'linear' ? 0.02 : 0.3;
  return { model, options, X: { ...X, data: Array.from(X.data, Math.fround) }, y: model === 'linear' ? y.map(Math.fround) : y, fit: { epochs: 5, batchSize: batch, learningRate: rate, l2: 0.01, seed: randomInt(rng, 0, 1e6), ...fit } };
}

interface JsOutcome {
  history: History;
  theta: number[];
}

async function jsFit(run: ModelRun, model?: Model): Promise<JsOutcome> {
  const m = model ?? makeModel(await jsContext(), run);
  try {
    const validation = run.validation === undefined ? {} : { validation: { X: f32(run.validation.X), y: run.validation.y } };
    const history = await m.fit(f32(run.X), run.y as never, { ...run.fit, ...validation } as never);
    const p = await m.getParams();
    return { history, theta: [...p.W.data, ...p.b] };
  } finally {
    if (model === undefined) m.destroy();
  }
}

function assertMatches(got: JsOutcome, ref: cpu.TrainResult, tol: number, where: string): void {
  assert.is(got.history.epochs, ref.history.epochs, `${where}: epochs`);
  assert.is(got.history.stopReason, ref.history.stopReason, `${where}: stopReason`);
  got.history.loss.forEach((l, e) => {
    const r = ref.history.loss[e] as number;
    assert.ok(Math.abs(l - r) <= tol * Math.max(Math.abs(r), 1e-3), `${where}: epoch ${e} loss ${l} vs ${r}`);
  });
  for (const key of ['valLoss', 'accuracy', 'valAccuracy'] as const) {
    const a = got.history[key];
    const b = ref.history[key];
    assert.is(a === undefined, b === undefined, `${where}: ${key} present in both or neither`);
    if (a !== undefined && b !== undefined) assert.ok(relativeError(a, b) <= tol, `${where}: ${key} ${a.join()} vs ${b.join()}`);
  }
  // float32 parameters (getParams) against float64: the rounding is within 6e-8 relative.
  const err = relativeError(got.theta, [...ref.W.data, ...ref.b.data]);
  assert.ok(err <= Math.max(tol, 1e-7), `${where}: ‖θ − θ_ref‖/‖θ_ref‖ = ${err}`);
}

// ---- The context ----

test('createContext() in Node (no navigator.gpu) gives a js context and warns once, naming why', async () => {
  const { value: ctx, warned } = await warnings(() => createContext());
  assert.is(ctx.engine, 'js');
  assert.is(warned.length, 1, warned.join('\n'));
  assert.match(warned[0] as string, /no navigator\.gpu/);
  assert.match(warned[0] as string, /Falling back to engine 'js'/);
  assert.throws(() => ctx.device, (e: Error) => e instanceof StateError && /ctx\.device needs WebGPU/.test(e.message));
  ctx.destroy();
});

test("an explicit engine 'gpu' or 'cpu' never falls back: WebGPUUnavailableError, no warning", async () => {
  for (const engine of ['gpu', 'cpu'] as const) {
    const { value: error, warned } = await warnings(() => createContext({ engine }).then(() => null, (e: unknown) => e));
    assert.ok(error instanceof WebGPUUnavailableError, `${engine}: ${String(error)}`);
    assert.is(warned.length, 0);
  }
});

test("no adapter: 'auto' falls back with a warning that says so, 'gpu' throws", async () => {
  const gpu = { requestAdapter: async () => null } as unknown as GPU;
  const { value: ctx, warned } = await warnings(() => createContext({ gpu }));
  assert.is(ctx.engine, 'js');
  assert.is(warned.length, 1);
  assert.match(warned[0] as string, /found no adapter/);
  const error = await createContext({ gpu, engine: 'gpu' }).then(() => null, (e: unknown) => e);
  assert.ok(error instanceof WebGPUUnavailableError, String(error));
});

test("engine 'js' asks for no WebGPU: no warning; combined with a gpu or device option it is a ValueError", async () => {
  const { value: ctx, warned } = await warnings(() => createContext({ engine: 'js' }));
  assert.is(ctx.engine, 'js');
  assert.is(warned.length, 0);
  const gpu = { requestAdapter: async () => null } as unknown as GPU;
  const error = await createContext({ engine: 'js', gpu }).then(() => null, (e: unknown) => e);
  assert.ok(error instanceof ValueError && /engine 'js'/.test(error.message), String(error));
});

test('the ops API and GPU matrices are WebGPU-only: each throws a StateError that says so', async () => {
  const ctx = await jsContext();
  const calls: [string, () => unknown][] = [
    ['ops.matmul()', () => ops.matmul(ctx, null as never, null as never)],
    ['ops.sigmoid()', () => ops.sigmoid(ctx, null as never)],
    ['ops.softmax()', () => ops.softmax(ctx, null as never)],
    ['ops.loss()', () => ops.loss(ctx, 'bce', null as never, null as never)],
    ['ops.gradient()', () => ops.gradient(ctx, null as never, null as never, null as never)],
    ['ops.sgdStep()', () => ops.sgdStep(ctx, null as never, null as never, 0.1)],
    ['ctx.upload()', () => ctx.upload([[1]])],
    ['ctx.zeros()', () => ctx.zeros(1, 1)],
  ];
  for (const [name, call] of calls) {
    assert.throws(call, (e: Error) => e instanceof StateError && e.message.startsWith(`${name} needs WebGPU`) && /'js' engine/.test(e.message), name);
  }
});

test('a W too large for the host is a ShapeError naming nFeatures, not a RangeError', async () => {
  const ctx = await jsContext();
  assert.throws(
    () => new LinearRegression(ctx, { nFeatures: 2 ** 28, nOutputs: 64 }),
    (e: Error) => e instanceof ShapeError && e.message.includes('nFeatures = 268435456') && e.message.includes("'js' engine"),
  );
});

// ---- Training against the float64 reference ----

const SEED = testSeed('js engine');

for (const [model, extra] of [
  ['logistic', {}], ['logistic', { loss: 'mse' }], ['logistic', { activation: 'tanh' }], ['softmax', {}], ['linear', {}], ['softmax', { fitIntercept: false }],
] as const) {
  test(`${model} ${JSON.stringify(extra)}: SGD with mini-batches and a remainder matches the float64 trainer per epoch`, async () => {
    const rng = mulberry32(SEED + model.length + Object.keys(extra).length * 7);
    const run = makeRun(rng, model, { shuffle: true, trainAccuracy: model !== 'linear' }, extra);
    assertMatches(await jsFit(run), cpuFit(run), TOL, run.model);
  });
}

test('byte features (Uint8Array and a scale) match the float64 trainer on their values', async () => {
  const rng = mulberry32(SEED + 11);
  const run = makeRun(rng, 'softmax', {});
  const bytes = Uint8Array.from(run.X.data, () => (rng() < 0.4 ? 0 : randomInt(rng, 1, 255)));
  const scale = 1 / 255;
  const values = { data: Array.from(bytes, (v) => v * scale), rows: run.X.rows, cols: run.X.cols };
  const model = new SoftmaxRegression(await jsContext(), run.options as never);
  const history = await model.fit({ data: bytes, rows: run.X.rows, cols: run.X.cols, scale }, run.y, run.fit as never);
  const p = await model.getParams();
  const predicted = await model.predictProba({ data: bytes, rows: run.X.rows, cols: run.X.cols, scale });
  model.destroy();
  const ref = cpuFit({ ...run, X: values });
  assertMatches({ history, theta: [...p.W.data, ...p.b] }, ref, TOL, 'bytes');
  const f = cpu.forward('softmax-ce', values, ref.W, ref.b);
  assert.ok(relativeError(predicted.data, f.Yhat.data) <= 1e-6, 'predictProba');
});

test('sampleWeight and classWeight weight the loss and steps as the float64 trainer does', async () => {
  const rng = mulberry32(SEED + 12);
  for (const model of ['logistic', 'softmax'] as const) {
    const base = makeRun(rng, model, {});
    const run = { ...base, fit: { ...base.fit, sampleWeight: base.y.map(() => 0.2 + 2 * rng()), classWeight: 'balanced' } };
    assertMatches(await jsFit(run), cpuFit(run), WEIGHTED_TOL, `${model} weighted`);
  }
});

test('momentum, Nesterov and Adam match, and a warm start continues the optimizer state', async () => {
  const rng = mulberry32(SEED + 13);
  for (const optimizer of ['momentum', 'nesterov', 'adam'] as const) {
    const run = makeRun(rng, 'softmax', { optimizer, learningRate: optimizer === 'adam' ? 0.05 : 0.1 });
    const model = makeModel(await jsContext(), run);
    const first = await jsFit(run, model);
    const ref = cpuFit(run);
    assertMatches(first, ref, TOL, optimizer);
    const second = await jsFit({ ...run, fit: { ...run.fit, warmStart: true } }, model);
    model.destroy();
    assertMatches(second, cpuFit({ ...run, fit: { ...run.fit, warmStart: true } }, ref), TOL, `${optimizer} warm start`);
  }
});

test('a hypergradient schedule learns the same rate', async () => {
  const rng = mulberry32(SEED + 14);
  const run = makeRun(rng, 'logistic', { learningRate: { kind: 'hypergradient', initial: 0.05, beta: 0.02 } });
  const got = await jsFit(run);
  const ref = cpuFit(run);
  assertMatches(got, ref, TOL, 'hypergradient');
  assert.ok(relativeError(got.history.learningRate, ref.history.learningRate) <= TOL, 'learned rates');
});

test('earlyStopping with restoreBest, tol and gradTol stop where the float64 trainer stops', async () => {
  const rng = mulberry32(SEED + 15);
  const run = makeRun(rng, 'softmax', { epochs: 40, learningRate: 2, earlyStopping: { patience: 2, restoreBest: true } });
  const v = problem(rng, 'softmax', 30, run.X.cols, run.options.nClasses as number);
  run.validation = { X: { ...v.X, data: Array.from(v.X.data, Math.fround) }, y: v.y };
  const got = await jsFit(run);
  const ref = cpuFit(run);
  assertMatches(got, ref, TOL, 'earlyStopping');
  assert.is(got.history.bestEpoch, ref.history.bestEpoch);
  // tol: just above the reference's move in epoch 3, so it stops by then whatever the draw.
  const base = makeRun(rng, 'linear', { epochs: 8, shuffle: false });
  const tol = (epochMoves(base, 4)[3] as number) * (1 + 1e-6);
  const tolRun = { ...base, fit: { ...base.fit, tol } };
  const tRef = cpuFit(tolRun);
  assert.is(tRef.history.stopReason, 'tol');
  assertMatches(await jsFit(tolRun), tRef, TOL, 'tol');
  // gradTol: just above the reference's gradient norm after 3 epochs, so it stops by then.
  const g = makeRun(rng, 'logistic', { epochs: 3 });
  const after = cpuFit(g);
  const X = { data: Float64Array.from(g.X.data), rows: g.X.rows, cols: g.X.cols };
  const Y = { data: Float64Array.from(g.y), rows: g.y.length, cols: 1 };
  const norm = cpu.objectiveGradientNorm({ objective: 'logistic-bce', X, Y, W: after.W, b: after.b, l2: g.fit.l2 as number, fitIntercept: true });
  const gradRun = { ...g, fit: { ...g.fit, epochs: 8, gradTol: norm * (1 + 1e-6) } };
  const gRef = cpuFit(gradRun);
  assert.is(gRef.history.stopReason, 'gradTol');
  assertMatches(await jsFit(gradRun), gRef, TOL, 'gradTol');
});

test('L-BFGS matches the float64 trainer for each estimator', async () => {
  const rng = mulberry32(SEED + 16);
  for (const model of ['logistic', 'softmax', 'linear'] as const) {
    // gradTol far above float64's rounding floor: near the floor, which iteration a line search gives
    // up on is decided by summation order (seed 7: 13 against the reference's 15 iterations).
    const run = makeRun(rng, model, { solver: 'lbfgs', epochs: 15, l2: 0.05, gradTol: 1e-9 });
    const { batchSize: _b, learningRate: _l, seed: _s, ...fit } = run.fit;
    const lbfgs = { ...run, fit };
    assertMatches(await jsFit(lbfgs), cpuFit(lbfgs), 1e-7, `${model} lbfgs`);
  }
});

test('divergence throws the ValueError fit() throws and leaves the parameters as they were', async () => {
  const rng = mulberry32(SEED + 17);
  const run = makeRun(rng, 'linear', { learningRate: 1e6, epochs: 20 });
  const model = makeModel(await jsContext(), run);
  const before = await model.getParams();
  const error = await model.fit(f32(run.X), run.y, run.fit as never).then(() => null, (e: unknown) => e);
  const refError = (() => {
    try {
      cpuFit(run);
      return null;
    } catch (e) {
      return e;
    }
  })();
  assert.ok(error instanceof ValueError && refError instanceof Error, String(error));
  // The same message, its numbers (the loss, in float64 summed in another order) aside.
  const shape = (m: string): string => m.replace(/-?\d+(\.\d+)?(e[+-]?\d+)?/g, '#');
  assert.is(shape(error.message), shape(refError.message));
  assert.match(error.message, /^training diverged: /);
  assert.equal(await model.getParams(), before);
  model.destroy();
});

// ---- Abort and callbacks ----

test('an abort in onEpochEnd keeps the last finished epoch, as the float64 trainer after that many epochs', async () => {
  const rng = mulberry32(SEED + 18);
  const run = makeRun(rng, 'softmax', { epochs: 50 });
  const stopAt = randomInt(rng, 1, 6);
  const controller = new AbortController();
  const model = makeModel(await jsContext(), run);
  const error = await model
    .fit(f32(run.X), run.y as never, { ...run.fit, signal: controller.signal, onEpochEnd: (log: { epoch: number }) => void (log.epoch === stopAt && controller.abort()) } as never)
    .then(() => null, (e: unknown) => e);
  assert.is((error as Error | null)?.name, 'AbortError');
  const p = await model.getParams();
  const ref = cpuFit({ ...run, fit: { ...run.fit, epochs: stopAt + 1 } });
  assert.ok(relativeError([...p.W.data, ...p.b], [...ref.W.data, ...ref.b.data]) <= 1e-7, 'kept parameters');
  assert.equal(model.toJSON().W, Array.from(p.W.data));
  model.destroy();
});

test('a timer can abort a long fit: the engine yields to the event loop between epochs', async () => {
  const rng = mulberry32(SEED + 19);
  const run = makeRun(rng, 'logistic', { epochs: 1_000_000 });
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 30);
  const model = makeModel(await jsContext(), run);
  const error = await model.fit(f32(run.X), run.y as never, { ...run.fit, signal: controller.signal } as never).then(() => null, (e: unknown) => e);
  model.destroy();
  assert.is((error as Error | null)?.name, 'AbortError');
});

// ---- Predictions, persistence, GridSearch ----

test('predict, predictProba, decisionFunction, score and loss agree with float64 passes; toJSON/fromJSON round-trips', async () => {
  const rng = mulberry32(SEED + 20);
  const run = makeRun(rng, 'logistic', {});
  const ctx = await jsContext();
  const model = new LogisticRegression(ctx, run.options as never);
  await model.fit(f32(run.X), run.y, run.fit as never);
  const p = await model.getParams();
  const W = { data: Float64Array.from(p.W.data), rows: p.W.rows, cols: 1 };
  const b = { data: Float64Array.from(p.b), rows: 1, cols: 1 };
  const X = f32(run.X);
  const f = cpu.forward('logistic-bce', X, W, b);
  assert.ok(relativeError(await model.decisionFunction(X), f.Z.data) <= 1e-6, 'decisionFunction');
  assert.ok(relativeError(await model.predictProba(X), f.Yhat.data) <= 1e-6, 'predictProba');
  const predicted = await model.predict(X);
  assert.equal(Array.from(predicted), Array.from(f.Z.data, (z) => (z > 0 ? 1 : 0)));
  const hits = run.y.filter((y, i) => y === predicted[i]).length;
  assert.ok(Math.abs((await model.score(X, run.y)) - hits / run.y.length) < 1e-12, 'score');
  const Y = { data: Float64Array.from(run.y), rows: run.y.length, cols: 1 };
  // The reference reads the float32 parameters getParams() gives, the model its float64 ones: 1e-6.
  const refLoss = cpu.meanLoss('logistic-bce', f, Y);
  assert.ok(Math.abs((await model.loss(X, run.y)) - refLoss) <= 1e-6 * refLoss, 'loss');
  const copy = LogisticRegression.fromJSON(ctx, JSON.parse(JSON.stringify(model.toJSON())));
  // The saved parameters are float32, the model's own float64: their predictions differ by that rounding.
  assert.ok(relativeError(await copy.predictProba(X), await model.predictProba(X)) <= 1e-6, 'fromJSON');
  copy.destroy();
  model.destroy();
  assert.throws(() => model.toJSON(), (e: Error) => e instanceof StateError);
});

test('GridSearch: every candidate trains as the float64 trainer with its rate and λ; a diverging one drops out', async () => {
  const rng = mulberry32(SEED + 21);
  const run = makeRun(rng, 'softmax', { epochs: 6 });
  const v = problem(rng, 'softmax', 25, run.X.cols, run.options.nClasses as number);
  const validation = { X: { ...v.X, data: Array.from(v.X.data, Math.fround) }, y: v.y };
  const rates = [0.05, 0.5, 1e9];
  const l2s = [0, 0.02];
  const search = new GridSearch(await jsContext(), SoftmaxRegression, run.options as never, { learningRate: rates, l2: l2s });
  const { l2: _l2, learningRate: _lr, ...shared } = run.fit;
  const result = await search.fit(f32(run.X), run.y, { ...shared, validation: { X: f32(validation.X), y: validation.y } } as never);
  assert.is(result.candidates.length, rates.length * l2s.length);
  result.candidates.forEach((c, i) => {
    const lr = rates[Math.floor(i / l2s.length)] as number;
    const l2 = l2s[i % l2s.length] as number;
    assert.is(c.learningRate, lr);
    assert.is(c.l2, l2);
    if (lr === 1e9) {
      assert.ok(c.diverged || Number.isFinite(c.trainLoss), `candidate ${i}`);
      if (c.diverged) return;
    }
    const ref = cpuFit({ ...run, validation, fit: { ...run.fit, learningRate: lr, l2 } });
    assert.ok(relativeError(c.history.loss, ref.history.loss) <= TOL, `candidate ${i}: losses ${c.history.loss.join()} vs ${ref.history.loss.join()}`);
    assert.ok(relativeError(c.history.valLoss ?? [], ref.history.valLoss ?? []) <= TOL, `candidate ${i}: validation losses`);
  });
  assert.ok(result.candidates.some((c) => c.diverged), 'a rate of 1e9 diverges');
  const best = search.bestModel();
  assert.is(best.ctx.engine, 'js');
  best.destroy();
  search.destroy();
});

test.after(() => {
  shared?.destroy();
});

test.run();
