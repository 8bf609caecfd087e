// A static server and a headless Chrome with one blank page, started and stopped together: what the
// train command and the benchmarks each need before they open their own page (the tests share one
// browser instead: test/support/chrome.ts, and hand it to the train command run in process).
import type { Browser, BrowserContext, Page } from 'puppeteer';
import { launchChrome, type LaunchOptions } from './browser.ts';
import { startStaticServer, type StaticServerOptions } from './server.ts';

export interface BrowserSession {
  /** Base URL of the server, e.g. http://127.0.0.1:43121 */
  url: string;
  browser: Browser;
  page: Page;
  /** Closes the browser (only the page, in a context the caller gave), then the server. */
  close(): Promise<void>;
}

/**
 * Serves `root` (and any mounts) and opens a page in headless Chrome; on failure nothing is left running.
 * With `context`, the page opens there and close() closes only the page: the caller's browser goes on
 * (a launch costs seconds of a 2-core machine's time, which the tests pay once per process instead).
 */
export async function openBrowserSession(
  root: string, server: StaticServerOptions = {}, launch: LaunchOptions = {}, context?: BrowserContext,
): Promise<BrowserSession> {
  const srv = await startStaticServer(root, server);
  if (context !== undefined) return pageInContext(srv, context);
  let browser: Browser | null = null;
  try {
    browser = await launchChrome(launch);
    const page = await browser.newPage();
    const owned = browser;
    return {
      url: srv.url,
      browser: owned,
      page,
      async close() {
        await owned.close();
        await srv.close();
      },
    };
  } catch (e) {
    await browser?.close();
    await srv.close();
    throw e;
  }
}

async function pageInContext(srv: { url: string; close(): Promise<void> }, context: BrowserContext): Promise<BrowserSession> {
  try {
    const page = await context.newPage();
    return {
      url: srv.url,
      browser: context.browser(),
      page,
      async close() {
        await page.close();
        await srv.close();
      },
    };
  } catch (e) {
    await srv.close();
    throw e;
  }
}
