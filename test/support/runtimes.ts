// Runs test/runtimes/fits.ts's job in each runtime web developers use: a page in Chromium or
// Firefox (served by harness/server.ts), Node on Dawn and Deno (child processes on a Vulkan driver,
// SwiftShader's where there is no GPU). Each returns the job's RuntimeOutput or throws saying what
// failed; a runtime that is not installed is an Error that says how to install it, never a skip.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { transform } from 'esbuild';
import type { Browser, Page } from 'puppeteer';
import type * as Library from '../../dist/index.js';
import type { RuntimeJob, RuntimeOutput } from '../runtimes/fits.ts';
import { dawnEnv, describeRun, lastJsonLine, runNode, runProgram, type NodeRun } from './node-gpu.ts';

const ROOT = new URL('../..', import.meta.url).pathname;
/** A hung child is killed after this long: a guard against hangs on a loaded machine, not a speed requirement. */
const KILL_AFTER_MS = 600_000;

/** fits.ts as the JavaScript a page imports (its only imports are types, so it needs no bundling). */
export async function fitsModuleCode(): Promise<string> {
  const source = readFileSync(`${ROOT}test/runtimes/fits.ts`, 'utf8');
  return (await transform(source, { loader: 'ts', format: 'esm', target: 'es2022' })).code;
}

/** How long a page may take to settle what pollPage waits for: a guard against hangs on a loaded machine. */
const PAGE_WAIT_MS = 600_000;

/** pollPage's probe did not answer within its time. */
export class PageTimeout extends Error {
  override name = 'PageTimeout';
}

/**
 * Evaluates `probe` in `page` every 0.2 s until it returns something other than null. Each call
 * is short: one long evaluate or waitForFunction is a single protocol call, which puppeteer cuts off
 * at its protocolTimeout (180 s by default) however long the wait was meant to be.
 */
export async function pollPage<T, A = undefined>(page: Page, probe: (arg: A) => T | null, arg?: A, timeoutMs = PAGE_WAIT_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    // puppeteer's types would flatten A into handles; the probes here take and return plain JSON.
    const got = (await page.evaluate(probe as (a: unknown) => unknown, arg)) as T | null;
    if (got !== null) return got;
    if (Date.now() > deadline) throw new PageTimeout(`the page did not finish within ${timeoutMs / 1000} s`);
    await new Promise((ok) => setTimeout(ok, 200));
  }
}

type Settled = { ok: RuntimeOutput } | { error: string };

/**
 * Runs the job in `page` (of a browser on the static server at `url`): the page imports the built
 * library and fits.ts's code, as an app's module would, and keeps the outcome for pollPage to read.
 * Page errors fail the run.
 */
export async function runInPage(page: Page, url: string, code: string, job: RuntimeJob): Promise<RuntimeOutput> {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${url}/test/runtimes/page.html`);
  await page.evaluate((fitsCode: string, j: RuntimeJob) => {
    // No named functions in here: tsx's keepNames would wrap them in calls to a __name function the page lacks.
    const store = globalThis as { runtimeOutcome?: Settled };
    (async (): Promise<RuntimeOutput> => {
      const libPath = '/dist/index.js';
      const lib = (await import(libPath)) as typeof Library;
      const fitsUrl = URL.createObjectURL(new Blob([fitsCode], { type: 'text/javascript' }));
      const fits = (await import(fitsUrl)) as typeof import('../runtimes/fits.ts');
      return fits.runJob(lib, j);
    })().then((ok) => (store.runtimeOutcome = { ok }), (e: unknown) => (store.runtimeOutcome = { error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) }));
  }, code, job);
  const outcome = await pollPage(page, () => (globalThis as { runtimeOutcome?: Settled }).runtimeOutcome ?? null);
  if (errors.length > 0) throw new Error(`the page reported errors: ${errors.join('; ')}`);
  if ('error' in outcome) throw new Error(outcome.error);
  return outcome.ok;
}

/** A fresh page of `browser`, closed once `body` is done with it. */
export async function withPage<T>(browser: Browser, body: (page: Page) => Promise<T>): Promise<T> {
  const page = await browser.newPage();
  try {
    return await body(page);
  } finally {
    await page.close();
  }
}

/** Runs the job in Node on Dawn (the `webgpu` package). */
export async function runInNode(job: RuntimeJob): Promise<RuntimeOutput> {
  const run = await runNode(['--import', 'tsx', 'test/runtimes/main.ts'], { cwd: ROOT, env: dawnEnv(), input: JSON.stringify(job), killAfterMs: KILL_AFTER_MS });
  return resultOf('Node (Dawn)', run);
}

/**
 * The Deno to run: DENO_PATH, else the `deno` devDependency's launcher (node_modules/deno/bin.cjs,
 * what `npx deno` runs; it finds the binary of the platform's optional dependency itself, so it
 * works where npm ran no install scripts). The command is [program, ...leading args].
 */
export function findDeno(env: NodeJS.ProcessEnv = process.env): string[] {
  const given = env.DENO_PATH;
  if (given !== undefined && given !== '') return [given];
  try {
    return [process.execPath, createRequire(`${ROOT}/`).resolve('deno/bin.cjs')];
  } catch {
    throw new Error('Deno is missing: the cross-runtime tests need the deno devDependency (./setup.sh or npm ci installs it), or point DENO_PATH at a deno executable.');
  }
}

/** Runs `deno ...args` in the repository with the Vulkan environment (SwiftShader where there is no GPU). */
export function runDeno(args: readonly string[], input = ''): Promise<NodeRun> {
  const [program, ...lead] = findDeno();
  return runProgram(program as string, [...lead, ...args], { cwd: ROOT, env: dawnEnv({ ...process.env, NO_COLOR: '1' }), input, killAfterMs: KILL_AFTER_MS });
}

/** Runs the job in Deno (navigator.gpu, wgpu); it reads only the repository. */
export async function runInDeno(job: RuntimeJob): Promise<RuntimeOutput> {
  const run = await runDeno(['run', `--allow-read=${ROOT}`, 'test/runtimes/main.ts'], JSON.stringify(job));
  return resultOf('Deno', run);
}

function resultOf(what: string, run: NodeRun): RuntimeOutput {
  if (run.code !== 0) throw new Error(describeRun(what, run));
  return lastJsonLine<RuntimeOutput>(run.stdout);
}
