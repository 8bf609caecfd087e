// Runs the training job in headless Chrome: the static server serves the page and mounts the
// dataset's directory, the page fetches and parses the files itself, and its events come back
// through an exposed function, so neither the data nor a long-running call crosses page.evaluate.
import { openBrowserSession } from '../harness/session.ts';
import { DATA_MOUNT, type JobEvent, type JobResult, type JobSpec } from './job.ts';

const ROOT = new URL('..', import.meta.url).pathname;

export async function runInChrome(spec: JobSpec, dataDir: string | null, onEvent: (e: JobEvent) => void): Promise<JobResult> {
  const session = await openBrowserSession(ROOT, dataDir === null ? {} : { mounts: { [DATA_MOUNT]: dataDir } });
  const { page } = session;
  try {
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
