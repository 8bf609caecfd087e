// GridSearch's checks, all made before anything is uploaded: the grid (values and candidate
// count), the fit's schedule, the validation split and the rules it must keep (both classes in the
// training part, an R² that is defined), and whether the candidates fit the device's buffers.
import type { GpuContext } from '../gpu/context.ts';
import { rate, type LearningRateSchedule } from '../core/schedule.ts';
import { isCheckedBytes, type CheckedFeatures } from '../step/training-set.ts';
import { ShapeError, ValueError } from '../errors.ts';
import { CHUNK, groupStride, paddedClasses, rowChunks } from '../kernels/step-layout.ts';
import type { HostMatrix } from '../types.ts';
import { checkF32Number, describeValue } from '../validate.ts';
import { requireTwoClasses } from './targets.ts';

/**
 * The most candidates one GridSearch trains. Each candidate costs a parameter set in the step
 * kernels (Wp grows by (d + 1)·k floats and the batch scratch by batchSize·k), two buffers of its
 * own for the validation pass and a copy per epoch: 5000 candidates on 64×3 data took 361 MB and
 * 20 021 buffers, 256 took 1042 buffers and 74 MB (Dawn on SwiftShader). 256 (e.g. 16 rates × 16 λ)
 * is far beyond the grids the search is for; large d·k meets the buffer limits first (checkGridSizes).
 */
export const MAX_GRID_CANDIDATES = 256;

const GRID_KEYS = ['learningRate', 'l2'] as const;
export const SCHEDULE_KINDS: ReadonlySet<string> = new Set(['step', 'exponential', 'inverse-time']);

/** The grid as checked: each key's values, or null when the grid leaves it out, and the keys in the order given. */
export interface CheckedGrid {
  learningRate: number[] | null;
  l2: number[] | null;
  keys: string[];
}

/** One grid value checked as fit() checks that option: a rate the f32 kernels see as it is, an l2 ≥ 0 within float32. */
function gridValue(key: string, i: number, v: unknown): number {
  const name = `grid.${key}[${i}]`;
  if (key === 'learningRate') return rate(name, v);
  const n = checkF32Number(name, v);
  if (n < 0) throw new ValueError(`${name} must be ≥ 0, got ${n}`);
  return n;
}

/** The grid checked: each key's values as a non-empty list of valid values, and at most MAX_GRID_CANDIDATES combinations. */
export function checkGrid(grid: unknown): CheckedGrid {
  if (typeof grid !== 'object' || grid === null || Array.isArray(grid)) throw new ValueError(`grid must be an object such as { learningRate: [0.01, 0.1] }, got ${describeValue(grid)}`);
  const out: CheckedGrid = { learningRate: null, l2: null, keys: [] };
  for (const [key, value] of Object.entries(grid)) {
    if (!(GRID_KEYS as readonly string[]).includes(key)) throw new ValueError(`grid: unknown key '${key}' (known: ${GRID_KEYS.join(', ')})`);
    if (!Array.isArray(value) && !ArrayBuffer.isView(value)) throw new ValueError(`grid.${key} must be an array of numbers, got ${describeValue(value)}`);
    const length = (value as ArrayLike<unknown>).length;
    if (length === 0) throw new ValueError(`grid.${key} is empty: give at least one value`);
    // Sizes first, from the length: a huge (or sparse) list is refused before it is copied or looked at.
    const count = out.keys.reduce((c, k) => c * (out[k as 'learningRate' | 'l2'] as number[]).length, length);
    if (count > MAX_GRID_CANDIDATES) {
      throw new ValueError(`grid has ${count} candidates (every combination of its values), over the limit of ${MAX_GRID_CANDIDATES}: search a coarser grid first`);
    }
    const values = Array.from(value as ArrayLike<unknown>);
    const checked = values.map((v, i) => gridValue(key, i, v));
    if (key === 'learningRate') out.learningRate = checked;
    else out.l2 = checked;
    out.keys.push(key);
  }
  if (out.keys.length === 0) throw new ValueError('grid is empty: give learningRate and/or l2 values');
  return out;
}

/** The schedule a candidate with grid rate `rate` uses, from fit()'s learningRate. */
export function candidateSchedule(base: unknown, rate: number): LearningRateSchedule {
  if (base === undefined) return rate;
  if (typeof base !== 'object' || base === null || Array.isArray(base)) {
    throw new ValueError(`learningRate: the grid sets each candidate's rate, so fit()'s learningRate may only be a schedule object whose initial it replaces, got ${describeValue(base)}`);
  }
  const kind: unknown = (base as { kind?: unknown }).kind;
  if (typeof kind !== 'string' || !SCHEDULE_KINDS.has(kind)) {
    throw new ValueError(`learningRate.kind must be one of ${[...SCHEDULE_KINDS].join(', ')} in a grid search, got ${describeValue(kind)}`);
  }
  return { ...(base as object), initial: rate } as LearningRateSchedule;
}

/** The rows start..start+rows of checked features, as the same kind (no copy). */
export function featureRows(X: CheckedFeatures, start: number, rows: number): CheckedFeatures {
  const data = X.data.subarray(start * X.cols, (start + rows) * X.cols);
  return isCheckedBytes(X) ? { data: data as Uint8Array, rows, cols: X.cols, scale: X.scale } : { data: data as Float32Array, rows, cols: X.cols };
}

export function targetRows(Y: HostMatrix, start: number, rows: number): HostMatrix {
  return { data: Y.data.subarray(start * Y.cols, (start + rows) * Y.cols), rows, cols: Y.cols };
}

/** The training and validation parts of X and Y that `validationFraction` makes. */
export interface FractionSplit {
  X: CheckedFeatures;
  Y: HostMatrix;
  validationX: CheckedFeatures;
  validationY: HostMatrix;
}

/**
 * The last Math.round(f·n) rows held out. A classifier's training part must keep two classes, as
 * fit() requires of its y (`classes`: 'binary' or 'one-hot' targets, null for a regression).
 */
export function splitByFraction(f: unknown, X: CheckedFeatures, Y: HostMatrix, classes: 'binary' | 'one-hot' | null): FractionSplit {
  if (typeof f !== 'number' || !Number.isFinite(f) || f <= 0 || f >= 1) throw new ValueError(`validationFraction must be a number between 0 and 1 (exclusive), got ${describeValue(f)}`);
  const held = Math.round(f * X.rows);
  if (held < 1 || held >= X.rows) throw new ValueError(`validationFraction ${f} of ${X.rows} rows leaves ${held} validation rows: both parts need at least one row`);
  const kept = X.rows - held;
  const train = targetRows(Y, 0, kept);
  if (classes !== null) requireTwoClasses(`y's training part (its first ${kept} rows, before the ${held} that validationFraction ${f} holds out)`, train, classes === 'binary');
  return { X: featureRows(X, 0, kept), Y: train, validationX: featureRows(X, kept, held), validationY: targetRows(Y, kept, held) };
}

/**
 * R² needs at least two validation rows and targets that vary in every output: otherwise it is
 * undefined (scikit-learn returns NaN with a warning) and every candidate would tie at 0.
 */
export function requireDefinedR2(Y: HostMatrix, defaulted: boolean): void {
  const why = defaulted ? "scoring 'r2' (the default for LinearRegression)" : "scoring 'r2'";
  if (Y.rows < 2) throw new ValueError(`${why} is undefined on a validation set of ${Y.rows} row: give at least 2 rows, or scoring: 'loss'`);
  for (let j = 0; j < Y.cols; j++) {
    const first = Y.data[j] as number;
    let varies = false;
    for (let i = 1; i < Y.rows && !varies; i++) varies = Y.data[i * Y.cols + j] !== first;
    if (!varies) {
      const output = Y.cols === 1 ? '' : ` in output ${j}`;
      throw new ValueError(`${why} is undefined: the validation targets${output} are all ${first} (no variance); give a validation set whose targets vary, or scoring: 'loss'`);
    }
  }
}

/** What checkGridSizes measures. */
export interface GridShape {
  d: number;
  k: number;
  count: number;
  batchSize: number;
  /** The training and validation features, whose rows must each fit one buffer. */
  sets: readonly { name: string; X: CheckedFeatures }[];
  shardBytes: number | undefined;
}

/**
 * Refuses, before any upload, a search whose buffers the device cannot hold: a row of X wider than
 * one buffer, and the candidates' parameter sets side by side (the step kernels' Wp and batch
 * scratch, and the search's own copy of every W), which grow with the candidates.
 */
export function checkGridSizes(ctx: GpuContext, s: GridShape): void {
  const binding = Math.min(ctx.limits.maxStorageBufferBindingSize, ctx.limits.maxBufferSize);
  const shard = Math.min(binding, s.shardBytes ?? Number.POSITIVE_INFINITY);
  for (const { name, X } of s.sets) {
    const rowBytes = (rowChunks(X.cols) * CHUNK * (isCheckedBytes(X) ? 1 : 4));
    if (rowBytes > shard) throw new ShapeError(`${name}: one row takes ${rowBytes} bytes, over the ${shard}-byte limit of one buffer`);
  }
  const kPad = paddedClasses(s.count * groupStride(s.k));
  const dPad = rowChunks(s.d) * CHUNK;
  const needs: [string, number][] = [
    ['their parameters side by side', (dPad + 1) * kPad * 4],
    ["a batch's logits for all of them", s.batchSize * kPad * 4],
    ['their weights W', s.count * s.d * s.k * 4],
  ];
  for (const [what, bytes] of needs) {
    if (bytes > binding) {
      throw new ShapeError(`GridSearch: ${what} (${s.count} candidates, d = ${s.d}, k = ${s.k}) need ${bytes} bytes, over this device's ${binding}-byte buffer limit: search fewer candidates at a time`);
    }
  }
}
