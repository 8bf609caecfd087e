// The data helpers: oneHot, trainTestSplit, polynomialFeatures, confusionMatrix, and the IDX dataset
// builder behind loadFashionMnist — values against hand-worked examples and independent
// re-computations, and every kind of bad argument.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ShapeError, ValueError } from '../src/errors.ts';
import { idxDataset, loadIdxDataset } from '../src/data/fashion-mnist.ts';
import { confusionMatrix, oneHot, polynomialFeatureCount, polynomialFeatures, trainTestSplit } from '../src/data/transforms.ts';
import type { IdxArray } from '../src/data/idx.ts';
import { mulberry32, randomInt, randomMatrix, testSeed } from './support/random.ts';

function fails(fn: () => unknown, kind: typeof ShapeError | typeof ValueError, pattern: RegExp): void {
  try {
    fn();
  } catch (e) {
    assert.instance(e, kind, `${(e as Error).name}: ${(e as Error).message}`);
    assert.match((e as Error).message, pattern);
    return;
  }
  assert.unreachable(`expected ${kind.name} matching ${pattern}`);
}

const seed = testSeed('data helpers');

test('oneHot: one 1 per row, in the label column', () => {
  const m = oneHot([2, 0, 1, 2], 3);
  assert.equal({ rows: m.rows, cols: m.cols }, { rows: 4, cols: 3 });
  assert.equal(Array.from(m.data), [0, 0, 1, 1, 0, 0, 0, 1, 0, 0, 0, 1]);
  assert.equal(Array.from(oneHot(Int32Array.from([0]), 1).data), [1]);
});

test('oneHot: labels outside 0..nClasses−1, non-integers, NaN, empty y or a bad nClasses are refused', () => {
  fails(() => oneHot([0, 3], 3), ValueError, /y\[1\] = 3, but class labels must be integers from 0 to 2/);
  fails(() => oneHot([-1], 3), ValueError, /y\[0\] = -1/);
  fails(() => oneHot([0.5], 3), ValueError, /y\[0\] = 0.5/);
  fails(() => oneHot([Number.NaN], 3), ValueError, /y\[0\] = NaN is not a finite number/);
  fails(() => oneHot([], 3), ShapeError, /y is empty/);
  fails(() => oneHot([0], 0), ValueError, /nClasses must be a positive integer, got 0/);
  fails(() => oneHot('01' as unknown as number[], 2), ValueError, /y must be an array/);
});

/** X whose row i is [i, −i] and y = i, so every row can be traced after the split. */
function traceable(n: number): { X: { data: Float32Array; rows: number; cols: number }; y: Float32Array } {
  const data = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    data[2 * i] = i;
    data[2 * i + 1] = -i;
  }
  return { X: { data, rows: n, cols: 2 }, y: Float32Array.from({ length: n }, (_, i) => i) };
}

test('trainTestSplit: a partition of the rows, each with its own label, ⌈n·fraction⌉ of them in the test set', () => {
  const rng = mulberry32(seed);
  for (let trial = 0; trial < 6; trial++) {
    const n = randomInt(rng, 2, 300);
    const fraction = 0.05 + 0.9 * rng();
    if (Math.ceil(n * fraction) >= n) continue;
    const { X, y } = traceable(n);
    const s = trainTestSplit(X, y, { testFraction: fraction, seed: randomInt(rng, 0, 1e6) });
    assert.is(s.XTest.rows, Math.ceil(n * fraction));
    assert.is(s.XTrain.rows + s.XTest.rows, n);
    const seen: number[] = [];
    for (const [M, labels] of [[s.XTrain, s.yTrain], [s.XTest, s.yTest]] as const) {
      assert.is(labels.length, M.rows);
      for (let i = 0; i < M.rows; i++) {
        assert.is(M.data[2 * i], labels[i]);
        assert.is(M.data[2 * i + 1], -(labels[i] as number));
        seen.push(labels[i] as number);
      }
    }
    assert.equal(seen.sort((a, b) => a - b), Array.from({ length: n }, (_, i) => i));
  }
});

test('trainTestSplit: the seed decides the split; shuffle: false keeps the order, the tail is the test set', () => {
  const { X, y } = traceable(50);
  const a = trainTestSplit(X, y, { seed: 7 });
  const b = trainTestSplit(X, y, { seed: 7 });
  const c = trainTestSplit(X, y, { seed: 8 });
  assert.equal(Array.from(a.yTest), Array.from(b.yTest));
  assert.not.equal(Array.from(a.yTest), Array.from(c.yTest));
  assert.is(a.yTest.length, 13); // default testFraction 0.25: ⌈12.5⌉
  const ordered = trainTestSplit(X, y, { testFraction: 0.2, shuffle: false });
  assert.equal(Array.from(ordered.yTrain), Array.from({ length: 40 }, (_, i) => i));
  assert.equal(Array.from(ordered.yTest), Array.from({ length: 10 }, (_, i) => 40 + i));
});

test('trainTestSplit: a shuffled split is not the identity and puts every row in the test set about equally often', () => {
  const n = 20;
  const { X, y } = traceable(n);
  const hits = new Array<number>(n).fill(0);
  const trials = 2000;
  for (let s = 0; s < trials; s++) for (const v of trainTestSplit(X, y, { testFraction: 0.25, seed: s }).yTest) hits[v] = (hits[v] ?? 0) + 1;
  // Each row is a test row with probability 5/20; over 2000 seeds that is 500 ± 19 (1σ).
  for (const h of hits) assert.ok(h > 400 && h < 600, `a row was in the test set ${h} times of ${trials}`);
});

test('trainTestSplit: bad fractions, seeds, options and shapes are refused', () => {
  const { X, y } = traceable(10);
  fails(() => trainTestSplit(X, y, { testFraction: 0 }), ValueError, /testFraction must be a number between 0 and 1/);
  fails(() => trainTestSplit(X, y, { testFraction: 1 }), ValueError, /testFraction/);
  fails(() => trainTestSplit(X, y, { testFraction: Number.NaN }), ValueError, /testFraction/);
  fails(() => trainTestSplit(X, y, { seed: 0.5 }), ValueError, /seed must be an integer, got 0.5/);
  fails(() => trainTestSplit(X, y, { shuffle: 1 } as unknown as { shuffle: boolean }), ValueError, /shuffle must be true or false/);
  fails(() => trainTestSplit(X, y, { stratify: true } as unknown as { seed: number }), ValueError, /unknown option 'stratify'/);
  fails(() => trainTestSplit(X, y.subarray(0, 9)), ShapeError, /y has 9 values but X has 10 rows/);
  fails(() => trainTestSplit(traceable(1).X, [0]), ShapeError, /leaves none for training/);
  fails(() => trainTestSplit(X, y, { testFraction: 0.95 }), ShapeError, /X has 10 rows: testFraction 0.95 leaves none for training/);
  fails(() => trainTestSplit({ data: [1, Number.NaN], rows: 1, cols: 2 }, [0]), ValueError, /non-finite value NaN at row 0, column 1/);
});

test('polynomialFeatures: [a, b] to degree 2 is [a, b, a², ab, b²]; degree 1 is X itself', () => {
  const m = polynomialFeatures([[2, 3], [-1, 0.5]], 2);
  assert.equal({ rows: m.rows, cols: m.cols }, { rows: 2, cols: 5 });
  assert.equal(Array.from(m.data), [2, 3, 4, 6, 9, -1, 0.5, 1, -0.5, 0.25]);
  assert.equal(Array.from(polynomialFeatures([[2, 3, 4]], 1).data), [2, 3, 4]);
  // [a, b, c] to degree 3: a b c, aa ab ac bb bc cc, aaa aab aac abb abc acc bbb bbc bcc ccc.
  const [a, b, c] = [2, 3, 5];
  const cubic = polynomialFeatures([[a, b, c]], 3);
  assert.equal(Array.from(cubic.data), [
    a, b, c, a * a, a * b, a * c, b * b, b * c, c * c,
    a * a * a, a * a * b, a * a * c, a * b * b, a * b * c, a * c * c, b * b * b, b * b * c, b * c * c, c * c * c,
  ]);
});

/** Exponent vectors of total degree 1..p over d variables, in the documented order (an independent enumeration). */
function monomials(d: number, p: number): number[][] {
  const out: number[][] = [];
  for (let deg = 1; deg <= p; deg++) {
    // Non-decreasing factor lists of length deg, lexicographic.
    const lists: number[][] = [];
    const build = (prefix: number[]): void => {
      if (prefix.length === deg) {
        lists.push(prefix);
        return;
      }
      for (let j = prefix.at(-1) ?? 0; j < d; j++) build([...prefix, j]);
    };
    build([]);
    for (const l of lists) {
      const e = new Array<number>(d).fill(0);
      for (const j of l) e[j] = (e[j] ?? 0) + 1;
      out.push(e);
    }
  }
  return out;
}

test('polynomialFeatures: random X matches products computed from exponent vectors', () => {
  const rng = mulberry32(seed + 1);
  for (let trial = 0; trial < 4; trial++) {
    const d = randomInt(rng, 1, 5);
    const p = randomInt(rng, 1, 4);
    const X = randomMatrix(rng, randomInt(rng, 1, 30), d, -2, 2);
    const m = polynomialFeatures(X, p);
    const terms = monomials(d, p);
    assert.is(m.cols, terms.length);
    assert.is(polynomialFeatureCount(d, p), terms.length);
    for (let i = 0; i < X.rows; i++) {
      terms.forEach((e, c) => {
        const expected = e.reduce((prod, k, j) => prod * (X.data[i * d + j] as number) ** k, 1);
        const got = m.data[i * m.cols + c] as number;
        assert.ok(Math.abs(got - expected) <= 1e-6 * Math.max(1, Math.abs(expected)), `row ${i} term ${c}: ${got} vs ${expected}`);
      });
    }
  }
});

test('polynomialFeatures: bad degree, bad X, overflow and too many columns are refused', () => {
  fails(() => polynomialFeatures([[1, 2]], 0), ValueError, /degree must be a positive integer, got 0/);
  fails(() => polynomialFeatures([[1, 2]], 1.5), ValueError, /degree must be a positive integer/);
  fails(() => polynomialFeatures([], 2), ShapeError, /X is empty/);
  fails(() => polynomialFeatures([[1, 2], [3]], 2), ShapeError, /ragged/);
  fails(() => polynomialFeatures([[1e20, 1]], 2), ValueError, /row 0, feature 2 = [\d.]+e\+40 overflows a 32-bit float/);
  fails(() => polynomialFeatures({ data: new Float32Array(784 * 2), rows: 2, cols: 784 }, 4), ShapeError, /would have \d+ columns, too many/);
});

test('confusionMatrix: rows are the true class, columns the predicted one', () => {
  assert.equal(confusionMatrix([0, 0, 1, 2, 2, 2], [0, 1, 1, 2, 0, 2], 3), [
    [1, 1, 0],
    [0, 1, 0],
    [1, 0, 2],
  ]);
});

test('confusionMatrix: random labels: row sums are class sizes, the trace counts the matches', () => {
  const rng = mulberry32(seed + 2);
  const k = randomInt(rng, 2, 12);
  const n = randomInt(rng, 1, 500);
  const truth = Array.from({ length: n }, () => randomInt(rng, 0, k - 1));
  const predicted = truth.map((t) => (rng() < 0.7 ? t : randomInt(rng, 0, k - 1)));
  const m = confusionMatrix(truth, Int32Array.from(predicted), k);
  assert.is(m.length, k);
  for (let c = 0; c < k; c++) {
    assert.is(m[c]!.reduce((a, b) => a + b, 0), truth.filter((t) => t === c).length);
    assert.is(m.reduce((s, row) => s + row[c]!, 0), predicted.filter((p) => p === c).length);
  }
  assert.is(m.reduce((s, row, i) => s + row[i]!, 0), truth.filter((t, i) => t === predicted[i]).length);
});

test('confusionMatrix: mismatched lengths, out-of-range labels and empty input are refused', () => {
  fails(() => confusionMatrix([0, 1], [0], 2), ShapeError, /yTrue has 2 values but yPred has 1/);
  fails(() => confusionMatrix([0, 2], [0, 1], 2), ValueError, /yTrue\[1\] = 2/);
  fails(() => confusionMatrix([0, 1], [0, -1], 2), ValueError, /yPred\[1\] = -1/);
  fails(() => confusionMatrix([], [], 2), ShapeError, /yTrue is empty/);
  fails(() => confusionMatrix([0], [0], 0), ValueError, /nClasses/);
});

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
