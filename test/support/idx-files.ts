// IDX files and gzip bombs written independently of the reader, for the IDX tests in Node and Chrome.
import { constants, crc32, deflateRawSync } from 'node:zlib';

export type TypeName = 'u8' | 'i8' | 'i16' | 'i32' | 'f32' | 'f64';

/** Type code, bytes per value and a big-endian writer, as the IDX format defines them. */
export const FORMAT: Record<TypeName, { code: number; bytes: number; write: (v: DataView, at: number, x: number) => void }> = {
  u8: { code: 0x08, bytes: 1, write: (v, at, x) => v.setUint8(at, x) },
  i8: { code: 0x09, bytes: 1, write: (v, at, x) => v.setInt8(at, x) },
  i16: { code: 0x0b, bytes: 2, write: (v, at, x) => v.setInt16(at, x, false) },
  i32: { code: 0x0c, bytes: 4, write: (v, at, x) => v.setInt32(at, x, false) },
  f32: { code: 0x0d, bytes: 4, write: (v, at, x) => v.setFloat32(at, x, false) },
  f64: { code: 0x0e, bytes: 8, write: (v, at, x) => v.setFloat64(at, x, false) },
};

/** An IDX file holding `values` with dimensions `dims`, written independently of the reader. */
export function idxFile(type: TypeName, dims: number[], values: number[]): Uint8Array {
  const f = FORMAT[type];
  const bytes = new Uint8Array(4 + 4 * dims.length + values.length * f.bytes);
  const view = new DataView(bytes.buffer);
  bytes[2] = f.code;
  bytes[3] = dims.length;
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  values.forEach((x, i) => f.write(view, 4 + 4 * dims.length + i * f.bytes, x));
  return bytes;
}

export const MiB = 1 << 20;

/**
 * A valid gzip file of `prefix` followed by `zeroMiB` MiB of zero bytes, about 1 KiB per MiB: one
 * deflate block of a MiB of zeros (flushed to a byte boundary, its matches all at distance 1) repeats
 * as often as wanted, so a gigabyte bomb is built without compressing a gigabyte.
 */
export function gzipBomb(prefix: Uint8Array, zeroMiB: number): Uint8Array {
  const zeros = new Uint8Array(MiB);
  const sync = { finishFlush: constants.Z_SYNC_FLUSH };
  const block = deflateRawSync(zeros, sync);
  let crc = crc32(prefix);
  for (let i = 0; i < zeroMiB; i++) crc = crc32(zeros, crc);
  const trailer = new DataView(new ArrayBuffer(8));
  trailer.setUint32(0, crc >>> 0, true);
  trailer.setUint32(4, (prefix.length + zeroMiB * MiB) % 2 ** 32, true);
  const parts = [
    Uint8Array.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]),
    deflateRawSync(prefix, sync),
    ...new Array<Uint8Array>(zeroMiB).fill(block),
    deflateRawSync(new Uint8Array(0)),
    new Uint8Array(trailer.buffer),
  ];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((at, p) => (out.set(p, at), at + p.length), 0);
  return out;
}
