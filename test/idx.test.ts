// The IDX reader against files built byte by byte here: every type code, plain and gzipped, and each
// way a file can be wrong (magic number, type code, dimension count, truncated header or data, extra
// bytes, corrupt gzip). Where Fashion-MNIST is installed, its real files are read too.
import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { assertComparable, fastestMsAsync } from './support/timing.ts';
import { ValueError } from '../src/errors.ts';
import { gunzip, isGzip, parseIdx, readIdx } from '../src/data/idx.ts';
import { expectReject, expectThrow, type Failure } from './support/errors.ts';
import { FORMAT, gzipBomb, idxFile, MiB, type TypeName } from './support/idx-files.ts';
import { mulberry32, randomInt, testSeed } from './support/random.ts';

function throwsValueError(fn: () => unknown, pattern: RegExp): void {
  expectThrow(fn, ValueError, pattern);
}

async function rejectsValueError(p: Promise<unknown>, pattern: RegExp): Promise<void> {
  await expectReject(() => p, ValueError, pattern);
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

/** Calls p, expecting a ValueError matching `pattern`; returns its message and the milliseconds it took. */
function timedRejection(p: () => Promise<unknown>, pattern: RegExp): Promise<Failure> {
  return expectReject(p, ValueError, pattern);
}

/** How long readIdx takes on a valid gzipped file of 16 MiB of zeros: about what a refused bomb may inflate. */
let baselineMs: number | null = null;
async function validBaseline(): Promise<number> {
  if (baselineMs === null) {
    const valid = gzipBomb(idxFile('u8', [16 * MiB], []), 16);
    baselineMs = await fastestMsAsync(() => readIdx(valid));
  }
  return baselineMs;
}

test('gzipBomb (the test helper) is a valid gzip file of the prefix and the zeros', () => {
  const small = gunzipSync(gzipBomb(Uint8Array.from([7, 8, 9]), 3));
  assert.is(small.length, 3 + 3 * MiB);
  assert.equal(Array.from(small.subarray(0, 4)), [7, 8, 9, 0]);
  assert.ok(small.subarray(3).every((v) => v === 0));
});

test('readIdx: a 1 MiB gzip of zeros (1 GiB inflated) is refused from its first bytes, in the time of a 16 MiB file', async () => {
  // Before the header was checked while inflating, this took 7 s and 2.2 GB of memory.
  const bomb = gzipBomb(new Uint8Array(0), 1024);
  assert.ok(bomb.length < 1.1 * MiB);
  const { ms } = await timedRejection(() => readIdx(bomb), /^IDX type code 0x00 is not one of/);
  assertComparable(ms, await validBaseline(), 10, 'gzip of zeros');
});

test('readIdx: a valid header followed by a gigabyte of zeros stops inflating just past the declared length', async () => {
  const header = idxFile('u8', [4], [1, 2, 3, 4]);
  const { message, ms } = await timedRejection(
    () => readIdx(gzipBomb(header, 1024)),
    /^IDX file has extra bytes: a 4 u8 array needs 12 bytes, the inflated data is longer \(decompression stopped at (\d+) bytes\)$/,
  );
  const stoppedAt = Number(/stopped at (\d+)/.exec(message)?.[1]);
  // One input chunk (16 KiB) of zeros inflates to at most about 16 MiB.
  assert.ok(stoppedAt < 20 * MiB, `inflated ${stoppedAt} bytes`);
  assertComparable(ms, await validBaseline(), 10, 'header and a gigabyte of zeros');
});

test('readIdx and parseIdx: a header declaring more than 1 GiB of values is refused before anything is inflated or allocated', async () => {
  // 65536×32768 u8 values: 2 GiB. The header alone, and the header gzipped with a bomb behind it.
  const header = idxFile('u8', [65536, 32768], []);
  const pattern = /^IDX dimensions 65536×32768 \(u8\) are too large: 2147483648 bytes of values, over this reader's limit of 1073741824 \(1 GiB\)$/;
  throwsValueError(() => parseIdx(header), pattern);
  const { ms } = await timedRejection(() => readIdx(gzipBomb(header, 1024)), pattern);
  assertComparable(ms, await validBaseline(), 10, 'oversized header');
  // The limit counts bytes, not values: 2^27 f64 values are exactly 1 GiB (a header alone is then
  // merely truncated), one more row is over.
  throwsValueError(() => parseIdx(idxFile('f64', [2 ** 27, 1], [])), /truncated: a 134217728×1 f64 array needs 1073741836 bytes, the file has 12/);
  throwsValueError(() => parseIdx(idxFile('f64', [2 ** 27 + 1, 1], [])), /\(f64\) are too large: 1073741832 bytes of values/);
});

test('gunzip: inflation stops at maxBytes; bad options are ValueErrors naming them', async () => {
  const bomb = gzipBomb(new Uint8Array(0), 1024);
  const { message, ms } = await timedRejection(() => gunzip(bomb, { maxBytes: 1000 }), /^gzip data inflates to more than maxBytes = 1000 bytes \(stopped at (\d+)\)$/);
  assert.ok(Number(/stopped at (\d+)/.exec(message)?.[1]) < 20 * MiB, message);
  assertComparable(ms, await validBaseline(), 10, 'gunzip maxBytes');
  const small = new Uint8Array(gzipSync(Uint8Array.from([1, 2, 3])));
  assert.equal(Array.from(await gunzip(small, { maxBytes: 3 })), [1, 2, 3]);
  await timedRejection(() => gunzip(small, { maxBytes: 2 }), /maxBytes = 2 bytes/);
  await timedRejection(() => gunzip(small, { maxBytes: 0 }), /^maxBytes must be a positive integer, got 0$/);
  await timedRejection(() => gunzip(small, { maxBytes: 1.5 }), /^maxBytes must be a positive integer, got 1.5$/);
  await timedRejection(() => gunzip(small, { limit: 3 } as unknown as { maxBytes: number }), /^gunzip: unknown option 'limit' \(a string\) \(known: maxBytes\)$/);
  await timedRejection(() => gunzip(small, 3 as unknown as { maxBytes: number }), /^gunzip options must be an object, got 3$/);
});

test('isGzip, gunzip and readIdx of something other than bytes: a ValueError naming bytes', async () => {
  for (const bad of [null, undefined, 'abc', [0x1f, 0x8b], new ArrayBuffer(4), new Int8Array(4)]) {
    throwsValueError(() => isGzip(bad as unknown as Uint8Array), /^bytes must be a Uint8Array, got /);
    await timedRejection(() => gunzip(bad as unknown as Uint8Array), /^bytes must be a Uint8Array, got /);
    await timedRejection(() => readIdx(bad as unknown as Uint8Array), /^bytes must be a Uint8Array, got /);
  }
  throwsValueError(() => isGzip(null as unknown as Uint8Array), /got null$/);
  assert.is(isGzip(Uint8Array.from([0x1f, 0x8b])), true);
  assert.is(isGzip(Uint8Array.from([0x1f])), false);
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
