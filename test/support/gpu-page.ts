// Opens the harness page in the shared headless Chrome and calls its fixtures. Console errors and
// uncaught exceptions in the page fail the call that was running, so nothing goes wrong silently.
import type { Page } from 'puppeteer';
import type { Fixtures } from '../../harness/fixtures.ts';
import type { EngineName } from '../../src/index.ts';
import { openBrowserContext, sharedServer } from './chrome.ts';

type FixtureName = keyof Fixtures;
type FixtureArg<N extends FixtureName> = Parameters<Fixtures[N]>[0];
type FixtureResult<N extends FixtureName> = Awaited<ReturnType<Fixtures[N]>>;

export interface GpuPage {
  page: Page;
  call<N extends FixtureName>(name: N, ...arg: FixtureArg<N> extends undefined ? [] : [FixtureArg<N>]): Promise<FixtureResult<N>>;
  close(): Promise<void>;
}

/** The harness page with its fits on `engine` (null: the adapter's choice), in a browser context of its own. */
export async function openGpuPage(engine: EngineName | null): Promise<GpuPage> {
  return (await openPage(engine)).gpuPage;
}

/** Pages lent to suites one after another, one per engine, open until the browser closes. */
const lent = new Map<EngineName | null, Promise<OpenPage>>();

/**
 * The harness page for `engine` that the suites of this process share, one suite at a time: its
 * context, and so its compiled pipelines, outlive the suite. SwiftShader compiles a pipeline in
 * seconds, which a fresh page paid again in every suite (7–12 s before a fresh page's first
 * 3-epoch fit, 0.02 s for the same fit after it). Closing it only hands it back; a call that
 * reported a console error or an uncaught exception fails there as on a page of its own, and one
 * reported after the suite's last call fails the hand-back, so it is never blamed on the next suite.
 */
export async function borrowGpuPage(engine: EngineName | null): Promise<GpuPage> {
  let open = lent.get(engine);
  const current = open === undefined ? null : await open.catch(() => null);
  if (current === null || current.gpuPage.page.isClosed()) {
    open = openPage(engine);
    lent.set(engine, open);
    open.catch(() => lent.delete(engine));
  }
  const { gpuPage, problems } = await (open as Promise<OpenPage>);
  return {
    page: gpuPage.page,
    call: gpuPage.call,
    async close() {
      if (problems.length > 0) throw new Error(`page reported after the suite's last call: ${problems.splice(0).join('; ')}`);
    },
  };
}

interface OpenPage {
  gpuPage: GpuPage;
  /** Console errors and uncaught exceptions not yet reported by a call. */
  problems: string[];
}

async function openPage(engine: EngineName | null): Promise<OpenPage> {
  const { context, release } = await openBrowserContext();
  try {
    const page = await context.newPage();
    const url = (await sharedServer()).url;
    const problems: string[] = [];
    page.on('console', (msg) => {
      if (msg.type() === 'error') problems.push(`console error: ${msg.text()}`);
    });
    page.on('pageerror', (err) => problems.push(`uncaught in page: ${String(err)}`));
    await page.goto(`${url}/harness/page.html${engine === null ? '' : `?engine=${engine}`}`);
    await page.waitForFunction('globalThis.fixtures !== undefined', { timeout: 20_000 });
    const gpuPage: GpuPage = {
      page,
      async call(name, ...arg) {
        const result = await page.evaluate(
          (n: string, a: unknown) => (globalThis as unknown as Record<string, Record<string, (x: unknown) => unknown>>)['fixtures']![n]!(a),
          name,
          arg[0],
        );
        if (problems.length > 0) throw new Error(`page reported: ${problems.splice(0).join('; ')}`);
        return result as never;
      },
      close: release,
    };
    return { gpuPage, problems };
  } catch (e) {
    await release();
    throw e;
  }
}
