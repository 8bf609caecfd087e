// IDX, the MNIST file format: two zero bytes, a type code, the number of dimensions, each dimension as
// a big-endian u32, then the values in row-major order, big-endian. Files are often gzipped (.gz).
// Every header field and the exact length are checked, so a truncated download or a file of another
// kind is reported as such instead of becoming a garbage dataset.
import { ValueError } from '../errors.ts';
import { checkPositiveInt, describeValue } from '../validate.ts';
import { MAX_IDX_BYTES } from './limits.ts';

/** The typed array an IDX file's values decode to, by its type code (u8, i8, i16, i32, f32, f64). */
export type IdxData = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

/** A decoded IDX file: an n-dimensional array. */
export interface IdxArray {
  /** Size of each dimension, outermost first (e.g. [60000, 28, 28] for MNIST images). */
  dims: number[];
  /** The values in row-major order, in the array type the file declares. */
  data: IdxData;
}

interface IdxType {
  name: string;
  bytes: number;
  read(view: DataView, offset: number, count: number): IdxData;
}

function readBigEndian<T extends IdxData>(
  make: (n: number) => T,
  bytes: number,
  get: (view: DataView, at: number) => number,
): (view: DataView, offset: number, count: number) => T {
  return (view, offset, count) => {
    const out = make(count);
    for (let i = 0; i < count; i++) out[i] = get(view, offset + i * bytes);
    return out;
  };
}

/** The type codes the format defines (byte 3 of the file). */
const TYPES: ReadonlyMap<number, IdxType> = new Map<number, IdxType>([
  [0x08, { name: 'u8', bytes: 1, read: (v, o, n) => new Uint8Array(v.buffer.slice(v.byteOffset + o, v.byteOffset + o + n)) }],
  [0x09, { name: 'i8', bytes: 1, read: (v, o, n) => new Int8Array(v.buffer.slice(v.byteOffset + o, v.byteOffset + o + n)) }],
  [0x0b, { name: 'i16', bytes: 2, read: readBigEndian((n) => new Int16Array(n), 2, (v, at) => v.getInt16(at, false)) }],
  [0x0c, { name: 'i32', bytes: 4, read: readBigEndian((n) => new Int32Array(n), 4, (v, at) => v.getInt32(at, false)) }],
  [0x0d, { name: 'f32', bytes: 4, read: readBigEndian((n) => new Float32Array(n), 4, (v, at) => v.getFloat32(at, false)) }],
  [0x0e, { name: 'f64', bytes: 8, read: readBigEndian((n) => new Float64Array(n), 8, (v, at) => v.getFloat64(at, false)) }],
]);

function hex(byte: number): string {
  return `0x${byte.toString(16).padStart(2, '0')}`;
}

function checkBytes(name: string, bytes: unknown): Uint8Array {
  if (!(bytes instanceof Uint8Array)) throw new ValueError(`${name} must be a Uint8Array, got ${describeValue(bytes)}`);
  return bytes;
}

/** What an IDX header says: the value type, the dimensions, and where the values start and end. */
interface IdxHeader {
  type: IdxType;
  dims: number[];
  headerBytes: number;
  /** Header and values: the exact length of the file. */
  totalBytes: number;
}

/** The longest IDX header: the magic number and 255 dimensions. */
const MAX_HEADER_BYTES = 4 + 4 * 255;

/**
 * Checks the header at the start of `bytes`. With `complete` false, `bytes` may be only the first
 * part of the file (more is being decompressed), and null means "too short to tell yet"; with it
 * true, a file too short for its header is an error. A wrong field throws as soon as it is present,
 * so a file of another kind is refused from its first bytes.
 */
function readHeader(bytes: Uint8Array, complete: boolean): IdxHeader | null {
  if (bytes.length < 4) {
    if (!complete) return null;
    throw new ValueError(`not an IDX file: ${bytes.length} bytes, shorter than the 4-byte magic number`);
  }
  const [zero0, zero1, code, ndims] = [bytes[0] as number, bytes[1] as number, bytes[2] as number, bytes[3] as number];
  if (zero0 === 0x1f && zero1 === 0x8b) throw new ValueError('the IDX data is gzip-compressed: use readIdx(), which decompresses it (once)');
  if (zero0 !== 0 || zero1 !== 0) {
    throw new ValueError(`not an IDX file: the magic number must start with two zero bytes, got ${hex(zero0)} ${hex(zero1)}`);
  }
  const type = TYPES.get(code);
  if (type === undefined) {
    const known = [...TYPES].map(([c, t]) => `${hex(c)} (${t.name})`).join(', ');
    throw new ValueError(`IDX type code ${hex(code)} is not one of ${known}`);
  }
  if (ndims === 0) throw new ValueError('IDX header declares 0 dimensions; an IDX array has at least 1');
  const headerBytes = 4 + 4 * ndims;
  if (bytes.length < headerBytes) {
    if (!complete) return null;
    throw new ValueError(`IDX file truncated in its header: ${ndims} dimensions need ${headerBytes} header bytes, the file has ${bytes.length}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, headerBytes);
  const dims: number[] = [];
  let count = 1;
  for (let i = 0; i < ndims; i++) {
    const size = view.getUint32(4 + 4 * i, false);
    dims.push(size);
    count *= size;
  }
  const dataBytes = count * type.bytes;
  if (!Number.isSafeInteger(dataBytes) || dataBytes > MAX_IDX_BYTES) {
    const size = Number.isSafeInteger(dataBytes) ? `${dataBytes} bytes` : 'more than 2^53 bytes';
    throw new ValueError(`IDX dimensions ${dims.join('×')} (${type.name}) are too large: ${size} of values, over this reader's limit of ${MAX_IDX_BYTES} (1 GiB)`);
  }
  return { type, dims, headerBytes, totalBytes: headerBytes + dataBytes };
}

/** Decodes an uncompressed IDX file. The data is copied, so `bytes` may be reused afterwards. */
export function parseIdx(bytes: Uint8Array): IdxArray {
  checkBytes('bytes', bytes);
  const { type, dims, headerBytes, totalBytes } = readHeader(bytes, true) as IdxHeader;
  if (bytes.length !== totalBytes) {
    const how = bytes.length < totalBytes ? 'truncated' : 'has extra bytes';
    throw new ValueError(
      `IDX file ${how}: a ${dims.join('×')} ${type.name} array needs ${totalBytes} bytes, the file has ${bytes.length}`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { dims, data: type.read(view, headerBytes, (totalBytes - headerBytes) / type.bytes) };
}

/** True for data that starts with the gzip magic number 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  checkBytes('bytes', bytes);
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** How much output inflate() accepts, and what it says about more. */
interface InflateBound {
  /** The most bytes the output may have, given its first bytes (up to MAX_HEADER_BYTES of them); null: not known yet. May throw. */
  limit(head: Uint8Array): number | null;
  /** The error for output longer than `limit` bytes; inflation stopped once it had `received`. */
  tooLong(limit: number, received: number): ValueError;
}

/**
 * Compressed bytes handed to the decompressor at a time. A browser's DecompressionStream inflates a
 * whole input chunk before it can be stopped, and gzip expands at most about 1032:1, so a chunk of
 * 16 KiB bounds what is inflated beyond a limit to about 16 MiB.
 */
const INPUT_CHUNK = 16384;

function concat(chunks: readonly Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/**
 * Inflates gzip data with DecompressionStream (browsers; Node ≥ 18), so the library needs no
 * Node-only module and bundles for either runtime. Input goes in INPUT_CHUNK pieces, each written
 * only when the stream asks for more, and the output is read as it comes: inflation stops as soon as
 * `bound` says the output is too long, instead of inflating a gzip bomb to gigabytes first.
 */
async function inflate(bytes: Uint8Array, bound: InflateBound): Promise<Uint8Array> {
  const Stream = (globalThis as { DecompressionStream?: typeof DecompressionStream }).DecompressionStream;
  if (Stream === undefined) throw new ValueError('gzip data needs DecompressionStream, which this runtime lacks (Node ≥ 18 and current browsers have it)');
  const stream = new Stream('gzip');
  const writer = stream.writable.getWriter();
  const reader = stream.readable.getReader();
  const feeding = (async (): Promise<void> => {
    for (let at = 0; at < bytes.length; at += INPUT_CHUNK) {
      await writer.ready;
      await writer.write(bytes.subarray(at, at + INPUT_CHUNK) as Uint8Array<ArrayBuffer>);
    }
    await writer.close();
  })();
  // A failed write (corrupt data, or the stream cancelled below) shows on the reading side.
  feeding.catch(() => undefined);
  const chunks: Uint8Array[] = [];
  let total = 0;
  let head: Uint8Array = new Uint8Array(0);
  let limit: number | null = null;
  try {
    for (;;) {
      let next: ReadableStreamReadResult<Uint8Array>;
      try {
        next = await reader.read();
      } catch (e) {
        throw new ValueError(`gzip data is corrupt or truncated: ${(e as Error).message}`);
      }
      if (next.done) break;
      chunks.push(next.value);
      total += next.value.length;
      if (limit === null) {
        if (head.length < MAX_HEADER_BYTES) head = concat([head, next.value.subarray(0, MAX_HEADER_BYTES - head.length)], Math.min(total, MAX_HEADER_BYTES));
        limit = bound.limit(head);
      }
      if (limit !== null && total > limit) throw bound.tooLong(limit, total);
    }
  } catch (e) {
    // Stops the decompressor: nothing more is inflated, and the pending write fails quietly.
    reader.cancel().catch(() => undefined);
    throw e;
  }
  return concat(chunks, total);
}

/** Options of gunzip(). */
export interface GunzipOptions {
  /** Refuse data that inflates to more than this many bytes (default 2^30, 1 GiB). */
  maxBytes?: number;
}

/**
 * Decompresses gzip data, refusing output beyond `maxBytes` (default 1 GiB) as soon as it gets there,
 * so a small file that inflates to gigabytes costs little.
 */
export async function gunzip(bytes: Uint8Array, options?: GunzipOptions): Promise<Uint8Array> {
  checkBytes('bytes', bytes);
  // Left out is the default; null is a mistake, as a null option is everywhere.
  const o = options === undefined ? {} : options;
  if (typeof o !== 'object' || o === null || Array.isArray(o)) throw new ValueError(`gunzip options must be an object, got ${describeValue(o)}`);
  for (const key of Object.keys(o)) {
    if (key !== 'maxBytes') throw new ValueError(`gunzip: unknown option ${describeValue(key)} (known: maxBytes)`);
  }
  const maxBytes = o.maxBytes === undefined ? MAX_IDX_BYTES : checkPositiveInt('maxBytes', o.maxBytes);
  return inflate(bytes, {
    limit: () => maxBytes,
    tooLong: (limit, received) => new ValueError(`gzip data inflates to more than maxBytes = ${limit} bytes (stopped at ${received})`),
  });
}

/**
 * Decodes an IDX file, plain or gzip-compressed (recognised by its magic number, not its name). A
 * gzipped file's header is checked from its first inflated bytes, and inflation stops at the length
 * the header declares, so a wrong or oversized file is refused without inflating the rest.
 */
export async function readIdx(bytes: Uint8Array): Promise<IdxArray> {
  if (!isGzip(bytes)) return parseIdx(bytes);
  let header: IdxHeader | null = null;
  const inflated = await inflate(bytes, {
    limit: (head) => {
      header = readHeader(head, false);
      return header === null ? null : header.totalBytes;
    },
    tooLong: (limit, received) => {
      const h = header as IdxHeader | null;
      const what = h === null ? '' : `a ${h.dims.join('×')} ${h.type.name} array needs ${limit} bytes, `;
      return new ValueError(`IDX file has extra bytes: ${what}the inflated data is longer (decompression stopped at ${received} bytes)`);
    },
  });
  return parseIdx(inflated);
}
