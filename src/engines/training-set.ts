// The training features as they live on the GPU for a fit: f32 or bytes (four to a u32, with the
// scale applied in the shaders), each row zero-padded to whole pairs of CHUNK-feature chunks so the
// step kernels read a chunk with one or two vector loads, in one buffer or, when larger than one storage
// binding allows, in shards of whole rows that the trainer walks through.
import type { GpuContext } from '../context.ts';
import { ShapeError, ValueError } from '../errors.ts';
import type { GpuMatrix } from '../matrix.ts';
import { GpuMatrix as Matrix } from '../matrix.ts';
import type { HostMatrix } from '../types.ts';
import { CHUNK, rowChunks, type XStorage } from '../kernels/step-layout.ts';


/** Byte features, each meaning byte · scale (e.g. pixels with scale 1/255). */
export interface ByteMatrix {
  data: Uint8Array;
  rows: number;
  cols: number;
  /** What one unit of a byte is worth (default 1). */
  scale?: number;
}

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

/** The byte matrix's values as f32 (byte · scale), for code paths that want plain matrices. */
export function bytesToHost(X: ByteMatrix): HostMatrix {
  const scale = X.scale ?? 1;
  return { data: Float32Array.from(X.data, (v) => v * scale), rows: X.rows, cols: X.cols };
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
export function uploadTrainingSet(ctx: GpuContext, X: HostMatrix | ByteMatrix, maxShardBytes?: number): ResidentX {
  const bytesX = isByteMatrix(X);
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
    scale: bytesX ? (X.scale ?? 1) : 1,
    chunks,
    rowWords,
    shards,
    destroy() {
      for (const s of shards) s.matrix.destroy();
    },
  };
}
