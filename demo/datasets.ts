// Turns each data source of the page into training and validation sets the models take, plus what
// the pictures need: raw 2-D coordinates and a featurizer for decision regions, image sizes for
// weight templates and sample images.
// From the library's data modules rather than its index, which also pulls in the WGSL that only the
// bundler loads: so the demo's tests can rebuild in Node the data the page trains on.
import { parseCsv } from '../src/data/csv.ts';
import { FASHION_MNIST_CLASS_NAMES, idxDataset } from '../src/data/fashion-mnist.ts';
import { readIdx, type IdxArray } from '../src/data/idx.ts';
import { loadIris } from '../src/data/iris.ts';
import { fitStandardizer } from '../src/data/preprocess.ts';
import { polynomialFeatures, trainTestSplit } from '../src/data/transforms.ts';
import type { HostMatrix } from '../src/types.ts';
import type { Part } from './model.ts';
import { viewAround, type View } from './plots.ts';
import { makeToyData, type ToyKind } from './toy-data.ts';

export interface Prepared {
  title: string;
  kind: 'points' | 'images' | 'table';
  nClasses: number;
  classNames: string[];
  /** Names of the model's input columns. */
  featureNames: string[];
  train: Part;
  val: Part;
  /** 2-D data: the points as drawn, and the map from plane coordinates to model inputs. */
  points?: { train: Float32Array; val: Float32Array; view: View; featurize: (P: HostMatrix) => HostMatrix };
  /** Image data: the size of one image (model inputs are its pixels in [0, 1]). */
  image?: { rows: number; cols: number };
  /** One line on what the model sees. */
  note: string;
}

const SUB = ['', '₁', '₂'];
const SUP = ['', '', '²', '³', '⁴', '⁵', '⁶', '⁷', '⁸', '⁹'];

/** Names of polynomialFeatures' columns for two inputs, in its order: x₁, x₂, x₁², x₁x₂, x₂², … */
export function monomialNames(degree: number): string[] {
  const names: string[] = [];
  for (let deg = 1; deg <= degree; deg++) {
    for (let a = deg; a >= 0; a--) {
      const b = deg - a;
      const part = (v: number, p: number): string => (p === 0 ? '' : `x${SUB[v]}${p > 1 ? (SUP[p] ?? `^${p}`) : ''}`);
      names.push(part(1, a) + part(2, b));
    }
  }
  return names;
}

function toInt(y: ArrayLike<number>): Int32Array {
  return Int32Array.from(y as ArrayLike<number>, (v) => Math.round(v));
}

export interface ToySettings {
  kind: ToyKind;
  points: number;
  noise: number;
  degree: number;
  seed: number;
}

const TOY_TITLES: Record<ToyKind, string> = { blobs: 'Two blobs', blobs3: 'Three blobs', xor: 'XOR', circles: 'Circles' };

/** A toy set split 75/25, expanded to polynomial features and standardized on the training part. */
export function prepareToy(s: ToySettings): Prepared {
  const d = makeToyData(s.kind, s.points, s.noise, s.seed);
  const split = trainTestSplit({ data: d.X, rows: s.points, cols: 2 }, d.y, { testFraction: 0.25, seed: s.seed });
  const std = fitStandardizer(polynomialFeatures(split.XTrain, s.degree));
  const featurize = (P: HostMatrix): HostMatrix => std.transform(polynomialFeatures(P, s.degree));
  const featureNames = monomialNames(s.degree);
  return {
    title: TOY_TITLES[s.kind],
    kind: 'points',
    nClasses: d.nClasses,
    classNames: Array.from({ length: d.nClasses }, (_, c) => `class ${c}`),
    featureNames,
    train: { X: featurize(split.XTrain), y: toInt(split.yTrain) },
    val: { X: featurize(split.XTest), y: toInt(split.yTest) },
    points: { train: split.XTrain.data, val: split.XTest.data, view: viewAround(d.X), featurize },
    note: `${split.XTrain.rows} training + ${split.XTest.rows} validation points; features ${featureNames.join(', ')} (standardized)`,
  };
}

/** Iris, split 70/30 and standardized on the training part. */
export function prepareIris(seed: number): Prepared {
  const iris = loadIris();
  const split = trainTestSplit(iris.X, iris.y, { testFraction: 0.3, seed });
  const std = fitStandardizer(split.XTrain);
  return {
    title: 'Iris',
    kind: 'table',
    nClasses: 3,
    classNames: [...iris.classNames],
    featureNames: [...iris.featureNames],
    train: { X: std.transform(split.XTrain), y: toInt(split.yTrain) },
    val: { X: std.transform(split.XTest), y: toInt(split.yTest) },
    note: `${split.XTrain.rows} training + ${split.XTest.rows} validation flowers; 4 measurements (standardized), 3 species`,
  };
}

export interface ImageSource {
  title: string;
  train: { images: IdxArray; labels: IdxArray };
  /** A separate test set; without one, the training files are split 80/20. */
  test: { images: IdxArray; labels: IdxArray } | null;
  classNames: readonly string[] | null;
}

function classCount(...ys: Int32Array[]): number {
  let k = 0;
  for (const y of ys) for (const v of y) k = Math.max(k, v + 1);
  return k;
}

/** The first `nTrain` / `nVal` images (the files come shuffled), pixels scaled to [0, 1]. */
export function prepareImages(src: ImageSource, nTrain: number, nVal: number, seed: number): Prepared {
  const [, rows = 1, cols = 1] = src.train.images.dims;
  let train: Part;
  let val: Part;
  if (src.test !== null) {
    train = idxDataset(src.train.images, src.train.labels, { limit: nTrain });
    val = idxDataset(src.test.images, src.test.labels, { limit: nVal });
  } else {
    const all = idxDataset(src.train.images, src.train.labels, { limit: nTrain + nVal });
    const split = trainTestSplit(all.X, all.y, { testFraction: Math.min(0.5, Math.max(0.05, nVal / all.X.rows)), seed });
    train = { X: split.XTrain, y: toInt(split.yTrain) };
    val = { X: split.XTest, y: toInt(split.yTest) };
  }
  if (val.X.cols !== train.X.cols) throw new RangeError(`validation images (the test files) have ${val.X.cols} pixels, training images ${train.X.cols}`);
  const k = Math.max(2, classCount(train.y, val.y));
  const names = src.classNames !== null && src.classNames.length >= k ? [...src.classNames] : Array.from({ length: k }, (_, c) => String(c));
  return {
    title: src.title,
    kind: 'images',
    nClasses: k,
    classNames: names.slice(0, k),
    featureNames: Array.from({ length: train.X.cols }, (_, j) => `pixel ${j}`),
    train,
    val,
    image: { rows, cols },
    note: `${train.X.rows} training + ${val.X.rows} validation images of ${rows}×${cols} pixels (scaled to [0, 1]), ${k} classes`,
  };
}

/** Fetches Fashion-MNIST's four files from the demo server and decodes them (kept for the page's life). */
export async function fetchFashionMnist(urls: { trainImages: string; trainLabels: string; testImages: string; testLabels: string }): Promise<ImageSource> {
  const get = async (url: string): Promise<IdxArray> => {
    const res = await fetch(url);
    if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
    return readIdx(new Uint8Array(await res.arrayBuffer()));
  };
  const [ti, tl, vi, vl] = await Promise.all([get(urls.trainImages), get(urls.trainLabels), get(urls.testImages), get(urls.testLabels)]);
  return { title: 'Fashion-MNIST', train: { images: ti, labels: tl }, test: { images: vi, labels: vl }, classNames: FASHION_MNIST_CLASS_NAMES };
}

/** Distinct label values, sorted, as class indexes 0..k−1 (labels like 1/2/3 or −1/1 are common in CSVs). */
export function encodeLabels(y: ArrayLike<number>): { y: Int32Array; names: string[] } {
  const values = [...new Set(Array.from(y))].sort((a, b) => a - b);
  if (values.length < 2) throw new RangeError(`the label column holds ${values.length} distinct value; classification needs at least 2`);
  if (values.length > 50) throw new RangeError(`the label column holds ${values.length} distinct values: that looks like a regression target, not classes`);
  const index = new Map(values.map((v, i) => [v, i]));
  return { y: Int32Array.from(y, (v) => index.get(v) as number), names: values.map(String) };
}

/** A numeric CSV: labels from `label` (name or index), split 80/20; two features give a plane to draw. */
export function prepareCsv(name: string, text: string, label: string, seed: number, maxRows: number): Prepared {
  const labelRef: string | number = /^-?\d+$/.test(label.trim()) ? Number(label.trim()) : label.trim();
  const table = parseCsv(text, { label: labelRef });
  const { y, names } = encodeLabels(table.y);
  const rows = Math.min(table.X.rows, maxRows);
  const X: HostMatrix = { data: table.X.data.subarray(0, rows * table.X.cols), rows, cols: table.X.cols };
  const split = trainTestSplit(X, y.subarray(0, rows), { testFraction: 0.2, seed });
  const std = fitStandardizer(split.XTrain);
  const base = {
    title: name,
    nClasses: names.length,
    classNames: names.map((v) => `${table.labelName} = ${v}`),
    featureNames: table.featureNames,
    train: { X: std.transform(split.XTrain), y: toInt(split.yTrain) },
    val: { X: std.transform(split.XTest), y: toInt(split.yTest) },
    note: `${split.XTrain.rows} training + ${split.XTest.rows} validation rows; ${table.X.cols} features (standardized), label column '${table.labelName}'`,
  };
  if (table.X.cols !== 2) return { ...base, kind: 'table' };
  const raw = { train: split.XTrain.data, val: split.XTest.data };
  return { ...base, kind: 'points', points: { ...raw, view: viewAround(X.data), featurize: (P: HostMatrix) => std.transform(P) } };
}

/** Sorts user-chosen IDX files into images/labels and train/test ('t10k' or 'test' in a name means test). */
export async function readIdxFiles(files: readonly File[]): Promise<ImageSource> {
  if (files.length !== 2 && files.length !== 4) {
    throw new RangeError(`choose 2 IDX files (images and labels) or 4 (train and test), got ${files.length}`);
  }
  const decoded = await Promise.all(files.map(async (f) => ({ name: f.name, idx: await readIdx(new Uint8Array(await f.arrayBuffer())) })));
  const isTest = (n: string): boolean => /t10k|test/i.test(n);
  const pick = (test: boolean): { images: IdxArray; labels: IdxArray } | null => {
    const group = decoded.filter((d) => isTest(d.name) === test);
    if (group.length === 0) return null;
    const labels = group.find((d) => d.idx.dims.length === 1);
    const images = group.find((d) => d.idx.dims.length >= 2);
    if (group.length !== 2 || labels === undefined || images === undefined) {
      throw new RangeError(`${group.map((d) => d.name).join(' and ')}: need one images file (2+ dimensions) and one labels file (1 dimension)`);
    }
    return { images: images.idx, labels: labels.idx };
  };
  const train = pick(false) ?? pick(true);
  const test = files.length === 4 ? pick(true) : null;
  if (train === null) throw new RangeError('no training files among the chosen ones');
  const dims = train.images.dims;
  if (dims.length === 2) train.images = { dims: [dims[0] as number, 1, dims[1] as number], data: train.images.data };
  return { title: files.map((f) => f.name).join(', '), train, test, classNames: null };
}
