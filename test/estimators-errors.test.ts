// Bad input to the estimators: each call throws a documented error naming the argument, and a fitted
// model keeps its parameters, keeps predicting, and leaks no GPU buffers.
import * as assert from 'uvu/assert';
import { gpuSuite } from './support/gpu-suite.ts';

const { test, gpu } = gpuSuite('estimators: bad input');

const num = (v: number) => ({ $number: String(v) });
const X = { data: [0, 1, 1, 0, 2, 2, 3, 1, 0.5, 0.5, 1, 3], rows: 6, cols: 2 };
const y = [0, 1, 2, 0, 1, 2];

interface Case {
  method: string;
  args: unknown[];
  error: string;
  mentions: string[];
}

const CASES: Case[] = [
  { method: 'fit', args: [X, [0, 1, 3, 0, 1, 2]], error: 'ValueError', mentions: ['y[2]', '3', 'nClasses'] },
  { method: 'fit', args: [X, [0, 1, 1.5, 0, 1, 2]], error: 'ValueError', mentions: ['y[2]', '1.5', 'integers'] },
  { method: 'fit', args: [X, [0, 1, -1, 0, 1, 2]], error: 'ValueError', mentions: ['y[2]', '-1'] },
  { method: 'fit', args: [X, [0, 1, 2]], error: 'ShapeError', mentions: ['y', '3 values', '6 rows'] },
  { method: 'fit', args: [X, [0, 1, num(Number.NaN), 0, 1, 2]], error: 'ValueError', mentions: ['y[2]', 'NaN'] },
  { method: 'fit', args: [{ data: [0, 1, 2, 3, 4, 5], rows: 2, cols: 3 }, [0, 1]], error: 'ShapeError', mentions: ['X', '2×3', 'nFeatures = 2'] },
  { method: 'fit', args: [{ ...X, data: [0, num(Number.POSITIVE_INFINITY), ...X.data.slice(2)] }, y], error: 'ValueError', mentions: ['X', 'Infinity', 'row 0', 'column 1'] },
  { method: 'fit', args: [X, y, { batchSize: 0 }], error: 'ValueError', mentions: ['batchSize', '0'] },
  { method: 'fit', args: [X, y, { batchSize: 2.5 }], error: 'ValueError', mentions: ['batchSize', '2.5'] },
  { method: 'fit', args: [X, y, { learningRate: 0 }], error: 'ValueError', mentions: ['learningRate', '0'] },
  { method: 'fit', args: [X, y, { learningRate: num(Number.NaN) }], error: 'ValueError', mentions: ['learningRate', 'NaN'] },
  { method: 'fit', args: [X, y, { learningRate: -0.1 }], error: 'ValueError', mentions: ['learningRate', '-0.1'] },
  { method: 'fit', args: [X, y, { learningRate: { kind: 'cosine', initial: 0.1 } }], error: 'ValueError', mentions: ['learningRate.kind', 'cosine'] },
  { method: 'fit', args: [X, y, { learningRate: { kind: 'step', initial: 0.1, factor: 0.5, every: 0 } }], error: 'ValueError', mentions: ['learningRate.every'] },
  { method: 'fit', args: [X, y, { epochs: 0 }], error: 'ValueError', mentions: ['epochs', '0'] },
  { method: 'fit', args: [X, y, { epochs: -3 }], error: 'ValueError', mentions: ['epochs', '-3'] },
  { method: 'fit', args: [X, y, { l2: -1 }], error: 'ValueError', mentions: ['l2', '-1'] },
  { method: 'fit', args: [X, y, { tol: num(Number.NaN) }], error: 'ValueError', mentions: ['tol', 'NaN'] },
  { method: 'fit', args: [X, y, { shuffle: 'yes' }], error: 'ValueError', mentions: ['shuffle', 'yes'] },
  { method: 'fit', args: [X, y, { seed: 1.5 }], error: 'ValueError', mentions: ['seed', '1.5'] },
  { method: 'fit', args: [X, y, { epocs: 3 }], error: 'ValueError', mentions: ['epocs'] },
  { method: 'fit', args: [X, y, { validation: { X: { data: [1, 2, 3], rows: 1, cols: 3 }, y: [0] } }], error: 'ShapeError', mentions: ['validation.X', '1×3'] },
  { method: 'fit', args: [X, y, { validation: { X, y: [0, 1, 7, 0, 1, 2] } }], error: 'ValueError', mentions: ['validation.y[2]', '7'] },
  { method: 'fit', args: [X, y, { init: { W: { data: [1, 2], rows: 2, cols: 1 } } }], error: 'ShapeError', mentions: ['init.W', '2×1', '2×3'] },
  { method: 'fit', args: [[[1, 2], [3]], [0, 1]], error: 'ShapeError', mentions: ['X', 'ragged'] },
  { method: 'fit', args: [[], []], error: 'ShapeError', mentions: ['X', 'empty'] },
  { method: 'fit', args: [X, 'labels'], error: 'ValueError', mentions: ['y', 'string'] },
  { method: 'predict', args: [{ data: [1, 2, 3], rows: 1, cols: 3 }], error: 'ShapeError', mentions: ['X', '1×3'] },
  { method: 'predictProba', args: [null], error: 'ValueError', mentions: ['X', 'null'] },
  { method: 'score', args: [X, [0, 1]], error: 'ShapeError', mentions: ['y', '2 values'] },
  { method: 'loss', args: [X, [0, 1, 2, 0, 1, 9]], error: 'ValueError', mentions: ['y[5]', '9'] },
  { method: 'setParams', args: [{ W: { data: [1, 2, 3], rows: 1, cols: 3 }, b: [0, 0, 0] }], error: 'ShapeError', mentions: ['params.W', '1×3', '2×3'] },
  { method: 'setParams', args: [{ W: { data: [1, 2, 3, 4, 5, 6], rows: 2, cols: 3 }, b: [0, 0] }], error: 'ShapeError', mentions: ['params.b', '2 values'] },
  { method: 'setParams', args: [{ W: { data: [1, 2, 3, 4, 5, num(Number.NaN)], rows: 2, cols: 3 } }], error: 'ValueError', mentions: ['params.W', 'NaN'] },
];

test(`${CASES.length} bad calls on a fitted softmax model: documented errors, model unchanged, no leaks`, async () => {
  const r = await gpu().call('modelErrors', {
    model: 'softmax', options: { nFeatures: 2, nClasses: 3 }, X, y, fit: { epochs: 3, batchSize: 4, learningRate: 0.1 },
    calls: CASES.map((c) => ({ method: c.method, args: c.args })),
  });
  CASES.forEach((c, i) => {
    const label = `${c.method}(${JSON.stringify(c.args).slice(0, 90)})`;
    const e = r.errors[i];
    assert.ok(e !== null && e !== undefined, `${label} did not throw`);
    assert.is(e.name, c.error, `${label}: ${e.message}`);
    for (const word of c.mentions) assert.ok(e.message.includes(word), `${label}: "${e.message}" lacks "${word}"`);
  });
  assert.ok(r.unchanged, 'the fitted parameters survive every rejected call');
  assert.ok(r.predictionsWork, 'the model still predicts');
  assert.is(r.leakedBuffers, 0, 'no GPU buffers leaked');
});

test('logistic regression: labels must be 0/1 and both classes present; constructor options are checked', async () => {
  const Xb = { data: [0, 1, 2, 3], rows: 4, cols: 1 };
  const r = await gpu().call('modelErrors', {
    model: 'logistic', options: { nFeatures: 1 }, X: Xb, y: [0, 0, 1, 1], fit: { epochs: 2, batchSize: 2 },
    calls: [
      { method: 'fit', args: [Xb, [0, 2, 1, 1]] },
      { method: 'fit', args: [Xb, [1, 1, 1, 1]] },
      { method: 'fit', args: [Xb, [0, 0, 0, 0]] },
    ],
  });
  assert.match(r.errors[0]?.message ?? '', /y\[1\] = 2.*0 or 1/);
  assert.match(r.errors[1]?.message ?? '', /only class 1/);
  assert.match(r.errors[2]?.message ?? '', /only class 0/);
  assert.ok(r.unchanged);
  for (const options of [{ nFeatures: 0 }, { nFeatures: 2, threshold: 1.5 }, { nFeatures: 2, loss: 'hinge' }, { nFeatures: 2, nFeature: 3 }]) {
    const e = await gpu().call('constructModel', { model: 'logistic', options });
    assert.ok(e !== null && e.error.name === 'ValueError', `new LogisticRegression(${JSON.stringify(options)}) must throw ValueError`);
  }
});

test('a diverging fit stops with an error that suggests a smaller learning rate, and restores the model', async () => {
  const Xl = { data: [10, 20, 30, 40, 50, 60], rows: 6, cols: 1 };
  const r = await gpu().call('modelErrors', {
    model: 'linear', options: { nFeatures: 1 }, X: Xl, y: [1, 2, 3, 4, 5, 6], fit: { epochs: 3, batchSize: 6, learningRate: 1e-4 },
    calls: [{ method: 'fit', args: [Xl, [1, 2, 3, 4, 5, 6], { learningRate: 1, epochs: 200, batchSize: 2 }] }],
  });
  assert.is(r.errors[0]?.name, 'ValueError');
  assert.match(r.errors[0]?.message ?? '', /diverged.*smaller learningRate/);
  assert.ok(r.unchanged, 'parameters restored to their values before the failed fit');
  assert.is(r.leakedBuffers, 0);
});

test('use after destroy is a StateError', async () => {
  const e = await gpu().call('useAfterDestroy');
  assert.is(e?.error.name, 'StateError');
  assert.match(e?.error.message ?? '', /after destroy/);
});

test.run();
