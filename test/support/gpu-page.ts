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
    return {
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
  } catch (e) {
    await release();
    throw e;
  }
}
