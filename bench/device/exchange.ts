// The exchange folder: the one copy of the problem every part trains. `prepare` writes it once (the
// synthetic data as bytes, the labels, each epoch's row order and the config); the other parts,
// PyTorch included, read it, so all of them see the same pixels and the same mini-batches without
// re-implementing the library's PRNG elsewhere.
//
//   meta.json   RunConfig plus the file layout
//   x.u8        n·d bytes, row-major; X = byte / 255
//   y.u8        n labels
//   orders.u32  (warmupEpochs + timedEpochs)·n little-endian u32: epoch e's rows at [e·n, (e+1)·n)
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { epochOrder } from '../../src/core/order.ts';
import { syntheticData, type TrainingData } from '../data.ts';
import type { RunConfig } from './types.ts';

export const EXCHANGE_FILES = { meta: 'meta.json', x: 'x.u8', y: 'y.u8', orders: 'orders.u32' } as const;

export interface Exchange {
  config: RunConfig;
  data: TrainingData;
  /** One permutation of 0..n−1 per epoch, warm-up epochs first. */
  orders: Uint32Array[];
}

/** Fashion-MNIST's shape; --quick trains 2000 rows for one timed epoch, to check the plumbing. */
export function runConfig(quick: boolean, local: boolean): RunConfig {
  return {
    n: quick ? 2000 : 60000, d: 784, k: 10, dataSeed: 1, batchSize: 256, learningRate: 0.1,
    warmupEpochs: 1, timedEpochs: quick ? 1 : 3, shuffleSeed: 0, quick, local,
  };
}

export function totalEpochs(c: RunConfig): number {
  return c.warmupEpochs + c.timedEpochs;
}

/** The orders fit({ shuffle: true, seed }) visits, from the library's own epochOrder. */
export function libraryOrders(c: RunConfig): Uint32Array[] {
  return Array.from({ length: totalEpochs(c) }, (_, e) => epochOrder(c.n, e, true, c.shuffleSeed));
}

/** Synthesizes the data and orders of `config`. */
export function makeExchange(config: RunConfig): Exchange {
  return { config, data: syntheticData(config.n, config.d, config.k, config.dataSeed), orders: libraryOrders(config) };
}

function littleEndian(): boolean {
  return new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;
}

export function writeExchange(dir: string, ex: Exchange): void {
  // The file format is little-endian; typed arrays are in host order, which is little on every target here.
  if (!littleEndian()) throw new Error('writeExchange: this host is big-endian; the exchange format is little-endian');
  mkdirSync(dir, { recursive: true });
  const { n } = ex.config;
  const orders = new Uint32Array(ex.orders.length * n);
  ex.orders.forEach((o, e) => {
    if (o.length !== n) throw new RangeError(`order of epoch ${e} has ${o.length} rows, expected ${n}`);
    orders.set(o, e * n);
  });
  writeFileSync(join(dir, EXCHANGE_FILES.x), ex.data.bytes);
  writeFileSync(join(dir, EXCHANGE_FILES.y), ex.data.labels);
  writeFileSync(join(dir, EXCHANGE_FILES.orders), new Uint8Array(orders.buffer));
  const meta = { ...ex.config, epochs: ex.orders.length, source: ex.data.info.source, files: EXCHANGE_FILES };
  writeFileSync(join(dir, EXCHANGE_FILES.meta), `${JSON.stringify(meta, null, 2)}\n`);
}

function bytesOf(path: string, expected: number): Uint8Array {
  const b = new Uint8Array(readFileSync(path));
  if (b.length !== expected) throw new Error(`${path}: ${b.length} bytes, expected ${expected}`);
  return b;
}

export function readExchange(dir: string): Exchange {
  const meta = JSON.parse(readFileSync(join(dir, EXCHANGE_FILES.meta), 'utf8')) as RunConfig & { epochs: number; source: string };
  const { n, d, k, epochs } = meta;
  const bytes = bytesOf(join(dir, EXCHANGE_FILES.x), n * d);
  const labels = bytesOf(join(dir, EXCHANGE_FILES.y), n);
  const raw = bytesOf(join(dir, EXCHANGE_FILES.orders), 4 * n * epochs);
  const all = new Uint32Array(raw.buffer, raw.byteOffset, n * epochs);
  const config: RunConfig = {
    n, d, k, dataSeed: meta.dataSeed, batchSize: meta.batchSize, learningRate: meta.learningRate, warmupEpochs: meta.warmupEpochs,
    timedEpochs: meta.timedEpochs, shuffleSeed: meta.shuffleSeed, quick: meta.quick, local: meta.local,
  };
  return {
    config,
    // X exactly as syntheticData makes it: each byte / 255 rounded once to f32.
    data: { info: { name: 'synthetic', n, d, k, source: meta.source }, X: Float32Array.from(bytes, (v) => v / 255), bytes, labels },
    orders: Array.from({ length: epochs }, (_, e) => all.slice(e * n, (e + 1) * n)),
  };
}

/** `data`'s rows in `order` (a copy): what a trainer that walks rows in stored order sees for one epoch. */
export function permuteRows(data: TrainingData, order: Uint32Array): TrainingData {
  const { n, d } = data.info;
  if (order.length !== n) throw new RangeError(`permuteRows: order has ${order.length} rows, data ${n}`);
  const X = new Float32Array(n * d);
  const bytes = new Uint8Array(n * d);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const r = order[i] as number;
    X.set(data.X.subarray(r * d, (r + 1) * d), i * d);
    bytes.set(data.bytes.subarray(r * d, (r + 1) * d), i * d);
    labels[i] = data.labels[r] as number;
  }
  return { info: data.info, X, bytes, labels };
}
