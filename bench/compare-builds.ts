// `npm run bench:compare -- <baseline dist/index.js>`: this build against another one (say, the
// last release's, or main before a change), in Node on Dawn, the two alternated case by case in one
// run so the machine's load falls on both alike. Cases: a Fashion-MNIST epoch at batch 256 with X
// as f32 and as bytes (and with the hypergradient rate), wine-shaped (178×13, 3 classes) fits (full batch, the hypergradient rate in
// mini-batches, L-BFGS), and an 8-rate GridSearch epoch. Prints each build's median and the ratio this/baseline; timings are wall-clock fit() calls.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as Lib from '../src/index.ts';

type LibModule = typeof Lib;
const ROOT = new URL('..', import.meta.url).pathname.replace(/\/$/, '');
const FASHION_DIR = '/usr/share/datasets/fashion-mnist';
/** Measured rounds (each runs every case on both builds), after one warm-up round; BENCH_ROUNDS overrides. */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const GRID_RATES = [0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 1];

interface Data {
  X: Float32Array;
  bytes: Uint8Array;
  y: Int32Array;
  n: number;
  d: number;
}

/** Fashion-MNIST's training set when installed, else synthetic data of its shape. */
async function loadData(lib: LibModule): Promise<{ data: Data; what: string }> {
  if (existsSync(join(FASHION_DIR, 'train-images-idx3-ubyte.gz'))) {
    const set = await lib.loadFashionMnist((f) => readFile(join(FASHION_DIR, f)).then((b) => new Uint8Array(b)), { scale: 1 });
    const bytes = Uint8Array.from(set.train.X.data);
    return { data: { X: Float32Array.from(bytes, (v) => v / 255), bytes, y: set.train.y, n: set.train.X.rows, d: set.train.X.cols }, what: 'Fashion-MNIST' };
  }
  const n = 60000;
  const d = 784;
  let s = 1;
  const rand = (): number => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32);
  const bytes = Uint8Array.from({ length: n * d }, () => Math.floor(rand() * 256));
  return { data: { X: Float32Array.from(bytes, (v) => v / 255), bytes, y: Int32Array.from({ length: n }, () => Math.floor(rand() * 10)), n, d }, what: 'synthetic 60000×784' };
}

type Case = (lib: LibModule, ctx: Lib.GpuContext, data: Data) => Promise<number>;

async function timed(work: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await work();
  return performance.now() - t0;
}

const epoch = (storage: 'f32' | 'u8', learningRate: Lib.LearningRateSchedule = 0.1): Case => async (lib, ctx, data) => {
  const model = new lib.SoftmaxRegression(ctx, { nFeatures: data.d, nClasses: 10 });
  try {
    const X = storage === 'u8' ? { data: data.bytes, rows: data.n, cols: data.d, scale: 1 / 255 } : { data: data.X, rows: data.n, cols: data.d };
    const h = await model.fit(X, data.y, { epochs: 1, batchSize: 256, learningRate, shuffle: false });
    return h.ms[0] as number;
  } finally {
    model.destroy();
  }
};

/** A wine-shaped fit (178×13, 3 classes) with the given fit options. */
const wineFit = (fit: Record<string, unknown>): Case => async (lib, ctx, data) => {
  const n = 178;
  const d = 13;
  const X = { data: data.X.subarray(0, n * d), rows: n, cols: d };
  const y = Int32Array.from(data.y.subarray(0, n), (v) => v % 3);
  const model = new lib.SoftmaxRegression(ctx, { nFeatures: d, nClasses: 3 });
  try {
    return await timed(() => model.fit(X, y, fit));
  } finally {
    model.destroy();
  }
};

const grid: Case = async (lib, ctx, data) => {
  const rows = 20000;
  const X = { data: data.X.subarray(0, (rows + 2000) * data.d), rows: rows + 2000, cols: data.d };
  const search = new lib.GridSearch(ctx, lib.SoftmaxRegression, { nFeatures: data.d, nClasses: 10 }, { learningRate: GRID_RATES });
  try {
    return await timed(() => search.fit(X, data.y.subarray(0, rows + 2000), { epochs: 1, batchSize: 256, validationFraction: 2000 / (rows + 2000) }));
  } finally {
    search.destroy();
  }
};

const ALL_CASES: Record<string, Case> = {
  'Fashion-MNIST epoch, f32': epoch('f32'),
  'Fashion-MNIST epoch, bytes': epoch('u8'),
  'Fashion-MNIST epoch, f32, hypergradient': epoch('f32', { kind: 'hypergradient', initial: 0.1, beta: 0.02 }),
  'wine-shaped full batch, 200 epochs': wineFit({ epochs: 200, batchSize: 178, learningRate: 0.1 }),
  'wine-shaped hypergradient, batch 16, 50 epochs': wineFit({ epochs: 50, batchSize: 16, learningRate: { kind: 'hypergradient', initial: 0.05, beta: 0.02 } }),
  'wine-shaped L-BFGS, 50 iterations': wineFit({ solver: 'lbfgs', epochs: 50, tol: 0, gradTol: 0 }),
  '8-rate grid, 1 epoch': grid,
};

/** BENCH_CASES: a regular expression picking cases by name (default: all). */
const CASES: Record<string, Case> = Object.fromEntries(Object.entries(ALL_CASES).filter(([name]) => new RegExp(process.env.BENCH_CASES ?? '').test(name)));

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

async function main(): Promise<void> {
  const baselinePath = process.argv[2];
  if (baselinePath === undefined || !existsSync(baselinePath)) {
    process.stderr.write('usage: npm run bench:compare -- <path of another build\'s dist/index.js>\n');
    process.exit(2);
  }
  const head = (await import(pathToFileURL(join(ROOT, 'dist/index.js')).href)) as LibModule;
  const base = (await import(pathToFileURL(resolve(baselinePath)).href)) as LibModule;
  const webgpu = (await import('webgpu')) as { create(options: string[]): GPU };
  const gpu = webgpu.create([]);
  const contexts = { head: await head.createContext({ gpu }), base: await base.createContext({ gpu }) };
  const { data, what } = await loadData(head);
  const times: Record<string, { head: number[]; base: number[] }> = {};
  for (const name of Object.keys(CASES)) times[name] = { head: [], base: [] };
  // Round 0 warms both builds up (pipelines, uploads) and is not counted.
  for (let round = 0; round <= ROUNDS; round++) {
    for (const [name, run] of Object.entries(CASES)) {
      const order = round % 2 === 0 ? (['head', 'base'] as const) : (['base', 'head'] as const);
      for (const which of order) {
        const ms = await run(which === 'head' ? head : base, contexts[which], data);
        if (round > 0) times[name]?.[which].push(ms);
      }
    }
    process.stderr.write(`round ${round} of ${ROUNDS} done\n`);
  }
  process.stdout.write(`${what}, ${ROUNDS} rounds alternated, median ms (this build / baseline ${baselinePath}):\n`);
  for (const [name, t] of Object.entries(times)) {
    const h = median(t.head);
    const b = median(t.base);
    process.stdout.write(`  ${name.padEnd(36)} ${h.toFixed(1).padStart(9)} ${b.toFixed(1).padStart(9)}   ratio ${(h / b).toFixed(3)}\n`);
  }
  contexts.head.destroy();
  contexts.base.destroy();
}

/**
 * Dawn needs a Vulkan driver: without one set, this run starts itself again on Chromium's SwiftShader
 * (as `npm run bench -- --runtime node` does).
 */
function swiftShaderEnvironment(): Record<string, string> | null {
  const icd = '/usr/lib/chromium/vk_swiftshader_icd.json';
  if (process.env.VK_ICD_FILENAMES !== undefined || !existsSync(icd)) return null;
  const ld = process.env.LD_LIBRARY_PATH ?? '';
  return { VK_ICD_FILENAMES: icd, LD_LIBRARY_PATH: ld === '' ? '/usr/lib/chromium' : `/usr/lib/chromium:${ld}` };
}

const env = swiftShaderEnvironment();
if (env === null) await main();
else process.exit(spawnSync(process.execPath, [...process.execArgv, process.argv[1] as string, ...process.argv.slice(2)], { stdio: 'inherit', env: { ...process.env, ...env } }).status ?? 1);
