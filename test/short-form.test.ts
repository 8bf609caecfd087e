// The short form in Node (no WebGPU, so the default context is the 'js' engine): `new Model()` then
// fit() takes the shared default context and its shapes from X and y, trains to what the explicit
// `new Model(ctx, { nFeatures, ... })` form trains on the same data and options, and to what the
// float64 trainer (cpu.train) computes. Before the first fit() the calls that need the shape throw
// StateError; a first fit() that fails leaves the model without one. Imports the built bundle.
//
// Tolerances: both forms run the same float64 'js' engine on the same float32 inputs, so their
// parameters agree exactly (0); against cpu.train as in js-engine.test.ts: 1e-9 relative on each
// epoch's loss, 1e-7 on the parameters (getParams() rounds them to float32).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { ModelRun } from '../harness/fixtures-shared.ts';
import {
  createContext, defaultContext, destroyDefaultContext, LinearRegression, LogisticRegression, ShapeError, SoftmaxRegression, StateError, ValueError,
  type GpuContext,
} from '../dist/index.js';
import { relativeError } from './support/compare.ts';
import { cpuFit, problem } from './support/models.ts';
import { mulberry32, randomInt, testSeed, type Rng } from './support/random.ts';
import { warnings } from './support/console-warnings.ts';

const test = suite('short form: new Model(), fit(X, y) on the default context');
const TOL = 1e-9;
const PARAM_TOL = 1e-7;

type Model = LogisticRegression | SoftmaxRegression | LinearRegression;
type Kind = ModelRun['model'];
type F32Matrix = { data: Float32Array; rows: number; cols: number };
/** A problem as the tests fit it: X as float32 values (what fit() sees), k outputs. */
type Run = Omit<ModelRun, 'X'> & { X: F32Matrix; k: number };

/** Error name and message of what `body` throws or rejects with ('' when it returns). */
async function failure(body: () => unknown): Promise<{ name: string; message: string }> {
  try {
    await body();
  } catch (e) {
    return { name: (e as Error).name, message: (e as Error).message };
  }
  return { name: '', message: '' };
}

/**
 * A fresh problem: d features, k outputs (classes for softmax, target columns for linear), y holding
 * class k−1 in its last row so that the largest label is k−1 whatever the draw.
 */
function makeRun(rng: Rng, model: Kind): Run {
  const batch = randomInt(rng, 4, 16);
  const n = batch * randomInt(rng, 2, 5) + randomInt(rng, 1, batch - 1);
  const d = randomInt(rng, 2, 9);
  const k = model === 'logistic' ? 1 : randomInt(rng, 2, 5);
  const { X, y } = problem(rng, model, n, d, model === 'linear' ? 1 : k);
  const X32 = { data: Float32Array.from(X.data), rows: X.rows, cols: X.cols };
  const fit = { epochs: 3, batchSize: batch, learningRate: 0.2, l2: 0.01, seed: randomInt(rng, 0, 1e6) };
  if (model === 'softmax') {
    y[n - 1] = k - 1;
    return { model, options: { nFeatures: d, nClasses: k }, X: X32, y, fit, k };
  }
  if (model === 'logistic') return { model, options: { nFeatures: d }, X: X32, y, fit, k };
  // k target columns: the drawn one and k−1 others, each a fresh mix of the features.
  const Y = Array.from({ length: n }, (_, i) => Array.from({ length: k }, (_, j) => Math.fround(j === 0 ? (y[i] as number) : rng() * 2 - 1)));
  return { model, options: { nFeatures: d, nOutputs: k }, X: X32, y: Y as never, fit, k };
}

function shortModel(kind: Kind): Model {
  if (kind === 'logistic') return new LogisticRegression();
  if (kind === 'softmax') return new SoftmaxRegression();
  return new LinearRegression();
}

function explicitModel(ctx: GpuContext, run: Run): Model {
  const o = run.options as never;
  if (run.model === 'logistic') return new LogisticRegression(ctx, o);
  if (run.model === 'softmax') return new SoftmaxRegression(ctx, o);
  return new LinearRegression(ctx, o);
}

async function theta(m: Model): Promise<number[]> {
  const p = await m.getParams();
  return [...p.W.data, ...p.b];
}

/** The run as cpuFit reads it: X as plain numbers, linear targets flattened to a row-major matrix. */
function referenceRun(run: Run): ModelRun {
  const X = { data: Array.from(run.X.data), rows: run.X.rows, cols: run.X.cols };
  if (run.model !== 'linear') return { ...run, X };
  const rows = run.y as unknown as number[][];
  return { ...run, X, y: { data: rows.flat(), rows: rows.length, cols: run.k } as never };
}

test('new Model() fits on the default context as the explicit form does, shapes taken from X and y', async () => {
  const rng = mulberry32(testSeed('short form vs explicit'));
  const ctx = await createContext({ engine: 'js' });
  // Another suite of this process may have made the default context already (and had its warning).
  await destroyDefaultContext();
  const { warned } = await warnings(async () => {
    for (const kind of ['logistic', 'softmax', 'linear'] as const) {
      const run = makeRun(rng, kind);
      const short = shortModel(kind);
      assert.is(short.hasShape, false, `${kind}: no shape before fit()`);
      const history = await short.fit(run.X, run.y as never, run.fit as never);
      assert.is(short.hasShape, true);
      assert.is(short.ctx.engine, 'js', `${kind}: Node has no WebGPU, so the default context is 'js'`);
      assert.is(short.nFeatures, run.X.cols, `${kind}: nFeatures from X`);
      assert.is(short.nOutputs, run.k, `${kind}: nOutputs from y (largest label + 1 for softmax, y's columns for linear)`);
      const explicit = explicitModel(ctx, run);
      await explicit.fit(run.X, run.y as never, run.fit as never);
      const got = await theta(short);
      assert.equal(got, await theta(explicit), `${kind}: the two forms train the same parameters`);
      const ref = cpuFit(referenceRun(run));
      assert.ok(relativeError(history.loss, ref.history.loss) <= TOL, `${kind}: losses ${history.loss.join()} vs ${ref.history.loss.join()}`);
      assert.ok(relativeError(got, [...ref.W.data, ...ref.b.data]) <= PARAM_TOL, `${kind}: parameters against cpu.train`);
      assert.equal(await short.predict(run.X), await explicit.predict(run.X), `${kind}: predictions`);
      short.destroy();
      explicit.destroy();
    }
  });
  // One fallback warning for the one default context the three models share.
  assert.is(warned.length, 1, warned.join('\n'));
  ctx.destroy();
});

test('models without a ctx share one default context; destroyDefaultContext() frees it and the next use makes another', async () => {
  const rng = mulberry32(testSeed('short form shared context'));
  const a = makeRun(rng, 'logistic');
  const b = makeRun(rng, 'softmax');
  const m1 = new LogisticRegression();
  const m2 = new SoftmaxRegression({ fitIntercept: false });
  await m1.fit(a.X, a.y as never, a.fit as never);
  await m2.fit(b.X, b.y as never, b.fit as never);
  const shared = await defaultContext();
  assert.ok(m1.ctx === shared && m2.ctx === shared, 'both models are on the default context');
  assert.ok(defaultContext() === defaultContext(), 'the same promise each time');
  await warnings(() => destroyDefaultContext());
  const e = await failure(() => m1.predict(a.X));
  assert.is(e.name, 'StateError');
  assert.match(e.message, /context was used after destroy\(\)/);
  const { value: fresh } = await warnings(() => defaultContext());
  assert.ok(fresh !== shared, 'a destroyed default context is made anew');
  const m3 = new LogisticRegression();
  await warnings(() => m3.fit(a.X, a.y as never, a.fit as never));
  assert.ok(m3.ctx === fresh);
  m1.destroy();
  m2.destroy();
  m3.destroy();
});

test('before the first fit() the shape-needing calls throw StateError; a failed first fit() leaves no shape', async () => {
  const rng = mulberry32(testSeed('short form before fit'));
  const run = makeRun(rng, 'logistic');
  const m = new LogisticRegression();
  const calls: [string, () => unknown][] = [
    ['predict()', () => m.predict(run.X)], ['predictProba()', () => m.predictProba(run.X)], ['decisionFunction()', () => m.decisionFunction(run.X)],
    ['score()', () => m.score(run.X, run.y as never)], ['loss()', () => m.loss(run.X, run.y as never)], ['getParams()', () => m.getParams()],
    ['toJSON()', () => m.toJSON()], ['nFeatures', () => m.nFeatures], ['ctx', () => m.ctx],
  ];
  const check = async (when: string): Promise<void> => {
    for (const [what, call] of calls) {
      const e = await failure(call);
      assert.is(e.name, 'StateError', `${when}: ${what}`);
      assert.ok(e.message.startsWith(`LogisticRegression.${what}`) || what === 'ctx', `${when}: ${e.message}`);
      assert.match(e.message, what === 'ctx' ? /no context yet.*first fit\(\)/ : /has not got yet: call fit\(\) first/);
    }
    assert.is(m.hasShape, false, when);
  };
  await check('new');
  // Fails in the checks: y one short.
  const short = await failure(() => m.fit(run.X, (run.y as number[]).slice(1)));
  assert.is(short.name, 'ShapeError');
  assert.match(short.message, /^y has \d+ values but X has \d+ rows/);
  await check('after a fit that failed its checks');
  // Fails in training, after the parameters were made on the default context.
  const thrown = await failure(() => m.fit(run.X, run.y as never, { ...run.fit, onEpochEnd: () => { throw new Error('stop here'); } } as never));
  assert.match(thrown.message, /stop here/);
  await check('after a fit that failed in training');
  // The model takes another shape from its next fit: one more column than the fits that failed.
  const X = { data: Float32Array.from({ length: run.X.rows * (run.X.cols + 1) }, () => Math.fround(rng() * 2 - 1)), rows: run.X.rows, cols: run.X.cols + 1 };
  await m.fit(X, run.y as never, run.fit as never);
  assert.is(m.nFeatures, X.cols);
  // A second fit with another column count is a ShapeError naming X; the model keeps its parameters.
  const before = await theta(m);
  const other = { data: new Float32Array(X.rows * (X.cols + 1)), rows: X.rows, cols: X.cols + 1 };
  const e = await failure(() => m.fit(other, run.y as never));
  assert.is(e.name, 'ShapeError');
  assert.is(e.message, `X is ${X.rows}×${X.cols + 1} but the model has nFeatures = ${X.cols} (X needs ${X.cols} columns)`);
  assert.equal(await theta(m), before);
  m.destroy();
});

test('given shapes are checked against fit()\'s data; bad options and labels are refused by name', async () => {
  const rng = mulberry32(testSeed('short form errors'));
  const run = makeRun(rng, 'softmax');
  const d = run.X.cols;
  const cases: [string, () => unknown, string, RegExp][] = [
    ['nFeatures given', () => new SoftmaxRegression({ nFeatures: d + 1 }).fit(run.X, run.y as never), 'ShapeError', new RegExp(`^X is .* but the model has nFeatures = ${d + 1}`)],
    ['nClasses given', () => new SoftmaxRegression({ nClasses: run.k - 1 }).fit(run.X, run.y as never), 'ValueError', /^y\[\d+\] = \d+, but labels must be integers from 0 to/],
    ['nFeatures 0', () => new LogisticRegression({ nFeatures: 0 }), 'ValueError', /nFeatures/],
    ['typo', () => new SoftmaxRegression({ nClases: 3 } as never), 'ValueError', /^SoftmaxRegression: unknown option 'nClases'/],
    ['options null', () => new LinearRegression(null as never), 'ValueError', /^LinearRegression options must be an object, got null/],
    ['negative label', () => new SoftmaxRegression().fit(run.X, (run.y as number[]).map((v, i) => (i === 1 ? -1 : v))), 'ValueError', /^y\[1\] = -1, but labels must be integers 0, 1, 2, … \(class indices\)$/],
    ['fractional label', () => new SoftmaxRegression().fit(run.X, (run.y as number[]).map((v, i) => (i === 0 ? 0.5 : v))), 'ValueError', /^y\[0\] = 0.5, but labels must be integers/],
    ['X not a matrix', () => new LogisticRegression().fit('x' as never, [0, 1]), 'ValueError', /^X /],
    ['linear y ragged', () => new LinearRegression().fit(run.X, [[1, 2], [3]] as never), 'ShapeError', /^y /],
    ['explicit form still wants nFeatures', async () => new LogisticRegression(await defaultContext(), {} as never), 'ValueError', /nFeatures/],
    ['explicit form refuses a null ctx', () => new LogisticRegression(null as never, { nFeatures: d }), 'StateError', /^ctx must be a GpuContext from createContext\(\), got null/],
  ];
  await warnings(async () => {
    for (const [what, call, name, message] of cases) {
      const e = await failure(call);
      assert.is(e.name, name, `${what}: ${e.message}`);
      assert.match(e.message, message, what);
    }
  });
  assert.ok(ShapeError !== undefined && ValueError !== undefined && StateError !== undefined);
});

test('setParams() before fit() gives the shape; fromJSON(json) restores on the default context', async () => {
  const rng = mulberry32(testSeed('short form setParams'));
  const run = makeRun(rng, 'softmax');
  const d = run.X.cols;
  const k = run.k;
  const W = { data: Float32Array.from({ length: d * k }, () => Math.fround(rng() * 2 - 1)), rows: d, cols: k };
  const b = Float32Array.from({ length: k }, () => Math.fround(rng() - 0.5));
  const m = new SoftmaxRegression();
  m.setParams({ W, b });
  assert.is(m.nFeatures, d);
  assert.is(m.nClasses, k);
  const logits = await warnings(() => m.decisionFunction(run.X));
  // Z = XW + b in float64 from the same float32 values.
  const expected = Array.from({ length: run.X.rows * k }, (_, at) => {
    const i = Math.floor(at / k);
    const j = at % k;
    let z = b[j] as number;
    for (let f = 0; f < d; f++) z += (run.X.data[i * d + f] as number) * (W.data[f * k + j] as number);
    return z;
  });
  assert.ok(relativeError(logits.value.data, expected) <= 1e-6, 'logits from the parameters set');
  const copy = SoftmaxRegression.fromJSON(m.toJSON());
  assert.is(copy.nFeatures, d, 'restored with its shape');
  assert.equal(await copy.predict(run.X), await m.predict(run.X));
  assert.ok(copy.ctx === (await defaultContext()), 'fromJSON(json) is on the default context');
  // A logistic W must have one column, also before the first fit.
  const e = await failure(() => new LogisticRegression().setParams({ W: { data: new Float32Array(d * 2), rows: d, cols: 2 } }));
  assert.is(e.name, 'ShapeError');
  assert.is(e.message, `params.W is ${d}×2 but must be ${d}×1`);
  m.destroy();
  copy.destroy();
  await destroyDefaultContext();
});

test.run();
