// Runs the training job in headless Chrome: the static server serves the page's two files and the
// dataset's files, nothing else (not the repository, not the dataset's directory); the page fetches
// and parses the data itself, and its events come back through an exposed function, so neither the
// data nor a long-running call crosses page.evaluate.
import type { BrowserContext } from 'puppeteer';
import { openBrowserSession } from '../harness/session.ts';
import { DATA_PATH, type JobEvent, type JobResult, type JobSpec } from './job.ts';

const ROOT = new URL('..', import.meta.url).pathname;

/** What the page loads (harness/train.html and its bundle), as paths relative to the repository. */
const PAGE_FILES: Record<string, string> = {
  '/harness/train.html': 'harness/train.html',
  '/build/harness/train-page.js': 'build/harness/train-page.js',
};

/** The server's file list: the page's files, and each data file under DATA_PATH by the name the job reads it by. */
export function servedFiles(dataFiles: Record<string, string>): Record<string, string> {
  const data = Object.entries(dataFiles).map(([name, path]) => [`${DATA_PATH}/${name}`, path]);
  return { ...PAGE_FILES, ...Object.fromEntries(data) };
}

export interface ChromeRunOptions {
  /** Called with the server's base URL once it listens, before the page opens. */
  onServe?: (url: string) => Promise<void>;
  /** A browser context to open the page in instead of launching a browser (for tests, which share one). */
  context?: BrowserContext;
}

export async function runInChrome(
  spec: JobSpec, dataFiles: Record<string, string>, onEvent: (e: JobEvent) => void, options: ChromeRunOptions = {},
): Promise<JobResult> {
  const session = await openBrowserSession(ROOT, { files: servedFiles(dataFiles) }, {}, options.context);
  const { page } = session;
  try {
    await options.onServe?.(session.url);
    let succeed: (r: JobResult) => void = () => undefined;
    let fail: (e: Error) => void = () => undefined;
    const result = new Promise<JobResult>((resolve, reject) => {
      succeed = resolve;
      fail = reject;
    });
    // Marks a failure during page setup as handled; `await result` below still throws it.
    result.catch(() => undefined);
    page.on('pageerror', (err) => fail(new Error(`uncaught in the page: ${String(err)}`)));
    page.on('error', (err) => fail(new Error(`the page crashed: ${err.message}`)));
    page.on('console', (msg) => {
      if (msg.type() === 'error') onEvent({ type: 'status', message: `page console: ${msg.text()}` });
    });
    await page.exposeFunction('trainEvent', (event: JobEvent) => {
      if (event.type === 'done') succeed(event.result);
      else if (event.type === 'error') fail(Object.assign(new Error(event.error.message), event.error));
      else onEvent(event);
    });
    await page.goto(`${session.url}/harness/train.html`);
    await page.waitForFunction('globalThis.startTraining !== undefined', { timeout: 30_000 });
    await page.evaluate((s: JobSpec) => {
      (globalThis as unknown as { startTraining: (spec: JobSpec) => void }).startTraining(s);
    }, spec);
    return await result;
  } finally {
    await session.close();
  }
}
