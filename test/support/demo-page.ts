// The demo page driven from headless Chrome, shared by the demo's test files: a uvu suite with the
// demo server and a browser context in the shared WebGPU Chromium, pages with their console errors
// collected, and the controls typed into and clicked as a user does.
import { suite } from 'uvu';
import type { Page } from 'puppeteer';
import { startDemoServer, type DemoServer } from '../../demo/serve.ts';
import { openBrowserContext } from './chrome.ts';

/** Where pages come from: a browser, or one of its contexts. */
export interface PageSource {
  newPage(): Promise<Page>;
}

export interface Opened {
  page: Page;
  problems: string[];
}

/** A page on the demo with its console errors and uncaught exceptions collected. */
export async function openDemo(browser: PageSource, url: string, before?: (page: Page) => Promise<void>): Promise<Opened> {
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 900 });
  const problems: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console error: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`uncaught in page: ${String(err)}`));
  if (before !== undefined) await before(page);
  await page.goto(url);
  return { page, problems };
}

export async function waitForState(page: Page, states: readonly string[], timeout = 60_000): Promise<string> {
  const handle = await page.waitForFunction(
    (wanted: readonly string[]) => {
      const s = document.body.dataset['state'] ?? '';
      return wanted.includes(s) ? s : false;
    },
    { timeout, polling: 100 },
    states,
  );
  return (await handle.jsonValue()) as string;
}

/** Clicks into a field, replaces its text by typing, and leaves it with Tab (which fires 'change'). */
export async function typeInto(page: Page, selector: string, text: string): Promise<void> {
  await page.click(selector);
  await page.keyboard.down('Control');
  await page.keyboard.press('KeyA');
  await page.keyboard.up('Control');
  await page.keyboard.type(text);
  await page.keyboard.press('Tab');
}

export async function clickChoice(page: Page, name: string, value: string): Promise<void> {
  await page.click(`label:has(> input[name="${name}"][value="${value}"])`);
}

/** A fresh page on the demo with `dataset` chosen and loaded. */
export async function openOn(browser: PageSource, url: string, dataset: string, timeout = 60_000): Promise<Opened> {
  const opened = await openDemo(browser, url);
  await waitForState(opened.page, ['ready']);
  await clickChoice(opened.page, 'dataset', dataset);
  await waitForState(opened.page, ['ready'], timeout);
  return opened;
}

export interface Env {
  server: DemoServer;
  /** The suite's browser context in the shared WebGPU Chromium. */
  browser: PageSource;
}

/** A uvu suite with the demo server and a browser context opened before its tests and closed after. */
export function demoSuite(name: string): { test: ReturnType<typeof suite>; env: () => Env } {
  const t = suite(name);
  let env: Env | null = null;
  let release: (() => Promise<void>) | null = null;
  t.before(async () => {
    const server = await startDemoServer();
    try {
      const opened = await openBrowserContext();
      release = opened.release;
      env = { server, browser: opened.context };
    } catch (e) {
      await server.close();
      throw e;
    }
  });
  t.after(async () => {
    // Pages first: the server's close() waits for their keep-alive connections to end.
    await release?.();
    await env?.server.close();
    release = null;
    env = null;
  });
  return {
    test: t,
    env: () => {
      if (env === null) throw new Error('demo server or browser not started');
      return env;
    },
  };
}
