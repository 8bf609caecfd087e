// Opens the harness page in headless Chrome and calls its fixtures. Console errors and uncaught
// exceptions in the page fail the call that was running, so nothing goes wrong silently.
import type { Page } from 'puppeteer';
import { openBrowserSession } from '../../harness/session.ts';
import type { Fixtures } from '../../harness/fixtures.ts';

type FixtureName = keyof Fixtures;
type FixtureArg<N extends FixtureName> = Parameters<Fixtures[N]>[0];
type FixtureResult<N extends FixtureName> = Awaited<ReturnType<Fixtures[N]>>;

export interface GpuPage {
  page: Page;
  call<N extends FixtureName>(name: N, ...arg: FixtureArg<N> extends undefined ? [] : [FixtureArg<N>]): Promise<FixtureResult<N>>;
  close(): Promise<void>;
}

const ROOT = new URL('../..', import.meta.url).pathname;

export async function openGpuPage(): Promise<GpuPage> {
  const session = await openBrowserSession(ROOT);
  const { page } = session;
  try {
    const problems: string[] = [];
    page.on('console', (msg) => {
      if (msg.type() === 'error') problems.push(`console error: ${msg.text()}`);
    });
    page.on('pageerror', (err) => problems.push(`uncaught in page: ${String(err)}`));
    // TEST_ENGINE=gpu|cpu runs the page's fits on that step engine (npm test runs the training
    // suites once per engine).
    const engine = process.env.TEST_ENGINE;
    await page.goto(`${session.url}/harness/page.html${engine === undefined || engine === '' ? '' : `?engine=${engine}`}`);
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
      close: () => session.close(),
    };
  } catch (e) {
    await session.close();
    throw e;
  }
}
