// The L-BFGS measurement (solver 'lbfgs', SoftmaxRegression): a digits-shaped problem (1797×64, 10
// classes) against its L2 optimum found by the float64 trainer, and Fashion-MNIST (pixels/255,
// l2 = 1/60000) against the objective scikit-learn's lbfgs reaches in 200 iterations. Objectives
// are mean cross-entropy + (l2/2)·‖W‖², scikit-learn's C = 1 objective divided by n when l2 = 1/n.
//   node build.mjs && node --import tsx bench/lbfgs.ts [--digits-only | --fashion-only] [--bytes-only] [--iterations N]
// (--iterations: Fashion-MNIST's, default 200; fewer give the time per iteration quickly. --bytes-only:
// Fashion-MNIST given as bytes only, not also as f32.)
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'puppeteer';
import * as cpu from '../src/cpu/index.ts';
import { resolveFitOptions } from '../src/core/options.ts';
import { openBrowserSession } from '../harness/session.ts';
import { FASHION_MNIST_FILES, loadFashionMnist, syntheticData } from './data.ts';
import type { LbfgsRun } from './lbfgs-page.ts';

const ROOT = new URL('..', import.meta.url).pathname.replace(/\/$/, '');
const FASHION_DIR = '/usr/share/datasets/fashion-mnist';
/** What scikit-learn 1.x LogisticRegression(C=1, solver='lbfgs', max_iter=200) reached on this machine. */
const SKLEARN_FASHION = { objective: 0.36588, seconds: 46, iterations: 200 };

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

interface Problem {
  X: Float64Array;
  labels: Uint8Array;
  n: number;
  d: number;
  k: number;
}

/** mean cross-entropy + (l2/2)·‖W‖² in float64. */
function objective(p: Problem, W: ArrayLike<number>, b: ArrayLike<number>, l2: number): number {
  const f = cpu.forward('softmax-ce', { data: p.X, rows: p.n, cols: p.d }, { data: W, rows: p.d, cols: p.k }, { data: b, rows: 1, cols: p.k });
  let squares = 0;
  for (let i = 0; i < W.length; i++) squares += (W[i] as number) ** 2;
  return cpu.meanLoss('softmax-ce', f, oneHot(p)) + 0.5 * l2 * squares;
}

function oneHot(p: Problem): { data: Float64Array; rows: number; cols: number } {
  const Y = new Float64Array(p.n * p.k);
  p.labels.forEach((c, i) => (Y[i * p.k + c] = 1));
  return { data: Y, rows: p.n, cols: p.k };
}

async function fitInPage(page: Page, o: { n: number; d: number; k: number; storage: 'f32' | 'u8'; epochs: number; l2: number }): Promise<LbfgsRun> {
  return page.evaluate((a) => (globalThis as unknown as { lbfgsBench: { fit(x: unknown): Promise<LbfgsRun> } }).lbfgsBench.fit(a), o);
}

function cumulative(ms: number[]): number[] {
  let t = 0;
  return ms.map((v) => (t += v));
}

/**
 * Digits' shape and value range (integers 0..16, divided by `divisor`), from the benchmark's seeded
 * synthetic classes.
 */
async function digits(page: Page, divisor: number): Promise<Record<string, unknown>> {
  const s = syntheticData(1797, 64, 10, 1);
  const X = Float64Array.from(s.bytes, (v) => Math.round((v / 255) * 16) / divisor);
  const p: Problem = { X, labels: s.labels, n: 1797, d: 64, k: 10 };
  const l2 = 1 / p.n;
  const t0 = performance.now();
  const ref = cpu.train({
    objective: 'softmax-ce', X: { data: X, rows: p.n, cols: p.d }, Y: oneHot(p),
    W: { data: new Float64Array(p.d * p.k), rows: p.d, cols: p.k }, b: { data: new Float64Array(p.k), rows: 1, cols: p.k },
    fitIntercept: true, options: resolveFitOptions({ solver: 'lbfgs', epochs: 5000, l2 }, p.n),
  });
  const best = objective(p, ref.W.data, ref.b.data, l2);
  log(`digits-shaped /${divisor}: float64 optimum ${best} after ${ref.history.epochs} iterations (${ref.history.stopReason}), ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  await page.evaluate((a) => (globalThis as unknown as { lbfgsBench: { setData(x: unknown): number } }).lbfgsBench.setData(a), { X: Array.from(X), labels: Array.from(p.labels) });
  const run = await fitInPage(page, { n: p.n, d: p.d, k: p.k, storage: 'f32', epochs: 300, l2 });
  const objectives = run.history.objective ?? [];
  const rel = objectives.map((f) => (f - best) / best);
  const reached = rel.findIndex((r) => r <= 1e-4);
  const final = objective(p, run.W, run.b, l2);
  return {
    problem: `synthetic digits-shaped 1797×64, 10 classes, features (integers 0..16)/${divisor}, l2 = 1/1797`, adapter: run.adapter,
    optimum: best, optimumIterations: ref.history.epochs, iterations: run.history.epochs, stopReason: run.history.stopReason,
    iterationsTo1e4: reached < 0 ? null : reached + 1, finalObjectiveF64: final, finalRelError: (final - best) / best,
    msTo1e4: reached < 0 ? null : cumulative(run.history.ms)[reached], fitMs: run.fitMs,
  };
}

async function fashion(page: Page, storage: 'f32' | 'u8', data: Problem, iterations: number): Promise<Record<string, unknown>> {
  const l2 = 1 / 60000;
  const run = await fitInPage(page, { n: data.n, d: data.d, k: data.k, storage, epochs: iterations, l2 });
  const objectives = run.history.objective ?? [];
  const times = cumulative(run.history.ms);
  const reached = objectives.findIndex((f) => f <= SKLEARN_FASHION.objective);
  const final = objective(data, run.W, run.b, l2);
  return {
    problem: `Fashion-MNIST 60000×784 (${storage === 'u8' ? 'bytes, scale 1/255' : 'f32 pixels/255'}), l2 = 1/60000`, adapter: run.adapter,
    iterations: run.history.epochs, stopReason: run.history.stopReason, objectiveReported: objectives.at(-1), finalObjectiveF64: final,
    iterationsToTarget: reached < 0 ? null : reached + 1, secondsToTarget: reached < 0 ? null : times[reached]! / 1000,
    trainingSeconds: times.at(-1)! / 1000, msPerIteration: times.at(-1)! / run.history.epochs, fitSeconds: run.fitMs / 1000,
    firstTrialSteps: run.history.learningRate.filter((a) => a === 1).length, loadAverage: loadavg()[0], sklearn: SKLEARN_FASHION,
  };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const only = args.find((a) => a === '--digits-only' || a === '--fashion-only') ?? '';
  const at = args.indexOf('--iterations');
  const iterations = at < 0 ? SKLEARN_FASHION.iterations : Number(args[at + 1]);
  if (!Number.isInteger(iterations) || iterations < 1) throw new Error(`--iterations needs a positive integer, got ${args[at + 1]}`);
  const session = await openBrowserSession(ROOT, { mounts: { '/datasets/fashion-mnist': FASHION_DIR } }, { protocolTimeout: 60 * 60 * 1000 });
  const results: Record<string, unknown>[] = [];
  try {
    const { page } = session;
    page.on('console', (m) => (m.type() === 'error' ? log(`page: ${m.text()}`) : undefined));
    await page.goto(`${session.url}/bench/lbfgs.html`);
    await page.waitForFunction('globalThis.lbfgsBench !== undefined', { timeout: 60_000 });
    if (only !== '--fashion-only') {
      for (const divisor of [16, 1]) {
        results.push(await digits(page, divisor));
        log(JSON.stringify(results.at(-1)));
      }
    }
    if (only !== '--digits-only') {
      if (!Object.values(FASHION_MNIST_FILES).every((f) => existsSync(join(FASHION_DIR, f)))) throw new Error(`Fashion-MNIST is not installed in ${FASHION_DIR}`);
      const d = await loadFashionMnist(async (name) => new Uint8Array(await readFile(join(FASHION_DIR, name))), FASHION_DIR);
      const data: Problem = { X: Float64Array.from(d.X), labels: d.labels, n: d.info.n, d: d.info.d, k: d.info.k };
      await page.evaluate(() => (globalThis as unknown as { lbfgsBench: { loadFashion(): Promise<number> } }).lbfgsBench.loadFashion());
      for (const storage of args.includes('--bytes-only') ? (['u8'] as const) : (['u8', 'f32'] as const)) {
        results.push(await fashion(page, storage, data, iterations));
        log(JSON.stringify(results.at(-1)));
      }
    }
  } finally {
    await session.close();
  }
  process.stdout.write(`${JSON.stringify({ date: new Date().toISOString(), results }, null, 2)}\n`);
}

await main();
