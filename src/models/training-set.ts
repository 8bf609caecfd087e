// The training features as they live on the GPU for a fit: f32 or bytes (four to a u32, with the
// scale applied in the shaders), in one buffer or, when larger than one storage binding allows, in
// shards of whole rows that the trainer walks through.
import type { GpuContext } from '../context.ts';
import { ShapeError, ValueError } from '../errors.ts';
import type { GpuMatrix } from '../matrix.ts';
import { GpuMatrix as Matrix } from '../matrix.ts';
import type { HostMatrix } from '../types.ts';

export type XStorage = 'f32' | 'u8';

/** Byte features, each meaning byte · scale (e.g. pixels with scale 1/255). */
export interface ByteMatrix {
  data: Uint8Array;
  rows: number;
  cols: number;
  /** What one unit of a byte is worth (default 1). */
  scale?: number;
}

export interface Shard {
  /** f32 rows (rows × d) or byte rows packed as u32 words (rows × rowWords). */
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
  /** u32 words per row in u8 storage (cols rounded up to whole words, over 4). */
  rowWords: number;
  shards: Shard[];
  destroy(): void;
}

export function isByteMatrix(X: unknown): X is ByteMatrix {
  return typeof X === 'object' && X !== null && 'data' in X && (X as { data: unknown }).data instanceof Uint8Array;
}

/** Checks a ByteMatrix argument: shape, data length and a positive finite scale. */
export function checkByteMatrix(name: string, X: ByteMatrix): ByteMatrix {
  const { rows, cols, data } = X;
  if (!Number.isInteger(rows) || rows < 1 || !Number.isInteger(cols) || cols < 1) {
    throw new ShapeError(`${name} must have positive integer rows and cols, got ${String(rows)}×${String(cols)}`);
  }
  if (data.length !== rows * cols) throw new ShapeError(`${name}.data has ${data.length} bytes but ${name} is ${rows}×${cols}`);
  const scale = X.scale ?? 1;
  if (typeof scale !== 'number' || !Number.isFinite(scale) || scale <= 0) throw new ValueError(`${name}.scale must be a positive finite number, got ${String(scale)}`);
  return { data, rows, cols, scale };
}

/** Bytes are rounded up to whole u32 words per row so every row starts on a word. */
export function byteRowWords(cols: number): number {
  return Math.ceil(cols / 4);
}

/** The byte matrix's values as f32 (byte · scale), for code paths that want plain matrices. */
export function bytesToHost(X: ByteMatrix): HostMatrix {
  const scale = X.scale ?? 1;
  return { data: Float32Array.from(X.data, (v) => v * scale), rows: X.rows, cols: X.cols };
}

/** Rows start .. start+rows as bytes, each row padded with zeros to whole u32 words. */
function packRows(X: ByteMatrix, start: number, rows: number): Uint8Array {
  const words = byteRowWords(X.cols);
  const bytes = new Uint8Array(rows * words * 4);
  for (let r = 0; r < rows; r++) bytes.set(X.data.subarray((start + r) * X.cols, (start + r + 1) * X.cols), r * words * 4);
  return bytes;
}

/**
 * Uploads X for training. Rows go to one buffer when they fit in one storage binding (and in
 * `maxShardBytes`, if given, which tests use to force shards), else to as few shards as possible.
 */
export function uploadTrainingSet(ctx: GpuContext, X: HostMatrix | ByteMatrix, maxShardBytes?: number): ResidentX {
  const bytesX = isByteMatrix(X);
  const rowWords = bytesX ? byteRowWords(X.cols) : X.cols;
  const rowBytes = rowWords * 4;
  const limit = Math.min(ctx.limits.maxStorageBufferBindingSize, ctx.limits.maxBufferSize, maxShardBytes ?? Number.POSITIVE_INFINITY);
  const rowsPerShard = Math.floor(limit / rowBytes);
  if (rowsPerShard < 1) throw new ShapeError(`X: one row takes ${rowBytes} bytes, over the ${limit}-byte limit of one buffer`);
  const shards: Shard[] = [];
  try {
    for (let start = 0; start < X.rows; start += rowsPerShard) {
      const rows = Math.min(rowsPerShard, X.rows - start);
      const data = bytesX ? packRows(X, start, rows) : X.data.subarray(start * X.cols, (start + rows) * X.cols);
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
    scale: bytesX ? (X.scale ?? 1) : 1,
    rowWords,
    shards,
    destroy() {
      for (const s of shards) s.matrix.destroy();
    },
  };
}
