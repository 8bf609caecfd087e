// The IDX reader against files built byte by byte here: every type code, plain and gzipped, and each
// way a file can be wrong (magic number, type code, dimension count, truncated header or data, extra
// bytes, corrupt gzip). Where Fashion-MNIST is installed, its real files are read too.
import { existsSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ValueError } from '../src/errors.ts';
import { parseIdx, readIdx } from '../src/data/idx.ts';
import { mulberry32, randomInt, testSeed } from './support/random.ts';

type TypeName = 'u8' | 'i8' | 'i16' | 'i32' | 'f32' | 'f64';

/** Type code, bytes per value and a big-endian writer, as the IDX format defines them. */
const FORMAT: Record<TypeName, { code: number; bytes: number; write: (v: DataView, at: number, x: number) => void }> = {
  u8: { code: 0x08, bytes: 1, write: (v, at, x) => v.setUint8(at, x) },
  i8: { code: 0x09, bytes: 1, write: (v, at, x) => v.setInt8(at, x) },
  i16: { code: 0x0b, bytes: 2, write: (v, at, x) => v.setInt16(at, x, false) },
  i32: { code: 0x0c, bytes: 4, write: (v, at, x) => v.setInt32(at, x, false) },
  f32: { code: 0x0d, bytes: 4, write: (v, at, x) => v.setFloat32(at, x, false) },
  f64: { code: 0x0e, bytes: 8, write: (v, at, x) => v.setFloat64(at, x, false) },
};

/** An IDX file holding `values` with dimensions `dims`, written independently of the reader. */
function idxFile(type: TypeName, dims: number[], values: number[]): Uint8Array {
  const f = FORMAT[type];
  const bytes = new Uint8Array(4 + 4 * dims.length + values.length * f.bytes);
  const view = new DataView(bytes.buffer);
  bytes[2] = f.code;
  bytes[3] = dims.length;
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  values.forEach((x, i) => f.write(view, 4 + 4 * dims.length + i * f.bytes, x));
  return bytes;
}

function throwsValueError(fn: () => unknown, pattern: RegExp): void {
  try {
    fn();
  } catch (e) {
    assert.instance(e, ValueError);
    assert.match((e as Error).message, pattern);
    return;
  }
  assert.unreachable(`expected a ValueError matching ${pattern}`);
}

async function rejectsValueError(p: Promise<unknown>, pattern: RegExp): Promise<void> {
  try {
    await p;
  } catch (e) {
    assert.instance(e, ValueError);
    assert.match((e as Error).message, pattern);
    return;
  }
  assert.unreachable(`expected a ValueError matching ${pattern}`);
}

test('parseIdx: a hand-written u8 file', () => {
  // magic 00 00 08 02, dims 2 and 3 (big-endian u32), six bytes.
  const bytes = Uint8Array.from([0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 250, 0, 255]);
  const a = parseIdx(bytes);
  assert.equal(a.dims, [2, 3]);
  assert.instance(a.data, Uint8Array);
  assert.equal(Array.from(a.data), [1, 2, 3, 250, 0, 255]);
});

test('parseIdx: multi-byte types are big-endian and keep their sign', () => {
  // i16 −2 is ff fe; i32 258 is 00 00 01 02; f32 1.5 is 3f c0 00 00.
  assert.equal(Array.from(parseIdx(Uint8Array.from([0, 0, 0x0b, 1, 0, 0, 0, 2, 0xff, 0xfe, 0x01, 0x00])).data), [-2, 256]);
  assert.equal(Array.from(parseIdx(Uint8Array.from([0, 0, 0x0c, 1, 0, 0, 0, 1, 0, 0, 1, 2])).data), [258]);
  assert.equal(Array.from(parseIdx(Uint8Array.from([0, 0, 0x0d, 1, 0, 0, 0, 1, 0x3f, 0xc0, 0, 0])).data), [1.5]);
  assert.equal(Array.from(parseIdx(Uint8Array.from([0, 0, 0x09, 1, 0, 0, 0, 2, 0x80, 0x7f])).data), [-128, 127]);
});

test('parseIdx: every type, random shapes and values, round trip', () => {
  const rng = mulberry32(testSeed('idx round trip'));
  const ranges: Record<TypeName, () => number> = {
    u8: () => randomInt(rng, 0, 255),
    i8: () => randomInt(rng, -128, 127),
    i16: () => randomInt(rng, -32768, 32767),
    i32: () => randomInt(rng, -(2 ** 31), 2 ** 31 - 1),
    f32: () => Math.fround((rng() - 0.5) * 1e6),
    f64: () => (rng() - 0.5) * 1e300,
  };
  const arrays = { u8: Uint8Array, i8: Int8Array, i16: Int16Array, i32: Int32Array, f32: Float32Array, f64: Float64Array };
  for (const type of Object.keys(FORMAT) as TypeName[]) {
    const dims = Array.from({ length: randomInt(rng, 1, 4) }, () => randomInt(rng, 1, 7));
    const values = Array.from({ length: dims.reduce((a, b) => a * b, 1) }, ranges[type]);
    const a = parseIdx(idxFile(type, dims, values));
    assert.equal(a.dims, dims, type);
    assert.instance(a.data, arrays[type], type);
    assert.equal(Array.from(a.data), values, type);
  }
});

test('parseIdx: the data is a copy, independent of the input bytes', () => {
  const bytes = idxFile('u8', [3], [7, 8, 9]);
  const a = parseIdx(bytes);
  bytes.fill(0);
  assert.equal(Array.from(a.data), [7, 8, 9]);
});

test('parseIdx: a file read at an offset inside a larger buffer', () => {
  const file = idxFile('i16', [2], [-300, 300]);
  const padded = new Uint8Array(file.length + 5);
  padded.set(file, 3);
  assert.equal(Array.from(parseIdx(padded.subarray(3, 3 + file.length)).data), [-300, 300]);
});

test('parseIdx: a wrong magic number, type code or dimension count is a ValueError saying which', () => {
  throwsValueError(() => parseIdx(Uint8Array.from([0, 0, 8])), /3 bytes, shorter than the 4-byte magic number/);
  throwsValueError(() => parseIdx(Uint8Array.from([0x50, 0x4b, 3, 4, 0, 0])), /two zero bytes, got 0x50 0x4b/);
  throwsValueError(() => parseIdx(Uint8Array.from([0, 1, 8, 1, 0, 0, 0, 0])), /got 0x00 0x01/);
  throwsValueError(() => parseIdx(Uint8Array.from([0, 0, 0x0a, 1, 0, 0, 0, 0])), /type code 0x0a is not one of 0x08 \(u8\)/);
  throwsValueError(() => parseIdx(Uint8Array.from([0, 0, 8, 0])), /0 dimensions/);
  throwsValueError(() => parseIdx(gzipSync(idxFile('u8', [1], [1]))), /gzip-compressed: use readIdx/);
  throwsValueError(() => parseIdx([0, 0, 8, 1] as unknown as Uint8Array), /must be a Uint8Array/);
});

test('parseIdx: a truncated header, truncated data or extra bytes name expected and actual length', () => {
  // Three dimensions need 16 header bytes.
  throwsValueError(() => parseIdx(Uint8Array.from([0, 0, 8, 3, 0, 0, 0, 2, 0, 0])), /truncated in its header: 3 dimensions need 16 header bytes, the file has 10/);
  const file = idxFile('i32', [2, 3], [1, 2, 3, 4, 5, 6]);
  assert.is(file.length, 12 + 24);
  throwsValueError(() => parseIdx(file.subarray(0, file.length - 1)), /truncated: a 2×3 i32 array needs 36 bytes, the file has 35/);
  throwsValueError(() => parseIdx(file.subarray(0, 12)), /truncated: a 2×3 i32 array needs 36 bytes, the file has 12/);
  const longer = new Uint8Array(file.length + 2);
  longer.set(file);
  throwsValueError(() => parseIdx(longer), /has extra bytes: a 2×3 i32 array needs 36 bytes, the file has 38/);
});

test('parseIdx: dimensions whose product cannot be held are refused, not allocated', () => {
  const dims = [0xffffffff, 0xffffffff, 0xffffffff];
  throwsValueError(() => parseIdx(idxFile('f64', dims, [])), /too large/);
});

test('readIdx: plain and gzipped files decode the same', async () => {
  const rng = mulberry32(testSeed('idx gzip'));
  const dims = [randomInt(rng, 1, 40), randomInt(rng, 1, 9), randomInt(rng, 1, 9)];
  const values = Array.from({ length: dims[0]! * dims[1]! * dims[2]! }, () => randomInt(rng, 0, 255));
  const plain = idxFile('u8', dims, values);
  for (const bytes of [plain, new Uint8Array(gzipSync(plain))]) {
    const a = await readIdx(bytes);
    assert.equal(a.dims, dims);
    assert.equal(Array.from(a.data), values);
  }
});

test('readIdx: corrupt or truncated gzip, and a gzipped truncated file, are ValueErrors', async () => {
  const gz = new Uint8Array(gzipSync(idxFile('f32', [50], Array.from({ length: 50 }, (_, i) => i / 7))));
  await rejectsValueError(readIdx(gz.subarray(0, gz.length - 12)), /gzip data is corrupt or truncated/);
  const flipped = gz.slice();
  flipped[20] = (flipped[20] as number) ^ 0xff;
  await rejectsValueError(readIdx(flipped), /gzip data is corrupt or truncated|IDX/);
  const cut = idxFile('f32', [50], Array.from({ length: 50 }, (_, i) => i)).subarray(0, 100);
  await rejectsValueError(readIdx(new Uint8Array(gzipSync(cut))), /truncated: a 50 f32 array needs 208 bytes, the file has 100/);
});

const FASHION = '/usr/share/datasets/fashion-mnist';

test('readIdx: the installed Fashion-MNIST test files (when present) are 10000 28×28 images, 1000 of each class', async () => {
  if (!existsSync(FASHION)) {
    console.log(`  (skipped: ${FASHION} is not installed)`);
    return;
  }
  const labels = await readIdx(new Uint8Array(readFileSync(`${FASHION}/t10k-labels-idx1-ubyte.gz`)));
  assert.equal(labels.dims, [10000]);
  const counts = new Array<number>(10).fill(0);
  for (const v of labels.data) counts[v] = (counts[v] ?? 0) + 1;
  assert.equal(counts, new Array<number>(10).fill(1000));
  const images = await readIdx(new Uint8Array(readFileSync(`${FASHION}/t10k-images-idx3-ubyte.gz`)));
  assert.equal(images.dims, [10000, 28, 28]);
  assert.instance(images.data, Uint8Array);
});

test.run();
