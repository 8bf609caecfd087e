// Checks and encodes y for each kind of model, before any GPU work starts.
import { ShapeError, ValueError } from '../errors.ts';
import type { HostMatrix, MatrixInput } from '../types.ts';
import { describeValue, toF32Vector, toHostMatrix } from '../validate.ts';

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

/** 0/1 labels as an n×1 column. With `needBoth`, a y holding one class only is rejected (nothing to learn). */
export function binaryTargets(name: string, y: unknown, n: number, needBoth: boolean): HostMatrix {
  // The caller's values, not their f32 copies: 1 + 1e-12 rounds to 1 in f32 but is not a label.
  const { given, f32 } = labelsArray(name, y, n);
  let ones = 0;
  for (let i = 0; i < n; i++) {
    const v = given[i] as number;
    if (v !== 0 && v !== 1) throw new ValueError(`${name}[${i}] = ${v}, but logistic regression labels must be 0 or 1`);
    ones += v;
  }
  if (needBoth && (ones === 0 || ones === n)) {
    throw new ValueError(`${name} holds only class ${ones === 0 ? 0 : 1}; logistic regression needs examples of both 0 and 1`);
  }
  return { data: f32, rows: n, cols: 1 };
}

/** Integer labels 0..k−1 as one-hot rows (n×k). */
export function oneHotTargets(name: string, y: unknown, n: number, k: number): HostMatrix {
  const { given } = labelsArray(name, y, n);
  const data = new Float32Array(n * k);
  for (let i = 0; i < n; i++) {
    const v = given[i] as number;
    if (!Number.isInteger(v) || v < 0 || v >= k) {
      throw new ValueError(`${name}[${i}] = ${v}, but labels must be integers from 0 to ${k - 1} (nClasses = ${k})`);
    }
    data[i * k + v] = 1;
  }
  return { data, rows: n, cols: k };
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
