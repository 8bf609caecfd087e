// The browser demo, driven like a user drives it: clicks on its tiles and buttons, typing into its
// fields, in headless Chrome. Checks that what the page draws tells the truth: the loss curve read
// back from the SVG falls, the accuracy it shows is reached and agrees with its own confusion matrix,
// Pause/Resume/Reset act between epochs, and the fields' defaults follow the model and schedule.
// Data files and narrow screens: demo-data.test.ts; without WebGPU and the server: demo-server.test.ts.
// Screenshots go to test-output/ (git-ignored).
import * as assert from 'uvu/assert';
import {
  clickChoice, confusion, demoSuite, openDemo, openOn, screenshotPath, series, statValue, trainThenPause, typeInto, waitForState,
} from './support/demo-page.ts';
import { mulberry32, randomInt, testSeed, uniform } from './support/random.ts';

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
test.run();
