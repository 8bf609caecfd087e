// Small shared helpers for dense host matrices (the float64 reference and the metrics use them): allocation, indexing and shape checks.
// Every check throws before any arithmetic, so a bad call never returns a half-computed result.
import { ShapeError, ValueError } from './errors.ts';
import type { DenseMatrix, Matrix64 } from './types.ts';
import { describeShape, describeValue } from './validate.ts';

export function zeros(rows: number, cols: number): Matrix64 {
  return { data: new Float64Array(rows * cols), rows, cols };
}

/** Element (i, j) of a row-major matrix. */
export function at(m: DenseMatrix, i: number, j: number): number {
  return m.data[i * m.cols + j] as number;
}

/** Throws unless `m` has positive integer dimensions and exactly rows·cols values. */
export function checkMatrix(fn: string, name: string, m: DenseMatrix): void {
  if (m === null || typeof m !== 'object' || Array.isArray(m) || m.data === null || typeof m.data !== 'object') {
    throw new ShapeError(`${fn}: ${name} must be { data, rows, cols }, got ${describeValue(m)}`);
  }
  const { rows, cols } = m;
  if (!Number.isInteger(rows) || rows < 1 || !Number.isInteger(cols) || cols < 1) {
    throw new ShapeError(`${fn}: ${name} must have positive integer rows and cols, got ${describeValue(rows)}×${describeValue(cols)}`);
  }
  if (m.data.length !== rows * cols) {
    throw new ShapeError(
      `${fn}: ${name}.data has ${m.data.length} values but ${name} is ${describeShape(m)} (${rows * cols} values)`,
    );
  }
  // Typed arrays of numbers hold nothing else; an array (or a BigInt64Array) may hold strings,
  // holes or bigints, which arithmetic would coerce or throw a TypeError on.
  const data: unknown = m.data;
  if (ArrayBuffer.isView(data) && !(data instanceof BigInt64Array || data instanceof BigUint64Array)) return;
  for (let i = 0; i < m.data.length; i++) {
    const v: unknown = m.data[i];
    if (typeof v !== 'number') throw new ValueError(`${fn}: ${name}.data[${i}] is ${describeValue(v)}, not a number`);
  }
}

/** Throws `fn: A is r×c but B is r×c (rule)` when `fits` is false. */
export function requireFit(
  fn: string,
  aName: string,
  a: DenseMatrix,
  bName: string,
  b: DenseMatrix,
  fits: boolean,
  rule: string,
): void {
  if (!fits) {
    throw new ShapeError(`${fn}: ${aName} is ${describeShape(a)} but ${bName} is ${describeShape(b)} (${rule})`);
  }
}

export function requireSameShape(fn: string, aName: string, a: DenseMatrix, bName: string, b: DenseMatrix): void {
  requireFit(fn, aName, a, bName, b, a.rows === b.rows && a.cols === b.cols, `${aName} and ${bName} must have the same shape`);
}
