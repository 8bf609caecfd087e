// The 'js' engine in headless Chrome with WebGPU taken away (navigator.gpu deleted before the page's
// scripts run), as a visitor whose browser has none: createContext() (engine 'auto') reports 'js'
// with one warning, an explicit 'gpu' throws WebGPUUnavailableError, and a softmax and a logistic fit
// in the page match the float64 trainer in Node. The page imports the built bundle (dist/index.js).
// Tolerances as in js-engine.test.ts: 1e-9 relative per epoch loss (float64 both, summed in another
// order), 1e-7 on the float32 parameters getParams() returns.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { ModelRun } from '../harness/fixtures-shared.ts';
import { startStaticServer, type StaticServer } from '../harness/server.ts';
import { openBrowserContext } from './support/chrome.ts';
import { relativeError } from './support/compare.ts';
import { cpuFit, problem } from './support/models.ts';
import { mulberry32, randomInt, testSeed } from './support/random.ts';

const test = suite('js engine in Chrome without navigator.gpu');
const ROOT = new URL('..', import.meta.url).pathname;
const MOUNT = '/js-engine-page';

interface PageOutcome {
  hadGpu: boolean;
  engine: string;
  warnings: string[];
  explicitGpu: string;
  fits: { loss: number[]; theta: number[] }[];
}

async function runInPage(runs: ModelRun[]): Promise<PageOutcome> {
  const dir = mkdtempSync(join(tmpdir(), 'js-engine-page-'));
  writeFileSync(join(dir, 'blank.html'), '<!doctype html><title>js engine</title>');
  const { context, release } = await openBrowserContext();
  let server: StaticServer | null = null;
  try {
    server = await startStaticServer(ROOT, { mounts: { [MOUNT]: dir } });
    const page = await context.newPage();
    // Before any script of the page: a browser without WebGPU.
    await page.evaluateOnNewDocument(() => {
      delete (Navigator.prototype as { gpu?: unknown }).gpu;
    });
    await page.goto(`${server.url}${MOUNT}/blank.html`);
    return await page.evaluate(async (given: ModelRun[]): Promise<PageOutcome> => {
      const bundle = '/dist/index.js';
      const lib = (await import(bundle)) as typeof import('../src/index.ts');
      const warnings: string[] = [];
      const warn = console.warn;
      console.warn = (...args: unknown[]) => warnings.push(args.map(String).join(' '));
      const ctx = await lib.createContext().finally(() => {
        console.warn = warn;
      });
      const explicitGpu = await lib.createContext({ engine: 'gpu' }).then(() => 'resolved', (e: Error) => e.name);
      const fits: PageOutcome['fits'] = [];
      for (const run of given) {
        const o = run.options as never;
        const model = run.model === 'softmax' ? new lib.SoftmaxRegression(ctx, o) : new lib.LogisticRegression(ctx, o);
        const history = await model.fit({ data: Float32Array.from(run.X.data), rows: run.X.rows, cols: run.X.cols }, run.y, run.fit as never);
        const p = await model.getParams();
        fits.push({ loss: history.loss, theta: [...p.W.data, ...p.b] });
        model.destroy();
      }
      const outcome = { hadGpu: 'gpu' in navigator, engine: ctx.engine, warnings, explicitGpu, fits };
      ctx.destroy();
      return outcome;
    }, runs);
  } finally {
    await release();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

test("engine 'auto' reports 'js' with one warning, 'gpu' throws, and fits match the float64 trainer", async () => {
  const rng = mulberry32(testSeed('js engine page'));
  const runs: ModelRun[] = (['softmax', 'logistic'] as const).map((model) => {
    const batch = randomInt(rng, 4, 20);
    const n = batch * randomInt(rng, 2, 5) + randomInt(rng, 1, batch - 1);
    const d = randomInt(rng, 2, 8);
    const k = model === 'softmax' ? randomInt(rng, 3, 5) : 1;
    const { X, y } = problem(rng, model, n, d, k);
    const options: Record<string, unknown> = { nFeatures: d, ...(model === 'softmax' ? { nClasses: k } : {}) };
    return { model, options, X: { ...X, data: Array.from(X.data, Math.fround) }, y, fit: { epochs: 4, batchSize: batch, learningRate: 0.3, l2: 0.01, seed: randomInt(rng, 0, 1e6) } };
  });
  const out = await runInPage(runs);
  assert.is(out.hadGpu, false, 'navigator.gpu was removed');
  assert.is(out.engine, 'js');
  assert.is(out.warnings.length, 1, out.warnings.join('\n'));
  assert.match(out.warnings[0] as string, /no navigator\.gpu.*Falling back to engine 'js'/);
  assert.is(out.explicitGpu, 'WebGPUUnavailableError');
  runs.forEach((run, i) => {
    const got = out.fits[i];
    assert.ok(got !== undefined, `fit ${i} missing`);
    const ref = cpuFit(run);
    assert.is(got.loss.length, ref.history.loss.length, `${run.model}: epochs`);
    assert.ok(relativeError(got.loss, ref.history.loss) <= 1e-9, `${run.model}: losses ${got.loss.join()} vs ${ref.history.loss.join()}`);
    assert.ok(relativeError(got.theta, [...ref.W.data, ...ref.b.data]) <= 1e-7, `${run.model}: parameters`);
  });
});

test.run();
