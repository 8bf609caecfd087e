// IDX, the MNIST file format: two zero bytes, a type code, the number of dimensions, each dimension as
// a big-endian u32, then the values in row-major order, big-endian. Files are often gzipped (.gz).
// Every header field and the exact length are checked, so a truncated download or a file of another
// kind is reported as such instead of becoming a garbage dataset.
import { ValueError } from '../errors.ts';

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

function checkBytes(bytes: unknown): Uint8Array {
  if (!(bytes instanceof Uint8Array)) {
    throw new ValueError(`bytes must be a Uint8Array, got ${bytes === null ? 'null' : typeof bytes}`);
  }
  return bytes;
}

/** Decodes an uncompressed IDX file. The data is copied, so `bytes` may be reused afterwards. */
export function parseIdx(bytes: Uint8Array): IdxArray {
  checkBytes(bytes);
  if (bytes.length < 4) throw new ValueError(`not an IDX file: ${bytes.length} bytes, shorter than the 4-byte magic number`);
  const [zero0, zero1, code, ndims] = [bytes[0] as number, bytes[1] as number, bytes[2] as number, bytes[3] as number];
  if (zero0 === 0x1f && zero1 === 0x8b) throw new ValueError('the IDX data is gzip-compressed: use readIdx(), which decompresses it');
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
    throw new ValueError(`IDX file truncated in its header: ${ndims} dimensions need ${headerBytes} header bytes, the file has ${bytes.length}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  let count = 1;
  for (let i = 0; i < ndims; i++) {
    const size = view.getUint32(4 + 4 * i, false);
    dims.push(size);
    count *= size;
  }
  if (!Number.isSafeInteger(count * type.bytes)) throw new ValueError(`IDX dimensions ${dims.join('×')} are too large to hold in memory`);
  const expected = headerBytes + count * type.bytes;
  if (bytes.length !== expected) {
    const how = bytes.length < expected ? 'truncated' : 'has extra bytes';
    throw new ValueError(
      `IDX file ${how}: a ${dims.join('×')} ${type.name} array needs ${expected} bytes, the file has ${bytes.length}`,
    );
  }
  return { dims, data: type.read(view, headerBytes, count) };
}

/** True for data that starts with the gzip magic number 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Decompresses gzip data with DecompressionStream (browsers; Node ≥ 18), so the library needs no
 * Node-only module and bundles for either runtime.
 */
export async function gunzip(bytes: Uint8Array): Promise<Uint8Array> {
  checkBytes(bytes);
  const Stream = (globalThis as { DecompressionStream?: typeof DecompressionStream }).DecompressionStream;
  if (Stream === undefined) throw new ValueError('gzip data needs DecompressionStream, which this runtime lacks (Node ≥ 18 and current browsers have it)');
  const input = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new Stream('gzip'));
  const reader = input.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      total += value.length;
    }
  } catch (e) {
    throw new ValueError(`gzip data is corrupt or truncated: ${(e as Error).message}`);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** Decodes an IDX file, plain or gzip-compressed (recognised by its magic number, not its name). */
export async function readIdx(bytes: Uint8Array): Promise<IdxArray> {
  checkBytes(bytes);
  return parseIdx(isGzip(bytes) ? await gunzip(bytes) : bytes);
}
