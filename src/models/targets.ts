// Checks and encodes y for each kind of model, before any GPU work starts.
import { ShapeError, ValueError } from '../errors.ts';
import type { HostMatrix, MatrixInput } from '../types.ts';
import { toHostMatrix } from '../validate.ts';

/** Labels or targets as users pass them. */
export type LabelsInput = Int32Array | Float32Array | Float64Array | Uint8Array | readonly number[];

function labelsArray(name: string, y: unknown, n: number): ArrayLike<number> {
  const ok = Array.isArray(y) || (ArrayBuffer.isView(y) && !(y instanceof DataView));
  if (!ok) throw new ValueError(`${name} must be an array or typed array of numbers, got ${y === null ? 'null' : typeof y}`);
  const arr = y as ArrayLike<number>;
  if (arr.length !== n) throw new ShapeError(`${name} has ${arr.length} values but X has ${n} rows`);
  for (let i = 0; i < arr.length; i++) {
    const v = arr[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new ValueError(`${name}[${i}] = ${String(v)} is not a finite number`);
  }
  return arr;
}

/** 0/1 labels as an n×1 column. With `needBoth`, a y holding one class only is rejected (nothing to learn). */
export function binaryTargets(name: string, y: unknown, n: number, needBoth: boolean): HostMatrix {
  const arr = labelsArray(name, y, n);
  const data = new Float32Array(n);
  let ones = 0;
  for (let i = 0; i < n; i++) {
    const v = arr[i] as number;
    if (v !== 0 && v !== 1) throw new ValueError(`${name}[${i}] = ${v}, but logistic regression labels must be 0 or 1`);
    data[i] = v;
    ones += v;
  }
  if (needBoth && (ones === 0 || ones === n)) {
    throw new ValueError(`${name} holds only class ${ones === 0 ? 0 : 1}; logistic regression needs examples of both 0 and 1`);
  }
  return { data, rows: n, cols: 1 };
}

/** Integer labels 0..k−1 as one-hot rows (n×k). */
export function oneHotTargets(name: string, y: unknown, n: number, k: number): HostMatrix {
  const arr = labelsArray(name, y, n);
  const data = new Float32Array(n * k);
  for (let i = 0; i < n; i++) {
    const v = arr[i] as number;
    if (!Number.isInteger(v) || v < 0 || v >= k) {
      throw new ValueError(`${name}[${i}] = ${v}, but labels must be integers from 0 to ${k - 1} (nClasses = ${k})`);
    }
    data[i * k + v] = 1;
  }
  return { data, rows: n, cols: k };
}

/** Regression targets: a vector when there is one output, else an n×nOutputs matrix. */
export function regressionTargets(name: string, y: unknown, n: number, nOutputs: number): HostMatrix {
  if (nOutputs === 1 && !(Array.isArray(y) && Array.isArray(y[0]))) {
    const arr = labelsArray(name, y, n);
    return { data: Float32Array.from(arr), rows: n, cols: 1 };
  }
  const m = toHostMatrix(name, y as MatrixInput);
  if (m.rows !== n || m.cols !== nOutputs) {
    throw new ShapeError(`${name} is ${m.rows}×${m.cols} but must be ${n}×${nOutputs} (one row per row of X, nOutputs columns)`);
  }
  return m;
}
