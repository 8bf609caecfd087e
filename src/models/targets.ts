// Checks and encodes y for each kind of model, before any GPU work starts.
import { ShapeError, ValueError } from '../errors.ts';
import type { HostMatrix, MatrixInput } from '../types.ts';
import { MAX_CLASSES } from '../data/limits.ts';
import { allocF32, describeValue, toF32Vector, toHostMatrix } from '../validate.ts';

/** Labels or targets as users pass them. */
export type LabelsInput = Int32Array | Float32Array | Float64Array | Uint8Array | readonly number[];

/** y checked as n numbers that fit float32: the caller's values (for label checks) and their f32 copy. */
function labelsArray(name: string, y: unknown, n: number): { given: ArrayLike<number>; f32: Float32Array } {
  const ok = Array.isArray(y) || (ArrayBuffer.isView(y) && !(y instanceof DataView));
  if (!ok) throw new ValueError(`${name} must be an array or typed array of numbers, got ${describeValue(y)}`);
  const arr = y as ArrayLike<unknown>;
  if (arr.length !== n) throw new ShapeError(`${name} has ${arr.length} values but X has ${n} rows`);
  const f32 = toF32Vector(name, arr);
  return { given: arr as ArrayLike<number>, f32 };
}

/**
 * Refuses encoded classifier targets (a 0/1 column when `binary`, else one-hot rows) whose rows are
 * all of one class: a classifier has nothing to learn from them, and a softmax would report a
 * phantom class at 100 % accuracy. scikit-learn refuses them the same way. `name` says which y.
 */
export function requireTwoClasses(name: string, Y: HostMatrix, binary: boolean): void {
  const classOf = (i: number): number => {
    if (binary) return Y.data[i] as number;
    const row = Y.data.subarray(i * Y.cols, (i + 1) * Y.cols);
    return row.indexOf(1);
  };
  const first = classOf(0);
  for (let i = 1; i < Y.rows; i++) if (classOf(i) !== first) return;
  const needs = binary ? 'logistic regression needs examples of both 0 and 1' : 'softmax regression needs examples of at least two classes';
  throw new ValueError(`${name} holds only class ${first}; ${needs}`);
}

/** 0/1 labels as an n×1 column. With `needBoth`, a y holding one class only is rejected (nothing to learn). */
export function binaryTargets(name: string, y: unknown, n: number, needBoth: boolean): HostMatrix {
  // The caller's values, not their f32 copies: 1 + 1e-12 rounds to 1 in f32 but is not a label.
  const { given, f32 } = labelsArray(name, y, n);
  for (let i = 0; i < n; i++) {
    const v = given[i] as number;
    if (v !== 0 && v !== 1) throw new ValueError(`${name}[${i}] = ${v}, but logistic regression labels must be 0 or 1`);
  }
  const Y = { data: f32, rows: n, cols: 1 };
  if (needBoth) requireTwoClasses(name, Y, true);
  return Y;
}

/** Integer labels 0..k−1 as one-hot rows (n×k). With `needTwo`, a y holding one class only is rejected. */
export function oneHotTargets(name: string, y: unknown, n: number, k: number, needTwo = false): HostMatrix {
  const { given } = labelsArray(name, y, n);
  const data = allocF32(`${name} as one-hot rows (${n}×${k})`, n * k);
  for (let i = 0; i < n; i++) {
    const v = given[i] as number;
    if (!Number.isInteger(v) || v < 0 || v >= k) {
      throw new ValueError(`${name}[${i}] = ${v}, but labels must be integers from 0 to ${k - 1} (nClasses = ${k})`);
    }
    data[i * k + v] = 1;
  }
  const Y = { data, rows: n, cols: k };
  if (needTwo) requireTwoClasses(name, Y, false);
  return Y;
}

/** Regression targets: a vector when there is one output, else an n×nOutputs matrix. */
export function regressionTargets(name: string, y: unknown, n: number, nOutputs: number): HostMatrix {
  const nested = Array.isArray(y) && typeof y[0] === 'object' && y[0] !== null;
  if (nOutputs === 1 && !nested) return { data: labelsArray(name, y, n).f32, rows: n, cols: 1 };
  const m = toHostMatrix(name, y as MatrixInput);
  if (m.rows !== n || m.cols !== nOutputs) {
    throw new ShapeError(`${name} is ${m.rows}×${m.cols} but must be ${n}×${nOutputs} (one row per row of X, nOutputs columns)`);
  }
  return m;
}

/**
 * The classes integer labels 0..k−1 call for: the largest label + 1 (a softmax fit without nClasses
 * takes its shape from it). Labels that are not integers 0 or more are refused by name, and so is a
 * label past MAX_CLASSES − 1, as the data helpers refuse one: a single label of 1e9 would otherwise
 * ask for a 1e9-column model and one-hot matrix.
 */
export function classCount(name: string, y: unknown, n: number): number {
  const { given } = labelsArray(name, y, n);
  let largest = 0;
  for (let i = 0; i < n; i++) {
    const v = given[i] as number;
    if (!Number.isInteger(v) || v < 0) throw new ValueError(`${name}[${i}] = ${v}, but labels must be integers 0, 1, 2, … (class indices)`);
    if (v >= MAX_CLASSES) {
      throw new ValueError(`${name}[${i}] = ${v}: without nClasses the classes are taken from the labels, at most ${MAX_CLASSES} of them (labels 0 to ${MAX_CLASSES - 1}); give nClasses for more`);
    }
    largest = Math.max(largest, v);
  }
  return largest + 1;
}

/** The outputs regression targets have: 1 for a vector, else the matrix's columns (checked by regressionTargets after). */
export function regressionColumns(name: string, y: unknown): number {
  const nested = Array.isArray(y) && typeof y[0] === 'object' && y[0] !== null;
  const matrix = typeof y === 'object' && y !== null && !Array.isArray(y) && !ArrayBuffer.isView(y);
  return nested || matrix ? toHostMatrix(name, y as MatrixInput).cols : 1;
}
