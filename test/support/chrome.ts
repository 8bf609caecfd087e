// One headless Chromium for the whole test process, launched on first use: launching one per suite
// was about a minute of the suite's wall time on a 2-core machine. Each browser context (its own
// pages and so its own WebGPU devices, cookies and storage) is closed when its holder is done: a
// suite of its own, or the test runner for the pages its suites share (gpu-page.ts).
import type { Browser, BrowserContext } from 'puppeteer';
import { launchChrome } from '../../harness/browser.ts';
import { startStaticServer, type StaticServer } from '../../harness/server.ts';

/** The repository root, which the harness page and the built bundles are served from. */
const ROOT = new URL('../..', import.meta.url).pathname;

let browser: Promise<Browser> | null = null;
let server: Promise<StaticServer> | null = null;
/** Suites with a context open now. */
let holders = 0;
/** Set by the test runner, which closes the browser once after the last suite. */
let heldForProcess = false;

/**
 * Keeps the shared browser open between suites until closeSharedChrome(). Without this (a test file
 * run on its own) the browser closes whenever no suite holds a context, so the process can end.
 */
export function holdChromeForProcess(): void {
  heldForProcess = true;
}

/** Whether the test runner holds the browser for the whole process (see holdChromeForProcess). */
export function chromeHeldForProcess(): boolean {
  return heldForProcess;
}

function sharedBrowser(): Promise<Browser> {
  if (browser === null) {
    const launching = launchChrome();
    browser = launching;
    // A failed launch is retried by the next suite; a crashed browser is replaced, not reused.
    launching.then(
      (b) => b.once('disconnected', () => {
        if (browser === launching) browser = null;
      }),
      () => {
        if (browser === launching) browser = null;
      },
    );
  }
  return browser;
}

/** A static server on the repository root, shared like the browser. */
export function sharedServer(): Promise<StaticServer> {
  server ??= startStaticServer(ROOT);
  return server;
}

/** A fresh browser context in the shared WebGPU Chromium; release() closes it (and its pages). */
export async function openBrowserContext(): Promise<{ context: BrowserContext; release: () => Promise<void> }> {
  holders++;
  try {
    const context = await (await sharedBrowser()).createBrowserContext();
    let released = false;
    return {
      context,
      async release() {
        if (released) return;
        released = true;
        try {
          await context.close();
        } finally {
          await releaseHold();
        }
      },
    };
  } catch (e) {
    await releaseHold();
    throw e;
  }
}

async function releaseHold(): Promise<void> {
  holders--;
  if (holders === 0 && !heldForProcess) await closeSharedChrome();
}

/** Closes the shared browser and server if they are open (the runner calls this after the last suite). */
export async function closeSharedChrome(): Promise<void> {
  const [b, s] = [browser, server];
  browser = null;
  server = null;
  // Browser first: a server's close() waits for Chrome's keep-alive connections to end.
  if (b !== null) await b.then((x) => x.close(), () => undefined);
  if (s !== null) await s.then((x) => x.close(), () => undefined);
}
