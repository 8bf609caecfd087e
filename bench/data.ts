// Training data for the benchmark: Fashion-MNIST decoded from its gzipped IDX files (pixels scaled
// to [0, 1]), or a seeded synthetic set of any shape. Runs unchanged in the page and in Node.
import { mulberry32 } from '../src/random.ts';
import type { DatasetInfo } from './types.ts';

/** A classification set: X row-major n×d (f32), labels 0..k−1. */
export interface TrainingData {
  info: DatasetInfo;
  X: Float32Array;
  /** The same features as bytes, X = bytes / 255 (both data sets here are 8-bit). */
  bytes: Uint8Array;
  labels: Uint8Array;
}

export const FASHION_MNIST_FILES = { images: 'train-images-idx3-ubyte.gz', labels: 'train-labels-idx1-ubyte.gz' } as const;

/** Fetches one file's bytes by name (fetch() in the page, the file system in Node). */
export type ByteSource = (name: string) => Promise<Uint8Array>;

// The library's seeded PRNG, so benchmark data match across runs and runtimes.
export { mulberry32 };

export async function gunzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

/** Decodes an unsigned-byte IDX file (magic 0x0000 08 nd, nd big-endian u32 sizes, then the bytes). */
export function decodeIdx(bytes: Uint8Array, name: string): IdxArray {
  if (bytes.length < 4) throw new Error(`${name}: ${bytes.length} bytes is too short for an IDX header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint16(0) !== 0 || view.getUint8(2) !== 0x08) {
    throw new Error(`${name}: not an unsigned-byte IDX file (magic 0x${view.getUint32(0).toString(16).padStart(8, '0')})`);
  }
  const nd = view.getUint8(3);
  const header = 4 + 4 * nd;
  if (bytes.length < header) throw new Error(`${name}: truncated IDX header`);
  const dims = Array.from({ length: nd }, (_, i) => view.getUint32(4 + 4 * i));
  const count = dims.reduce((p, v) => p * v, 1);
  if (bytes.length !== header + count) {
    throw new Error(`${name}: header says ${dims.join('×')} = ${count} bytes of data but the file holds ${bytes.length - header}`);
  }
  return { dims, data: bytes.subarray(header) };
}

/** The Fashion-MNIST training set: 60000×784 pixels in [0, 1] and labels 0..9. */
export async function loadFashionMnist(source: ByteSource, location: string): Promise<TrainingData> {
  const [imagesGz, labelsGz] = await Promise.all([source(FASHION_MNIST_FILES.images), source(FASHION_MNIST_FILES.labels)]);
  const images = decodeIdx(await gunzip(imagesGz), FASHION_MNIST_FILES.images);
  const labels = decodeIdx(await gunzip(labelsGz), FASHION_MNIST_FILES.labels);
  const [n, rows, cols] = images.dims as [number, number, number];
  if (images.dims.length !== 3 || labels.dims.length !== 1 || labels.dims[0] !== n) {
    throw new Error(`Fashion-MNIST: images ${images.dims.join('×')} and labels ${labels.dims.join('×')} do not match`);
  }
  const X = new Float32Array(images.data.length);
  for (let i = 0; i < X.length; i++) X[i] = (images.data[i] as number) / 255;
  const k = 1 + labels.data.reduce((m, v) => Math.max(m, v), 0);
  return {
    info: { name: 'fashion-mnist', n, d: rows * cols, k, source: `${location}/${FASHION_MNIST_FILES.images}, ${FASHION_MNIST_FILES.labels}` },
    X,
    bytes: images.data.slice(),
    labels: labels.data.slice(),
  };
}

/**
 * A learnable synthetic set: each class has a random prototype in [0, 1]^d and each row is its
 * class's prototype mixed half-and-half with uniform noise, quantized to u8 levels like pixels.
 * Labels cycle through a seeded shuffle so every class appears.
 */
export function syntheticData(n: number, d: number, k: number, seed: number): TrainingData {
  for (const [name, v] of [['n', n], ['d', d], ['k', k]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`synthetic data: ${name} must be a positive integer, got ${v}`);
  }
  if (k > 256) throw new RangeError(`synthetic data: k = ${k} does not fit u8 labels`);
  const rng = mulberry32(seed);
  const prototypes = Float64Array.from({ length: k * d }, () => rng());
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) labels[i] = Math.floor(rng() * k);
  const bytes = new Uint8Array(n * d);
  for (let i = 0; i < n; i++) {
    const p = (labels[i] as number) * d;
    for (let j = 0; j < d; j++) bytes[i * d + j] = Math.round(255 * (0.5 * (prototypes[p + j] as number) + 0.5 * rng()));
  }
  const X = Float32Array.from(bytes, (v) => v / 255);
  return { info: { name: 'synthetic', n, d, k, source: `syntheticData(n=${n}, d=${d}, k=${k}, seed=${seed})` }, X, bytes, labels };
}

/** The first `rows` rows (views, no copy). */
export function firstRows(data: TrainingData, rows: number): TrainingData {
  const r = Math.min(rows, data.info.n);
  return {
    info: { ...data.info, n: r },
    X: data.X.subarray(0, r * data.info.d),
    bytes: data.bytes.subarray(0, r * data.info.d),
    labels: data.labels.subarray(0, r),
  };
}

/**
 * A reshaped problem for the scaling sweep: the first n rows, the first d features of each row,
 * and k classes (labels taken mod k when k is smaller than the data's class count).
 */
export function reshapeData(data: TrainingData, n: number, d: number, k: number): TrainingData {
  const src = data.info;
  if (n > src.n || d > src.d) throw new RangeError(`reshapeData: ${n}×${d} is larger than the data (${src.n}×${src.d})`);
  const labels = k >= src.k ? data.labels.subarray(0, n) : data.labels.subarray(0, n).map((v) => v % k);
  const info = { ...src, n, d, k, source: `${src.source}, first ${n} rows, first ${d} features, labels mod ${k}` };
  return { info, X: firstColumns(data.X, src.d, n, d), bytes: firstColumns(data.bytes, src.d, n, d), labels };
}

/** The first d of each row's `width` values, for the first n rows (a view when d is the whole row). */
function firstColumns<T extends Float32Array | Uint8Array>(data: T, width: number, n: number, d: number): T {
  if (d === width) return data.subarray(0, n * d) as T;
  const out = new (data.constructor as new (length: number) => T)(n * d);
  for (let i = 0; i < n; i++) out.set(data.subarray(i * width, i * width + d), i * d);
  return out;
}

/** Labels as one-hot f32 rows (n×k). */
export function oneHot(labels: Uint8Array, k: number): Float32Array {
  const Y = new Float32Array(labels.length * k);
  for (let i = 0; i < labels.length; i++) Y[i * k + (labels[i] as number)] = 1;
  return Y;
}
