// Hostile and careless calls across the public surface, on the 'js' engine in Node (the checks run
// before any engine work, so the GPU engines share them): sizes the host cannot allocate, labels
// that imply absurd class counts, integers beyond 2^53, byte scales float32 cannot hold, bad
// arguments to the helpers (argmax, learningRateAt, the cpu reference, the loaders), values whose
// toString() throws, and callbacks that throw. Each call must throw a ShapeError, ValueError or
// StateError naming the argument, never a RangeError or TypeError from deep inside, and a fitted
// model must predict afterwards exactly as before. Imports the built bundle, as a user would.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as lib from '../dist/index.js';
import { createContext, GridSearch, LinearRegression, LogisticRegression, SoftmaxRegression, type GpuContext } from '../dist/index.js';
import { problem } from './support/models.ts';
import { mulberry32, randomInt, testSeed } from './support/random.ts';

const test = suite('robustness: hostile calls (Node, js engine)');
const rng = mulberry32(testSeed('robustness hostile'));

type ErrorName = 'ShapeError' | 'ValueError' | 'StateError';

interface Case {
  what: string;
  run: () => unknown;
  error: ErrorName;
  mentions: string[];
}

/** Whether `e` is one of the library's own error classes (not a RangeError or TypeError from inside). */
function isLibraryError(e: unknown): boolean {
  return e instanceof lib.ShapeError || e instanceof lib.ValueError || e instanceof lib.StateError;
}

/** Every case's mismatch (none: []), so one run lists all that is wrong. */
async function mismatches(cases: readonly Case[]): Promise<string[]> {
  const wrong: string[] = [];
  for (const c of cases) {
    let thrown: unknown = null;
    try {
      await c.run();
    } catch (e) {
      thrown = e;
    }
    if (thrown === null) {
      wrong.push(`${c.what}: did not throw`);
      continue;
    }
    const e = thrown as Error;
    if (!isLibraryError(e) || e.name !== c.error) {
      wrong.push(`${c.what}: expected ${c.error}, got ${e.name}: ${e.message}`);
      continue;
    }
    for (const word of c.mentions) if (!e.message.includes(word)) wrong.push(`${c.what}: "${e.message}" lacks "${word}"`);
  }
  return wrong;
}

/** A value whose toString() throws: messages must describe it without calling it. */
const evil = { toString(): string { throw new Error('toString was called'); } };

let shared: GpuContext | null = null;
async function jsContext(): Promise<GpuContext> {
  shared ??= await createContext({ engine: 'js' });
  return shared;
}

/** A fresh softmax problem: n rows, d features, k classes with every class present. */
function softmaxProblem(): { X: { data: Float32Array; rows: number; cols: number }; y: number[]; d: number; k: number } {
  const n = randomInt(rng, 12, 40);
  const d = randomInt(rng, 2, 6);
  const k = randomInt(rng, 3, 5);
  const { X, y } = problem(rng, 'softmax', n, d, k);
  for (let c = 0; c < k; c++) y[c] = c;
  return { X: { data: Float32Array.from(X.data), rows: n, cols: d }, y, d, k };
}

test('labels that imply a huge class count, and sizes the host cannot allocate, are errors naming the argument', async () => {
  const { X, y, d } = softmaxProblem();
  const n = X.rows;
  const at = randomInt(rng, 0, n - 1);
  const withLabel = (label: number): number[] => y.map((v, i) => (i === at ? label : v));
  const cases: Case[] = [
    // The short form takes nClasses from the largest label: 1e9 once asked for a 1e9-column one-hot matrix.
    ...[65536, 2 ** 31, 1e9, 1e30].map((label) => ({
      what: `new SoftmaxRegression().fit(y with label ${label})`, run: () => new SoftmaxRegression().fit(X, withLabel(label), { epochs: 1 }),
      error: 'ValueError' as const, mentions: [`y[${at}] = ${label}`, '65535', 'nClasses'],
    })),
    {
      what: 'new SoftmaxRegression({ nClasses: 2 ** 40 }).fit()', run: () => new SoftmaxRegression({ nClasses: 2 ** 40 }).fit(X, y, { epochs: 1 }),
      error: 'ShapeError', mentions: [`W (${d}×${2 ** 40})`],
    },
    {
      what: 'new LinearRegression({ nOutputs: 2 ** 40 }).fit()', run: () => new LinearRegression({ nOutputs: 2 ** 40 }).fit(X, y.map((v) => [v]), { epochs: 1 }),
      error: 'ShapeError', mentions: [`W (${d}×${2 ** 40})`],
    },
    {
      what: 'X data an array-like claiming 2^40 values', run: () => new LinearRegression().fit({ data: { length: 2 ** 40 } as never, rows: 2 ** 39, cols: 2 }, [1, 2], { epochs: 1 }),
      error: 'ShapeError', mentions: ['X', String(2 ** 40)],
    },
  ];
  const wrong = await mismatches(cases);
  assert.equal(wrong, [], wrong.join('\n'));
  // A refused first fit leaves the short-form model as it was: no shape, ready for any data.
  const model = new SoftmaxRegression();
  await model.fit(X, withLabel(1e9), { epochs: 1 }).catch(() => undefined);
  assert.not.ok(model.hasShape, 'no shape after the refused first fit');
  await model.fit(X, y, { epochs: 1 });
  assert.is(model.nFeatures, d);
  model.destroy();
});

test('integer options beyond 2^53 and byte scales float32 cannot hold are refused before training; the model keeps predicting', async () => {
  const ctx = await jsContext();
  const { X, y, d, k } = softmaxProblem();
  const model = new SoftmaxRegression(ctx, { nFeatures: d, nClasses: k });
  await model.fit(X, y, { epochs: 2, learningRate: 0.2 });
  const before = { json: JSON.stringify(model.toJSON()), predictions: Array.from(await model.predict(X)) };
  const stop = { onEpochEnd: () => false };
  const bytes = (scale: number) => ({ data: new Uint8Array(X.rows * d).fill(255), rows: X.rows, cols: d, scale });
  const cases: Case[] = [
    // 1e300 epochs with a decaying rate once hung the rate check (a bisection over unrepresentable epochs).
    ...[2 ** 53, 1e300].map((epochs) => ({ what: `epochs ${epochs}`, run: () => model.fit(X, y, { epochs, ...stop }), error: 'ValueError' as const, mentions: ['epochs', String(epochs)] })),
    { what: 'batchSize 2^60', run: () => model.fit(X, y, { batchSize: 2 ** 60, ...stop }), error: 'ValueError', mentions: ['batchSize'] },
    { what: 'earlyStopping.patience 1e300', run: () => model.fit(X, y, { validation: { X, y }, earlyStopping: { patience: 1e300 }, ...stop }), error: 'ValueError', mentions: ['earlyStopping.patience'] },
    // On the GPU a byte's value is byte·scale in float32: beyond ±3.4e38 it is Infinity, below 1.18e-38 it is 0.
    ...[1e39, 3e36].map((scale) => ({ what: `X.scale ${scale}`, run: () => model.fit(bytes(scale), y, { epochs: 1 }), error: 'ValueError' as const, mentions: ['X.scale', 'float32'] })),
    { what: 'X.scale 1e-45', run: () => model.fit(bytes(1e-45), y, { epochs: 1 }), error: 'ValueError', mentions: ['X.scale', 'float32'] },
    { what: 'predict X.scale 1e39', run: () => model.predict(bytes(1e39)), error: 'ValueError', mentions: ['X.scale'] },
    // null is not "the defaults": leaving the options out is (the constructors and createContext said so already).
    // A kind named like an Object.prototype member once found that member (a TypeError from inside).
    { what: "learningRate kind 'toString'", run: () => model.fit(X, y, { learningRate: { kind: 'toString', initial: 0.1 } as never }), error: 'ValueError', mentions: ['learningRate.kind', "'toString'"] },
    { what: 'fit(X, y, null)', run: () => model.fit(X, y, null as never), error: 'ValueError', mentions: ['fit options', 'null'] },
    { what: 'GridSearch bestModel(null)', run: async () => {
      const search = new GridSearch(ctx, SoftmaxRegression, { nFeatures: d, nClasses: k }, { l2: [0, 0.01] });
      await search.fit(X, y, { epochs: 1, validation: { X, y } });
      return search.bestModel(null as never);
    }, error: 'ValueError', mentions: ['index', 'null'] },
    {
      what: 'grid list a sparse array of length 2^32 − 1', run: () => { const many: number[] = []; many.length = 2 ** 32 - 1; return new GridSearch(ctx, SoftmaxRegression, { nFeatures: d, nClasses: k }, { learningRate: many }); },
      error: 'ValueError', mentions: ['grid', '4294967295', '256'],
    },
  ];
  const wrong = await mismatches(cases);
  assert.equal(wrong, [], wrong.join('\n'));
  assert.is(JSON.stringify(model.toJSON()), before.json, 'parameters unchanged');
  assert.equal(Array.from(await model.predict(X)), before.predictions, 'predictions unchanged');
  // Scales inside the float32 range still train, and as the values they stand for.
  const fine = Math.fround(1 / randomInt(rng, 2, 255));
  await model.fit(bytes(fine), y, { epochs: 1 });
  model.destroy();
});

test('a learning-rate function that throws rejects fit() naming it, its error as the cause; the model keeps its parameters', async () => {
  const ctx = await jsContext();
  const { X, y, d, k } = softmaxProblem();
  const model = new SoftmaxRegression(ctx, { nFeatures: d, nClasses: k });
  await model.fit(X, y, { epochs: 2 });
  const before = JSON.stringify(model.toJSON());
  const failAt = randomInt(rng, 0, 3);
  const cause = new Error('schedule failed');
  const learningRate = (epoch: number): number => {
    if (epoch === failAt) throw cause;
    return 0.1;
  };
  const e = await model.fit(X, y, { epochs: 5, learningRate }).then(() => null, (err: unknown) => err as Error);
  assert.ok(e !== null, 'fit() rejects');
  assert.match(e?.message ?? '', new RegExp(`learningRate\\(${failAt}\\) threw: schedule failed`));
  assert.is((e as Error & { cause?: unknown }).cause, cause);
  assert.is(JSON.stringify(model.toJSON()), before, 'parameters as before the fit');
  const g = await new GridSearch(ctx, SoftmaxRegression, { nFeatures: d, nClasses: k }, { l2: [0, 0.1] })
    .fit(X, y, { epochs: 3, learningRate: () => { throw cause; }, validation: { X, y } }).then(() => null, (err: unknown) => err as Error);
  assert.match(g?.message ?? '', /learningRate\(0\) threw: schedule failed/);
  assert.is((g as Error & { cause?: unknown }).cause, cause);
  model.destroy();
});

test('the helpers check their arguments: argmax, learningRateAt, the loaders, the cpu reference', async () => {
  const read = async (): Promise<Uint8Array> => new Uint8Array(0);
  const files = { trainImages: 'a', trainLabels: 'b', testImages: 'c', testLabels: 'd' };
  const one = { data: [1], rows: 1, cols: 1 };
  const cases: Case[] = [
    { what: "argmax('ab')", run: () => lib.argmax('ab' as never), error: 'ShapeError', mentions: ['scores', '{ data, rows, cols }', "'ab' (a string)"] },
    { what: 'argmax of nested rows', run: () => lib.argmax([[1, 2], [3, 4]] as never), error: 'ShapeError', mentions: ['scores', '{ data, rows, cols }', 'an array of length 2'] },
    { what: "learningRate kind 'toString'", run: () => lib.learningRateAt({ kind: 'toString', initial: 0.1 } as never, 0), error: 'ValueError', mentions: ['learningRate.kind', "'toString'"] },
    { what: 'argmax with NaN', run: () => lib.argmax({ data: [0.5, Number.NaN], rows: 1, cols: 2 }), error: 'ValueError', mentions: ['scores', 'NaN', 'row 0, column 1'] },
    { what: 'argmax of 0 rows', run: () => lib.argmax({ data: [], rows: 0, cols: 3 }), error: 'ShapeError', mentions: ['scores', '0×3'] },
    { what: 'learningRateAt epoch -1', run: () => lib.learningRateAt(0.1, -1), error: 'ValueError', mentions: ['epoch', '-1'] },
    { what: 'learningRateAt epoch 1.5', run: () => lib.learningRateAt(0.1, 1.5), error: 'ValueError', mentions: ['epoch', '1.5'] },
    { what: "learningRateAt epoch '2'", run: () => lib.learningRateAt(0.1, '2' as never), error: 'ValueError', mentions: ['epoch', "'2' (a string)"] },
    { what: 'learningRateAt without decay', run: () => lib.learningRateAt({ kind: 'exponential', initial: 0.1 } as never, 2), error: 'ValueError', mentions: ['learningRate.decay', 'undefined'] },
    { what: 'learningRateAt of an object without kind', run: () => lib.learningRateAt(evil as never, 2), error: 'ValueError', mentions: ['learningRate.kind'] },
    {
      what: 'standardizerFromJSON of a sparse mean of length 2^32 − 1',
      run: () => { const mean: number[] = []; mean.length = 2 ** 32 - 1; return lib.standardizerFromJSON({ kind: 'standardize', version: 1, mean, scale: [1] }); },
      error: 'ValueError', mentions: ['json.mean[0]', 'undefined'],
    },
    { what: 'loadIdxDataset(5, …)', run: () => lib.loadIdxDataset(5 as never, files), error: 'ValueError', mentions: ['read', 'function', '5'] },
    { what: 'loadFashionMnist(null)', run: () => lib.loadFashionMnist(null as never), error: 'ValueError', mentions: ['read', 'function', 'null'] },
    { what: 'loadIdxDataset without testLabels', run: () => lib.loadIdxDataset(read, { trainImages: 'a', trainLabels: 'b', testImages: 'c' } as never), error: 'ValueError', mentions: ['files.testLabels', 'undefined'] },
    { what: 'cpu.train(null)', run: () => lib.cpu.train(null as never), error: 'ValueError', mentions: ['train', 'problem', 'null'] },
    { what: "cpu.forward('nope')", run: () => lib.cpu.forward('nope' as never, one, one, one), error: 'ValueError', mentions: ['objective', "'nope'"] },
    { what: "cpu.meanLoss('nope')", run: () => lib.cpu.meanLoss('nope' as never, { Z: one, Yhat: one } as never, one), error: 'ValueError', mentions: ['objective', "'nope'"] },
    { what: "cpu.isClassifier('nope')", run: () => lib.cpu.isClassifier('nope' as never), error: 'ValueError', mentions: ['objective', "'nope'"] },
    { what: 'cpu.matmul of BigInt data', run: () => lib.cpu.matmul({ data: BigInt64Array.of(1n) as never, rows: 1, cols: 1 }, one), error: 'ValueError', mentions: ['X', '1n (a bigint)'] },
    { what: "cpu.matmul of '1'", run: () => lib.cpu.matmul({ data: ['1'] as never, rows: 1, cols: 1 }, one), error: 'ValueError', mentions: ['X', "'1' (a string)"] },
  ];
  const wrong = await mismatches(cases);
  assert.equal(wrong, [], wrong.join('\n'));
});

test("values whose toString() throws are described, not called, in every helper's message", async () => {
  const X = [[1], [2], [3], [4]];
  const cases: Case[] = [
    { what: 'parseCsv label', run: () => lib.parseCsv('a,b\n1,2', { label: evil as never }), error: 'ValueError', mentions: ['label', 'an object'] },
    { what: 'parseCsv header', run: () => lib.parseCsv('a,b\n1,2', { label: 'b', header: evil as never }), error: 'ValueError', mentions: ['header', 'an object'] },
    { what: 'oneHot y', run: () => lib.oneHot([evil] as never, 3), error: 'ValueError', mentions: ['y[0]', 'an object'] },
    { what: 'oneHot BigInt64Array', run: () => lib.oneHot(BigInt64Array.of(0n) as never, 3), error: 'ValueError', mentions: ['y[0]', '0n (a bigint)'] },
    { what: 'confusionMatrix yTrue', run: () => lib.confusionMatrix([evil] as never, [0], 3), error: 'ValueError', mentions: ['yTrue[0]', 'an object'] },
    { what: 'trainTestSplit testFraction', run: () => lib.trainTestSplit(X, [0, 1, 0, 1], { testFraction: evil as never }), error: 'ValueError', mentions: ['testFraction', 'an object'] },
    { what: 'trainTestSplit seed', run: () => lib.trainTestSplit(X, [0, 1, 0, 1], { seed: evil as never }), error: 'ValueError', mentions: ['seed', 'an object'] },
    { what: 'trainTestSplit shuffle', run: () => lib.trainTestSplit(X, [0, 1, 0, 1], { shuffle: evil as never }), error: 'ValueError', mentions: ['shuffle', 'an object'] },
    { what: 'trainTestSplit options', run: () => lib.trainTestSplit(X, [0, 1, 0, 1], 'x' as never), error: 'ValueError', mentions: ['options', "'x' (a string)"] },
    { what: 'trainTestSplit options null', run: () => lib.trainTestSplit(X, [0, 1, 0, 1], null as never), error: 'ValueError', mentions: ['options', 'null'] },
    { what: 'idxDataset options null', run: () => lib.idxDataset({ dims: [2, 2], data: new Uint8Array(4) }, { dims: [2], data: Uint8Array.of(1, 0) }, null as never), error: 'ValueError', mentions: ['options', 'null'] },
    { what: 'gunzip options null', run: () => lib.gunzip(new Uint8Array([0x1f, 0x8b]), null as never), error: 'ValueError', mentions: ['options', 'null'] },
    { what: 'idxDataset scale', run: () => lib.idxDataset({ dims: [2, 2], data: new Uint8Array(4) }, { dims: [2], data: Uint8Array.of(1, 0) }, { scale: evil as never }), error: 'ValueError', mentions: ['scale', 'an object'] },
    { what: 'LogisticRegression loss', run: () => new LogisticRegression({ loss: evil as never }), error: 'ValueError', mentions: ['loss', 'an object'] },
    { what: 'LogisticRegression activation', run: () => new LogisticRegression({ activation: evil as never }), error: 'ValueError', mentions: ['activation', 'an object'] },
    { what: 'cpu.loss kind', run: () => lib.cpu.loss(evil as never, { data: [1], rows: 1, cols: 1 }, { data: [1], rows: 1, cols: 1 }), error: 'ValueError', mentions: ['kind', 'an object'] },
  ];
  const wrong = await mismatches(cases);
  assert.equal(wrong, [], wrong.join('\n'));
});

test.after(() => {
  shared?.destroy();
});

test.run();
