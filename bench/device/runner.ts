// The device benchmark's Node side, one part per process (run.sh starts each), so a part that
// crashes, hangs or is killed costs only its own rows. Each part writes <out>/parts/<part>.json as
// it goes; `report` merges them with the PyTorch part into the table and the final JSON line.
//
//   runner prepare   --work DIR --out DIR [--quick] [--local]   synthesize data + orders (exchange)
//   runner probe     --work DIR --out DIR                       adapter, per-dispatch cost, copy bandwidth
//   runner library   --work DIR --out DIR                       this library: engines gpu/cpu × f32/bytes
//   runner tfjs      --work DIR --out DIR                       TF.js webgpu on Dawn
//   runner reference --work DIR --out DIR                       plain JS in float64 (loss reference)
//   runner report    --out DIR [--local] [--status part=code]…
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as lib from '../../src/index.ts';
import { adapterLine, openDawn } from './dawn.ts';
import { DispatchCounter, measureCopyBandwidth, measureDispatchCost } from './dispatch.ts';
import { makeExchange, readExchange, runConfig, writeExchange, type Exchange } from './exchange.ts';
import { runReport } from './report.ts';
import { libraryRow, referenceRow, tfjsRow } from './trainers.ts';
import { PARTS, type PartFile, type PartName, type XForm } from './types.ts';

/** Filled in by pack.ts when it bundles this file (esbuild `define`); absent when run from source. */
declare const __DEVICE_BENCH_BUILD__: { webgpu: string; node: string; built: string } | undefined;

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

interface Args {
  part: PartName | 'report';
  work: string;
  out: string;
  quick: boolean;
  local: boolean;
  statuses: Record<string, string>;
}

function parseArgs(argv: readonly string[]): Args {
  const [part, ...rest] = argv;
  if (part !== 'report' && !(PARTS as readonly string[]).includes(part ?? '')) {
    throw new Error(`usage: runner <${[...PARTS, 'report'].join('|')}> --work DIR --out DIR [--quick] [--local] [--status part=code]`);
  }
  const a: Args = { part: part as Args['part'], work: '', out: '', quick: false, local: false, statuses: {} };
  for (let i = 0; i < rest.length; i++) {
    const flag = rest[i];
    const value = (): string => {
      const v = rest[++i];
      if (v === undefined) throw new Error(`${String(flag)} needs a value`);
      return v;
    };
    if (flag === '--work') a.work = value();
    else if (flag === '--out') a.out = value();
    else if (flag === '--quick') a.quick = true;
    else if (flag === '--local') a.local = true;
    else if (flag === '--status') {
      const [name, code] = value().split('=');
      a.statuses[name ?? ''] = code ?? '';
    } else throw new Error(`unknown option ${JSON.stringify(flag)}`);
  }
  if (a.out === '') throw new Error('--out DIR is required');
  if (a.part !== 'report' && a.work === '') throw new Error('--work DIR is required');
  return a;
}

/** Accumulates one part's file and rewrites it after every row, so a crash keeps what was measured. */
class PartWriter {
  readonly file: PartFile;
  readonly #path: string;
  readonly #t0 = performance.now();

  constructor(out: string, part: PartName) {
    mkdirSync(join(out, 'parts'), { recursive: true });
    this.#path = join(out, 'parts', `${part}.json`);
    this.file = { part, durationS: 0, failures: [], rows: [] };
  }

  write(): void {
    this.file.durationS = (performance.now() - this.#t0) / 1000;
    writeFileSync(this.#path, `${JSON.stringify(this.file)}\n`);
  }

  /** Runs one measured piece; a throw becomes a loud failure entry and the part goes on. */
  async attempt(what: string, fn: () => Promise<void>): Promise<void> {
    try {
      await fn();
    } catch (e) {
      const error = e instanceof Error ? (e.stack ?? e.message) : String(e);
      log(`!! ${this.file.part}: ${what} FAILED: ${error}`);
      this.file.failures.push({ part: this.file.part, what, error: error.split('\n').slice(0, 6).join('\n') });
    }
    this.write();
  }
}

function runtimeLine(): string {
  const build = typeof __DEVICE_BENCH_BUILD__ === 'undefined' ? null : __DEVICE_BENCH_BUILD__;
  const webgpu = build === null ? 'webgpu (from node_modules)' : `webgpu ${build.webgpu} (pack built ${build.built})`;
  return `${webgpu}, Dawn, on Node ${process.version}; VK_ICD_FILENAMES=${process.env.VK_ICD_FILENAMES ?? '(unset)'}`;
}

function exchangeDir(a: Args): string {
  return join(a.work, 'exchange');
}

async function prepare(a: Args, w: PartWriter): Promise<void> {
  await w.attempt('synthesize the data and the epoch orders', async () => {
    const config = runConfig(a.quick, a.local);
    const t0 = performance.now();
    const ex = makeExchange(config);
    writeExchange(exchangeDir(a), ex);
    w.file.config = config;
    w.file.notes = [`${ex.data.info.source}; ${ex.orders.length} epoch orders; written in ${((performance.now() - t0) / 1000).toFixed(1)} s`];
    log(`prepare: ${ex.data.info.source}`);
  });
}

async function probe(a: Args, w: PartWriter): Promise<void> {
  await w.attempt('open a WebGPU device through Dawn', async () => {
    const dawn = await openDawn();
    w.file.adapter = dawn.adapter;
    w.file.runtime = runtimeLine();
    log(`probe: adapter ${adapterLine(dawn.adapter)}`);
    w.write();
    await w.attempt('per-dispatch cost (empty and chained kernels)', async () => {
      const [small, large, repeats] = a.local ? [100, 1000, 5] : [500, 5000, 5];
      w.file.dispatchCost = await measureDispatchCost(dawn.device, small, large, repeats);
      log(`probe: ${w.file.dispatchCost.emptyUs.toFixed(2)} µs per empty dispatch, ${w.file.dispatchCost.chainedUs.toFixed(2)} µs chained`);
    });
    await w.attempt('WebGPU copy bandwidth', async () => {
      w.file.bandwidth = await measureCopyBandwidth(dawn.device, a.local ? 64 << 20 : 1 << 30, a.local ? 4 : 20);
      log(`probe: WebGPU copy ${w.file.bandwidth.gbps.toFixed(1)} GB/s`);
    });
  });
}

async function library(ex: Exchange, w: PartWriter): Promise<void> {
  await w.attempt('open a WebGPU device through Dawn', async () => {
    const dawn = await openDawn();
    w.file.adapter = dawn.adapter;
    w.file.runtime = runtimeLine();
    const counter = DispatchCounter.install(dawn.device);
    for (const engine of ['gpu', 'cpu'] as const) {
      for (const x of ['f32', 'bytes'] as XForm[]) {
        await w.attempt(`webgpu-logreg engine ${engine}, X ${x}`, async () => {
          const row = await libraryRow(lib, dawn.device, counter, engine, x, ex);
          w.file.rows.push(row);
          log(`library: engine ${engine} (ctx.engine ${String(row.engine)}), X ${x}: ${row.msPerEpoch.toFixed(2)} ms/epoch, loss ${String(row.finalLoss)}`);
        });
      }
    }
  });
}

async function tfjs(ex: Exchange, w: PartWriter): Promise<void> {
  await w.attempt('TF.js webgpu on Dawn', async () => {
    const dawn = await openDawn();
    w.file.adapter = dawn.adapter;
    w.file.runtime = runtimeLine();
    // TF.js reads the WebGPU usage flags as globals and checks navigator.gpu before it will start.
    Object.assign(globalThis, dawn.globals);
    const nav = (globalThis as { navigator?: object }).navigator ?? {};
    Object.defineProperty(globalThis, 'navigator', { value: Object.assign(Object.create(nav) as object, { gpu: dawn.gpu }), configurable: true });
    const tf = await import('@tensorflow/tfjs-core');
    const { WebGPUBackend } = await import('@tensorflow/tfjs-backend-webgpu');
    if (tf.findBackendFactory('webgpu') !== null) tf.removeBackend('webgpu');
    tf.registerBackend('webgpu', () => new WebGPUBackend(dawn.device, dawn.device.adapterInfo));
    if (!(await tf.setBackend('webgpu'))) throw new Error('TF.js could not start its webgpu backend on the Dawn device');
    const row = await tfjsRow(ex);
    w.file.rows.push(row);
    log(`tfjs: ${row.msPerEpoch.toFixed(2)} ms/epoch, loss ${String(row.finalLoss)}`);
  });
}

async function main(): Promise<number> {
  const a = parseArgs(process.argv.slice(2));
  if (a.part === 'report') return runReport(a.out, a.local, a.statuses);
  const w = new PartWriter(a.out, a.part);
  process.on('uncaughtException', (e) => {
    w.file.failures.push({ part: a.part, what: 'uncaught exception', error: String(e) });
    w.write();
    log(`!! ${a.part}: uncaught exception: ${e.stack ?? String(e)}`);
    process.exit(1);
  });
  if (a.part === 'prepare') await prepare(a, w);
  else if (a.part === 'probe') await probe(a, w);
  else {
    let ex: Exchange | null = null;
    await w.attempt('read the exchange folder written by prepare', async () => {
      ex = readExchange(exchangeDir(a));
      w.file.config = ex.config;
    });
    const got = ex as Exchange | null;
    if (got !== null) {
      if (a.part === 'library') await library(got, w);
      else if (a.part === 'tfjs') await tfjs(got, w);
      else if (a.part === 'reference') await w.attempt('plain JS float64 epochs', async () => {
        w.file.rows.push(referenceRow(got));
      });
      else throw new Error(`the ${a.part} part is not the Node runner's (run.sh runs it)`);
    }
  }
  w.write();
  return w.file.failures.length === 0 ? 0 : 1;
}

// Dawn keeps the process alive after the work is done, so the exit is explicit.
main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    // 3, not 1: run.sh tells a crashed report (print a fallback line) from one that found failures.
    log(`runner failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    process.exit(3);
  },
);
