// Input checks shared by the GPU ops, the CPU reference and the estimators. They run before any
// GPU work is encoded, so a rejected call leaves no GPU state half-changed.
import { ShapeError, ValueError } from './errors.ts';
import { GpuMatrix } from './matrix.ts';
import type { DenseMatrix, HostMatrix, MatrixInput } from './types.ts';

/** The largest finite float32: anything beyond it would reach the GPU as Infinity. */
export const F32_MAX = 3.4028234663852886e38;

/** The smallest normal float32: GPUs flush anything smaller (a subnormal) to 0. */
export const F32_MIN_NORMAL = 1.1754943508222875e-38;

export function describeShape(m: { rows: number; cols: number }): string {
  return `${m.rows}×${m.cols}`;
}

/**
 * A short description of any value for an error message. Numbers print as themselves (NaN and
 * Infinity included); anything else also says its type, so '3' (a string) is not mistaken for 3.
 * Never calls a user-defined toString, which could throw or lie.
 */
export function describeValue(value: unknown): string {
  switch (typeof value) {
    case 'number':
      return Object.is(value, -0) ? '-0' : String(value);
    case 'string':
      return `'${value.length > 40 ? `${value.slice(0, 40)}…` : value}' (a string)`;
    case 'bigint':
      return `${value.toString()}n (a bigint)`;
    case 'boolean':
      return `${String(value)} (a boolean)`;
    case 'undefined':
      return 'undefined';
    case 'symbol':
      return 'a symbol';
    case 'function':
      return 'a function';
    default:
      if (value === null) return 'null';
      if (Array.isArray(value)) return `an array of length ${value.length}`;
      if (ArrayBuffer.isView(value)) return `a ${value.constructor.name}`;
      return 'an object';
  }
}

export function checkPositiveInt(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new ValueError(`${name} must be a positive integer, got ${describeValue(value)}`);
  }
  return value;
}

export function checkFiniteNumber(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new ValueError(`${name} must be a finite number, got ${describeValue(value)}`);
  }
  return value;
}

/**
 * A finite number that float32 also holds as a finite number: an option the GPU receives as f32
 * (l2, a schedule's parameters...) that is finite in float64 but beyond ±3.4e38 would reach the
 * kernels as Infinity and end as NaN, blamed on something else.
 */
export function checkF32Number(name: string, value: unknown): number {
  const n = checkFiniteNumber(name, value);
  if (Math.abs(n) > F32_MAX) throw new ValueError(`${name} is ${n}, beyond the float32 range (±3.4e38)`);
  return n;
}

/**
 * A zeroed Float32Array of `length` values for `what`. A length the JavaScript engine cannot
 * allocate (an array-like claiming 2^40 values, a model of 2^40 outputs) is a
 * ShapeError naming it, instead of a RangeError from the typed-array constructor.
 */
export function allocF32(what: string, length: number): Float32Array {
  try {
    return new Float32Array(length);
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    throw new ShapeError(`${what} would hold ${length} float32 values (${length * 4} bytes), more than can be allocated here`);
  }
}

/** Throws naming the first NaN/Infinity in `data`, as (row, col) of a matrix with `cols` columns. */
export function checkFiniteData(name: string, data: ArrayLike<number>, cols: number): void {
  for (let i = 0; i < data.length; i++) {
    const v = data[i] as number;
    if (!Number.isFinite(v)) {
      const row = Math.floor(i / cols);
      throw new ValueError(`${name} has a non-finite value ${v} at row ${row}, column ${i - row * cols}`);
    }
  }
}

/**
 * Throws for a value bound for a float32 buffer that is not a number, not finite, or beyond
 * float32 range (a finite 1e39 would silently become Infinity on the GPU). `where` locates it.
 */
function rejectF32Value(name: string, value: unknown, where: string): never {
  if (typeof value !== 'number') throw new ValueError(`${name} has ${describeValue(value)} at ${where}, not a number`);
  if (!Number.isFinite(value)) throw new ValueError(`${name} has a non-finite value ${value} at ${where}`);
  throw new ValueError(`${name} has ${value} at ${where}, beyond the float32 range (±3.4e38)`);
}

/** True for a number a float32 holds without turning it into Infinity (false for NaN). */
function fitsF32(value: unknown): value is number {
  return typeof value === 'number' && Math.abs(value) <= F32_MAX;
}

/** `values` (row-major, `cols` wide) as a Float32Array, after checking every value fits float32. */
export function toF32Values(name: string, values: ArrayLike<unknown>, cols: number): Float32Array {
  const out = allocF32(name, values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!fitsF32(v)) {
      const row = Math.floor(i / cols);
      rejectF32Value(name, v, `row ${row}, column ${i - row * cols}`);
    }
    out[i] = v;
  }
  return out;
}

/** A 1-D array of numbers (labels, a bias) as a Float32Array; messages say `name[i]`. */
export function toF32Vector(name: string, values: ArrayLike<unknown>): Float32Array {
  const out = allocF32(name, values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!fitsF32(v)) {
      if (typeof v !== 'number') throw new ValueError(`${name}[${i}] is ${describeValue(v)}, not a number`);
      if (!Number.isFinite(v)) throw new ValueError(`${name}[${i}] = ${v} is not a finite number`);
      throw new ValueError(`${name}[${i}] = ${v} is beyond the float32 range (±3.4e38)`);
    }
    out[i] = v;
  }
  return out;
}

function isDense(input: MatrixInput): input is DenseMatrix {
  return typeof input === 'object' && input !== null && !Array.isArray(input) && 'data' in input;
}

/** A row given as a number array or a typed array (not a DataView). */
function isRow(row: unknown): row is ArrayLike<unknown> {
  return Array.isArray(row) || (ArrayBuffer.isView(row) && !(row instanceof DataView));
}

/**
 * Converts nested rows to a HostMatrix, checking that every row is an array of numbers of one
 * length. Indexed loops, not forEach: forEach skips the holes of a sparse array, which would
 * leave zeros where the caller gave nothing.
 */
function fromRows(name: string, rows: readonly unknown[]): HostMatrix {
  if (rows.length === 0) throw new ShapeError(`${name} is empty (0 rows)`);
  const first = rows[0];
  if (!isRow(first)) throw new ShapeError(`${name} must be an array of row arrays; row 0 is ${describeValue(first)}`);
  const cols = first.length;
  if (cols === 0) throw new ShapeError(`${name} has rows of length 0`);
  const data = allocF32(name, rows.length * cols);
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    if (!isRow(row)) throw new ShapeError(`${name} row ${i} is ${describeValue(row)}, not an array`);
    if (row.length !== cols) {
      throw new ShapeError(`${name} is ragged: row 0 has ${cols} values but row ${i} has ${row.length}`);
    }
    for (let j = 0; j < cols; j++) {
      const v = row[j];
      if (typeof v !== 'number') throw new ValueError(`${name}[${i}][${j}] is ${describeValue(v)}, not a number`);
      if (!fitsF32(v)) rejectF32Value(name, v, `row ${i}, column ${j}`);
      data[i * cols + j] = v;
    }
  }
  return { data, rows: rows.length, cols };
}

function fromDense(name: string, input: DenseMatrix): HostMatrix {
  const { data, rows, cols } = input;
  if (!Number.isInteger(rows) || rows < 1 || !Number.isInteger(cols) || cols < 1) {
    throw new ShapeError(`${name} must have positive integer rows and cols, got ${describeValue(rows)}×${describeValue(cols)}`);
  }
  if (data === null || typeof data !== 'object' || typeof data.length !== 'number') {
    throw new ValueError(`${name}.data must be a Float32Array or number array, got ${describeValue(data)}`);
  }
  if (data.length !== rows * cols) {
    throw new ShapeError(`${name}.data has ${data.length} values but ${name} is ${rows}×${cols} (${rows * cols} values)`);
  }
  if (data instanceof Float32Array) {
    checkFiniteData(name, data, cols);
    return { data, rows, cols };
  }
  return { data: toF32Values(name, data as ArrayLike<unknown>, cols), rows, cols };
}

/**
 * Checks a matrix argument and returns it as a HostMatrix (Float32Array data, copied only when
 * the input is not already a Float32Array). Rejects empty, ragged, mis-sized, non-numeric,
 * non-finite and beyond-float32 input.
 */
export function toHostMatrix(name: string, input: MatrixInput): HostMatrix {
  if (Array.isArray(input)) return fromRows(name, input as readonly unknown[]);
  if (isDense(input)) return fromDense(name, input);
  if ((input as unknown) instanceof GpuMatrix) {
    const g = input as unknown as GpuMatrix;
    throw new ValueError(`${name} is a GPU matrix (${describeShape(g)}); this takes host data ({ data, rows, cols } or an array of rows): read() it first`);
  }
  throw new ValueError(`${name} must be { data, rows, cols } or an array of rows, got ${describeValue(input)}`);
}
