// The demo page driven from headless Chrome, shared by the demo's test files: a uvu suite with the
// demo server and a browser context in the shared WebGPU Chromium, pages with their console errors
// collected, the controls typed into and clicked as a user does, and what the page shows read back.
import { mkdirSync } from 'node:fs';
import { suite } from 'uvu';
import type { Page } from 'puppeteer';
import { startDemoServer, type DemoServer } from '../../demo/serve.ts';
import { openBrowserContext } from './chrome.ts';
import { clockTests } from './test-clock.ts';

/** Where the demo tests leave screenshots and the files they upload (git-ignored). */
export const TEST_OUTPUT = new URL('../../test-output/', import.meta.url).pathname;

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

/** A stat's exact value, from its data-value. */
export async function statValue(page: Page, id: string): Promise<number> {
  return page.$eval(`#${id}`, (e) => Number((e as HTMLElement).dataset['value']));
}

/** Presses Start (or Resume), lets at least `epochs` epochs in all be drawn, pauses; returns the epoch count it stopped at. */
export async function trainThenPause(page: Page, epochs: number): Promise<number> {
  await page.click('#start');
  await page.waitForFunction((e: number) => Number(document.getElementById('stat-epoch')?.dataset['value']) >= e, { timeout: 60_000, polling: 50 }, epochs);
  await page.click('#pause');
  await waitForState(page, ['paused'], 60_000);
  return statValue(page, 'stat-epoch');
}

/** A chart series as drawn: the values it carries and the y pixel of each vertex of its path. */
export async function series(page: Page, chart: string, name: string): Promise<{ values: number[]; ys: number[] }> {
  return page.$eval(`#${chart} path[data-series="${name}"]`, (p) => {
    const raw = p.getAttribute('data-values') ?? '';
    const d = p.getAttribute('d') ?? '';
    const ys = [...d.matchAll(/[ML]\s*([-\d.]+),([-\d.]+)/g)].map((m) => Number(m[2]));
    return { values: raw === '' ? [] : raw.split(',').map(Number), ys };
  });
}

/** Sum and trace of the confusion matrix the page shows. */
export async function confusion(page: Page): Promise<{ total: number; diagonal: number; k: number }> {
  return page.$eval('#confusion table', (t) => {
    const rows = [...t.querySelectorAll('tbody tr')];
    let total = 0;
    let diagonal = 0;
    rows.forEach((r, i) => {
      [...r.querySelectorAll('td')].forEach((c, j) => {
        const n = Number((c as HTMLElement).dataset['count']);
        total += n;
        if (i === j) diagonal += n;
      });
    });
    return { total, diagonal, k: rows.length };
  });
}

export function screenshotPath(name: string): `${string}.png` {
  mkdirSync(TEST_OUTPUT, { recursive: true });
  return `${TEST_OUTPUT}${name}.png`;
}

export interface Env {
  server: DemoServer;
  /** The suite's browser context in the shared WebGPU Chromium. */
  browser: PageSource;
}

/** A uvu suite with the demo server and a browser context opened before its tests and closed after. */
export function demoSuite(name: string): { test: ReturnType<typeof suite>; env: () => Env } {
  const t = suite(name);
  clockTests(t, name);
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
