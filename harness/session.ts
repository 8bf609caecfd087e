// A static server and a headless Chrome with one blank page, started and stopped together: what the
// train command and the benchmarks each need before they open their own page (the tests share one
// browser instead: test/support/chrome.ts).
import type { Browser, Page } from 'puppeteer';
import { launchChrome, type LaunchOptions } from './browser.ts';
import { startStaticServer, type StaticServerOptions } from './server.ts';

export interface BrowserSession {
  /** Base URL of the server, e.g. http://127.0.0.1:43121 */
  url: string;
  browser: Browser;
  page: Page;
  /** Closes the browser, then the server. */
  close(): Promise<void>;
}

/** Serves `root` (and any mounts) and opens a page in headless Chrome; on failure nothing is left running. */
export async function openBrowserSession(
  root: string, server: StaticServerOptions = {}, launch: LaunchOptions = {},
): Promise<BrowserSession> {
  const srv = await startStaticServer(root, server);
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
