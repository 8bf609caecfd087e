// Bad input to every public entry point: createContext, upload, GPU matrices, ops, the estimators'
// constructors, methods and fromJSON (in the page), and the CPU reference and data helpers (in
// Node). Each call must throw a documented error class whose message names the argument and the
// offending value or shape; afterwards the fitted models, the contexts and the live-buffer count
// must be exactly as before.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { BadCall } from '../harness/fixtures.ts';
import * as cpu from '../src/cpu/index.ts';
import { parseCsv } from '../src/data/csv.ts';
import { parseIdx } from '../src/data/idx.ts';
import { fitStandardizer, standardize } from '../src/data/preprocess.ts';
import { confusionMatrix, oneHot, polynomialFeatures, trainTestSplit } from '../src/data/transforms.ts';
import { ShapeError, StateError, ValueError } from '../src/errors.ts';
import { resolveFitOptions } from '../src/core/options.ts';
import { learningRateAt } from '../src/core/schedule.ts';
import { gpuSuite } from './support/gpu-suite.ts';

const { test, gpu } = gpuSuite('robustness: bad input');

/** JSON has no NaN/Infinity: they cross to the page tagged (see decodeBadArg in the fixtures). */
const num = (v: number) => ({ $number: String(v) });
const gpuMatrix = (rows: number, cols: number, extra: Record<string, unknown> = {}) => ({
  $matrix: { data: Array.from({ length: rows * cols }, (_, i) => (i % 5) - 2), rows, cols },
  ...extra,
});
const typed = (kind: string, values: unknown[]) => ({ $typed: kind, values });
const MAIN = { $ctx: 'main' };
const DEAD = { $ctx: 'dead' };

// Six rows, two features: every model is fitted on these before the bad calls.
const X = { data: [0, 1, 1, 0, 2, 2, 3, 1, 0.5, 0.5, 1, 3], rows: 6, cols: 2 };
const yBinary = [0, 1, 1, 0, 1, 0];
const yClasses = [0, 1, 2, 0, 1, 2];
const yReal = [0.5, 1, 4, 4, 1, 4];

interface Case extends BadCall {
  error: 'ShapeError' | 'ValueError' | 'StateError';
  mentions: string[];
}

const CONTEXT_CASES: Case[] = [
  { call: 'createContext', args: [null], error: 'ValueError', mentions: ['createContext options', 'null'] },
  { call: 'createContext', args: [[]], error: 'ValueError', mentions: ['createContext options', 'array'] },
  { call: 'createContext', args: [{ poisonOutput: true }], error: 'ValueError', mentions: ["'poisonOutput'", 'poisonOutputs'] },
  { call: 'createContext', args: [{ poisonOutputs: 'yes' }], error: 'ValueError', mentions: ['poisonOutputs', "'yes' (a string)"] },
  { call: 'createContext', args: [{ powerPreference: 'fastest' }], error: 'ValueError', mentions: ['powerPreference', 'fastest'] },
  { call: 'createContext', args: [{ gpu: 'webgpu' }], error: 'ValueError', mentions: ['gpu', "'webgpu' (a string)"] },
  { call: 'createContext', args: [{ device: {} }], error: 'ValueError', mentions: ['device', 'GPUDevice', 'an object'] },
  { call: 'createContext', args: [{ device: { $device: true }, requiredLimits: {} }], error: 'ValueError', mentions: ['device', 'requiredLimits'] },
  { call: 'createContext', args: [{ requiredLimits: [] }], error: 'ValueError', mentions: ['requiredLimits', 'array'] },
  { call: 'createContext', args: [{ requiredLimits: { maxBufferSize: -1 } }], error: 'ValueError', mentions: ['requiredLimits.maxBufferSize', '-1'] },
  { call: 'createContext', args: [{ requiredLimits: { maxStorageBufferBindingSise: 1 } }], error: 'ValueError', mentions: ['requiredLimits.maxStorageBufferBindingSise'] },
  { call: 'createContext', args: [{ requiredLimits: { maxComputeWorkgroupSizeX: 1e9 } }], error: 'ValueError', mentions: ['maxComputeWorkgroupSizeX', '1000000000'] },
];

const UPLOAD_CASES: Case[] = [
  { call: 'upload', args: [], error: 'ValueError', mentions: ['matrix', 'undefined'] },
  { call: 'upload', args: ['1,2;3,4'], error: 'ValueError', mentions: ['matrix', "'1,2;3,4' (a string)"] },
  { call: 'upload', args: [{ rows: 2, cols: 2 }], error: 'ValueError', mentions: ['matrix', 'an object'] },
  { call: 'upload', args: [[1, 2, 3]], error: 'ShapeError', mentions: ['matrix', 'row arrays', 'row 0 is 1'] },
  { call: 'upload', args: [[[]]], error: 'ShapeError', mentions: ['matrix', 'length 0'] },
  { call: 'upload', args: [[[1, 2], [3, [4]]]], error: 'ValueError', mentions: ['matrix[1][1]', 'an array of length 1'] },
  { call: 'upload', args: [[[1, 2], 'ab']], error: 'ShapeError', mentions: ['matrix row 1', "'ab' (a string)"] },
  { call: 'upload', args: [{ $sparse: 3, values: { 0: [1, 2], 2: [3, 4] } }], error: 'ShapeError', mentions: ['matrix row 1', 'undefined'] },
  { call: 'upload', args: [[[1, 2], { $sparse: 2, values: { 0: 3 } }]], error: 'ValueError', mentions: ['matrix[1][1]', 'undefined'] },
  { call: 'upload', args: [{ data: typed('Float32Array', []), rows: 0, cols: 0 }], error: 'ShapeError', mentions: ['matrix', '0×0'] },
  { call: 'upload', args: [{ data: [1, 2, 3, 4], rows: '2', cols: 2 }], error: 'ShapeError', mentions: ['matrix', "'2' (a string)×2"] },
  { call: 'upload', args: [{ data: [1, 2, 3, 4], rows: 2.5, cols: 2 }], error: 'ShapeError', mentions: ['matrix', '2.5×2'] },
  { call: 'upload', args: [{ data: 'abcd', rows: 2, cols: 2 }], error: 'ValueError', mentions: ['matrix.data', "'abcd' (a string)"] },
  { call: 'upload', args: [{ data: [1, null, 3, 4], rows: 2, cols: 2 }], error: 'ValueError', mentions: ['matrix', 'null', 'row 0, column 1'] },
  { call: 'upload', args: [{ data: { $sparse: 4, values: { 0: 1, 1: 2, 3: 4 } }, rows: 2, cols: 2 }], error: 'ValueError', mentions: ['matrix', 'undefined', 'row 1, column 0'] },
  { call: 'upload', args: [{ data: typed('Float64Array', [1, 1e39, 0, 0]), rows: 2, cols: 2 }], error: 'ValueError', mentions: ['matrix', '1e+39', 'float32', 'row 0, column 1'] },
  { call: 'upload', args: [{ data: typed('Float64Array', [1, 2, 3, num(Number.NEGATIVE_INFINITY)]), rows: 2, cols: 2 }], error: 'ValueError', mentions: ['matrix', '-Infinity', 'row 1, column 1'] },
  { call: 'upload', args: [{ data: typed('BigInt64Array', [1, 2]), rows: 1, cols: 2 }], error: 'ValueError', mentions: ['matrix', '1n (a bigint)', 'row 0, column 0'] },
];

const MATRIX_AND_OP_CASES: Case[] = [
  { call: 'ops.matmul', args: [MAIN, gpuMatrix(3, 2, { on: 'foreign' }), gpuMatrix(2, 2)], error: 'StateError', mentions: ['X', 'another GPU context'] },
  { call: 'ops.matmul', args: [MAIN, gpuMatrix(3, 2), gpuMatrix(2, 2, { on: 'foreign' })], error: 'StateError', mentions: ['W', 'another GPU context'] },
  { call: 'ops.matmul', args: [MAIN, gpuMatrix(3, 2), gpuMatrix(2, 2), 'b'], error: 'StateError', mentions: ['b', 'GPU matrix'] },
  { call: 'ops.sigmoid', args: [MAIN, { $deadMatrix: true }], error: 'StateError', mentions: ['Z', 'another GPU context'] },
  { call: 'ops.sigmoid', args: [DEAD, { $deadMatrix: true }], error: 'StateError', mentions: ['context', 'destroy()'] },
  { call: 'ops.softmax', args: [MAIN, { data: [1, 2], rows: 1, cols: 2 }], error: 'StateError', mentions: ['Z', 'GPU matrix'] },
  { call: 'ops.gradient', args: [MAIN, gpuMatrix(4, 3), gpuMatrix(4, 2), gpuMatrix(4, 2, { on: 'foreign' })], error: 'StateError', mentions: ['Y', 'another GPU context'] },
  { call: 'ops.loss', args: [MAIN, 3, gpuMatrix(4, 1), gpuMatrix(4, 1)], error: 'ValueError', mentions: ['loss kind', '3'] },
  { call: 'ops.loss', args: [MAIN, 'bce', gpuMatrix(4, 1), gpuMatrix(4, 1, { destroyed: true })], error: 'StateError', mentions: ['Y', '4×1', 'destroy()'] },
  { call: 'ops.sgdStep', args: [MAIN, gpuMatrix(2, 2), gpuMatrix(2, 2), '0.1'], error: 'ValueError', mentions: ['learningRate', "'0.1' (a string)"] },
  { call: 'ops.sgdStep', args: [MAIN, gpuMatrix(2, 2), gpuMatrix(2, 2), 1e-40], error: 'ValueError', mentions: ['learningRate', '1e-40', 'smallest normal float32'] },
  { call: 'ops.sgdStep', args: [MAIN, gpuMatrix(2, 2), gpuMatrix(2, 2), 0.1, 0, { b: gpuMatrix(1, 2) }], error: 'StateError', mentions: ['db', 'GPU matrix'] },
  { call: 'ops.sgdStep', args: [MAIN, gpuMatrix(2, 2), gpuMatrix(2, 2), 0.1, 0, { b: gpuMatrix(1, 2), db: gpuMatrix(1, 2, { on: 'foreign' }) }], error: 'StateError', mentions: ['db', 'another GPU context'] },
  { call: 'read', args: [gpuMatrix(2, 3, { destroyed: true })], error: 'StateError', mentions: ['2×3', 'destroy()'] },
  { call: 'read', args: [{ $deadMatrix: true }], error: 'StateError', mentions: ['context', 'destroy()'] },
];

const CONSTRUCTOR_CASES: Case[] = [
  { call: 'new.LogisticRegression', args: [MAIN], error: 'ValueError', mentions: ['LogisticRegression options', 'undefined'] },
  { call: 'new.LogisticRegression', args: [null, { nFeatures: 2 }], error: 'StateError', mentions: ['ctx', 'GpuContext', 'null'] },
  { call: 'new.SoftmaxRegression', args: [gpuMatrix(2, 2), { nFeatures: 2, nClasses: 3 }], error: 'StateError', mentions: ['ctx', 'a GPU matrix (2×2)'] },
  { call: 'new.LogisticRegression', args: [DEAD, { nFeatures: 2 }], error: 'StateError', mentions: ['context', 'destroy()'] },
  { call: 'new.LogisticRegression', args: [MAIN, { nFeatures: '2' }], error: 'ValueError', mentions: ['nFeatures', "'2' (a string)"] },
  { call: 'new.LogisticRegression', args: [MAIN, { nFeatures: 2, threshold: num(Number.NaN) }], error: 'ValueError', mentions: ['threshold', 'NaN'] },
  { call: 'new.LogisticRegression', args: [MAIN, { nFeatures: 2, nClasses: 2 }], error: 'ValueError', mentions: ["'nClasses'", 'LogisticRegression'] },
  { call: 'new.SoftmaxRegression', args: [MAIN, { nFeatures: 2, nClasses: 3, threshold: 0.7 }], error: 'ValueError', mentions: ["'threshold'", 'SoftmaxRegression'] },
  { call: 'new.SoftmaxRegression', args: [MAIN, { nFeatures: 2 }], error: 'ValueError', mentions: ['nClasses', 'undefined'] },
  { call: 'new.SoftmaxRegression', args: [MAIN, { nFeatures: 2, nClasses: 2.5 }], error: 'ValueError', mentions: ['nClasses', '2.5'] },
  { call: 'new.LinearRegression', args: [MAIN, { nFeatures: 2, nClasses: 3 }], error: 'ValueError', mentions: ["'nClasses'", 'nOutputs'] },
  { call: 'new.LinearRegression', args: [MAIN, { nFeatures: 2, fitIntercept: 'no' }], error: 'ValueError', mentions: ['fitIntercept', "'no' (a string)"] },
  { call: 'new.LinearRegression', args: [MAIN, { nFeatures: 2 ** 28, nOutputs: 64 }], error: 'ShapeError', mentions: ['nFeatures = 268435456', 'maxStorageBufferBindingSize'] },
  { call: 'new.LogisticRegression', args: [MAIN, { nFeatures: 2, threshold: null }], error: 'ValueError', mentions: ['threshold', 'null', 'leave it out'] },
  { call: 'new.LinearRegression', args: [MAIN, { nFeatures: 2, nOutputs: null }], error: 'ValueError', mentions: ['nOutputs', 'null'] },
];

const METHOD_CASES: Case[] = [
  { call: 'logistic.fit', args: [X, [0, 0, 0, 0, 0, 0]], error: 'ValueError', mentions: ['y', 'only class 0', 'both'] },
  { call: 'logistic.fit', args: [X, [0, 1, 1, 0, 1, 0.5]], error: 'ValueError', mentions: ['y[5] = 0.5', '0 or 1'] },
  { call: 'logistic.fit', args: [X, [0, 1, 1, 0, 1, 1 + 1e-12]], error: 'ValueError', mentions: ['y[5] = 1.000000000001', '0 or 1'] },
  { call: 'logistic.fit', args: [X, [0, 1, 1, 0, 1, true]], error: 'ValueError', mentions: ['y[5]', 'true (a boolean)'] },
  { call: 'softmax.fit', args: [X, [0, 1, 2, 0, 1, '2']], error: 'ValueError', mentions: ['y[5]', "'2' (a string)"] },
  { call: 'softmax.fit', args: [X, [[0], [1], [2], [0], [1], [2]]], error: 'ValueError', mentions: ['y[0]', 'an array of length 1'] },
  { call: 'softmax.fit', args: [X, typed('Float64Array', [0, 1, 2, 0, 1, 2.0000001])], error: 'ValueError', mentions: ['y[5] = 2.0000001', 'integers'] },
  { call: 'softmax.fit', args: [X, typed('Int32Array', [0, 1, 2, 0, 1])], error: 'ShapeError', mentions: ['y', '5 values', '6 rows'] },
  { call: 'softmax.fit', args: [{ data: typed('Float32Array', []), rows: 0, cols: 2 }, []], error: 'ShapeError', mentions: ['X', '0×2'] },
  { call: 'softmax.fit', args: [gpuMatrix(6, 2), yClasses], error: 'ValueError', mentions: ['X', 'GPU matrix (6×2)', 'host data'] },
  { call: 'softmax.fit', args: [X, yClasses, []], error: 'ValueError', mentions: ['fit options', 'array'] },
  { call: 'softmax.fit', args: [X, yClasses, { onEpochEnd: 'log' }], error: 'ValueError', mentions: ['onEpochEnd', "'log' (a string)"] },
  { call: 'softmax.fit', args: [X, yClasses, { seed: '7' }], error: 'ValueError', mentions: ['seed', "'7' (a string)"] },
  { call: 'softmax.fit', args: [X, yClasses, { batchSize: num(Number.POSITIVE_INFINITY) }], error: 'ValueError', mentions: ['batchSize', 'Infinity'] },
  { call: 'softmax.fit', args: [X, yClasses, { learningRate: { $fn: 'nan' } }], error: 'ValueError', mentions: ['learningRate at epoch 0', 'NaN'] },
  { call: 'softmax.fit', args: [X, yClasses, { validation: { X, y: yClasses, weights: [1] } }], error: 'ValueError', mentions: ['validation', "'weights'"] },
  { call: 'softmax.fit', args: [X, yClasses, { validation: null }], error: 'ValueError', mentions: ['validation', 'null'] },
  { call: 'softmax.fit', args: [X, yClasses, { learningRate: null }], error: 'ValueError', mentions: ['learningRate', 'null', 'leave it out'] },
  { call: 'softmax.fit', args: [X, yClasses, { seed: null }], error: 'ValueError', mentions: ['seed', 'null'] },
  { call: 'softmax.fit', args: [X, yClasses, { epochs: null }], error: 'ValueError', mentions: ['epochs', 'null'] },
  { call: 'softmax.fit', args: [X, yClasses, { learningRate: 1e-40 }], error: 'ValueError', mentions: ['learningRate', '1e-40', 'smallest normal float32'] },
  { call: 'softmax.fit', args: [X, yClasses, { learningRate: 1e39 }], error: 'ValueError', mentions: ['learningRate', '1e+39', 'float32 range'] },
  // Every class present once is fine; one class only is nothing to learn, for softmax as for logistic.
  { call: 'softmax.fit', args: [X, [2, 2, 2, 2, 2, 2]], error: 'ValueError', mentions: ['y holds only class 2', 'softmax regression needs examples of at least two classes'] },
  // Options the kernels take as f32 (or compare with f32 results): finite in float64, Infinity in float32.
  { call: 'softmax.fit', args: [X, yClasses, { l2: 1e39 }], error: 'ValueError', mentions: ['l2 is 1e+39', 'float32 range'] },
  { call: 'linear.fit', args: [X, [0.5, 1, 4, 4, 1, 2], { l2: 1e300 }], error: 'ValueError', mentions: ['l2 is 1e+300', 'float32 range'] },
  { call: 'softmax.fit', args: [X, yClasses, { learningRate: { kind: 'hypergradient', initial: 0.1, beta: 1e39 } }], error: 'ValueError', mentions: ['learningRate.beta is 1e+39', 'float32 range'] },
  { call: 'softmax.fit', args: [X, yClasses, { tol: 1e39 }], error: 'ValueError', mentions: ['tol is 1e+39', 'float32 range'] },
  { call: 'softmax.fit', args: [X, yClasses, { learningRate: { kind: 'step', initial: 0.1, factor: 1e20, every: 1 }, epochs: 3 }], error: 'ValueError', mentions: ['learningRate at epoch 2', "initial·factor^2 of the 'step' schedule", 'float32 range'] },
  { call: 'softmax.fit', args: [X, yClasses, { learningRate: { kind: 'exponential', initial: 1e-40, decay: 0.9 } }], error: 'ValueError', mentions: ['learningRate.initial', '1e-40'] },
  { call: 'softmax.fit', args: [X, yClasses, { learningRate: { kind: 'step', initial: 0.1, factor: 0.5, every: 2, decay: 0.9 } }], error: 'ValueError', mentions: ['learningRate', "'decay'", "'step'"] },
  { call: 'softmax.fit', args: [X, yClasses, { learningRate: { kind: 'inverse-time', initial: 0.1, decay: 0.5, every: 2 } }], error: 'ValueError', mentions: ['learningRate', "'every'"] },
  { call: 'softmax.fit', args: [X, yClasses, { init: { W: [[0, 0, 0], [0, 0, 0]], b: 'abc' } }], error: 'ValueError', mentions: ['init.b', "'abc' (a string)"] },
  { call: 'softmax.fit', args: [X, yClasses, { init: { W: [[0, 0, 0], [0, 0, 0]], b: [0, null, 0] } }], error: 'ValueError', mentions: ['init.b[1]', 'null'] },
  { call: 'softmax.fit', args: [X, yClasses, { init: { W: [[0, 0, 0], [0, 0, 0]] }, warmStart: true }], error: 'ValueError', mentions: ['init', 'warmStart'] },
  { call: 'linear.fit', args: [X, [0.5, 1, 4, 4, 1, 1e39]], error: 'ValueError', mentions: ['y[5] = 1e+39', 'float32'] },
  { call: 'linear.fit', args: [X, [[1], [2], [3], [4], [5], [6, 7]]], error: 'ShapeError', mentions: ['y', 'ragged', 'row 5'] },
  { call: 'logistic.predict', args: ['X'], error: 'ValueError', mentions: ['X', "'X' (a string)"] },
  { call: 'logistic.predictProba', args: [[[1, 2, 3]]], error: 'ShapeError', mentions: ['X', '1×3', 'nFeatures = 2'] },
  { call: 'softmax.predictProba', args: [[[1, num(Number.NaN)]]], error: 'ValueError', mentions: ['X', 'NaN', 'row 0, column 1'] },
  { call: 'linear.predict', args: [[]], error: 'ShapeError', mentions: ['X', 'empty'] },
  { call: 'logistic.score', args: [X, [0, 1, 2, 0, 1, 0]], error: 'ValueError', mentions: ['y[2] = 2', '0 or 1'] },
  { call: 'softmax.score', args: [X, 'labels'], error: 'ValueError', mentions: ['y', "'labels' (a string)"] },
  { call: 'linear.loss', args: [X, [1, 2, 3]], error: 'ShapeError', mentions: ['y', '3 values', '6 rows'] },
  { call: 'softmax.loss', args: [[[1, 2]], [3]], error: 'ValueError', mentions: ['y[0] = 3', 'nClasses = 3'] },
  { call: 'linear.setParams', args: [null], error: 'ValueError', mentions: ['params', 'null'] },
  { call: 'linear.setParams', args: [{ W: [[1], [2]], b: [0], bias: [1] }], error: 'ValueError', mentions: ['params', "'bias'"] },
  { call: 'softmax.setParams', args: [{ W: [[1, 2, 3], [4, 5]], b: [0, 0, 0] }], error: 'ShapeError', mentions: ['params.W', 'ragged', 'row 1'] },
  { call: 'logistic.setParams', args: [{ W: [[1], [2]], b: [1e39] }], error: 'ValueError', mentions: ['params.b[0] = 1e+39', 'float32'] },
  { call: 'destroyed.predict', args: [X], error: 'StateError', mentions: ['SoftmaxRegression', 'destroy()'] },
  { call: 'destroyed.fit', args: [X, yClasses], error: 'StateError', mentions: ['SoftmaxRegression', 'destroy()'] },
  { call: 'destroyed.getParams', args: [], error: 'StateError', mentions: ['SoftmaxRegression', 'destroy()'] },
  { call: 'destroyed.setParams', args: [{ W: [[0, 0, 0], [0, 0, 0]] }], error: 'StateError', mentions: ['SoftmaxRegression', 'destroy()'] },
  { call: 'destroyed.toJSON', args: [], error: 'StateError', mentions: ['SoftmaxRegression', 'destroy()'] },
  { call: 'onDeadContext.predict', args: [X], error: 'StateError', mentions: ['context', 'destroy()'] },
  { call: 'onDeadContext.fit', args: [X, yClasses], error: 'StateError', mentions: ['context', 'destroy()'] },
];

const FROM_JSON_CASES: Case[] = [
  { call: 'LogisticRegression.fromJSON', args: [MAIN, null], error: 'ValueError', mentions: ['LogisticRegression.fromJSON', 'null'] },
  { call: 'LogisticRegression.fromJSON', args: [MAIN, '{"format":"webgpu-logreg"}'], error: 'ValueError', mentions: ['LogisticRegression.fromJSON', 'a string'] },
  { call: 'SoftmaxRegression.fromJSON', args: [MAIN, { $json: 'logistic' }], error: 'ValueError', mentions: ['SoftmaxRegression.fromJSON', "'LogisticRegression'"] },
  { call: 'SoftmaxRegression.fromJSON', args: [MAIN, { $json: 'softmax', set: { version: 2 } }], error: 'ValueError', mentions: ['version 2'] },
  { call: 'SoftmaxRegression.fromJSON', args: [MAIN, { $json: 'softmax', set: { W: [1, 2, 3, 4, 5] } }], error: 'ShapeError', mentions: ['W has 5 values', '2×3'] },
  { call: 'SoftmaxRegression.fromJSON', args: [MAIN, { $json: 'softmax', set: { W: [1, 2, null, 4, 5, 6] } }], error: 'ValueError', mentions: ['W[2]', 'null'] },
  { call: 'LinearRegression.fromJSON', args: [MAIN, { $json: 'linear', set: { nFeatures: '2' } }], error: 'ValueError', mentions: ['nFeatures', "'2' (a string)"] },
  { call: 'LogisticRegression.fromJSON', args: [MAIN, { $json: 'logistic', set: { settings: { threshold: 2, loss: 'bce' } } }], error: 'ValueError', mentions: ['threshold', '2'] },
  { call: 'LogisticRegression.fromJSON', args: [MAIN, { $json: 'logistic', set: { fitIntercept: false, b: [0.5] } }], error: 'ValueError', mentions: ['b', 'fitIntercept'] },
  { call: 'LogisticRegression.fromJSON', args: [MAIN, { $json: 'logistic', set: { nOutputs: 3, W: [0, 0, 0, 0, 0, 0], b: [0, 0, 0] } }], error: 'ValueError', mentions: ['nOutputs', '3'] },
  { call: 'SoftmaxRegression.fromJSON', args: [DEAD, { $json: 'softmax' }], error: 'StateError', mentions: ['context', 'destroy()'] },
  { call: 'LogisticRegression.fromJSON', args: [MAIN, { $json: 'logistic', set: { settings: { loss: 'bce' } } }], error: 'ValueError', mentions: ['settings.threshold', 'missing'] },
  { call: 'SoftmaxRegression.fromJSON', args: [MAIN, { $json: 'softmax', set: { settings: { nClasses: 4 } } }], error: 'ValueError', mentions: ['settings.nClasses is 4', 'nOutputs is 3'] },
  { call: 'SoftmaxRegression.fromJSON', args: [MAIN, { $json: 'softmax', set: { settings: {} } }], error: 'ValueError', mentions: ['settings.nClasses', 'missing'] },
  { call: 'SoftmaxRegression.fromJSON', args: [MAIN, { $json: 'softmax', set: { settings: { nClasses: 3, k: 3 } } }], error: 'ValueError', mentions: ["unknown setting 'k'"] },
  { call: 'LinearRegression.fromJSON', args: [MAIN, { $json: 'linear', set: { settings: { nOutputs: 1 } } }], error: 'ValueError', mentions: ["unknown setting 'nOutputs'", 'none'] },
];

const PAGE_CASES: Case[] = [
  ...CONTEXT_CASES, ...UPLOAD_CASES, ...MATRIX_AND_OP_CASES, ...CONSTRUCTOR_CASES, ...METHOD_CASES, ...FROM_JSON_CASES,
];

function label(c: BadCall): string {
  return `${c.call}(${JSON.stringify(c.args).slice(0, 100)})`;
}

test(`${PAGE_CASES.length} bad calls in the page: documented errors naming the argument; models, contexts and buffers unchanged`, async () => {
  const r = await gpu().call('badCalls', { X, yBinary, yClasses, yReal, cases: PAGE_CASES.map((c) => ({ call: c.call, args: c.args })) });
  // Every mismatch is listed, not just the first, so one run shows all that is wrong.
  const wrong: string[] = [];
  PAGE_CASES.forEach((c, i) => {
    const e = r.errors[i];
    if (e === null || e === undefined) wrong.push(`${label(c)} did not throw`);
    else if (e.name !== c.error) wrong.push(`${label(c)}: expected ${c.error}, got ${e.name}: ${e.message}`);
    else for (const word of c.mentions) if (!e.message.includes(word)) wrong.push(`${label(c)}: "${e.message}" lacks "${word}"`);
  });
  assert.equal(wrong, [], wrong.join('\n'));
  assert.ok(r.unchanged, 'every fitted model keeps its parameters and predictions');
  assert.is(r.leakedBuffers, 0, 'no GPU buffers leaked by the rejected calls');
  assert.ok(r.contextWorks, 'the page context still computes σ correctly');
  assert.ok(r.foreignContextWorks, 'the second context still computes σ correctly');
});

test.run();

// The CPU reference, data helpers and option resolution run in Node: the same contract, no GPU.
const node = suite('robustness: bad input (Node)');

interface NodeCase {
  what: string;
  run: () => unknown;
  error: typeof ShapeError | typeof ValueError | typeof StateError;
  mentions: string[];
}

const M = { data: [1, 2, 3, 4, 5, 6], rows: 3, cols: 2 };

const NODE_CASES: NodeCase[] = [
  { what: 'cpu.matmul with X.cols ≠ W.rows', run: () => cpu.matmul(M, M), error: ShapeError, mentions: ['matmul', 'X', '3×2', 'W'] },
  { what: 'cpu.sigmoid(null)', run: () => cpu.sigmoid(null as never), error: ShapeError, mentions: ['sigmoid', 'Z'] },
  { what: 'cpu.softmax with rows 0', run: () => cpu.softmax({ data: [], rows: 0, cols: 3 }), error: ShapeError, mentions: ['softmax', 'Z', '0×3'] },
  { what: "cpu.loss('hinge')", run: () => cpu.loss('hinge' as never, M, M), error: ValueError, mentions: ['loss', 'hinge'] },
  { what: 'cpu.loss with mismatched shapes', run: () => cpu.loss('mse', M, { data: [1, 2, 3], rows: 3, cols: 1 }), error: ShapeError, mentions: ['Z', '3×2', 'Y', '3×1'] },
  { what: "cpu.gradient mode 'l1'", run: () => cpu.gradient(M, M, M, 'l1' as never), error: ValueError, mentions: ['gradient', 'l1'] },
  { what: 'cpu.sgdStep learningRate NaN', run: () => cpu.sgdStep(M, M, Number.NaN), error: ValueError, mentions: ['learningRate', 'NaN'] },
  { what: 'standardize a string', run: () => standardize('X' as never), error: ValueError, mentions: ['X', "'X' (a string)"] },
  { what: 'standardize ragged rows', run: () => standardize([[1, 2], [3]]), error: ShapeError, mentions: ['X', 'ragged', 'row 1'] },
  { what: 'standardize [] (empty)', run: () => standardize([]), error: ShapeError, mentions: ['X', 'empty'] },
  { what: 'fitStandardizer with NaN', run: () => fitStandardizer([[1, Number.NaN]]), error: ValueError, mentions: ['X', 'NaN', 'row 0, column 1'] },
  { what: 'transform with the wrong width', run: () => fitStandardizer([[1, 2], [3, 4]]).transform([[1, 2, 3]]), error: ShapeError, mentions: ['X', '3 columns', '2'] },
  { what: 'parseIdx of 2 bytes', run: () => parseIdx(new Uint8Array([1, 2])), error: ValueError, mentions: ['IDX', '2 bytes'] },
  { what: 'parseIdx of a string', run: () => parseIdx('abc' as never), error: ValueError, mentions: ['bytes', 'Uint8Array', 'string'] },
  { what: 'parseCsv of a number', run: () => parseCsv(5 as never, { label: 0 }), error: ValueError, mentions: ['text', 'string', 'number'] },
  { what: 'parseCsv with a missing label column', run: () => parseCsv('a,b\n1,2', { label: 'c' }), error: ValueError, mentions: ["'c'", 'a, b'] },
  { what: 'parseCsv with an unknown option', run: () => parseCsv('a,b\n1,2', { label: 'b', bogus: 1 } as never), error: ValueError, mentions: ["'bogus'", 'label'] },
  { what: 'oneHot with a label ≥ nClasses', run: () => oneHot([0, 3], 3), error: ValueError, mentions: ['y[1] = 3', 'nClasses = 3'] },
  { what: 'oneHot of a string', run: () => oneHot('ab' as never, 3), error: ValueError, mentions: ['y', 'string'] },
  { what: 'trainTestSplit with too few labels', run: () => trainTestSplit([[1], [2]], [1]), error: ShapeError, mentions: ['y', '1 values', '2 rows'] },
  { what: 'trainTestSplit testFraction 2', run: () => trainTestSplit([[1], [2]], [0, 1], { testFraction: 2 }), error: ValueError, mentions: ['testFraction', '2'] },
  { what: 'trainTestSplit unknown option', run: () => trainTestSplit([[1], [2]], [0, 1], { bogus: 1 } as never), error: ValueError, mentions: ["'bogus'"] },
  { what: "polynomialFeatures degree '2'", run: () => polynomialFeatures([[1, 2]], '2' as never), error: ValueError, mentions: ['degree', "'2' (a string)"] },
  { what: 'confusionMatrix of unequal lengths', run: () => confusionMatrix([0, 1], [0], 2), error: ShapeError, mentions: ['yTrue', '2 values', 'yPred', '1'] },
  { what: 'confusionMatrix with a label ≥ nClasses', run: () => confusionMatrix([0, 5], [0, 1], 2), error: ValueError, mentions: ['yTrue[1] = 5', 'nClasses = 2'] },
  { what: 'fit options with an unknown name', run: () => resolveFitOptions({ epoch: 3 } as never, 10), error: ValueError, mentions: ["'epoch'", 'epochs'] },
  { what: 'fit options: l2 as a string', run: () => resolveFitOptions({ l2: '0.1' } as never, 10), error: ValueError, mentions: ['l2', "'0.1' (a string)"] },
  { what: 'fit options: learningRate null', run: () => resolveFitOptions({ learningRate: null } as never, 10), error: ValueError, mentions: ['learningRate', 'null'] },
  { what: 'learningRateAt: an exponential decay below float32', run: () => learningRateAt({ kind: 'exponential', initial: 0.1, decay: 1e-20 }, 2), error: ValueError, mentions: ['learningRate at epoch 2', '1e-41', 'smallest normal float32'] },
  // Options finite in float64 but Infinity in float32, refused by name before training.
  ...(['l2', 'tol', 'gradTol'] as const).map((key) => ({
    what: `fit options: ${key} 1e39`, run: () => resolveFitOptions({ [key]: 1e39 }, 10), error: ValueError, mentions: [`${key} is 1e+39`, 'float32 range'],
  })),
  { what: 'fit options: earlyStopping.minDelta 1e39', run: () => resolveFitOptions({ earlyStopping: { patience: 2, minDelta: 1e39 }, validation: { X: [[1]], y: [1] } }, 10), error: ValueError, mentions: ['earlyStopping.minDelta is 1e+39', 'float32 range'] },
  { what: 'fit options: a step factor 1e39', run: () => resolveFitOptions({ learningRate: { kind: 'step', initial: 0.1, factor: 1e39, every: 5 } }, 10), error: ValueError, mentions: ['learningRate.factor is 1e+39', 'float32 range'] },
  { what: 'fit options: an exponential decay 1e39', run: () => resolveFitOptions({ learningRate: { kind: 'exponential', initial: 0.1, decay: 1e39 } }, 10), error: ValueError, mentions: ['learningRate.decay is 1e+39', 'float32 range'] },
  { what: 'fit options: a hypergradient beta 1e39', run: () => resolveFitOptions({ learningRate: { kind: 'hypergradient', initial: 0.1, beta: 1e39 } }, 10), error: ValueError, mentions: ['learningRate.beta is 1e+39', 'float32 range'] },
  // A schedule whose later epochs leave float32's normal range is refused before the first epoch.
  { what: 'fit options: an exponential decay that reaches 1e-41 by the last epoch', run: () => resolveFitOptions({ epochs: 3, learningRate: { kind: 'exponential', initial: 0.1, decay: 1e-20 } }, 10), error: ValueError, mentions: ["learningRate at epoch 2 (initial·decay^2 of the 'exponential' schedule over 3 epochs)", 'smallest normal float32'] },
  {
    what: 'cpu.train threshold null',
    run: () => cpu.train({
      objective: 'logistic-bce', X: { data: [0, 1], rows: 2, cols: 1 }, Y: { data: [0, 1], rows: 2, cols: 1 }, W: { data: [0], rows: 1, cols: 1 },
      b: { data: [0], rows: 1, cols: 1 }, fitIntercept: true, options: resolveFitOptions({}, 2), threshold: null as never,
    }),
    error: ValueError, mentions: ['threshold', 'null'],
  },
];

node(`${NODE_CASES.length} bad calls in Node: documented errors naming the argument`, () => {
  for (const c of NODE_CASES) {
    let thrown: unknown = null;
    try {
      c.run();
    } catch (e) {
      thrown = e;
    }
    assert.ok(thrown !== null, `${c.what} did not throw`);
    assert.instance(thrown, c.error, `${c.what}: threw ${String(thrown)}`);
    const message = (thrown as Error).message;
    for (const word of c.mentions) assert.ok(message.includes(word), `${c.what}: "${message}" lacks "${word}"`);
  }
});

node.run();
