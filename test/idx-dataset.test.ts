// The IDX dataset builder behind loadFashionMnist (idxDataset, loadIdxDataset): images flattened to
// rows and scaled, labels checked, file contents and sizes refused with the file, row and offset
// named. The IDX format itself is read in idx.test.ts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ShapeError, ValueError } from '../src/errors.ts';
import { idxDataset, loadIdxDataset } from '../src/data/fashion-mnist.ts';
import type { IdxArray } from '../src/data/idx.ts';
import { expectQuickValueError as failsQuickly, expectReject, expectThrow as fails } from './support/errors.ts';

function idx(dims: number[], data: IdxArray['data']): IdxArray {
  return { dims, data };
}

test('idxDataset: images flattened to rows, u8 scaled to [0, 1], limit keeps the first rows', () => {
  const images = idx([3, 2, 2], Uint8Array.from([0, 255, 51, 102, 1, 2, 3, 4, 5, 6, 7, 8]));
  const labels = idx([3], Uint8Array.from([4, 0, 9]));
  const d = idxDataset(images, labels);
  assert.equal({ rows: d.X.rows, cols: d.X.cols }, { rows: 3, cols: 4 });
  assert.equal(Array.from(d.X.data.subarray(0, 4)), [0, 1, 0.2, 0.4].map(Math.fround));
  assert.equal(Array.from(d.y), [4, 0, 9]);
  assert.is(d.scale, 1 / 255);
  const limited = idxDataset(images, labels, { limit: 2, scale: 1 });
  assert.equal(Array.from(limited.X.data), [0, 255, 51, 102, 1, 2, 3, 4]);
  assert.equal(Array.from(limited.y), [4, 0]);
  assert.is(limited.scale, 1);
  const floats = idxDataset(idx([2], Float32Array.from([0.5, -3])), idx([2], Uint8Array.from([1, 0])));
  assert.equal(Array.from(floats.X.data), [0.5, -3]);
  assert.is(floats.scale, 1);
});

test('idxDataset: mismatched counts, non-vector labels, negative labels and bad options are refused', () => {
  const images = idx([2, 3], Uint8Array.from([1, 2, 3, 4, 5, 6]));
  fails(() => idxDataset(images, idx([3], Uint8Array.from([0, 1, 2]))), ShapeError, /labels has 3 values but images has 2 rows/);
  fails(() => idxDataset(images, idx([2, 1], Uint8Array.from([0, 1]))), ShapeError, /labels must be 1-dimensional/);
  fails(() => idxDataset(images, idx([2], Int8Array.from([0, -1]))), ValueError, /labels\[1\] = -1/);
  fails(() => idxDataset(idx([0, 3], new Uint8Array(0)), idx([0], new Uint8Array(0))), ShapeError, /no rows/);
  fails(() => idxDataset(images, idx([2], Uint8Array.from([0, 1])), { limit: 0 }), ValueError, /limit must be a positive integer/);
  fails(() => idxDataset(images, idx([2], Uint8Array.from([0, 1])), { scale: -1 }), ValueError, /scale must be a finite number > 0/);
  fails(() => idxDataset(images, idx([2], Uint8Array.from([0, 1])), { shuffle: true } as unknown as { limit: number }), ValueError, /unknown option 'shuffle'/);
});

/** An IDX file: type code, dims (big-endian u32) and the value bytes as given. */
function idxBytes(type: number, dims: number[], values: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + values.length);
  out[2] = type;
  out[3] = dims.length;
  const view = new DataView(out.buffer);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(Array.from(values), 4 + 4 * dims.length);
  return out;
}

/** big-endian bytes of f32 or f64 values, as an IDX file stores them. */
function floatBytes(bytes: 4 | 8, values: number[]): Uint8Array {
  const view = new DataView(new ArrayBuffer(values.length * bytes));
  values.forEach((v, i) => (bytes === 4 ? view.setFloat32(i * bytes, v, false) : view.setFloat64(i * bytes, v, false)));
  return new Uint8Array(view.buffer);
}

test('idxDataset: NaN, ±Infinity and values beyond float32 are ValueErrors naming the value, its row and byte offset', () => {
  const labels = idx([2], Uint8Array.from([0, 1]));
  for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
    // Value 3 of a 2×2 f32 array: the header is 4 + 4·3 bytes, so it is at byte 16 + 3·4 = 28.
    fails(() => idxDataset(idx([2, 1, 2], Float32Array.from([1, 2, 3, bad])), labels), ValueError,
      new RegExp(`^images value 3 \\(row 1, byte 28\\) is ${String(bad)}: features must be finite numbers$`));
  }
  fails(() => idxDataset(idx([2, 2], Float64Array.from([0, 1e300, 2, 3])), labels), ValueError,
    /^images value 1 \(row 0, byte 20\) is 1e\+300: beyond the float32 range \(±3\.4e38\)$/);
  fails(() => idxDataset(idx([2, 1], Uint8Array.from([0, 255])), labels, { scale: 1e37 }), ValueError,
    /^images value 1 \(row 1, byte 13\) is 255: × scale 1e\+37 beyond the float32 range/);
  // f64 values within float32 range still load.
  assert.equal(Array.from(idxDataset(idx([2, 1], Float64Array.from([-3e38, 0.5])), labels).X.data), [Math.fround(-3e38), 0.5]);
});

test('idxDataset: labels past 65535 and more than 2^28 features are refused before allocating', () => {
  // Before: loadIdxDataset on a label of 2147483647 made an array of 2^31 class names and the process died.
  const images = idx([1, 2], Uint8Array.from([1, 2]));
  failsQuickly(() => idxDataset(images, idx([1], Int32Array.from([2147483647]))), /^labels\[0\] = 2147483647 \(byte 8\), but class labels must be integers from 0 to 65535$/);
  failsQuickly(() => idxDataset(images, idx([1], Int32Array.from([65536]))), /labels\[0\] = 65536/);
  assert.equal(Array.from(idxDataset(images, idx([1], Int32Array.from([65535]))).y), [65535]);
  // 32768 images of 128×128 bytes: 2^29 features. The check comes before any value is read.
  const huge = idx([32768, 128, 128], new Uint8Array(0));
  const hugeLabels = idx([32768], new Uint8Array(32768));
  failsQuickly(() => idxDataset(huge, hugeLabels), /^images: 32768 rows of 16384 values would be 536870912 features, over the limit of 2\^28; pass a smaller limit$/);
});

test('loadIdxDataset: errors about a file\'s contents start with the file name', async () => {
  const images = idxBytes(0x0d, [1, 1, 2], floatBytes(4, [0.5, Number.NaN]));
  const files: Record<string, Uint8Array> = {
    'train-images': images,
    'train-labels': idxBytes(0x0c, [1], [0x7f, 0xff, 0xff, 0xff]),
    'good-images': idxBytes(0x0d, [1, 1, 2], floatBytes(4, [0.5, 1])),
    'good-labels': idxBytes(0x08, [1], [1]),
    'not-idx': Uint8Array.from([0x50, 0x4b, 3, 4]),
  };
  const read = async (f: string): Promise<Uint8Array> => files[f] as Uint8Array;
  const rejects = async (names: [string, string], pattern: RegExp): Promise<void> => {
    const files = { trainImages: names[0], trainLabels: names[1], testImages: 'good-images', testLabels: 'good-labels' };
    const { ms } = await expectReject(() => loadIdxDataset(read, files), ValueError, pattern);
    assert.ok(ms < 1000, `${ms.toFixed(0)} ms`);
  };
  await rejects(['train-images', 'good-labels'], /^train-images: images value 1 \(row 0, byte 20\) is NaN: features must be finite numbers$/);
  await rejects(['good-images', 'train-labels'], /^train-labels: labels\[0\] = 2147483647 \(byte 8\), but class labels must be integers from 0 to 65535$/);
  await rejects(['not-idx', 'good-labels'], /^not-idx: not an IDX file: the magic number must start with two zero bytes, got 0x50 0x4b$/);
});

test('loadIdxDataset: reads the four files through the given function; test rows must match train width', async () => {
  const file = (type: number, dims: number[], values: number[]): Uint8Array => {
    const out = new Uint8Array(4 + 4 * dims.length + values.length);
    out[2] = type;
    out[3] = dims.length;
    const view = new DataView(out.buffer);
    dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
    out.set(values, 4 + 4 * dims.length);
    return out;
  };
  const files: Record<string, Uint8Array> = {
    ti: file(8, [2, 1, 2], [0, 255, 255, 0]),
    tl: file(8, [2], [1, 0]),
    si: file(8, [1, 1, 2], [255, 255]),
    sl: file(8, [1], [2]),
    bad: file(8, [1, 3], [1, 2, 3]),
    signed: file(9, [1, 1, 2], [1, 2]),
  };
  const read = async (f: string): Promise<Uint8Array> => {
    const bytes = files[f];
    if (bytes === undefined) throw new Error(`no file ${f}`);
    return bytes;
  };
  const d = await loadIdxDataset(read, { trainImages: 'ti', trainLabels: 'tl', testImages: 'si', testLabels: 'sl' });
  assert.equal(Array.from(d.train.X.data), [0, 1, 1, 0]);
  assert.equal(Array.from(d.test.y), [2]);
  assert.equal(d.train.classNames, ['0', '1', '2']);
  assert.equal(d.train.featureNames, ['pixel 0', 'pixel 1']);
  assert.is(d.scale, 1 / 255);
  try {
    await loadIdxDataset(read, { trainImages: 'ti', trainLabels: 'tl', testImages: 'bad', testLabels: 'sl' });
    assert.unreachable('a width mismatch must be refused');
  } catch (e) {
    assert.instance(e, ShapeError);
    assert.match((e as Error).message, /test images have 3 values each but training images 2/);
  }
  try {
    await loadIdxDataset(read, { trainImages: 'ti', trainLabels: 'tl', testImages: 'signed', testLabels: 'sl' });
    assert.unreachable('u8 training images with i8 test images must be refused');
  } catch (e) {
    assert.instance(e, ValueError);
    assert.match((e as Error).message, /different IDX types/);
  }
});

test.run();
