// The training features as they live on the GPU for a fit: f32 or bytes (four to a u32, with the
// scale applied in the shaders), each row zero-padded to whole pairs of CHUNK-feature chunks so the
// step kernels read a chunk with one or two vector loads, in one buffer or, when larger than one storage
// binding allows, in shards of whole rows that the trainer walks through.
import type { GpuContext } from '../gpu/context.ts';
import { ShapeError, ValueError } from '../errors.ts';
import type { GpuMatrix } from '../matrix.ts';
import { GpuMatrix as Matrix } from '../matrix.ts';
import type { HostMatrix } from '../types.ts';
import { CHUNK, rowChunks, type XStorage } from '../kernels/step-layout.ts';
import { describeValue, F32_MAX, F32_MIN_NORMAL } from '../validate.ts';


/** Byte features, each meaning byte · scale (e.g. pixels with scale 1/255, ImageData's Uint8ClampedArray). */
export interface ByteMatrix {
  data: Uint8Array | Uint8ClampedArray;
  rows: number;
  cols: number;
  /** What one unit of a byte is worth (default 1). */
  scale?: number;
}

/** A ByteMatrix once checked: the bytes as a Uint8Array view (no copy) and the scale spelled out. */
export interface CheckedBytes {
  data: Uint8Array;
  rows: number;
  cols: number;
  scale: number;
}

/** Checked features: f32 values, or bytes with their scale. */
export type CheckedFeatures = HostMatrix | CheckedBytes;

export interface Shard {
  /** Padded rows of u32 words (rows × rowWords): f32 values, or bytes four to a word. */
  matrix: GpuMatrix;
  /** Index of the shard's first row in the whole training set. */
  rowStart: number;
  rows: number;
}

export interface ResidentX {
  rows: number;
  cols: number;
  storage: XStorage;
  /** Value of one byte unit (u8 storage; 1 for f32). */
  scale: number;
  /** CHUNK-feature chunks per row (cols rounded up to an even number of chunks); the padding is zeros. */
  chunks: number;
  /** u32 words per padded row: CHUNK·chunks for f32, a quarter of that for bytes. */
  rowWords: number;
  shards: Shard[];
  destroy(): void;
}

/** Uint8Array and Uint8ClampedArray: the arrays whose values are taken as bytes. */
export function isByteArray(data: unknown): data is Uint8Array | Uint8ClampedArray {
  return data instanceof Uint8Array || data instanceof Uint8ClampedArray;
}

export function isByteMatrix(X: unknown): X is ByteMatrix {
  return typeof X === 'object' && X !== null && 'data' in X && isByteArray((X as { data: unknown }).data);
}

/** Tells checked bytes from checked f32 features. */
export function isCheckedBytes(X: CheckedFeatures): X is CheckedBytes {
  return X.data instanceof Uint8Array;
}

/** Checks a ByteMatrix argument: shape, data length and a positive finite scale (undefined: 1). */
export function checkByteMatrix(name: string, X: ByteMatrix): CheckedBytes {
  const { rows, cols, data } = X;
  if (!Number.isInteger(rows) || rows < 1 || !Number.isInteger(cols) || cols < 1) {
    throw new ShapeError(`${name} must have positive integer rows and cols, got ${describeValue(rows)}×${describeValue(cols)}`);
  }
  if (data.length !== rows * cols) throw new ShapeError(`${name}.data has ${data.length} bytes but ${name} is ${rows}×${cols}`);
  const scale: unknown = X.scale === undefined ? 1 : X.scale;
  if (typeof scale !== 'number' || !Number.isFinite(scale) || scale <= 0) throw new ValueError(`${name}.scale must be a positive finite number, got ${describeValue(scale)}`);
  // The kernels take byte·scale in float32: a 255 beyond its range is Infinity, a scale below its
  // normal range is 0 (GPUs flush subnormals), while the 'js' engine would train on the float64 value.
  if (scale < F32_MIN_NORMAL || scale * 255 > F32_MAX) {
    throw new ValueError(`${name}.scale is ${scale}, but byte·scale must stay in the normal float32 range (1.18e-38 to 3.4e38): scale from 1.18e-38 to ${(F32_MAX / 255).toPrecision(3)}`);
  }
  // A view, not a copy: clamped bytes are the same bytes, and the uploads test for Uint8Array.
  const bytes = data instanceof Uint8Array ? data : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return { data: bytes, rows, cols, scale };
}

/** Rows start .. start+rows with each row zero-padded to `width` values (a copy only when padding is needed). */
function padRows<T extends Float32Array | Uint8Array>(data: T, cols: number, width: number, start: number, rows: number): T {
  const src = data.subarray(start * cols, (start + rows) * cols) as T;
  if (width === cols) return src;
  const out = new (data.constructor as new (length: number) => T)(rows * width);
  for (let r = 0; r < rows; r++) out.set(src.subarray(r * cols, (r + 1) * cols), r * width);
  return out;
}

/**
 * Uploads X for training. Rows go to one buffer when they fit in one storage binding (and in
 * `maxShardBytes`, if given, which tests use to force shards), else to as few shards as possible.
 */
export function uploadTrainingSet(ctx: GpuContext, X: CheckedFeatures, maxShardBytes?: number): ResidentX {
  const bytesX = isCheckedBytes(X);
  const chunks = rowChunks(X.cols);
  const width = chunks * CHUNK;
  const rowWords = bytesX ? width / 4 : width;
  const rowBytes = rowWords * 4;
  const limit = Math.min(ctx.limits.maxStorageBufferBindingSize, ctx.limits.maxBufferSize, maxShardBytes ?? Number.POSITIVE_INFINITY);
  const rowsPerShard = Math.floor(limit / rowBytes);
  if (rowsPerShard < 1) throw new ShapeError(`X: one row takes ${rowBytes} bytes, over the ${limit}-byte limit of one buffer`);
  const shards: Shard[] = [];
  try {
    for (let start = 0; start < X.rows; start += rowsPerShard) {
      const rows = Math.min(rowsPerShard, X.rows - start);
      const data = padRows(X.data, X.cols, width, start, rows);
      const buffer = ctx.createStorage(rows * rowWords, `X shard ${shards.length}`, data);
      shards.push({ matrix: new Matrix(ctx, buffer, rows, rowWords), rowStart: start, rows });
    }
  } catch (e) {
    for (const s of shards) s.matrix.destroy();
    throw e;
  }
  return {
    rows: X.rows,
    cols: X.cols,
    storage: bytesX ? 'u8' : 'f32',
    scale: bytesX ? X.scale : 1,
    chunks,
    rowWords,
    shards,
    destroy() {
      for (const s of shards) s.matrix.destroy();
    },
  };
}
