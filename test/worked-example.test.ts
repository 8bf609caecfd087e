// The classic logistic-regression worked example, run kernel by kernel on the GPU.
import * as assert from 'uvu/assert';
import { assertClose } from './support/compare.ts';
import { gpuSuite } from './support/gpu-suite.ts';

const { test, gpu } = gpuSuite('worked example');

// Bias column first, so θ[0] is the intercept and no separate b is used.
const X = { data: [1, 1.4, 0.2, 1, 1.5, 0.2, 1, 3.0, 1.1, 1, 4.1, 1.3], rows: 4, cols: 3 };
const y = { data: [0, 0, 1, 1], rows: 4, cols: 1 };
const theta = { data: [0.1, 0.5, -0.1], rows: 3, cols: 1 };

test('ŷ = σ(Xθ), mean BCE, gradient and one SGD step', async () => {
  const Z = await gpu().call('matmul', { X, W: theta });
  const yhat = await gpu().call('sigmoid', { Z });
  assertClose(yhat.data, [0.68568, 0.69635, 0.81608, 0.88288], 1e-5, 'ŷ');
  const loss = await gpu().call('loss', { kind: 'bce', Z, Y: y });
  assertClose([loss], [0.669262], 1e-6, 'mean BCE');
  const { dW, db } = await gpu().call('gradient', { X, Yhat: yhat, Y: y });
  assertClose(dW.data, [0.270249, 0.243133, -0.01954], 1e-6, 'gradient');
  // The bias column of ones makes db equal the first gradient entry.
  assertClose(db.data, [dW.data[0] as number], 1e-6, 'db');
  const step = await gpu().call('sgdStep', { W: theta, dW, learningRate: 0.01 });
  assertClose(step.W.data, [0.097298, 0.497569, -0.099805], 1e-6, 'θ after one step');
});

test('the mini-batch of rows 2 and 4', async () => {
  const Xb = { data: [1, 1.5, 0.2, 1, 4.1, 1.3], rows: 2, cols: 3 };
  const yb = { data: [0, 1], rows: 2, cols: 1 };
  const Z = await gpu().call('matmul', { X: Xb, W: theta });
  const yhat = await gpu().call('sigmoid', { Z });
  assertClose(yhat.data, [0.696355, 0.882881], 1e-6, 'ŷ');
  const loss = await gpu().call('loss', { kind: 'bce', Z, Y: yb });
  assertClose([loss], [0.65823], 1e-6, 'loss');
  assert.ok(loss > 0.6581 && loss < 0.6583, 'loss is 0.65823 (the slides round it to 0.65815)');
});

test.run();
