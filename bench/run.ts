// `npm run bench`: drives the benchmark page in headless Chrome (or the same session in Node via
// Dawn), prints the tables, writes bench/results/<date>.json and refreshes BENCHMARKS.md.
// Progress goes to stderr; stdout holds the tables and, with --json, the summary as its last line.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Page } from 'puppeteer';
import { findChrome } from '../harness/browser.ts';
import { openBrowserSession } from '../harness/session.ts';
import { isFullRun, parseArgs, USAGE, type BenchArgs } from './args.ts';
import { FASHION_MNIST_FILES } from './data.ts';
import { machineInfo, packageVersion } from './machine.ts';
import type { LibModule } from './ours.ts';
import { formatConsole, lossChecks, ratios, renderBenchmarks, scalingFit, summary, withoutParams } from './report.ts';
import { planTraining, scalingPoints } from './plan.ts';
import { createBenchApi, type BenchApi } from './suite.ts';
import { TFJS_WASM_PATH } from './tfjs-paths.ts';
import type { BenchResult, DataSpec, ScalingPoint, TrainingRun } from './types.ts';

const ROOT = new URL('..', import.meta.url).pathname.replace(/\/$/, '');
const WASM_URL = TFJS_WASM_PATH.replace(/\/$/, '');
const FASHION_DIR = '/usr/share/datasets/fashion-mnist';
const CHROMIUM_LIB_DIR = '/usr/lib/chromium';
const SWIFTSHADER_ICD = `${CHROMIUM_LIB_DIR}/vk_swiftshader_icd.json`;
/** page.evaluate waits this long for one phase (TF.js webgpu epochs take minutes on SwiftShader). */
const PHASE_TIMEOUT_MS = 60 * 60 * 1000;

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

interface Session {
  api: BenchApi;
  runtimeVersion: string;
  close(): Promise<void>;
}

function fashionInstalled(): boolean {
  return Object.values(FASHION_MNIST_FILES).every((f) => existsSync(join(FASHION_DIR, f)));
}

function dataSpec(a: BenchArgs, runtime: 'browser' | 'node'): DataSpec {
  if (a.quick || a.synthetic || a.shape !== null || !fashionInstalled()) {
    const shape = a.shape ?? (a.quick ? { n: 300, d: 20, k: 3 } : { n: 60000, d: 784, k: 10 });
    return { kind: 'synthetic', ...shape, seed: a.seed };
  }
  return { kind: 'fashion-mnist', location: runtime === 'browser' ? `/datasets/fashion-mnist (served from ${FASHION_DIR})` : FASHION_DIR };
}

// ---- browser runtime ----

async function browserSession(): Promise<Session> {
  // Developer features make Chromium report the adapter's full description.
  const session = await openBrowserSession(
    ROOT,
    // The wasm files get their own mount: the server follows no symlink out of ROOT, and
    // node_modules may be one (a linked or shared install).
    { mounts: { '/datasets/fashion-mnist': FASHION_DIR, [WASM_URL]: join(ROOT, WASM_URL) } },
    { extraArgs: ['--enable-webgpu-developer-features'], protocolTimeout: PHASE_TIMEOUT_MS },
  );
  const { page } = session;
  try {
    const problems: string[] = [];
    page.on('console', (msg) => {
      const text = msg.text();
      if (text.startsWith('[bench] ')) log(text.slice(8));
      else if (msg.type() === 'error') problems.push(text);
    });
    page.on('pageerror', (err) => problems.push(`uncaught in page: ${String(err)}`));
    await page.goto(`${session.url}/bench/page.html`);
    await page.waitForFunction('globalThis.bench !== undefined || document.readyState === "complete"', { timeout: 60_000 });
    await page.waitForFunction('globalThis.bench !== undefined', { timeout: 10_000 }).catch(() => {
      throw new Error(`the benchmark page did not start (is build/bench/page.js built? run "npm run build"): ${problems.join('; ')}`);
    });
    return {
      api: pageApi(page, problems),
      runtimeVersion: `${await session.browser.version()} (${findChrome()})`,
      close: () => session.close(),
    };
  } catch (e) {
    await session.close();
    throw e;
  }
}

function pageApi(page: Page, problems: string[]): BenchApi {
  const call = async <T>(method: keyof BenchApi, arg?: unknown): Promise<T> => {
    const result = await page.evaluate(
      (m: string, a: unknown) => (globalThis as unknown as Record<string, Record<string, (x: unknown) => unknown>>)['bench']![m]!(a),
      method,
      arg,
    );
    // Console errors (TF.js reports some this way) are shown, not fatal: the results are checked.
    for (const p of problems.splice(0)) log(`page console error: ${p}`);
    return result as T;
  };
  return {
    open: () => call('open'),
    impls: () => call('impls'),
    loadData: (spec) => call('loadData', spec),
    kernels: (options) => call('kernels', options),
    train: (options) => call('train', options),
    scale: (point) => call('scale', point),
    grid: () => call('grid'),
  };
}

// ---- node runtime ----

function hasSystemVulkan(): boolean {
  try {
    return execFileSync('ldconfig', ['-p'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).includes('libvulkan.so.1');
  } catch {
    return false;
  }
}

/**
 * Dawn needs a Vulkan loader and driver. Where the system has none, Chromium's own loader and its
 * SwiftShader driver serve (the same software adapter the browser uses). LD_LIBRARY_PATH is read at
 * process start, so when it has to change the benchmark re-runs itself with it set.
 */
function vulkanEnvironment(): Record<string, string> | null {
  if (process.env.WEBGPU_LOGREG_BENCH_CHILD === '1' || hasSystemVulkan()) return null;
  if (!existsSync(`${CHROMIUM_LIB_DIR}/libvulkan.so.1`) || !existsSync(SWIFTSHADER_ICD)) return null;
  const ld = process.env.LD_LIBRARY_PATH ?? '';
  const env: Record<string, string> = {};
  if (!ld.split(':').includes(CHROMIUM_LIB_DIR)) env.LD_LIBRARY_PATH = ld === '' ? CHROMIUM_LIB_DIR : `${CHROMIUM_LIB_DIR}:${ld}`;
  if (process.env.VK_ICD_FILENAMES === undefined) env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
  return Object.keys(env).length === 0 ? null : env;
}

async function nodeSession(): Promise<Session> {
  const dist = join(ROOT, 'dist/index.js');
  if (!existsSync(dist)) throw new Error(`${dist} is missing: run "npm run build" first`);
  const lib = (await import(pathToFileURL(dist).href)) as LibModule;
  const webgpu = (await import('webgpu')) as { create(options: string[]): GPU };
  const api = createBenchApi({
    lib,
    gpu: webgpu.create([]),
    runtime: 'node',
    source: async (name) => new Uint8Array(await readFile(join(FASHION_DIR, name))),
    extraTrainers: [],
    progress: log,
  });
  const vk = process.env.VK_ICD_FILENAMES === undefined ? '' : `, VK_ICD_FILENAMES=${process.env.VK_ICD_FILENAMES}`;
  return { api, runtimeVersion: `webgpu ${packageVersion(ROOT, 'webgpu')} (Dawn) on Node ${process.version}${vk}`, close: async () => undefined };
}

// ---- main ----

async function run(a: BenchArgs, argv: readonly string[]): Promise<BenchResult> {
  const started = performance.now();
  const loadAtStart = loadavg()[0] ?? 0;
  const session = a.runtime === 'browser' ? await browserSession() : await nodeSession();
  try {
    const { api } = session;
    log(`opening a WebGPU device (${a.runtime})`);
    const adapter = await api.open();
    const spec = dataSpec(a, a.runtime);
    log(`loading ${spec.kind === 'synthetic' ? `synthetic data ${spec.n}×${spec.d}, ${spec.k} classes` : 'Fashion-MNIST'}`);
    const dataset = await api.loadData(spec);
    const result: BenchResult = {
      date: new Date().toISOString(),
      command: `npm run bench${argv.length > 0 ? ` -- ${argv.join(' ')}` : ''}`,
      runtime: a.runtime,
      quick: a.quick,
      machine: machineInfo(session.runtimeVersion),
      adapter,
      dataset,
      learningRate: a.learningRate,
      kernels: null,
      training: [],
      lossChecks: [],
      ratios: { vsTfjsWebgpu: null, vsTfjsWasm: null, vsPlainJs: null },
      ratiosU8: { vsTfjsWebgpu: null, vsTfjsWasm: null, vsPlainJs: null },
      scaling: null,
      grid: null,
      skipped: [],
      durationS: 0,
      loadAverage: { start: loadAtStart, end: loadAtStart },
    };
    if (a.phases.includes('kernels')) {
      log('kernels');
      result.kernels = await api.kernels({ quick: a.quick, runs: a.runs, timing: a.timing });
    }
    if (a.phases.includes('training')) {
      const plan = planTraining(a, await api.impls(), dataset.n);
      result.skipped.push(...plan.skipped);
      const runs: TrainingRun[] = [];
      for (const p of plan.runs) {
        log(`training ${p.impl} at batch ${p.batch}`);
        runs.push(await api.train({ impl: p.impl, batch: p.batch, learningRate: a.learningRate }));
      }
      result.training = runs.map(withoutParams);
      result.lossChecks = lossChecks(runs);
      result.ratios = ratios(result.training);
      result.ratiosU8 = ratios(result.training, 'webgpu-logreg-u8');
    }
    if (a.phases.includes('scaling')) {
      const points: ScalingPoint[] = [];
      for (const p of scalingPoints(dataset)) points.push(await api.scale({ ...p, learningRate: a.learningRate }));
      result.scaling = { points, fit: scalingFit(points) };
    }
    if (a.phases.includes('grid')) {
      log('grid search');
      result.grid = await api.grid();
    }
    result.durationS = (performance.now() - started) / 1000;
    result.loadAverage.end = loadavg()[0] ?? 0;
    return result;
  } finally {
    await session.close();
  }
}

function write(a: BenchArgs, result: BenchResult): void {
  const full = isFullRun(a);
  if (a.write === 'no' || (a.write === 'auto' && a.quick)) return;
  const dir = join(ROOT, 'bench/results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${result.date.replace(/[:.]/g, '-')}${a.runtime === 'node' ? '-node' : ''}.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  log(`wrote ${file}`);
  if (a.write === 'yes' || full) {
    const path = join(ROOT, 'BENCHMARKS.md');
    writeFileSync(path, renderBenchmarks(existsSync(path) ? readFileSync(path, 'utf8') : null, result));
    log(`refreshed ${path}`);
  } else {
    log('BENCHMARKS.md not refreshed: this run left out implementations, batch sizes or phases (--write refreshes it anyway)');
  }
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  let a: BenchArgs;
  try {
    a = parseArgs(argv);
  } catch (e) {
    log((e as Error).message);
    return 2;
  }
  if (a.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (a.runtime === 'node') {
    const env = vulkanEnvironment();
    if (env !== null) {
      log(`re-running with ${Object.entries(env).map(([k, v]) => `${k}=${v}`).join(' ')} (no system Vulkan loader)`);
      const child = spawnSync(process.execPath, [...process.execArgv, process.argv[1] as string, ...argv], {
        stdio: 'inherit', env: { ...process.env, ...env, WEBGPU_LOGREG_BENCH_CHILD: '1' },
      });
      return child.status ?? 1;
    }
  }
  const result = await run(a, argv);
  process.stdout.write(`${formatConsole(result)}\n`);
  write(a, result);
  const failed = result.lossChecks.filter((c) => !c.ok);
  if (failed.length > 0) log(`FINAL LOSSES DISAGREE at batch ${failed.map((c) => c.batchSize).join(', ')} (relative difference over 1e-3)`);
  if (a.json) process.stdout.write(`${JSON.stringify(summary(result))}\n`);
  return failed.length > 0 ? 1 : 0;
}

// Dawn keeps the Node process alive after the work is done, so the exit is explicit.
main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    log(`bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    process.exit(1);
  },
);
