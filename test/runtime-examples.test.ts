// The examples for runtimes beyond a page's main thread: examples/worker/ (a dedicated module worker
// trains, the page transfers the data in, shows each epoch's log and cancels through an
// AbortController) in Chromium and Firefox, and examples/deno/ in Deno. Each result is checked
// against the float64 twin (cpu.train) on the data the example reports it trained on.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Browser, BrowserContext, Page } from 'puppeteer';
import type { ModelRun } from '../harness/fixtures.ts';
import { loadIris } from '../src/data/iris.ts';
import { closeSharedChrome, chromeHeldForProcess, openBrowserContext, sharedServer } from './support/chrome.ts';
import { relativeError } from './support/compare.ts';
import { launchFirefox } from './support/firefox.ts';
import { cpuFit } from './support/models.ts';
import { describeRun, lastJsonLine } from './support/node-gpu.ts';
import { PageTimeout, pollPage, runDeno } from './support/runtimes.ts';

const test = suite('runtime examples: a Web Worker in Chromium and Firefox, Deno');

/** Per epoch relative loss error, and ‖θ − θ_twin‖/‖θ_twin‖, against float64 (float32 fits of 40 epochs). */
const LOSS_TOLERANCE = 1e-4;
const PARAM_TOLERANCE = 1e-3;
/** The cancel test's fit: long enough that the first epoch's log comes back long before it could end. */
const LONG_EPOCHS = 20_000;
/** How long the fit may go on after Cancel: an abort lands within 32 steps, far sooner even on a loaded machine. */
const CANCEL_WITHIN_MS = 60_000;

interface Trained {
  fit: Record<string, unknown>;
  X: ModelRun['X'];
  y: number[];
  loss: number[];
  W: number[];
  b: number[];
  accuracy: number;
}

interface WorkerSummary extends Trained {
  /** Each epoch's loss as the worker posted it. */
  logged: number[];
  /** The page's arrays were emptied by the transfer to the worker. */
  transferred: boolean;
}

function assertMatchesTwin(what: string, got: Trained): void {
  const ref = cpuFit({ model: 'softmax', options: { nFeatures: 4, nClasses: 3 }, X: got.X, y: got.y, fit: got.fit });
  assert.is(got.loss.length, ref.history.loss.length, `${what}: epochs`);
  got.loss.forEach((l, e) => {
    const r = ref.history.loss[e] as number;
    assert.ok(Math.abs(l - r) / Math.max(Math.abs(r), 1e-6) <= LOSS_TOLERANCE, `${what}: epoch ${e} loss ${l} vs float64 ${r}`);
  });
  const err = relativeError([...got.W, ...got.b], [...ref.W.data, ...ref.b.data]);
  console.log(`  [${what}] parameters ${err.toExponential(2)} from float64's, final loss ${got.loss.at(-1)}`);
  assert.ok(err <= PARAM_TOLERANCE, `${what}: parameter error ${err}`);
}

const STATES = ['done', 'cancelled', 'failed'];

/** Opens the worker example, presses Train (and Cancel once the first epoch's log is shown), and returns its summary. */
async function runWorkerPage(page: Page, cancel: boolean): Promise<{ state: string; summary: string; status: string }> {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  const url = `${(await sharedServer()).url}/examples/worker/index.html${cancel ? `?epochs=${LONG_EPOCHS}` : ''}`;
  await page.goto(url);
  await pollPage(page, () => (document.body.dataset.state === 'ready' ? true : null));
  await page.click('#train');
  if (cancel) {
    await pollPage(page, () => (document.querySelector('#epochs tr') !== null || document.body.dataset.state !== 'training' ? true : null));
    await page.click('#cancel');
  }
  const settled = (ends: string[]) => {
    const state = document.body.dataset.state ?? '';
    if (!ends.includes(state)) return null;
    return { state, summary: document.getElementById('summary')?.textContent ?? '', status: document.getElementById('status')?.textContent ?? '' };
  };
  const out = await pollPage(page, settled, STATES, cancel ? CANCEL_WITHIN_MS : undefined).catch((e: unknown) => {
    if (!cancel || !(e instanceof PageTimeout)) throw e;
    return { state: 'still training', summary: '{}', status: `the fit went on for ${CANCEL_WITHIN_MS / 1000} s after Cancel` };
  });
  assert.equal(errors, [], 'page errors');
  return out;
}

interface WorkerRuns {
  full: { state: string; summary: string; status: string };
  cancelled: { state: string; summary: string; status: string };
}

/** The worker page run to the end, then again with Cancel pressed, each on a fresh page. */
async function workerRuns(open: () => Promise<Page>): Promise<WorkerRuns> {
  const full = await runWorkerPage(await open(), false);
  return { full, cancelled: await runWorkerPage(await open(), true) };
}

function checkWorkerRuns(browser: string, { full, cancelled }: WorkerRuns): void {
  assert.is(full.state, 'done', `${browser}: ${full.status}`);
  const got = JSON.parse(full.summary) as WorkerSummary;
  const iris = loadIris();
  assert.is(got.X.rows, iris.X.rows, `${browser}: rows trained on`);
  assert.ok(got.transferred, `${browser}: the page's typed arrays were copied to the worker, not transferred`);
  assert.equal(got.logged, got.loss, `${browser}: the epoch logs the worker posted`);
  assertMatchesTwin(`${browser} worker`, got);
  assert.ok(got.accuracy >= 0.9, `${browser}: training accuracy ${got.accuracy}`);

  assert.is(cancelled.state, 'cancelled', `${browser}: after Cancel: ${cancelled.status}`);
  const c = JSON.parse(cancelled.summary) as { logged: number[]; error: { name: string; message: string } };
  assert.is(c.error.name, 'AbortError', `${browser}: the cancelled fit's error`);
  assert.ok(c.logged.length >= 1 && c.logged.length < LONG_EPOCHS, `${browser}: ${c.logged.length} of ${LONG_EPOCHS} epochs ran before the cancel stopped the fit`);
  console.log(`  [${browser} worker] cancelled after ${c.logged.length} of ${LONG_EPOCHS} epochs: ${cancelled.status}`);
}

/** The three runs, started together in before(): each waits on its own browser or process. */
const RUNS = {
  Chromium: async (): Promise<WorkerRuns> => {
    const { context, release } = await openBrowserContext();
    try {
      return await workerRuns(() => (context as BrowserContext).newPage());
    } finally {
      await release();
    }
  },
  Firefox: async (): Promise<WorkerRuns> => {
    const browser: Browser = await launchFirefox();
    try {
      return await workerRuns(() => browser.newPage());
    } finally {
      await browser.close();
    }
  },
  Deno: () => runDeno(['run', 'examples/deno/train.ts', '--json']),
};

type Started = { [K in keyof typeof RUNS]: ReturnType<(typeof RUNS)[K]> };
let started: Started | null = null;

function runs(): Started {
  if (started === null) throw new Error('the runs were not started');
  return started;
}

test.before(() => {
  started = { Chromium: RUNS.Chromium(), Firefox: RUNS.Firefox(), Deno: RUNS.Deno() };
  // Each is awaited by its test; none may be an unhandled rejection before then.
  for (const p of Object.values(started)) (p as Promise<unknown>).catch(() => undefined);
});

test.after(async () => {
  if (started !== null) await Promise.allSettled(Object.values(started));
  if (!chromeHeldForProcess()) await closeSharedChrome();
});

test('examples/worker in Chromium: trains in a module worker, matches float64, Cancel aborts the fit', async () => {
  checkWorkerRuns('Chromium', await runs().Chromium);
});

test('examples/worker in Firefox: trains in a module worker, matches float64, Cancel aborts the fit', async () => {
  checkWorkerRuns('Firefox', await runs().Firefox);
});

test('`deno run examples/deno/train.ts` trains softmax regression on Iris and matches float64', async () => {
  const run = await runs().Deno;
  if (run.code !== 0) assert.unreachable(describeRun('deno run examples/deno/train.ts', run));
  assert.match(run.stdout, /test accuracy: \d+(\.\d)? % on 30 held-out flowers/);
  const got = lastJsonLine<Trained>(run.stdout);
  assert.is(got.X.rows, 120, 'training rows');
  assertMatchesTwin('Deno example', got);
  assert.ok(got.accuracy >= 0.85, `held-out accuracy ${got.accuracy}`);
});

test.run();
