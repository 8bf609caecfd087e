// The demo's optimizer choice, driven in headless Chrome: the rate it suggests for each optimizer
// (the train command's rule), and training with it. The page's loss per epoch is checked against the
// float64 trainer (cpu.train) on the same data, batches and rates, one warm-started epoch at a time as
// the page runs them: so the optimizer reaches fit() (SGD's losses are far off Adam's and Nesterov's),
// and a change of optimizer goes on from the current parameters with the new one's state fresh.
import * as assert from 'uvu/assert';
import type { Page } from 'puppeteer';
import { prepareToy } from '../demo/datasets.ts';
import type { OptimizerName } from '../demo/model.ts';
import type { ToyKind } from '../demo/toy-data.ts';
import * as cpu from '../src/cpu/index.ts';
import { resolveFitOptions } from '../src/core/options.ts';
import type { OptimizerState } from '../src/core/optimizer.ts';
import { binaryTargets, oneHotTargets } from '../src/models/targets.ts';
import { clickChoice, demoSuite, openOn, screenshotPath, series, statValue, typeInto, waitForState, type Opened } from './support/demo-page.ts';
import { mulberry32, randomInt, testSeed, uniform } from './support/random.ts';

/**
 * |page − float64| allowed per epoch's loss: float32 on the GPU against float64, over a few epochs
 * (the library's agreement tests hold 1e-4 for whole fits). Over 300 draws of these tests' settings
 * with the float64 trainer, the wrong optimizer is further off than that by ≥ 0.29 (SGD for Adam or
 * Nesterov) or ≥ 7e-3 (momentum for Nesterov), and the second Adam continuing the first's state by ≥ 1e-2.
 */
const TOLERANCE = 1e-4;

const { test, env } = demoSuite('demo page: optimizers');

function openWith(dataset: string): Promise<Opened> {
  const { server, browser } = env();
  return openOn(browser, server.url, dataset);
}

const field = (page: Page, id: string): Promise<string> => page.$eval(`#${id}`, (e) => (e as HTMLInputElement).value);
const text = (page: Page, id: string): Promise<string> => page.$eval(`#${id}`, (e) => e.textContent ?? '');

interface Toy {
  kind: ToyKind;
  points: number;
  noise: string;
  seed: number;
  batch: number;
}

/** Opens the page on a toy set with these settings typed in, mini-batches of `batch`. */
async function openToy(t: Toy): Promise<Opened> {
  const opened = await openWith(t.kind);
  const { page } = opened;
  for (const [id, value] of [['points', String(t.points)], ['noise', t.noise], ['seed', String(t.seed)]] as const) {
    await typeInto(page, `#${id}`, value);
    await waitForState(page, ['ready']);
  }
  await clickChoice(page, 'mode', 'minibatch');
  await typeInto(page, '#batch-size', String(t.batch));
  return opened;
}

/** Picks `optimizer`, lets the run reach `epochs` epochs in all (Start, or continue after done), and checks the stat names it. */
async function trainTo(page: Page, optimizer: OptimizerName, epochs: number): Promise<void> {
  await page.select('#optimizer', optimizer);
  await typeInto(page, '#epochs', String(epochs));
  await page.click('#start');
  assert.is(await waitForState(page, ['done', 'paused'], 240_000), 'done', await text(page, 'message'));
  assert.is(await statValue(page, 'stat-epoch'), epochs);
  assert.is(await page.$eval('#stat-optimizer', (e) => (e as HTMLElement).dataset['value']), optimizer, 'the stats name the optimizer of the last epoch');
}

interface Phase {
  optimizer: OptimizerName;
  epochs: number;
}

/**
 * The float64 trainer's loss for each of the page's epochs: one fit of one epoch each (seed = epoch
 * number from 1, as the page gives), from the last one's parameters, with its optimizer state while
 * the optimizer stays the same and fresh state after a change.
 */
function referenceLosses(t: Toy, degree: number, phases: readonly Phase[], learningRate: number): number[] {
  const data = prepareToy({ kind: t.kind, points: t.points, noise: Number(t.noise), degree, seed: t.seed });
  const { X, y } = data.train;
  const binary = data.nClasses === 2;
  const k = binary ? 1 : data.nClasses;
  const Y = binary ? binaryTargets('y', y, X.rows, false) : oneHotTargets('y', y, X.rows, k);
  let W: cpu.TrainResult['W'] = { data: new Float64Array(X.cols * k), rows: X.cols, cols: k };
  let b: cpu.TrainResult['b'] = { data: new Float64Array(k), rows: 1, cols: k };
  let state: OptimizerState | undefined;
  let previous: OptimizerName | null = null;
  const losses: number[] = [];
  for (const { optimizer, epochs } of phases) {
    for (let i = 0; i < epochs; i++) {
      const r = cpu.train({
        objective: binary ? 'logistic-bce' : 'softmax-ce', X, Y, W, b, fitIntercept: true,
        ...(optimizer === previous && state !== undefined ? { optimizerState: state } : {}),
        options: resolveFitOptions({ epochs: 1, batchSize: Math.min(t.batch, X.rows), learningRate, l2: 0, optimizer, seed: losses.length + 1 }, X.rows),
      });
      losses.push(r.history.loss[0] as number);
      ({ W, b } = r);
      state = r.optimizerState;
      previous = optimizer;
    }
  }
  return losses;
}

function assertMatches(page: number[], reference: number[], what: string): void {
  assert.is(page.length, reference.length, `${what}: one loss per epoch`);
  const worst = Math.max(...page.map((v, i) => Math.abs(v - (reference[i] as number))));
  console.log(`  [demo optimizer] ${what}: loss ${page.map((v) => v.toFixed(4)).join(' ')}; largest |page − float64| ${worst.toExponential(1)}`);
  assert.ok(worst <= TOLERANCE, `${what}: page ${page.join(', ')} vs float64 ${reference.join(', ')}`);
}

/**
 * Random toy settings; batches of at most 30, so that an epoch has at least 4 steps and the loss
 * falls as the tests ask. A batch is never a multiple of the classes: a first batch holding each
 * class equally often would have bias gradients of exactly 0 in float64 (all probabilities 1/k from
 * zero parameters) but of float32 rounding on the page, which Adam (ε 1e-8) turns into whole steps
 * of either sign (batch 21 of three blobs: 3.4e-4 off the float64 losses).
 */
function drawToy(label: string, kind: ToyKind): Toy {
  const rng = mulberry32(testSeed(label));
  const classes = kind === 'blobs3' ? 3 : 2;
  const points = randomInt(rng, 150, 450);
  const noise = uniform(rng, 0.02, 0.1).toFixed(2);
  const seed = randomInt(rng, 1, 1_000_000);
  let batch: number;
  do batch = randomInt(rng, 7, 30);
  while (batch % classes === 0);
  return { kind, points, noise, seed, batch };
}

test('the rate follows the optimizer (a tenth of SGD\'s for momentum and Nesterov, a fifth for Adam) unless typed', async () => {
  const { page, problems } = await openWith('iris');
  const rate = (): Promise<string> => field(page, 'learning-rate');
  assert.is(await field(page, 'optimizer'), 'sgd', 'SGD unless chosen');
  assert.is(await rate(), '0.3', "Iris's rate for the classifiers with SGD");
  await page.select('#optimizer', 'momentum');
  assert.is(await rate(), '0.03');
  await page.select('#optimizer', 'nesterov');
  assert.is(await rate(), '0.03');
  await page.select('#optimizer', 'adam');
  assert.is(await rate(), '0.06');
  await clickChoice(page, 'model', 'linear');
  assert.is(await rate(), '0.02', "a fifth of least squares' 0.1");
  await page.select('#optimizer', 'momentum');
  assert.is(await rate(), '0.01', "a tenth of least squares' 0.1");
  await page.select('#optimizer', 'sgd');
  assert.is(await rate(), '0.1');
  await clickChoice(page, 'model', 'softmax');
  await typeInto(page, '#learning-rate', '0.2');
  await page.select('#optimizer', 'adam');
  assert.is(await rate(), '0.2', 'a rate typed by hand is kept');
  assert.equal(problems, [], 'page errors');
  await page.close();
});

test('Adam, then SGD, then Adam again: the loss falls, each epoch is the float64 trainer\'s, and the second Adam starts fresh', async () => {
  const toy = drawToy('demo optimizer: adam', 'blobs3');
  const rate = 0.05;
  console.log(`  [demo optimizer] blobs3: ${toy.points} points, noise ${toy.noise}, data seed ${toy.seed}, softmax, batch ${toy.batch}, rate ${rate}`);
  const { page, problems } = await openToy(toy);
  await typeInto(page, '#learning-rate', String(rate));
  const phases: Phase[] = [{ optimizer: 'adam', epochs: 3 }, { optimizer: 'sgd', epochs: 1 }, { optimizer: 'adam', epochs: 2 }];
  let epochs = 0;
  for (const p of phases) await trainTo(page, p.optimizer, (epochs += p.epochs));
  const loss = (await series(page, 'loss-chart', 'train')).values;
  // Three epochs of Adam at 0.05 take the loss to at most 0.54 of its first epoch's (300 draws, float64).
  assert.ok((loss[2] as number) < 0.8 * (loss[0] as number), `Adam's loss ${loss.slice(0, 3).join(', ')}`);
  assertMatches(loss, referenceLosses(toy, Number(await field(page, 'degree')), phases, rate), 'adam ×3, sgd, adam ×2');
  assert.equal(problems, [], 'page errors');
  await page.close();
});

test('Nesterov at its suggested rate, then momentum: the loss falls and each epoch is the float64 trainer\'s', async () => {
  const toy = drawToy('demo optimizer: nesterov', 'circles');
  console.log(`  [demo optimizer] circles: ${toy.points} points, noise ${toy.noise}, data seed ${toy.seed}, logistic, batch ${toy.batch}`);
  const { page, problems } = await openToy(toy);
  await page.select('#optimizer', 'nesterov');
  // Circles' SGD rate is 0.5: Nesterov's suggestion is a tenth of it.
  assert.is(await field(page, 'learning-rate'), '0.05');
  const phases: Phase[] = [{ optimizer: 'nesterov', epochs: 4 }, { optimizer: 'momentum', epochs: 1 }];
  let epochs = 0;
  for (const p of phases) await trainTo(page, p.optimizer, (epochs += p.epochs));
  assert.is(await field(page, 'learning-rate'), '0.05', 'momentum suggests the same rate');
  const loss = (await series(page, 'loss-chart', 'train')).values;
  // Four epochs of Nesterov at 0.05 take the loss to at most 0.49 of its first epoch's (300 draws, float64).
  assert.ok((loss[3] as number) < 0.7 * (loss[0] as number), `Nesterov's loss ${loss.slice(0, 4).join(', ')}`);
  assertMatches(loss, referenceLosses(toy, Number(await field(page, 'degree')), phases, 0.05), 'nesterov ×4, momentum');
  // "momentum", the widest name, fits the learning-rate stat's label on a wide and on a 420 px wide screen.
  for (const width of [1280, 420]) {
    await page.setViewport({ width, height: 900 });
    await page.screenshot({ path: screenshotPath(`demo-optimizer-${width}px`), fullPage: true });
    const box = await page.$eval('#stat-optimizer', (e) => {
      const k = e.closest('.k') as HTMLElement;
      return { text: e.textContent, scroll: Math.max(k.scrollWidth - k.clientWidth, e.scrollWidth - e.clientWidth) };
    });
    assert.ok(box.text === 'momentum' && box.scroll <= 1, `${width} px: the stat's label with '${box.text}' overflows by ${box.scroll} px`);
  }
  assert.equal(problems, [], 'page errors');
  await page.close();
});

test.run();
