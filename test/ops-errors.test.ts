// Bad input to the GPU ops: each call throws a documented error class naming the argument, and
// leaves no buffer allocated behind it.
import * as assert from 'uvu/assert';
import { gpuSuite } from './support/gpu-suite.ts';

const { test, gpu } = gpuSuite('ops: bad input');

/** NaN and ±Infinity cross to the page as tagged objects (JSON has no such numbers). */
const num = (v: number) => ({ $number: String(v) });
const m = (rows: number, cols: number, fill = 1) => ({ $matrix: { data: new Array<number>(rows * cols).fill(fill), rows, cols } });

interface Case {
  op: string;
  args: unknown[];
  error: string;
  mentions: string[];
}

const CASES: Case[] = [
  { op: 'matmul', args: [m(4, 3), m(2, 1)], error: 'ShapeError', mentions: ['X', 'W', '4×3', '2×1'] },
  { op: 'matmul', args: [m(4, 3), m(3, 2), m(1, 3)], error: 'ShapeError', mentions: ['b', '1×3', '1×2'] },
  { op: 'matmul', args: [m(4, 3), m(3, 2), m(2, 2)], error: 'ShapeError', mentions: ['b', '2×2'] },
  { op: 'matmul', args: [{ $matrix: m(4, 3).$matrix, destroyed: true }, m(3, 2)], error: 'StateError', mentions: ['X', 'destroy'] },
  { op: 'matmul', args: [m(4, 3), 'W'], error: 'StateError', mentions: ['W'] },
  { op: 'sigmoid', args: [null], error: 'StateError', mentions: ['Z'] },
  { op: 'softmax', args: [{ $matrix: m(2, 2).$matrix, destroyed: true }], error: 'StateError', mentions: ['Z'] },
  { op: 'gradient', args: [m(4, 3), m(4, 2), m(4, 3)], error: 'ShapeError', mentions: ['Yhat', 'Y', '4×2', '4×3'] },
  { op: 'gradient', args: [m(5, 3), m(4, 2), m(4, 2)], error: 'ShapeError', mentions: ['X', 'Y', '5×3'] },
  { op: 'loss', args: ['hinge', m(4, 1), m(4, 1)], error: 'ValueError', mentions: ['hinge', 'bce'] },
  { op: 'loss', args: ['ce', m(4, 2), m(4, 3)], error: 'ShapeError', mentions: ['Z', 'Y', '4×2', '4×3'] },
  { op: 'sgdStep', args: [m(3, 2), m(2, 3), 0.1], error: 'ShapeError', mentions: ['W', 'dW', '3×2', '2×3'] },
  { op: 'sgdStep', args: [m(3, 2), m(3, 2), 0], error: 'ValueError', mentions: ['learningRate', '0'] },
  { op: 'sgdStep', args: [m(3, 2), m(3, 2), num(Number.NaN)], error: 'ValueError', mentions: ['learningRate', 'NaN'] },
  { op: 'sgdStep', args: [m(3, 2), m(3, 2), 0.1, -1], error: 'ValueError', mentions: ['l2', '-1'] },
  { op: 'upload', args: [{ data: [1, 2, 3], rows: 2, cols: 2 }], error: 'ShapeError', mentions: ['X', '3 values', '2×2'] },
  { op: 'upload', args: [{ data: [1, num(Number.NaN), 3, 4], rows: 2, cols: 2 }], error: 'ValueError', mentions: ['X', 'NaN', 'row 0', 'column 1'] },
  { op: 'upload', args: [{ data: [1, 2, num(Number.POSITIVE_INFINITY), 4], rows: 2, cols: 2 }], error: 'ValueError', mentions: ['X', 'Infinity', 'row 1', 'column 0'] },
  { op: 'upload', args: [[[1, 2], [3, num(Number.NEGATIVE_INFINITY)]]], error: 'ValueError', mentions: ['X', '-Infinity', 'row 1'] },
  { op: 'sgdStep', args: [m(3, 2), m(3, 2), num(Number.POSITIVE_INFINITY)], error: 'ValueError', mentions: ['learningRate', 'Infinity'] },
  { op: 'upload', args: [[[1, 2], [3]]], error: 'ShapeError', mentions: ['X', 'ragged', 'row 1'] },
  { op: 'upload', args: [[]], error: 'ShapeError', mentions: ['X', 'empty'] },
  { op: 'upload', args: [{ data: [], rows: 0, cols: 3 }], error: 'ShapeError', mentions: ['X', '0×3'] },
  { op: 'upload', args: [[[1, 'a']]], error: 'ValueError', mentions: ['X[0][1]', 'string'] },
];

test('each bad call throws the documented error naming the argument and shape', async () => {
  const before = await gpu().call('liveBuffers');
  for (const c of CASES) {
    const label = `${c.op}(${JSON.stringify(c.args).slice(0, 80)})`;
    const result = await gpu().call('opError', { op: c.op, args: c.args });
    assert.ok(result !== null, `${label} did not throw`);
    assert.is(result.error.name, c.error, `${label}: ${result.error.message}`);
    for (const word of c.mentions) {
      assert.ok(result.error.message.includes(word), `${label}: message "${result.error.message}" lacks "${word}"`);
    }
  }
  assert.is(await gpu().call('liveBuffers'), before, 'rejected calls leave no buffers behind');
});

test.run();
