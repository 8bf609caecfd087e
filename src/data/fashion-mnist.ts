// Fashion-MNIST (Zalando, 2017): 28×28 grey-scale images of clothing in 10 classes, 60000 for
// training and 10000 for testing, in the MNIST IDX format. Nothing here touches a file system: the
// caller passes a function that fetches a file's bytes, so the same loader runs in a browser (fetch)
// and in Node (readFile).
import { ShapeError, ValueError } from '../errors.ts';
import type { HostMatrix } from '../types.ts';
import { checkPositiveInt, describeValue } from '../validate.ts';
import type { Dataset } from './iris.ts';
import { readIdx, type IdxArray } from './idx.ts';
import { MAX_CLASSES, MAX_VALUES } from './limits.ts';

/** Fashion-MNIST's ten class names, indexed by label. */
export const FASHION_MNIST_CLASS_NAMES = [
  'T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot',
] as const;

/** The four files of the distribution (the names the Debian package dataset-fashion-mnist installs). */
export const FASHION_MNIST_FILES = {
  trainImages: 'train-images-idx3-ubyte.gz',
  trainLabels: 'train-labels-idx1-ubyte.gz',
  testImages: 't10k-images-idx3-ubyte.gz',
  testLabels: 't10k-labels-idx1-ubyte.gz',
} as const;

/** The file names of a train/test pair of IDX image and label files, as passed to `read`. */
export interface IdxFiles {
  trainImages: string;
  trainLabels: string;
  testImages: string;
  testLabels: string;
}

/** Options of idxDataset(), loadIdxDataset() and loadFashionMnist(). */
export interface IdxDatasetOptions {
  /** Keep only the first `limit` rows (the files are already in random order). */
  limit?: number;
  /** Multiplies every value; default 1/255 for u8 data (pixels to [0, 1]), else 1. */
  scale?: number;
}

function checkDatasetOptions(options: unknown): { limit: number | null; scale: number | null } {
  // Left out is the default; null is a mistake, as a null option is everywhere.
  const o = options === undefined ? {} : options;
  if (typeof o !== 'object' || o === null || Array.isArray(o)) throw new ValueError(`options must be an object, got ${describeValue(o)}`);
  for (const key of Object.keys(o)) {
    if (key !== 'limit' && key !== 'scale') throw new ValueError(`unknown option '${key}' (known: limit, scale)`);
  }
  const { limit, scale } = o as IdxDatasetOptions;
  if (scale !== undefined && (typeof scale !== 'number' || !Number.isFinite(scale) || scale <= 0)) {
    throw new ValueError(`scale must be a finite number > 0, got ${describeValue(scale)}`);
  }
  return { limit: limit === undefined ? null : checkPositiveInt('limit', limit), scale: scale ?? null };
}

/** What idxDataset's messages about values start with: the file each array was read from, when known ('' otherwise). */
interface IdxSources {
  images: string;
  labels: string;
}

/** Byte offset of value `i` in the IDX file an array was read from: the header, then the values. */
function byteOffset(a: IdxArray, i: number): number {
  return 4 + 4 * a.dims.length + i * a.data.BYTES_PER_ELEMENT;
}

/** Builds the dataset; messages name the arrays as `sources` says (file names when loadIdxDataset reads them). */
function buildIdxDataset(
  images: IdxArray, labels: IdxArray, options: IdxDatasetOptions | undefined, sources: IdxSources,
): { X: HostMatrix; y: Int32Array; scale: number } {
  const { limit, scale } = checkDatasetOptions(options);
  const n = images.dims[0] ?? 0;
  if (n === 0) throw new ShapeError(`images has dimensions [${images.dims.join(', ')}]: no rows`);
  if (labels.dims.length !== 1) throw new ShapeError(`labels must be 1-dimensional, got dimensions [${labels.dims.join(', ')}]`);
  if (labels.dims[0] !== n) throw new ShapeError(`labels has ${labels.dims[0]} values but images has ${n} rows`);
  const cols = images.dims.slice(1).reduce((a, b) => a * b, 1);
  if (cols === 0) throw new ShapeError(`images has dimensions [${images.dims.join(', ')}]: rows of length 0`);
  const rows = limit === null ? n : Math.min(limit, n);
  if (rows * cols > MAX_VALUES) {
    throw new ValueError(`${sources.images}images: ${rows} rows of ${cols} values would be ${rows * cols} features, over the limit of 2^28; pass a smaller limit`);
  }
  const factor = scale ?? (images.data instanceof Uint8Array ? 1 / 255 : 1);
  const data = new Float32Array(rows * cols);
  for (let i = 0; i < data.length; i++) {
    const v = images.data[i] as number;
    data[i] = v * factor;
    // Float files may hold NaN, ±Infinity or (f64) values beyond float32, which would reach training as Infinity.
    if (!Number.isFinite(data[i] as number)) {
      const where = `${sources.images}images value ${i} (row ${Math.floor(i / cols)}, byte ${byteOffset(images, i)})`;
      const why = !Number.isFinite(v) ? 'features must be finite numbers' : `${factor === 1 ? '' : `× scale ${factor} `}beyond the float32 range (±3.4e38)`;
      throw new ValueError(`${where} is ${v}: ${why}`);
    }
  }
  const y = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    const v = labels.data[i] as number;
    if (!Number.isInteger(v) || v < 0 || v >= MAX_CLASSES) {
      throw new ValueError(`${sources.labels}labels[${i}] = ${v} (byte ${byteOffset(labels, i)}), but class labels must be integers from 0 to ${MAX_CLASSES - 1}`);
    }
    y[i] = v;
  }
  return { X: { data, rows, cols }, y, scale: factor };
}

/**
 * An images array (n×… of any IDX type) and its labels (n integers from 0 to 65535) as a dataset: one
 * row per image, its values flattened row-major and multiplied by the scale. Values that are not
 * finite in float32 after scaling (NaN, ±Infinity, f64 beyond ±3.4e38) are refused, as are more
 * than 2^28 feature values (use `limit`).
 */
export function idxDataset(images: IdxArray, labels: IdxArray, options?: IdxDatasetOptions): { X: HostMatrix; y: Int32Array; scale: number } {
  return buildIdxDataset(images, labels, options, { images: '', labels: '' });
}

/** A training and a test set, as loadIdxDataset() and loadFashionMnist() return them. */
export interface TrainTestData {
  train: Dataset;
  test: Dataset;
  /** The factor every value was multiplied by (1/255 for u8 files unless options.scale said otherwise). */
  scale: number;
}

const FILE_KEYS: readonly (keyof IdxFiles)[] = ['trainImages', 'trainLabels', 'testImages', 'testLabels'];

/** `read` must be a function and `files` name the four files, before anything is read. */
function checkSources(read: unknown, files: unknown): void {
  if (typeof read !== 'function') throw new ValueError(`read must be a function (file) => Promise<Uint8Array>, got ${describeValue(read)}`);
  if (typeof files !== 'object' || files === null || Array.isArray(files)) throw new ValueError(`files must be { ${FILE_KEYS.join(', ')} }, got ${describeValue(files)}`);
  for (const key of Object.keys(files)) {
    if (!(FILE_KEYS as readonly string[]).includes(key)) throw new ValueError(`files: unknown key '${key}' (known: ${FILE_KEYS.join(', ')})`);
  }
  for (const key of FILE_KEYS) {
    const name: unknown = (files as Record<string, unknown>)[key];
    if (typeof name !== 'string' || name === '') throw new ValueError(`files.${key} must be a file name, got ${describeValue(name)}`);
  }
}

/**
 * Loads a train/test pair of IDX image and label files (plain or gzipped) through `read`, which
 * returns a file's bytes: `(f) => fetch(base + f).then(...)` in a page, readFile in Node.
 * `limit` applies to the training and the test set each.
 */
export async function loadIdxDataset(
  read: (file: string) => Promise<Uint8Array>,
  files: IdxFiles,
  options?: IdxDatasetOptions & { classNames?: readonly string[] },
): Promise<TrainTestData> {
  checkSources(read, files);
  if (options !== undefined && (typeof options !== 'object' || options === null || Array.isArray(options))) {
    throw new ValueError(`options must be an object, got ${describeValue(options)}`);
  }
  const { classNames, ...rest } = options ?? {};
  // Checked before any file is read: a bad option should not cost a download.
  checkDatasetOptions(rest);
  /** Reads and decodes one file; the reader's errors say which file they are about. */
  const decode = async (file: string): Promise<IdxArray> => {
    const bytes = await read(file);
    try {
      return await readIdx(bytes);
    } catch (e) {
      throw e instanceof ValueError ? new ValueError(`${file}: ${e.message}`) : e;
    }
  };
  const load = async (images: string, labels: string): Promise<{ X: HostMatrix; y: Int32Array; scale: number }> => {
    const [img, lab] = await Promise.all([decode(images), decode(labels)]);
    return buildIdxDataset(img, lab, rest, { images: `${images}: `, labels: `${labels}: ` });
  };
  const train = await load(files.trainImages, files.trainLabels);
  const test = await load(files.testImages, files.testLabels);
  if (test.X.cols !== train.X.cols) throw new ShapeError(`test images have ${test.X.cols} values each but training images ${train.X.cols}`);
  if (test.scale !== train.scale) throw new ValueError('the training and test images are stored as different IDX types; convert one so both scale alike');
  let k = 0;
  for (const y of [train.y, test.y]) for (const v of y) k = Math.max(k, v + 1);
  const names = classNames ?? Array.from({ length: k }, (_, c) => String(c));
  if (k > names.length) throw new ValueError(`a label is ${k - 1}, but there are only ${names.length} class names`);
  const featureNames = Array.from({ length: train.X.cols }, (_, j) => `pixel ${j}`);
  return {
    train: { X: train.X, y: train.y, featureNames, classNames: names },
    test: { X: test.X, y: test.y, featureNames, classNames: names },
    scale: train.scale,
  };
}

/** Fashion-MNIST's train and test sets, pixels scaled to [0, 1] unless `scale` says otherwise. */
export async function loadFashionMnist(read: (file: string) => Promise<Uint8Array>, options?: IdxDatasetOptions): Promise<TrainTestData> {
  return loadIdxDataset(read, FASHION_MNIST_FILES, { ...options, classNames: FASHION_MNIST_CLASS_NAMES });
}
