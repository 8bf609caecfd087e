// The demo's "Compare learning rates" mode, driven like a user drives it in headless Chrome: rates
// typed in, Compare pressed; one loss curve per rate is drawn, and the table it shows tells the
// truth (the kept rate has the best validation accuracy, its losses are the curves' last points).
import { mkdirSync } from 'node:fs';
import * as assert from 'uvu/assert';
import type { Page } from 'puppeteer';
import { demoSuite, openOn, typeInto, type Opened } from './support/demo-page.ts';
import { mulberry32, randomInt, testSeed } from './support/random.ts';

const OUT = new URL('../test-output/', import.meta.url).pathname;

const { test, env } = demoSuite('demo page: compare learning rates');

/** A fresh page on the demo with `dataset` chosen and loaded. */
function openWith(dataset: string): Promise<Opened> {
  const { server, browser } = env();
  return openOn(browser, server.url, dataset);
}

async function compare(page: Page): Promise<string> {
  await page.click('#compare');
  const handle = await page.waitForFunction(() => {
    const s = document.body.dataset['compare'] ?? '';
    return s === 'done' || s === 'failed' ? s : false;
  }, { timeout: 240_000, polling: 100 });
  return (await handle.jsonValue()) as string;
}

test('three blobs with softmax: one curve per rate, the table\'s best row has the top validation accuracy', async () => {
  const rng = mulberry32(testSeed('demo compare'));
  const epochs = randomInt(rng, 4, 8);
  const batch = randomInt(rng, 9, 40);
  const rates = [0.02, 0.2, 2];
  console.log(`  [demo compare] blobs3, softmax, ${epochs} epochs, batch ${batch}, rates ${rates.join(', ')}`);
  const { page, problems } = await openWith('blobs3');
  await page.click('label:has(> input[name="model"][value="softmax"])');
  await page.click('label:has(> input[name="mode"][value="minibatch"])');
  await typeInto(page, '#batch-size', String(batch));
  await typeInto(page, '#epochs', String(epochs));
  await typeInto(page, '#compare-rates', rates.join(', '));
  const state = await compare(page);
  const message = await page.$eval('#compare-message', (e) => e.textContent ?? '');
  assert.is(state, 'done', `compare ended ${state}: ${message}`);
  mkdirSync(OUT, { recursive: true });
  await page.screenshot({ path: `${OUT}demo-compare.png`, fullPage: true });

  const curves = await page.$$eval('#compare-chart path[data-series]', (ps) => ps.map((p) => ({
    name: p.getAttribute('data-series') ?? '', values: (p.getAttribute('data-values') ?? '').split(',').filter((s) => s !== '').map(Number),
  })));
  assert.is(curves.length, rates.length, 'one curve per rate');
  for (const c of curves) assert.is(c.values.length, epochs, `${c.name}: one point per epoch`);
  const rows = await page.$$eval('#compare-table tbody tr', (trs) => trs.map((tr) => ({
    rate: Number((tr as HTMLElement).dataset['rate']),
    best: (tr as HTMLElement).dataset['best'] === 'true',
    values: [...tr.querySelectorAll('td')].map((td) => Number((td as HTMLElement).dataset['value'])),
  })));
  assert.equal(rows.map((r) => r.rate), rates, 'a row per rate, in order');
  rows.forEach((r, i) => {
    const last = curves[i]?.values.at(-1) as number;
    assert.ok(Math.abs((r.values[1] as number) - last) <= 1e-6 * Math.abs(last), `rate ${r.rate}: table train loss ${r.values[1]} vs curve ${last}`);
  });
  const accuracies = rows.map((r) => r.values[3] as number);
  const best = rows.findIndex((r) => r.best);
  assert.is(best, accuracies.indexOf(Math.max(...accuracies)), `best row ${best} of accuracies ${accuracies.join(', ')}`);
  assert.match(message, `η = ${rates[best]}`);
  // A larger (stable) rate goes further in the same epochs: the smallest rate's final loss is the highest.
  const finals = curves.map((c) => c.values.at(-1) as number);
  assert.ok((finals[0] as number) > (finals[1] as number), `final losses ${finals.join(', ')}`);
  assert.equal(problems, [], 'page errors');
  await page.close();
});

test('a bad list of rates is reported next to the button, and nothing runs', async () => {
  const { page, problems } = await openWith('blobs');
  await typeInto(page, '#compare-rates', '0.1, x');
  await page.click('#compare');
  await page.waitForFunction(() => (document.getElementById('compare-message')?.textContent ?? '') !== '', { timeout: 10_000 });
  const message = await page.$eval('#compare-message', (e) => e.textContent ?? '');
  assert.match(message, /'x' is not a number > 0/);
  assert.is(await page.$eval('#compare-figure', (e) => (e as HTMLElement).hidden), true, 'no chart for a bad list');
  assert.equal(problems, [], 'page errors');
  await page.close();
});

test.run();
