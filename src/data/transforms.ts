// Small host-side helpers around training: label encoding, a seeded train/test split, polynomial
// features (a linear model on them draws curved boundaries) and the confusion matrix.
import { ShapeError, ValueError } from '../errors.ts';
import { mulberry32 } from '../random.ts';
import type { HostMatrix, MatrixInput } from '../types.ts';
import { checkPositiveInt, describeShape, describeValue, toHostMatrix } from '../validate.ts';
import { MAX_CLASSES, MAX_CONFUSION_CLASSES, MAX_POLYNOMIAL_COLUMNS, MAX_VALUES } from './limits.ts';

/** Checks that `y` is an array of finite numbers and returns it as one. */
function checkVector(name: string, y: unknown): ArrayLike<number> {
  const ok = Array.isArray(y) || (ArrayBuffer.isView(y) && !(y instanceof DataView));
  if (!ok) throw new ValueError(`${name} must be an array or typed array of numbers, got ${describeValue(y)}`);
  const arr = y as ArrayLike<number>;
  if (arr.length === 0) throw new ShapeError(`${name} is empty`);
  for (let i = 0; i < arr.length; i++) {
    const v = arr[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new ValueError(`${name}[${i}] = ${describeValue(v)} is not a finite number`);
  }
  return arr;
}

/** Checks that every value of y is a class index 0..nClasses−1. */
function checkLabels(name: string, y: unknown, nClasses: number): ArrayLike<number> {
  const arr = checkVector(name, y);
  for (let i = 0; i < arr.length; i++) {
    const v = arr[i] as number;
    if (!Number.isInteger(v) || v < 0 || v >= nClasses) {
      throw new ValueError(`${name}[${i}] = ${v}, but class labels must be integers from 0 to ${nClasses - 1} (nClasses = ${nClasses})`);
    }
  }
  return arr;
}

/** nClasses checked to be a positive integer no larger than `max`, before anything of its size is allocated. */
function checkClassCount(nClasses: unknown, max: number, why: string): number {
  const k = checkPositiveInt('nClasses', nClasses);
  if (k > max) throw new ValueError(`nClasses = ${k} is over the limit of ${max}${why}`);
  return k;
}

/** Labels 0..nClasses−1 as one-hot rows: an n×nClasses matrix with a single 1 per row. */
export function oneHot(y: ArrayLike<number>, nClasses: number): HostMatrix {
  const k = checkClassCount(nClasses, MAX_CLASSES, '');
  const labels = checkLabels('y', y, k);
  if (labels.length * k > MAX_VALUES) {
    throw new ValueError(`oneHot of ${labels.length} labels with nClasses = ${k} would have ${labels.length * k} values, over the limit of 2^28`);
  }
  const data = new Float32Array(labels.length * k);
  for (let i = 0; i < labels.length; i++) data[i * k + (labels[i] as number)] = 1;
  return { data, rows: labels.length, cols: k };
}

/** Options of trainTestSplit(). */
export interface SplitOptions {
  /** Share of the rows that goes to the test set, in (0, 1); rounded up to whole rows. Default 0.25. */
  testFraction?: number;
  /** Seed of the shuffle (default 0): the same seed gives the same split on every runtime. */
  seed?: number;
  /** Shuffle before splitting (default true); false keeps the order and puts the last rows in the test set. */
  shuffle?: boolean;
  /**
   * Keep each class's share in both sets (default false): rows are grouped by their y value, and a
   * class of n rows puts Math.round(n · testFraction) of them (halves round up) in the test set, so
   * the test set's size is the sum of those rather than ⌈rows · testFraction⌉.
   */
  stratify?: boolean;
}

/** trainTestSplit()'s result: the rows of X and y in the training and in the test set. */
export interface Split {
  XTrain: HostMatrix;
  yTrain: Float32Array;
  XTest: HostMatrix;
  yTest: Float32Array;
}

const SPLIT_OPTIONS = ['testFraction', 'seed', 'shuffle', 'stratify'];

function checkSplitOptions(options: unknown): Required<SplitOptions> {
  // Left out is the default; null is a mistake, as a null option is everywhere.
  const o = options === undefined ? {} : options;
  if (typeof o !== 'object' || o === null || Array.isArray(o)) throw new ValueError(`trainTestSplit options must be an object, got ${describeValue(o)}`);
  for (const key of Object.keys(o)) {
    if (!SPLIT_OPTIONS.includes(key)) throw new ValueError(`trainTestSplit: unknown option '${key}' (known: ${SPLIT_OPTIONS.join(', ')})`);
  }
  const { testFraction = 0.25, seed = 0, shuffle = true, stratify = false } = o as SplitOptions;
  if (typeof testFraction !== 'number' || !(testFraction > 0 && testFraction < 1)) {
    throw new ValueError(`testFraction must be a number between 0 and 1 (exclusive), got ${describeValue(testFraction)}`);
  }
  if (typeof seed !== 'number' || !Number.isInteger(seed)) throw new ValueError(`seed must be an integer, got ${describeValue(seed)}`);
  if (typeof shuffle !== 'boolean') throw new ValueError(`shuffle must be true or false, got ${describeValue(shuffle)}`);
  if (typeof stratify !== 'boolean') throw new ValueError(`stratify must be true or false, got ${describeValue(stratify)}`);
  return { testFraction, seed, shuffle, stratify };
}

/** The rows of m listed in `rows`, in that order. */
function takeRows(m: HostMatrix, rows: Uint32Array): HostMatrix {
  const data = new Float32Array(rows.length * m.cols);
  rows.forEach((r, i) => data.set(m.data.subarray(r * m.cols, (r + 1) * m.cols), i * m.cols));
  return { data, rows: rows.length, cols: m.cols };
}

/**
 * Marks the test rows of a stratified split: for each class (y value), the first Math.round(n·testFraction)
 * of its rows in `order`, or with `fromEnd` the last ones. Refuses a class that would have no
 * training row, and a split with no test row.
 */
function stratifiedTestRows(labels: ArrayLike<number>, order: Uint32Array, testFraction: number, fromEnd: boolean): Uint8Array {
  const sizes = new Map<number, number>();
  for (let i = 0; i < labels.length; i++) {
    const c = labels[i] as number;
    const n = sizes.get(c);
    if (n === undefined && sizes.size === MAX_CLASSES) {
      throw new ValueError(`y holds more than ${MAX_CLASSES} distinct values: stratify needs class labels`);
    }
    sizes.set(c, (n ?? 0) + 1);
  }
  const quota = new Map<number, number>();
  let total = 0;
  for (const [c, n] of sizes) {
    const q = Math.round(n * testFraction);
    if (q >= n) {
      throw new ShapeError(`class ${c} has ${n} row${n === 1 ? '' : 's'}: testFraction ${testFraction} puts ${q} in the test set, leaving none for training`);
    }
    quota.set(c, q);
    total += q;
  }
  if (total === 0) {
    throw new ShapeError(`testFraction ${testFraction} of each class rounds to 0 rows (${labels.length} rows in ${sizes.size} classes): the test set would be empty`);
  }
  const isTest = new Uint8Array(labels.length);
  for (let i = 0; i < order.length; i++) {
    const r = order[fromEnd ? order.length - 1 - i : i] as number;
    const c = labels[r] as number;
    const left = quota.get(c) as number;
    if (left > 0) {
      isTest[r] = 1;
      quota.set(c, left - 1);
    }
  }
  return isTest;
}

/**
 * Splits X and y into a training and a test set. With shuffle (the default) the rows are permuted by
 * a Fisher–Yates shuffle driven by mulberry32(seed) and the first ⌈n·testFraction⌉ become the test
 * set. With stratify, each class's first Math.round(n_c·testFraction) rows in that order do (the last
 * ones without shuffle); both sets keep the permuted (or original) order.
 */
export function trainTestSplit(X: MatrixInput, y: ArrayLike<number>, options?: SplitOptions): Split {
  const m = toHostMatrix('X', X);
  const labels = checkVector('y', y);
  if (labels.length !== m.rows) throw new ShapeError(`y has ${labels.length} values but X has ${m.rows} rows`);
  const { testFraction, seed, shuffle, stratify } = checkSplitOptions(options);
  const nTest = Math.ceil(m.rows * testFraction);
  if (!stratify && nTest >= m.rows) {
    throw new ShapeError(`X has ${m.rows} rows: testFraction ${testFraction} leaves none for training (${nTest} test rows)`);
  }
  const order = new Uint32Array(m.rows);
  for (let i = 0; i < m.rows; i++) order[i] = i;
  if (shuffle) {
    const rng = mulberry32(seed);
    for (let i = m.rows - 1; i > 0; i--) {
      const j = Math.floor(rng() * (i + 1));
      const t = order[i] as number;
      order[i] = order[j] as number;
      order[j] = t;
    }
  }
  let testRows: Uint32Array;
  let trainRows: Uint32Array;
  if (stratify) {
    const isTest = stratifiedTestRows(labels, order, testFraction, !shuffle);
    testRows = order.filter((r) => isTest[r] === 1);
    trainRows = order.filter((r) => isTest[r] === 0);
  } else {
    // Unshuffled, the test set is the tail, so a time-ordered table is split at a point in time.
    testRows = shuffle ? order.subarray(0, nTest) : order.subarray(m.rows - nTest);
    trainRows = shuffle ? order.subarray(nTest) : order.subarray(0, m.rows - nTest);
  }
  const pick = (rows: Uint32Array): Float32Array => Float32Array.from(rows, (r) => labels[r] as number);
  return { XTrain: takeRows(m, trainRows), yTrain: pick(trainRows), XTest: takeRows(m, testRows), yTest: pick(testRows) };
}

/**
 * Number of monomials of total degree 1..degree in d variables: C(d + degree, degree) − 1, or
 * Infinity when that is beyond 2^53. Takes min(d, degree) steps, so a huge degree costs nothing.
 */
export function polynomialFeatureCount(d: number, degree: number): number {
  checkPositiveInt('d', d);
  checkPositiveInt('degree', degree);
  // C(d + p, p) = C(d + p, d): build it over the smaller of the two, each step an exact binomial.
  const n = d + degree;
  const k = Math.min(d, degree);
  let c = 1;
  for (let i = 1; i <= k; i++) {
    c = (c * (n - k + i)) / i;
    if (c > Number.MAX_SAFE_INTEGER) return Number.POSITIVE_INFINITY;
  }
  return Math.round(c) - 1;
}

/**
 * Every monomial of total degree 1..degree of X's columns, without the constant 1 (the models have a
 * bias). Order: by degree, then by the column indexes of the factors in lexicographic order, the
 * order of scikit-learn's PolynomialFeatures: for columns a, b and degree 2, [a, b, a², ab, b²].
 * At most 2^20 columns and 2^28 values, checked before anything is allocated.
 */
export function polynomialFeatures(X: MatrixInput, degree: number): HostMatrix {
  const m = toHostMatrix('X', X);
  const p = checkPositiveInt('degree', degree);
  const cols = polynomialFeatureCount(m.cols, p);
  if (cols > MAX_POLYNOMIAL_COLUMNS || cols * m.rows > MAX_VALUES) {
    const limit = cols > MAX_POLYNOMIAL_COLUMNS ? `over the limit of 2^20 columns` : `${cols * m.rows} values, over the limit of 2^28`;
    const count = Number.isFinite(cols) ? String(cols) : 'more than 2^53';
    throw new ValueError(`polynomialFeatures of X (${describeShape(m)}) to degree ${p} would have ${count} columns, ${limit}; lower degree`);
  }
  // Each monomial is an earlier one (its parent) times one more column, whose index is ≥ the parent's
  // last factor: that enumerates the combinations with repetition in the documented order.
  // Typed arrays of the exact size: JS arrays grown by push abort the process past about 2^27 entries.
  // A monomial's last factor is the column it multiplies its parent by, so `factor` serves as both.
  const parent = new Int32Array(cols);
  const factor = new Int32Array(cols);
  for (let j = 0; j < m.cols; j++) {
    parent[j] = -1;
    factor[j] = j;
  }
  // Monomials of the previous degree are the range [from, to); the next degree is appended after them.
  let from = 0;
  let to = m.cols;
  for (let deg = 2; deg <= p; deg++) {
    let next = to;
    for (let q = from; q < to; q++) {
      for (let j = factor[q] as number; j < m.cols; j++) {
        parent[next] = q;
        factor[next] = j;
        next++;
      }
    }
    from = to;
    to = next;
  }
  const data = new Float32Array(m.rows * cols);
  const row = new Float64Array(cols);
  for (let i = 0; i < m.rows; i++) {
    for (let c = 0; c < cols; c++) {
      const x = m.data[i * m.cols + (factor[c] as number)] as number;
      const q = parent[c] as number;
      row[c] = q < 0 ? x : (row[q] as number) * x;
      if (!Number.isFinite(Math.fround(row[c] as number))) {
        throw new ValueError(`polynomialFeatures: row ${i}, feature ${c} = ${row[c]} overflows a 32-bit float; scale X first`);
      }
    }
    data.set(row, i * cols);
  }
  return { data, rows: m.rows, cols };
}

/**
 * Counts of (true class, predicted class) pairs: entry [t][p] is how many rows of class t were
 * predicted as p, so rows sum to the class sizes and the diagonal holds the correct predictions.
 */
export function confusionMatrix(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, nClasses: number): number[][] {
  const k = checkClassCount(nClasses, MAX_CONFUSION_CLASSES, ' (the matrix has nClasses² entries)');
  const truth = checkLabels('yTrue', yTrue, k);
  const predicted = checkLabels('yPred', yPred, k);
  if (truth.length !== predicted.length) throw new ShapeError(`yTrue has ${truth.length} values but yPred has ${predicted.length}`);
  const counts = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (let i = 0; i < truth.length; i++) {
    const row = counts[truth[i] as number] as number[];
    row[predicted[i] as number] = (row[predicted[i] as number] as number) + 1;
  }
  return counts;
}
