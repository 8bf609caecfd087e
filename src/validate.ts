// Input checks shared by the GPU ops, the CPU reference and the estimators. They run before any
// GPU work is encoded, so a rejected call leaves no GPU state half-changed.
import { ShapeError, ValueError } from './errors.ts';
import type { DenseMatrix, HostMatrix, MatrixInput } from './types.ts';

export function describeShape(m: { rows: number; cols: number }): string {
  return `${m.rows}×${m.cols}`;
}

export function checkPositiveInt(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new ValueError(`${name} must be a positive integer, got ${String(value)}`);
  }
  return value;
}

export function checkFiniteNumber(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new ValueError(`${name} must be a finite number, got ${String(value)}`);
  }
  return value;
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

function isDense(input: MatrixInput): input is DenseMatrix {
  return typeof input === 'object' && input !== null && !Array.isArray(input) && 'data' in input;
}

/** Converts nested rows to a HostMatrix, checking that every row is a number array of one length. */
function fromRows(name: string, rows: readonly (readonly number[])[]): HostMatrix {
  if (rows.length === 0) throw new ShapeError(`${name} is empty (0 rows)`);
  const first = rows[0];
  if (!Array.isArray(first)) throw new ShapeError(`${name} must be an array of row arrays; row 0 is ${typeof first}`);
  const cols = first.length;
  if (cols === 0) throw new ShapeError(`${name} has rows of length 0`);
  const data = new Float32Array(rows.length * cols);
  rows.forEach((row, i) => {
    if (!Array.isArray(row)) throw new ShapeError(`${name} row ${i} is not an array`);
    if (row.length !== cols) {
      throw new ShapeError(`${name} is ragged: row 0 has ${cols} values but row ${i} has ${row.length}`);
    }
    row.forEach((v, j) => {
      if (typeof v !== 'number') throw new ValueError(`${name}[${i}][${j}] is ${typeof v}, not a number`);
      data[i * cols + j] = v;
    });
  });
  return { data, rows: rows.length, cols };
}

/**
 * Checks a matrix argument and returns it as a HostMatrix (Float32Array data, copied only when
 * the input is not already a Float32Array). Rejects empty, ragged, mis-sized and non-finite input.
 */
export function toHostMatrix(name: string, input: MatrixInput): HostMatrix {
  let m: HostMatrix;
  if (Array.isArray(input)) {
    m = fromRows(name, input as readonly (readonly number[])[]);
  } else if (isDense(input)) {
    const { data, rows, cols } = input;
    if (!Number.isInteger(rows) || rows < 1 || !Number.isInteger(cols) || cols < 1) {
      throw new ShapeError(`${name} must have positive integer rows and cols, got ${String(rows)}×${String(cols)}`);
    }
    if (data === null || typeof data !== 'object' || typeof data.length !== 'number') {
      throw new ValueError(`${name}.data must be a Float32Array or number array`);
    }
    if (data.length !== rows * cols) {
      throw new ShapeError(`${name}.data has ${data.length} values but ${name} is ${rows}×${cols} (${rows * cols} values)`);
    }
    m = { data: data instanceof Float32Array ? data : Float32Array.from(data), rows, cols };
  } else {
    throw new ValueError(`${name} must be { data, rows, cols } or an array of rows, got ${input === null ? 'null' : typeof input}`);
  }
  checkFiniteData(name, m.data, m.cols);
  return m;
}
