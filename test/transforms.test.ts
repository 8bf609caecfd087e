// The data helpers: oneHot, trainTestSplit, polynomialFeatures and confusionMatrix — values against
// hand-worked examples and independent re-computations, and every kind of bad argument. The IDX
// dataset builder behind loadFashionMnist is in idx-dataset.test.ts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ShapeError, ValueError } from '../src/errors.ts';
import { confusionMatrix, oneHot, polynomialFeatureCount, polynomialFeatures, trainTestSplit } from '../src/data/transforms.ts';
import { expectQuickValueError as failsQuickly, expectThrow as fails } from './support/errors.ts';
import { mulberry32, randomInt, randomMatrix, testSeed } from './support/random.ts';

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
  fails(() => trainTestSplit(X, y, { stratified: true } as unknown as { seed: number }), ValueError, /^trainTestSplit: unknown option 'stratified' \(known: testFraction, seed, shuffle, stratify\)$/);
  fails(() => trainTestSplit(X, y.subarray(0, 9)), ShapeError, /y has 9 values but X has 10 rows/);
  fails(() => trainTestSplit(traceable(1).X, [0]), ShapeError, /leaves none for training/);
  fails(() => trainTestSplit(X, y, { testFraction: 0.95 }), ShapeError, /X has 10 rows: testFraction 0.95 leaves none for training/);
  fails(() => trainTestSplit({ data: [1, Number.NaN], rows: 1, cols: 2 }, [0]), ValueError, /non-finite value NaN at row 0, column 1/);
});

/** X whose row i is [i, −i], and class labels drawn with the given sizes in a random order. */
function classTable(rng: () => number, sizes: number[]): { X: { data: Float32Array; rows: number; cols: number }; y: Float32Array; classOf: number[] } {
  const classOf = sizes.flatMap((n, c) => new Array<number>(n).fill(c));
  for (let i = classOf.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [classOf[i], classOf[j]] = [classOf[j]!, classOf[i]!];
  }
  const { X } = traceable(classOf.length);
  // Labels 10, 20, 30… so that class values, not indices, are what is grouped.
  return { X, y: Float32Array.from(classOf, (c) => 10 * (c + 1)), classOf };
}

test('trainTestSplit stratify: each class puts Math.round(n_c·fraction) rows in the test set, a partition of the rows', () => {
  const rng = mulberry32(seed + 3);
  for (let trial = 0; trial < 8; trial++) {
    const fraction = 0.1 + 0.3 * rng();
    const sizes = Array.from({ length: randomInt(rng, 1, 6) }, () => randomInt(rng, 2, 80));
    // At least one class must give the test set a row, or the split is rightly refused.
    sizes[0] = Math.max(sizes[0]!, Math.ceil(1 / fraction));
    const { X, y, classOf } = classTable(rng, sizes);
    const s = trainTestSplit(X, y, { testFraction: fraction, seed: randomInt(rng, 0, 1e6), stratify: true });
    sizes.forEach((n, c) => {
      const inTest = Array.from(s.yTest).filter((v) => v === 10 * (c + 1)).length;
      assert.is(inTest, Math.round(n * fraction), `class ${c} of ${n} rows, fraction ${fraction}`);
    });
    // Every row once, with its own label.
    const seen: number[] = [];
    for (const [M, labels] of [[s.XTrain, s.yTrain], [s.XTest, s.yTest]] as const) {
      for (let i = 0; i < M.rows; i++) {
        const row = M.data[2 * i] as number;
        assert.is(labels[i], 10 * (classOf[row]! + 1));
        seen.push(row);
      }
    }
    assert.equal(seen.sort((a, b) => a - b), Array.from({ length: classOf.length }, (_, i) => i));
  }
});

test('trainTestSplit stratify: a 90/10 class mix stays 90/10 in both sets; the seed decides which rows', () => {
  const rng = mulberry32(seed + 4);
  const { X, y } = classTable(rng, [90, 10]);
  const a = trainTestSplit(X, y, { testFraction: 0.2, seed: 5, stratify: true });
  assert.equal([Array.from(a.yTest).filter((v) => v === 10).length, Array.from(a.yTest).filter((v) => v === 20).length], [18, 2]);
  assert.equal([Array.from(a.yTrain).filter((v) => v === 10).length, Array.from(a.yTrain).filter((v) => v === 20).length], [72, 8]);
  const b = trainTestSplit(X, y, { testFraction: 0.2, seed: 5, stratify: true });
  const c = trainTestSplit(X, y, { testFraction: 0.2, seed: 6, stratify: true });
  assert.equal(Array.from(a.XTest.data), Array.from(b.XTest.data));
  assert.not.equal(Array.from(a.XTest.data), Array.from(c.XTest.data));
  // Without shuffling, each class's last rows are its test rows and both sets keep the file order.
  const ordered = trainTestSplit(X, y, { testFraction: 0.2, shuffle: false, stratify: true });
  const rowsOf = (M: { data: Float32Array; rows: number }): number[] => Array.from({ length: M.rows }, (_, i) => M.data[2 * i] as number);
  const expectedTest = [10, 20].flatMap((v) => {
    const rows = Array.from(y).flatMap((l, i) => (l === v ? [i] : []));
    return rows.slice(rows.length - (v === 10 ? 18 : 2));
  }).sort((p, q) => p - q);
  assert.equal(rowsOf(ordered.XTest), expectedTest);
  assert.equal(rowsOf(ordered.XTrain), Array.from({ length: 100 }, (_, i) => i).filter((i) => !expectedTest.includes(i)));
});

test('trainTestSplit stratify: within a class, every row is a test row about equally often over seeds', () => {
  const { X, y } = classTable(mulberry32(seed + 5), [12, 8]);
  const hits = new Array<number>(20).fill(0);
  const trials = 1500;
  for (let s = 0; s < trials; s++) {
    const split = trainTestSplit(X, y, { testFraction: 0.25, seed: s, stratify: true });
    for (let i = 0; i < split.XTest.rows; i++) hits[split.XTest.data[2 * i] as number]! += 1;
  }
  // Class of 12 rows: 3 test rows, p = 1/4, 375 ± 17 (1σ); class of 8: 2 test rows, also p = 1/4.
  for (const h of hits) assert.ok(h > 290 && h < 460, `a row was in the test set ${h} times of ${trials}`);
});

test('trainTestSplit stratify: a class left without training rows, an empty test set, non-class labels or a bad flag are refused', () => {
  const { X } = traceable(6);
  fails(() => trainTestSplit(X, [0, 0, 0, 0, 0, 1], { testFraction: 0.5, stratify: true }), ShapeError,
    /^class 1 has 1 row: testFraction 0.5 puts 1 in the test set, leaving none for training$/);
  fails(() => trainTestSplit(X, [0, 0, 0, 1, 1, 1], { testFraction: 0.1, stratify: true }), ShapeError,
    /^testFraction 0.1 of each class rounds to 0 rows \(6 rows in 2 classes\): the test set would be empty$/);
  // A class of one row stays in training when its share rounds to 0.
  const kept = trainTestSplit(X, [0, 0, 0, 0, 0, 1], { testFraction: 0.3, stratify: true });
  assert.equal(Array.from(kept.yTest), [0, 0]);
  fails(() => trainTestSplit(X, [0, 0, 0, 1, 1, 1], { stratify: 'yes' } as unknown as { stratify: boolean }), ValueError,
    /^stratify must be true or false, got 'yes' \(a string\)$/);
  const n = 65537;
  const t0 = performance.now();
  fails(() => trainTestSplit({ data: new Float32Array(n), rows: n, cols: 1 }, Float32Array.from({ length: n }, (_, i) => i), { stratify: true }), ValueError,
    /^y holds more than 65536 distinct values: stratify needs class labels$/);
  assert.ok(performance.now() - t0 < 1000);
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
  fails(() => polynomialFeatures({ data: new Float32Array(784 * 2), rows: 2, cols: 784 }, 4), ValueError, /degree 4 would have 15943435564 columns, over the limit of 2\^20 columns; lower degree/);
});

test('polynomialFeatures: sizes past 2^20 columns or 2^28 values are ValueErrors naming degree, before allocating', () => {
  // Before: degree 2^28 on one column aborted the process ("invalid size"), and degree 1e10 spun for 55 s.
  failsQuickly(() => polynomialFeatures([[1]], 2 ** 28), /^polynomialFeatures of X \(1×1\) to degree 268435456 would have 268435456 columns, over the limit of 2\^20 columns; lower degree$/);
  failsQuickly(() => polynomialFeatures([[1]], 1e10), /degree 10000000000 would have 10000000000 columns/);
  failsQuickly(() => polynomialFeatures([[1, 2, 3]], 1e10), /would have more than 2\^53 columns/);
  failsQuickly(() => polynomialFeatures([[1]], 2 ** 20 + 1), /would have 1048577 columns, over the limit of 2\^20 columns/);
  // 2000 rows × (C(103, 3) − 1 = 176 850 columns) is 353 700 000 values.
  const X = { data: new Float32Array(2000 * 100), rows: 2000, cols: 100 };
  failsQuickly(() => polynomialFeatures(X, 3), /^polynomialFeatures of X \(2000×100\) to degree 3 would have 176850 columns, 353700000 values, over the limit of 2\^28; lower degree$/);
  // Exactly at the column limit is allowed: one column to degree 2^20 is x, x², …, x^(2^20).
  const ones = polynomialFeatures([[1]], 2 ** 20);
  assert.is(ones.cols, 2 ** 20);
  assert.ok(ones.data.every((v) => v === 1));
});

test('polynomialFeatureCount: exact counts, Infinity past 2^53, in min(d, degree) steps; bad arguments named', () => {
  assert.is(polynomialFeatureCount(2, 2), 5);
  assert.is(polynomialFeatureCount(3, 3), 19);
  assert.is(polynomialFeatureCount(784, 2), 308504);
  assert.is(polynomialFeatureCount(1, 1e10), 1e10);
  assert.is(polynomialFeatureCount(1e10, 1), 1e10);
  const t0 = performance.now();
  assert.is(polynomialFeatureCount(784, 1e10), Number.POSITIVE_INFINITY);
  assert.is(polynomialFeatureCount(1e9, 1e9), Number.POSITIVE_INFINITY);
  assert.ok(performance.now() - t0 < 100, `${(performance.now() - t0).toFixed(0)} ms`);
  fails(() => polynomialFeatureCount(0, 2), ValueError, /^d must be a positive integer, got 0$/);
  fails(() => polynomialFeatureCount('3' as unknown as number, 2), ValueError, /^d must be a positive integer, got '3' \(a string\)$/);
  fails(() => polynomialFeatureCount(3, 2.5), ValueError, /^degree must be a positive integer, got 2.5$/);
});

test('oneHot and confusionMatrix: nClasses past its limit, or a matrix past 2^28 values, is a ValueError naming nClasses', () => {
  // Before: confusionMatrix([0], [0], 1e5) built a 1e5×1e5 array of arrays and the process died.
  failsQuickly(() => confusionMatrix([0], [0], 1e5), /^nClasses = 100000 is over the limit of 4096 \(the matrix has nClasses² entries\)$/);
  failsQuickly(() => confusionMatrix([0], [0], 4097), /nClasses = 4097 is over the limit of 4096/);
  assert.is(confusionMatrix([0], [0], 300).length, 300);
  failsQuickly(() => oneHot([0], 65537), /^nClasses = 65537 is over the limit of 65536$/);
  failsQuickly(() => oneHot(new Int32Array(5000), 65536), /^oneHot of 5000 labels with nClasses = 65536 would have 327680000 values, over the limit of 2\^28$/);
  assert.is(oneHot([65535], 65536).data[65535], 1);
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

test.run();
