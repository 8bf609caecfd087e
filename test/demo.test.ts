// The browser demo, driven like a user drives it: clicks on its tiles and buttons, typing into its
// fields, in headless Chrome. Checks that what the page draws tells the truth: the loss curve read
// back from the SVG falls, the accuracy it shows is reached and agrees with its own confusion matrix,
// Pause/Resume/Reset act between epochs, and a browser without WebGPU gets a message, not a blank page.
// Screenshots go to test-output/ (git-ignored).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Page } from 'puppeteer';
import { launchChrome } from '../harness/browser.ts';
import { DEFAULT_FASHION_MNIST_DIR, parseDemoArgs, routeRequest } from '../demo/serve.ts';
import { clickChoice, demoSuite, openDemo, openOn, typeInto, waitForState } from './support/demo-page.ts';
import { describeRun, runNode } from './support/node-gpu.ts';
import { mulberry32, randomInt, testSeed, uniform } from './support/random.ts';

const OUT = new URL('../test-output/', import.meta.url).pathname;
const ROOT = new URL('..', import.meta.url).pathname;

async function statValue(page: Page, id: string): Promise<number> {
  return page.$eval(`#${id}`, (e) => Number((e as HTMLElement).dataset['value']));
}

/** Presses Start (or Resume), lets at least `epochs` epochs in all be drawn, pauses; returns the epoch count it stopped at. */
async function trainThenPause(page: Page, epochs: number): Promise<number> {
  await page.click('#start');
  await page.waitForFunction((e: number) => Number(document.getElementById('stat-epoch')?.dataset['value']) >= e, { timeout: 60_000, polling: 50 }, epochs);
  await page.click('#pause');
  await waitForState(page, ['paused'], 60_000);
  return statValue(page, 'stat-epoch');
}

/** A chart series as drawn: the values it carries and the y pixel of each vertex of its path. */
async function series(page: Page, chart: string, name: string): Promise<{ values: number[]; ys: number[] }> {
  return page.$eval(`#${chart} path[data-series="${name}"]`, (p) => {
    const raw = p.getAttribute('data-values') ?? '';
    const d = p.getAttribute('d') ?? '';
    const ys = [...d.matchAll(/[ML]\s*([-\d.]+),([-\d.]+)/g)].map((m) => Number(m[2]));
    return { values: raw === '' ? [] : raw.split(',').map(Number), ys };
  });
}

/** Sum and trace of the confusion matrix the page shows. */
async function confusion(page: Page): Promise<{ total: number; diagonal: number; k: number }> {
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

function screenshotPath(name: string): `${string}.png` {
  mkdirSync(OUT, { recursive: true });
  return `${OUT}${name}.png`;
}

const { test, env: ready } = demoSuite('demo page');

test('a 2-D data set trained through the controls: the drawn loss falls, shown accuracy ≥ 90%', async () => {
  const { server: s, browser: b } = ready();
  const rng = mulberry32(testSeed('demo: circles'));
  const points = randomInt(rng, 150, 450);
  const batch = randomInt(rng, 7, 61);
  const epochs = randomInt(rng, 15, 25);
  const noise = uniform(rng, 0.02, 0.1).toFixed(2);
  const dataSeed = randomInt(rng, 1, 1_000_000);
  const model = (['logistic', 'softmax', 'linear'] as const)[randomInt(rng, 0, 2)] as string;
  console.log(`  [demo] circles: ${points} points, noise ${noise}, data seed ${dataSeed}, ${model}, batch ${batch}, ${epochs} epochs`);

  const { page, problems } = await openOn(b, s.url, 'circles');
  assert.is(await page.$eval('#degree', (e) => (e as HTMLInputElement).value), '2', 'circles suggest degree-2 features');
  await typeInto(page, '#points', String(points));
  await waitForState(page, ['ready']);
  await typeInto(page, '#noise', noise);
  await waitForState(page, ['ready']);
  await typeInto(page, '#seed', String(dataSeed));
  await waitForState(page, ['ready']);
  const nVal = Math.ceil(points * 0.25);
  const note = await page.$eval('#data-note', (e) => e.textContent ?? '');
  assert.match(note, `${points - nVal} training + ${nVal} validation points`);
  await clickChoice(page, 'model', model);
  await clickChoice(page, 'mode', 'minibatch');
  await typeInto(page, '#batch-size', String(batch));
  await typeInto(page, '#epochs', String(epochs));
  // Least squares on one-hot targets takes a smaller step to settle instead of hovering about its optimum.
  await typeInto(page, '#learning-rate', model === 'linear' ? '0.1' : '0.5');
  await page.screenshot({ path: screenshotPath('demo-circles-before') });

  await page.click('#start');
  const state = await waitForState(page, ['done', 'paused'], 240_000);
  const message = await page.$eval('#message', (e) => e.textContent ?? '');
  assert.is(state, 'done', `training ended ${state}: ${message}`);
  await page.screenshot({ path: screenshotPath('demo-circles'), fullPage: true });
  assert.equal(problems, [], 'page errors');

  assert.is(await statValue(page, 'stat-epoch'), epochs);
  const loss = await series(page, 'loss-chart', 'train');
  const valLoss = await series(page, 'loss-chart', 'validation');
  assert.is(loss.values.length, epochs, 'one loss point per epoch');
  assert.is(valLoss.values.length, epochs, 'one validation-loss point per epoch');
  assert.is(loss.ys.length, epochs, 'the path has a vertex per epoch');
  const [first, last] = [loss.values[0] as number, loss.values[epochs - 1] as number];
  console.log(`  [demo] train loss ${first.toFixed(4)} → ${last.toFixed(4)}, validation ${valLoss.values[0]?.toFixed(4)} → ${valLoss.values[epochs - 1]?.toFixed(4)}`);
  assert.ok(last < 0.6 * first, `train loss fell from ${first} to only ${last}`);
  // Validation loss is taken after each epoch, so it often starts near its optimum and then hovers
  // with SGD noise (small batches, large rates); it must not drift away: it ends no higher than where
  // it started or within 1.5× of the best epoch.
  const valFirst = valLoss.values[0] as number;
  const valBest = Math.min(...valLoss.values);
  const valLast = valLoss.values[epochs - 1] as number;
  assert.ok(valLast <= Math.max(valFirst, 1.5 * valBest), `validation loss ${valLoss.values.join(', ')}`);
  // SVG y grows downwards, so a falling loss ends at a larger y than it starts.
  assert.ok((loss.ys[epochs - 1] as number) > (loss.ys[0] as number), `drawn curve does not go down: y ${loss.ys[0]} → ${loss.ys[epochs - 1]}`);
  const statLoss = await statValue(page, 'stat-loss');
  assert.ok(Math.abs(statLoss - last) <= 1e-6 * Math.abs(last), `the loss stat ${statLoss} is not the curve's last point ${last}`);

  const accuracy = await statValue(page, 'stat-accuracy');
  const valAccuracy = await statValue(page, 'stat-val-accuracy');
  console.log(`  [demo] accuracy shown: train ${accuracy}, validation ${valAccuracy}`);
  assert.ok(accuracy >= 0.9, `train accuracy ${accuracy}`);
  assert.ok(valAccuracy >= 0.9, `validation accuracy ${valAccuracy}`);
  const shown = await page.$eval('#stat-val-accuracy', (e) => e.textContent ?? '');
  assert.is(shown, `${(100 * valAccuracy).toFixed(1)}%`);
  // The accuracy comes from fit's history; the confusion matrix from predict(): two paths, one answer.
  const cm = await confusion(page);
  assert.is(cm.k, 2);
  assert.is(cm.total, nVal, 'the confusion matrix counts every validation point');
  assert.ok(Math.abs(cm.diagonal / cm.total - valAccuracy) < 1e-6, `confusion matrix says ${cm.diagonal}/${cm.total}, the stat ${valAccuracy}`);
  await page.close();
});

test('Pause stops between epochs, Resume continues from there, Reset clears the curves', async () => {
  const { server: s, browser: b } = ready();
  const { page, problems } = await openOn(b, s.url, 'xor');
  await clickChoice(page, 'model', 'softmax');
  await clickChoice(page, 'mode', 'batch');
  assert.ok(await page.$eval('#batch-size', (e) => (e as HTMLInputElement).disabled), 'batch size is fixed in batch mode');
  await typeInto(page, '#epochs', '500');
  const paused = await trainThenPause(page, 3);
  assert.ok(paused >= 3 && paused < 500, `paused at epoch ${paused}`);
  assert.is(await page.$eval('#start', (e) => e.textContent), 'Resume');
  await new Promise((ok) => setTimeout(ok, 1500));
  assert.is(await statValue(page, 'stat-epoch'), paused, 'no epochs run while paused');
  assert.is((await series(page, 'loss-chart', 'train')).values.length, paused);

  await trainThenPause(page, paused + 2);
  const resumed = await series(page, 'loss-chart', 'train');
  assert.ok(resumed.values.length >= paused + 2, 'training went on after Resume');
  // Resume continues the same model (warm start): the loss does not jump back to its first value.
  assert.ok((resumed.values[resumed.values.length - 1] as number) < (resumed.values[0] as number), `loss ${resumed.values.join(', ')}`);

  await page.click('#reset');
  await waitForState(page, ['ready']);
  assert.is(await statValue(page, 'stat-epoch'), 0);
  assert.equal((await series(page, 'loss-chart', 'train')).values, [], 'Reset clears the curve');
  assert.is((await confusion(page)).diagonal, 0, 'no model, no predictions');
  assert.equal(problems, [], 'page errors');
  await page.close();
});

test('the learning rate follows the model (least squares gets a smaller one) unless typed; a divergence names the page\'s epoch', async () => {
  const { server: s, browser: b } = ready();
  const { page, problems } = await openOn(b, s.url, 'iris');
  const rate = (): Promise<string> => page.$eval('#learning-rate', (e) => (e as HTMLInputElement).value);
  assert.is(await rate(), '0.3', "Iris's rate for the classifiers");
  await clickChoice(page, 'model', 'linear');
  assert.is(await rate(), '0.1', "Iris's rate for least squares");
  await clickChoice(page, 'model', 'softmax');
  assert.is(await rate(), '0.3');
  await typeInto(page, '#learning-rate', '0.2');
  await clickChoice(page, 'model', 'linear');
  assert.is(await rate(), '0.2', 'a rate typed by hand is kept');

  // A few good epochs, then a rate that overflows the loss: the message counts epochs as the page does.
  await typeInto(page, '#epochs', '200');
  const done = await trainThenPause(page, 2);
  await typeInto(page, '#learning-rate', '10000');
  await page.click('#start');
  await page.waitForFunction(() => (document.getElementById('message')?.textContent ?? '') !== '', { timeout: 60_000, polling: 50 });
  assert.is(await waitForState(page, ['paused'], 60_000), 'paused');
  const message = await page.$eval('#message', (e) => e.textContent ?? '');
  console.log(`  [demo] ${message}`);
  assert.match(message, new RegExp(`^Training stopped in epoch ${done + 1}: ValueError: training diverged: the loss (became|grew to) \\S+ in epoch ${done + 1}[;,]`));
  assert.match(message, /Lower the learning rate \(e\.g\. 1000\) and press Resume/);
  assert.is(await statValue(page, 'stat-epoch'), done, 'the diverged epoch is not counted');
  assert.equal(problems, [], 'page errors');
  await page.close();
});

test('the schedule field is labelled for its schedule, with its own default, and a typed value stays', async () => {
  const { server: s, browser: b } = ready();
  const { page, problems } = await openDemo(b, s.url);
  await waitForState(page, ['ready']);
  const field = async (): Promise<{ label: string; value: string; note: string }> => ({
    label: await page.$eval('#decay-label', (e) => e.textContent ?? ''),
    value: await page.$eval('#decay', (e) => (e as HTMLInputElement).value),
    note: await page.$eval('#schedule-note', (e) => e.textContent ?? ''),
  });
  // A multiplier under step and exponential, a decay rate under inverse time: never one unlabelled "decay".
  await page.select('#schedule', 'exponential');
  assert.equal(await field(), { label: '× per epoch', value: '0.9', note: '300 rows → 10 steps per epoch. η = 0.5·0.9^epoch' });
  await page.select('#schedule', 'inverse-time');
  assert.equal(await field(), { label: 'decay k', value: '0.1', note: '300 rows → 10 steps per epoch. η = 0.5/(1 + 0.1·epoch)' });
  await page.select('#schedule', 'step');
  assert.equal((await field()).label, '× factor');
  assert.is((await field()).value, '0.5');
  await typeInto(page, '#decay', '0.8');
  await page.select('#schedule', 'exponential');
  assert.equal((await field()).value, '0.8', 'a value typed by hand is kept');
  assert.equal(problems, [], 'page errors');
  await page.close();
});

test("the logistic model's output: tanh with cross-entropy or squared error reaches the model and trains", async () => {
  const { server: s, browser: b } = ready();
  const { page, problems } = await openDemo(b, s.url);
  await waitForState(page, ['ready']);
  const shown = (selector: string): Promise<boolean> => page.$eval(selector, (e) => e.closest('[hidden]') === null);
  const text = (id: string): Promise<string> => page.$eval(`#${id}`, (e) => e.textContent ?? '');
  // Two blobs: two classes, Logistic chosen.
  assert.ok(await shown('#activation'), 'the logistic model offers an output');
  assert.not.ok(await shown('#tanh-loss'), 'a sigmoid output has no loss choice');
  await clickChoice(page, 'model', 'softmax');
  assert.not.ok(await shown('#activation'), 'softmax has no output choice');
  await clickChoice(page, 'model', 'logistic');
  await page.select('#activation', 'tanh');
  assert.ok(await shown('#tanh-loss'), 'a tanh output offers its loss');
  await page.select('#tanh-loss', 'mse');
  assert.match(await text('model-note'), /^h = tanh\(x·w \+ b\), P\(class 1\) = \(1 \+ h\)\/2, trained on ½·\(h − t\)²/);
  assert.is(await text('loss-name'), '½·squared error of tanh against ±1');

  // At a rate too small to move the zero parameters, an epoch's loss is the loss at h = 0: ½·(0 ∓ 1)² = ½
  // for squared error, ln 2 for cross-entropy, whichever output. So this tells the losses apart.
  const firstLoss = async (): Promise<number> => {
    await typeInto(page, '#learning-rate', '0.000001');
    await typeInto(page, '#epochs', '1');
    await page.click('#start');
    assert.is(await waitForState(page, ['done', 'paused'], 120_000), 'done', await text('message'));
    return (await series(page, 'loss-chart', 'train')).values[0] as number;
  };
  const mse = await firstLoss();
  assert.ok(Math.abs(mse - 0.5) <= 1e-4, `tanh + squared error starts at ${mse}, not ½`);
  await page.select('#tanh-loss', 'bce');
  assert.is(await text('loss-name'), 'binary cross-entropy');
  const bce = await firstLoss();
  assert.ok(Math.abs(bce - Math.LN2) <= 1e-4, `tanh + cross-entropy starts at ${bce}, not ln 2`);

  // And it trains: tanh with squared error at a working rate.
  await page.select('#tanh-loss', 'mse');
  await typeInto(page, '#learning-rate', '0.3');
  await typeInto(page, '#epochs', '12');
  await page.click('#start');
  assert.is(await waitForState(page, ['done', 'paused'], 240_000), 'done', await text('message'));
  const loss = (await series(page, 'loss-chart', 'train')).values;
  const accuracy = await statValue(page, 'stat-val-accuracy');
  console.log(`  [demo] tanh + squared error: loss ${loss[0]?.toFixed(4)} → ${loss.at(-1)?.toFixed(4)}, validation accuracy ${accuracy}`);
  assert.is(loss.length, 12);
  assert.ok((loss.at(-1) as number) < 0.5 * (loss[0] as number), `loss ${loss.join(', ')}`);
  assert.ok(accuracy >= 0.9, `validation accuracy ${accuracy}`);
  assert.equal(problems, [], 'page errors');
  await page.close();
});

test('while the first epoch runs, the charts and the message say so instead of "press Start"', async () => {
  const { server: s, browser: b } = ready();
  const { page, problems } = await openOn(b, s.url, 'circles');
  // Stochastic descent on 15000 training points: a first epoch of seconds, long enough to look at.
  await typeInto(page, '#points', '20000');
  await waitForState(page, ['ready']);
  await clickChoice(page, 'mode', 'stochastic');
  await typeInto(page, '#epochs', '1');
  const empty = (): Promise<string[]> => page.$$eval('#charts svg text.empty', (ts) => ts.map((t) => t.textContent ?? ''));
  assert.equal(await empty(), ['press Start to train', 'press Start to train']);
  await page.click('#start');
  assert.equal(await empty(), ['epoch 1 is running…', 'epoch 1 is running…']);
  assert.match(await page.$eval('#message', (e) => e.textContent ?? ''), /^Epoch 1 of 1 is running/);
  assert.is(await waitForState(page, ['done', 'paused'], 180_000), 'done', await page.$eval('#message', (e) => e.textContent ?? ''));
  assert.is(await page.$eval('#message', (e) => e.textContent ?? ''), '', 'the note goes once the first epoch is drawn');
  assert.equal(await empty(), [], 'the charts show the epoch');
  assert.equal(problems, [], 'page errors');
  await page.close();
});

/** Text that does not fit its box (clipped, or cut with an ellipsis) among the page's labels and headings. */
async function cutTexts(page: Page): Promise<string[]> {
  return page.$$eval(
    'header h1, header .gpu-info, .stats .k, label, .tile span, .segmented span, button, figcaption, .confusion th, .bar .name, #message',
    (els) => els
      .filter((e) => (e as HTMLElement).offsetParent !== null && e.scrollWidth > e.clientWidth + 1)
      .map((e) => `${e.tagName.toLowerCase()}.${e.className}: '${(e.textContent ?? '').trim().slice(0, 40)}' (${e.scrollWidth} > ${e.clientWidth} px)`),
  );
}

test('on a 420 px wide screen no label, heading or matrix header is cut', async () => {
  const { server: s, browser: b } = ready();
  const { page, problems } = await openDemo(b, s.url);
  await page.setViewport({ width: 420, height: 900 });
  await waitForState(page, ['ready']);
  await clickChoice(page, 'dataset', 'blobs3');
  await waitForState(page, ['ready']);
  await typeInto(page, '#epochs', '3');
  await page.click('#start');
  await waitForState(page, ['done'], 120_000);
  await page.screenshot({ path: screenshotPath('demo-420px'), fullPage: true });
  assert.equal(await cutTexts(page), [], 'cut at 420 px');
  // The held-out images are the validation set, as every chart and caption calls them.
  assert.match(await page.$eval('label:has(> #test-size)', (e) => (e.textContent ?? '').trim()), /^validation$/);
  if (s.datasets.fashionMnist !== undefined) {
    // Ten classes: the matrix's columns are numbered, its rows say which number is which garment.
    await clickChoice(page, 'dataset', 'fashion-mnist');
    await waitForState(page, ['ready'], 120_000);
    await typeInto(page, '#train-size', '300');
    await waitForState(page, ['ready'], 120_000);
    await typeInto(page, '#epochs', '1');
    await page.click('#start');
    await waitForState(page, ['done'], 120_000);
    await page.screenshot({ path: screenshotPath('demo-420px-fashion-mnist'), fullPage: true });
    assert.equal(await cutTexts(page), [], 'cut at 420 px, Fashion-MNIST');
    assert.equal(await page.$$eval('#confusion thead th:not(.corner)', (ths) => ths.map((t) => t.textContent)), ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    assert.is(await page.$eval('#confusion tbody tr:last-child th', (t) => t.textContent), '9 Ankle boot');
  }
  assert.equal(problems, [], 'page errors');
  await page.close();
});

test('a CSV chosen through the file input: labels 1..3 become classes, a bad file is reported', async () => {
  const { server: s, browser: b } = ready();
  const rng = mulberry32(testSeed('demo: csv'));
  const rows = randomInt(rng, 120, 260);
  const centres = [[-1, 0], [1, 0.3], [0, 1.6]] as const;
  const lines = ['x,y,kind'];
  for (let i = 0; i < rows; i++) {
    const [cx, cy] = centres[i % 3] as readonly [number, number];
    lines.push(`${(cx + 0.35 * (rng() + rng() + rng() - 1.5)).toFixed(4)},${(cy + 0.35 * (rng() + rng() + rng() - 1.5)).toFixed(4)},${(i % 3) + 1}`);
  }
  mkdirSync(OUT, { recursive: true });
  const good = `${OUT}demo-three-classes.csv`;
  const bad = `${OUT}demo-bad.csv`;
  writeFileSync(good, `${lines.join('\n')}\n`);
  writeFileSync(bad, 'x,y,kind\n1,2,1\n3,oops,2\n');

  const { page, problems } = await openDemo(b, s.url);
  await waitForState(page, ['ready']);
  const input = await page.$('input#file-input');
  if (input === null) throw new Error('no file input');
  await input.uploadFile(bad);
  await waitForState(page, ['ready']);
  assert.match(await page.$eval('#message', (e) => e.textContent ?? ''), "CSV line 3, column 2: 'oops' is not a finite number");
  assert.ok(await page.$eval('#start', (e) => (e as HTMLButtonElement).disabled), 'nothing to train on');

  await input.uploadFile(good);
  await waitForState(page, ['ready']);
  const nVal = Math.ceil(rows * 0.2);
  assert.match(await page.$eval('#data-note', (e) => e.textContent ?? ''), `${rows - nVal} training + ${nVal} validation rows; 2 features`);
  await clickChoice(page, 'model', 'softmax');
  await typeInto(page, '#learning-rate', '0.3');
  await typeInto(page, '#epochs', '25');
  await page.click('#start');
  assert.is(await waitForState(page, ['done', 'paused'], 240_000), 'done', await page.$eval('#message', (e) => e.textContent ?? ''));
  await page.screenshot({ path: screenshotPath('demo-csv'), fullPage: true });
  assert.equal(problems, [], 'page errors');
  const cm = await confusion(page);
  assert.is(cm.k, 3);
  assert.is(cm.total, nVal);
  const names = await page.$$eval('#confusion tbody th', (ths) => ths.map((t) => t.textContent));
  assert.equal(names, ['kind = 1', 'kind = 2', 'kind = 3']);
  const valAccuracy = await statValue(page, 'stat-val-accuracy');
  console.log(`  [demo] CSV ${rows} rows: validation accuracy ${valAccuracy}`);
  assert.ok(valAccuracy >= 0.85, `validation accuracy ${valAccuracy}`);
  assert.ok(await page.$eval('#regions-figure', (e) => !(e as HTMLElement).hidden), 'two features: decision regions are drawn');
  await page.close();
});

test('Fashion-MNIST (when installed): templates, confusion matrix and test images for a small subset', async () => {
  const { server: s, browser: b } = ready();
  if (s.datasets.fashionMnist === undefined) {
    console.log(`  [demo] Fashion-MNIST is not in ${DEFAULT_FASHION_MNIST_DIR}: its tile must be disabled`);
    const { page } = await openDemo(b, s.url);
    await waitForState(page, ['ready']);
    assert.ok(await page.$eval('input[name="dataset"][value="fashion-mnist"]', (e) => (e as HTMLInputElement).disabled));
    await page.close();
    return;
  }
  const rng = mulberry32(testSeed('demo: fashion-mnist'));
  const nTrain = randomInt(rng, 250, 450);
  const nTest = randomInt(rng, 60, 140);
  const { page, problems } = await openOn(b, s.url, 'fashion-mnist', 120_000);
  await typeInto(page, '#train-size', String(nTrain));
  await waitForState(page, ['ready'], 120_000);
  await typeInto(page, '#test-size', String(nTest));
  await waitForState(page, ['ready'], 120_000);
  assert.ok(await page.$eval('input[name="model"][value="logistic"]', (e) => (e as HTMLInputElement).disabled), 'logistic is off for 10 classes');
  await typeInto(page, '#epochs', '6');
  await typeInto(page, '#batch-size', '16');
  await typeInto(page, '#learning-rate', '0.02');
  await page.click('#start');
  assert.is(await waitForState(page, ['done', 'paused'], 240_000), 'done', await page.$eval('#message', (e) => e.textContent ?? ''));
  await page.screenshot({ path: screenshotPath('demo-fashion-mnist'), fullPage: true });
  assert.equal(problems, [], 'page errors');

  const templates = await page.$$eval('#templates canvas', (cs) =>
    cs.map((c) => {
      const canvas = c as HTMLCanvasElement;
      const px = canvas.getContext('2d')?.getImageData(0, 0, canvas.width, canvas.height).data ?? new Uint8ClampedArray();
      let coloured = 0;
      for (let i = 0; i < px.length; i += 4) if (px[i] !== px[i + 1] || px[i + 1] !== px[i + 2]) coloured++;
      return { w: canvas.width, h: canvas.height, coloured };
    }),
  );
  assert.is(templates.length, 10, 'one template per class');
  for (const t of templates) {
    assert.equal([t.w, t.h], [28, 28]);
    assert.ok(t.coloured > 100, `a template is nearly blank (${t.coloured} coloured pixels)`);
  }
  const cm = await confusion(page);
  assert.is(cm.k, 10);
  assert.is(cm.total, nTest, 'the confusion matrix counts every validation image (the test files)');
  const valAccuracy = await statValue(page, 'stat-val-accuracy');
  assert.ok(Math.abs(cm.diagonal / cm.total - valAccuracy) < 1e-6, `confusion ${cm.diagonal}/${cm.total} vs stat ${valAccuracy}`);
  // Chance is 10%; six epochs on a few hundred images do far better (≈ 0.6–0.7, wobbling by ±0.1 between epochs).
  assert.ok(valAccuracy >= 0.35, `validation accuracy ${valAccuracy}`);
  const samples = await page.$$eval('#samples .sample', (els) => els.map((e) => [...e.querySelectorAll('.bar .p')].map((p) => Number.parseFloat(p.textContent ?? ''))));
  assert.is(samples.length, 8);
  for (const bars of samples) {
    assert.is(bars.length, 3);
    assert.ok(bars[0]! >= bars[1]! && bars[1]! >= bars[2]!, `probabilities not sorted: ${bars.join(', ')}`);
  }
  const curve = (await series(page, 'accuracy-chart', 'validation')).values.map((v) => v.toFixed(2)).join(' ');
  console.log(`  [demo] Fashion-MNIST ${nTrain}/${nTest}: validation accuracy per epoch ${curve}`);
  await page.close();
});

test('Fashion-MNIST (when installed) with Linear and its preset rate trains without diverging', async () => {
  const { server: s, browser: b } = ready();
  if (s.datasets.fashionMnist === undefined) {
    console.log(`  [demo] Fashion-MNIST is not in ${DEFAULT_FASHION_MNIST_DIR}: skipped`);
    return;
  }
  const { page, problems } = await openOn(b, s.url, 'fashion-mnist', 120_000);
  await typeInto(page, '#train-size', '600');
  await waitForState(page, ['ready'], 120_000);
  await typeInto(page, '#test-size', '100');
  await waitForState(page, ['ready'], 120_000);
  await clickChoice(page, 'model', 'linear');
  // The classifiers' 0.03 gave NaN in the first epoch: pixels in [0, 1] curve least squares too steeply for it.
  assert.is(await page.$eval('#learning-rate', (e) => (e as HTMLInputElement).value), '0.005');
  await typeInto(page, '#epochs', '3');
  await page.click('#start');
  assert.is(await waitForState(page, ['done', 'paused'], 240_000), 'done', await page.$eval('#message', (e) => e.textContent ?? ''));
  const loss = (await series(page, 'loss-chart', 'train')).values;
  assert.is(loss.length, 3);
  assert.ok(loss.every(Number.isFinite) && (loss[2] as number) < (loss[0] as number), `loss ${loss.join(', ')}`);
  assert.ok((await statValue(page, 'stat-val-accuracy')) >= 0.5, 'least squares on one-hot labels classifies well above chance');
  assert.equal(problems, [], 'page errors');
  await page.close();
});

test.run();

const { test: noGpu, env: noGpuEnv } = demoSuite('demo page without WebGPU');

noGpu('Chromium without --enable-unsafe-webgpu: a message says why, the app stays hidden', async () => {
  const { server: s } = noGpuEnv();
  const bare = await launchChrome({ webgpu: false });
  try {
    const { page } = await openDemo(bare, s.url);
    assert.is(await waitForState(page, ['no-webgpu', 'ready'], 30_000), 'no-webgpu');
    // What this Chromium does without the flag: navigator.gpu exists, requestAdapter() gives null.
    const probe = await page.evaluate(async () => {
      const gpu = (navigator as Navigator & { gpu?: GPU }).gpu;
      return { hasGpu: gpu !== undefined, adapter: gpu === undefined ? null : (await gpu.requestAdapter()) !== null };
    });
    console.log(`  [demo] without the flag: navigator.gpu ${probe.hasGpu ? 'present' : 'absent'}, adapter ${probe.adapter === true ? 'found' : 'none'}`);
    assert.is(probe.adapter === true, false, 'the browser was expected to have no WebGPU adapter');
    assert.ok(await page.$eval('#no-webgpu', (e) => !(e as HTMLElement).hidden && (e as HTMLElement).offsetHeight > 0), 'the message is visible');
    assert.ok(await page.$eval('#app', (e) => (e as HTMLElement).hidden), 'the controls are hidden');
    const text = await page.$eval('#no-webgpu', (e) => e.textContent ?? '');
    assert.match(text, 'needs WebGPU');
    assert.match(text, '--enable-unsafe-webgpu');
    const reason = await page.$eval('#no-webgpu-reason', (e) => e.textContent ?? '');
    assert.match(reason, probe.hasGpu ? /WebGPUUnavailableError: WebGPU found no adapter/ : /no navigator\.gpu/);
    await page.screenshot({ path: screenshotPath('demo-no-webgpu') });
    await page.close();
  } finally {
    await bare.close();
  }
});

noGpu('a browser with no navigator.gpu at all gets the same message', async () => {
  const { server: s, browser: b } = noGpuEnv();
  const { page } = await openDemo(b, s.url, async (p) => {
    // Older browsers have no navigator.gpu property at all.
    await p.evaluateOnNewDocument(() => {
      Object.defineProperty(navigator, 'gpu', { value: undefined });
    });
  });
  assert.is(await waitForState(page, ['no-webgpu', 'ready'], 30_000), 'no-webgpu');
  assert.is(await page.evaluate(() => (navigator as Navigator & { gpu?: GPU }).gpu), undefined, 'navigator.gpu was hidden');
  assert.match(await page.$eval('#no-webgpu-reason', (e) => e.textContent ?? ''), /no navigator\.gpu/);
  await page.close();
});

noGpu.run();

const cli = suite('demo server');

cli('parseDemoArgs: --port N, --port=N, --fashion-mnist DIR and --help; bad input names the argument', () => {
  assert.equal(parseDemoArgs([]), { port: 0, fashionMnistDir: DEFAULT_FASHION_MNIST_DIR, help: false });
  assert.equal(parseDemoArgs(['--port', '8123']), { port: 8123, fashionMnistDir: DEFAULT_FASHION_MNIST_DIR, help: false });
  assert.equal(parseDemoArgs(['--port=0', '--fashion-mnist=/tmp/x']), { port: 0, fashionMnistDir: '/tmp/x', help: false });
  assert.is(parseDemoArgs(['--help']).help, true);
  assert.is(parseDemoArgs(['-h']).help, true);
  assert.throws(() => parseDemoArgs(['--port', 'abc']), /--port must be an integer from 0 to 65535, got abc/);
  assert.throws(() => parseDemoArgs(['--port', '70000']), /got 70000/);
  assert.throws(() => parseDemoArgs(['--port']), /--port needs a value/);
  assert.throws(() => parseDemoArgs(['--verbose']), /unknown argument --verbose/);
});

cli('routeRequest serves the page and the four data files, nothing else', () => {
  const files = new Map([['/', '/r/demo/index.html'], ['/demo.js', '/r/build/demo/demo.js']]);
  const urls = { trainImages: 'a', trainLabels: 'b', testImages: 'c', testLabels: 'd' };
  assert.is(routeRequest('/?x=1', files, { fashionMnist: urls }, '/data'), '/r/demo/index.html');
  assert.is(routeRequest('/demo.js', files, {}, '/data'), '/r/build/demo/demo.js');
  assert.is(routeRequest('/data/fashion-mnist/t10k-labels-idx1-ubyte.gz', files, { fashionMnist: urls }, '/data'), '/data/t10k-labels-idx1-ubyte.gz');
  assert.is(routeRequest('/data/fashion-mnist/t10k-labels-idx1-ubyte.gz', files, {}, '/data'), null, 'not when the data set is absent');
  assert.is(routeRequest('/data/fashion-mnist/../../etc/passwd', files, { fashionMnist: urls }, '/data'), null);
  assert.is(routeRequest('/demo/serve.ts', files, {}, '/data'), null);
  assert.is(routeRequest('/package.json', files, {}, '/data'), null);
});

async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const probe = createServer();
    probe.once('error', fail);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => ok(port));
    });
  });
}

/** Runs the server script as `npm run demo` does (after its build), returns the URL it prints. */
async function runServer(args: string[]): Promise<{ url: string; stop: () => void }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'demo/serve.ts', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const url = await new Promise<string>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`no URL printed within 30 s: ${out}`)), 30_000);
    child.stdout.on('data', () => {
      const m = /http:\/\/127\.0\.0\.1:(\d+)\//.exec(out);
      if (m !== null) {
        clearTimeout(timer);
        ok(m[0]);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`server exited with ${code}: ${out}`));
    });
  });
  return { url, stop: () => child.kill('SIGTERM') };
}

cli('the server script prints its URL (a free port, or --port) and serves the page there', async () => {
  const chosen = await runServer([]);
  try {
    const res = await fetch(chosen.url);
    assert.is(res.status, 200);
    assert.match(await res.text(), '<script type="module" src="demo.js">');
    assert.is((await fetch(`${chosen.url}demo.js`)).status, 200, 'the bundle is served');
    const index = (await (await fetch(`${chosen.url}datasets.json`)).json()) as { fashionMnist?: unknown };
    assert.is(index.fashionMnist !== undefined, existsSync(`${DEFAULT_FASHION_MNIST_DIR}/t10k-labels-idx1-ubyte.gz`));
  } finally {
    chosen.stop();
  }
  const port = await freePort();
  const fixed = await runServer(['--port', String(port)]);
  try {
    assert.is(fixed.url, `http://127.0.0.1:${port}/`);
    assert.is((await fetch(fixed.url)).status, 200);
  } finally {
    fixed.stop();
  }
  // As `npm run demo -- --help` runs it: the usage, exit code 0, no server left running.
  const help = await runNode(['--import', 'tsx', 'demo/serve.ts', '--help'], { cwd: ROOT, killAfterMs: 30_000 });
  assert.is(help.code, 0, describeRun('demo/serve.ts --help', help));
  assert.match(help.stdout, /^Usage: npm run demo -- \[options\]/);
  assert.match(help.stdout, /--port N/);
  assert.match(help.stdout, /--fashion-mnist DIR/);
  const bad = await runServer(['--port', 'x']).then(
    () => 'started',
    (e: unknown) => String(e),
  );
  assert.match(bad, /exited with 2: demo: --port must be an integer from 0 to 65535, got x/);
});

cli.run();
