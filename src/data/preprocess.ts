// Feature scaling: gradient descent with one learning rate for every weight converges slowly (or
// diverges) when features differ in scale by orders of magnitude, so standardize first. A fitted
// standardizer is saved with the model it scaled for (toJSON / standardizerFromJSON), so new inputs
// are transformed exactly as the training set was.
import type { HostMatrix, MatrixInput } from '../types.ts';
import { ShapeError, ValueError } from '../errors.ts';
import { describeValue, F32_MAX, F32_MIN_NORMAL, toHostMatrix } from '../validate.ts';

/** A Standardizer as plain JSON: what `JSON.stringify(standardizer)` writes and standardizerFromJSON() reads. */
export interface StandardizerJSON {
  kind: 'standardize';
  version: 1;
  /** Per-column mean, within float32's range (±3.4e38), as the columns it was fitted on. */
  mean: number[];
  /** Per-column standard deviation (1 for constant columns): from 1.18e-38 to 3.4e38, the normal float32 range. */
  scale: number[];
}

/** Per-column standardization learned by fitStandardizer() or read by standardizerFromJSON(). */
export interface Standardizer {
  mean: Float64Array;
  /** Per-column standard deviation; 1 for constant columns, so they map to 0 instead of NaN. */
  scale: Float64Array;
  /**
   * (X − mean) / scale, column by column; X must have the fitted number of columns. A value whose
   * result is beyond float32's range (a far outlier of a column of tiny spread) is a ValueError.
   */
  transform(X: MatrixInput): HostMatrix;
  /** The mean and scale as JSON numbers, which round-trip exactly: the restored standardizer transforms bit for bit alike. */
  toJSON(): StandardizerJSON;
}

function makeStandardizer(mean: Float64Array, scale: Float64Array): Standardizer {
  return {
    mean,
    scale,
    transform(input: MatrixInput): HostMatrix {
      const t = toHostMatrix('X', input);
      if (t.cols !== mean.length) throw new ShapeError(`X has ${t.cols} columns but the standardizer was fitted on ${mean.length}`);
      const data = new Float32Array(t.data.length);
      for (let i = 0; i < t.rows; i++) {
        for (let j = 0; j < t.cols; j++) {
          const x = t.data[i * t.cols + j] as number;
          const z = (x - (mean[j] as number)) / (scale[j] as number);
          if (!(Math.abs(z) <= F32_MAX)) {
            throw new ValueError(`transform: X has ${x} at row ${i}, column ${j}, which standardizes to ${z} (mean ${mean[j]}, scale ${scale[j]}), beyond the float32 range (±3.4e38)`);
          }
          data[i * t.cols + j] = z;
        }
      }
      return { data, rows: t.rows, cols: t.cols };
    },
    toJSON(): StandardizerJSON {
      return { kind: 'standardize', version: 1, mean: Array.from(mean), scale: Array.from(scale) };
    },
  };
}

/** Learns per-column mean and standard deviation from X (the training set). */
export function fitStandardizer(X: MatrixInput): Standardizer {
  const m = toHostMatrix('X', X);
  const mean = new Float64Array(m.cols);
  const scale = new Float64Array(m.cols);
  // Sums are taken relative to each column's first value: a constant column then has mean exactly
  // that value and spread exactly 0 (a plain mean of 37 threes is not exactly 3 in floating point).
  const first = m.data.slice(0, m.cols);
  for (let i = 0; i < m.rows; i++) {
    for (let j = 0; j < m.cols; j++) mean[j] += ((m.data[i * m.cols + j] as number) - (first[j] as number)) / m.rows;
  }
  for (let j = 0; j < m.cols; j++) mean[j] += first[j] as number;
  for (let i = 0; i < m.rows; i++) {
    for (let j = 0; j < m.cols; j++) scale[j] += ((m.data[i * m.cols + j] as number) - (mean[j] as number)) ** 2 / m.rows;
  }
  // A spread below float32's normal range is a constant column in float32 (as scikit-learn treats
  // a near-zero scale): dividing by it would send any other value to Infinity.
  for (let j = 0; j < m.cols; j++) {
    const s = Math.sqrt(scale[j] as number);
    scale[j] = s < F32_MIN_NORMAL ? 1 : Math.min(s, F32_MAX);
  }
  return makeStandardizer(mean, scale);
}

/** `json[field]` as a Float64Array of finite numbers, each also passing `ok` (described by `what`). */
function numbers(json: Record<string, unknown>, field: string, ok: (v: number) => boolean, what: string): Float64Array {
  const values = json[field];
  if (!Array.isArray(values)) throw new ValueError(`standardizerFromJSON: json.${field} must be an array of numbers, got ${describeValue(values)}`);
  if (values.length === 0) throw new ShapeError(`standardizerFromJSON: json.${field} is empty`);
  // Every value checked before the copy is allocated: a sparse array of length 2^32 − 1 fails at
  // its first hole instead of in the allocation, as a RangeError.
  for (let i = 0; i < values.length; i++) {
    const v: unknown = values[i];
    if (typeof v !== 'number' || !Number.isFinite(v) || !ok(v)) {
      throw new ValueError(`standardizerFromJSON: json.${field}[${i}] is ${describeValue(v)}, but must be ${what}`);
    }
  }
  return Float64Array.from(values as number[]);
}

const JSON_FIELDS = ['kind', 'version', 'mean', 'scale'];

/**
 * A standardizer from its JSON (a Standardizer's toJSON(), e.g. after JSON.parse): it transforms
 * exactly as the one that was saved. Every field is checked; a bad one is a ValueError naming it.
 */
export function standardizerFromJSON(json: StandardizerJSON): Standardizer {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    const hint = typeof json === 'string' ? ' (parse the text with JSON.parse first)' : '';
    throw new ValueError(`standardizerFromJSON: json must be an object, got ${describeValue(json)}${hint}`);
  }
  const j = json as unknown as Record<string, unknown>;
  for (const key of Object.keys(j)) {
    if (!JSON_FIELDS.includes(key)) throw new ValueError(`standardizerFromJSON: unknown field json.${key} (known: ${JSON_FIELDS.join(', ')})`);
  }
  if (j.kind !== 'standardize') throw new ValueError(`standardizerFromJSON: json.kind must be 'standardize', got ${describeValue(j.kind)}`);
  if (j.version !== 1) throw new ValueError(`standardizerFromJSON: json.version must be 1, got ${describeValue(j.version)}`);
  // The columns the transform takes are float32: a mean beyond its range, or a scale outside its
  // normal range, sends every value (or all but one) to ±Infinity or to 0.
  const mean = numbers(j, 'mean', (v) => Math.abs(v) <= F32_MAX, 'a finite number within the float32 range (±3.4e38)');
  const scale = numbers(j, 'scale', (v) => v >= F32_MIN_NORMAL && v <= F32_MAX, 'a number from 1.18e-38 to 3.4e38 (the normal float32 range)');
  if (scale.length !== mean.length) throw new ShapeError(`standardizerFromJSON: json.scale has ${scale.length} values but json.mean has ${mean.length}`);
  return makeStandardizer(mean, scale);
}

/** Fits on X and returns X standardized (zero mean, unit variance per column). */
export function standardize(X: MatrixInput): HostMatrix {
  return fitStandardizer(X).transform(X);
}
