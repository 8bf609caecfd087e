// The short form in headless Chrome, which has WebGPU (SwiftShader): `new Model()` then fit() takes
// the page's default context (a WebGPU engine, not 'js', and no warning), shared by the models, and
// trains what the explicit form `new Model(ctx, { nFeatures, ... })` trains on a context made by
// createContext() with the same (default) options; both are checked against the float64 trainer.
// The page imports the built bundle (dist/index.js).
//
// Tolerances: the two forms run the same kernels on the same engine and data, 1e-6 relative between
// their parameters (float32 sums whose order could differ between runs); against cpu.train 1e-3
// relative per epoch loss and on the parameters, as estimators.test.ts (float32 GPU training).
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

const test = suite('short form in Chrome with WebGPU');
const ROOT = new URL('..', import.meta.url).pathname;
const MOUNT = '/short-form-page';
const BETWEEN_FORMS = 1e-6;
const REFERENCE = 1e-3;

interface Fitted {
  loss: number[];
  theta: number[];
  nFeatures: number;
  nOutputs: number;
}

interface PageOutcome {
  defaultEngine: string;
  explicitEngine: string;
  warnings: string[];
  shared: boolean;
  fits: { short: Fitted; explicit: Fitted }[];
}

async function runInPage(runs: ModelRun[]): Promise<PageOutcome> {
  const dir = mkdtempSync(join(tmpdir(), 'short-form-page-'));
  writeFileSync(join(dir, 'blank.html'), '<!doctype html><title>short form</title>');
  const { context, release } = await openBrowserContext();
  let server: StaticServer | null = null;
  try {
    server = await startStaticServer(ROOT, { mounts: { [MOUNT]: dir } });
    const page = await context.newPage();
    await page.goto(`${server.url}${MOUNT}/blank.html`);
    return await page.evaluate(async (given: ModelRun[]): Promise<PageOutcome> => {
      const bundle = '/dist/index.js';
      const lib = (await import(bundle)) as typeof import('../src/index.ts');
      type Model = InstanceType<typeof lib.LogisticRegression | typeof lib.SoftmaxRegression | typeof lib.LinearRegression>;
      const warnings: string[] = [];
      const warn = console.warn;
      console.warn = (...args: unknown[]) => warnings.push(args.map(String).join(' '));
      const ctx = await lib.createContext();
      const fits: PageOutcome['fits'] = [];
      const models: Model[] = [];
      // No named functions in here: the test runner's transpiler would wrap them in a helper the page lacks.
      try {
        for (const run of given) {
          const o = run.options as never;
          const short = run.model === 'softmax' ? new lib.SoftmaxRegression() : run.model === 'logistic' ? new lib.LogisticRegression() : new lib.LinearRegression();
          const explicit = run.model === 'softmax'
            ? new lib.SoftmaxRegression(ctx, o)
            : run.model === 'logistic' ? new lib.LogisticRegression(ctx, o) : new lib.LinearRegression(ctx, o);
          const pair: Fitted[] = [];
          for (const model of [short, explicit]) {
            models.push(model);
            const history = await model.fit({ data: Float32Array.from(run.X.data), rows: run.X.rows, cols: run.X.cols }, run.y as never, run.fit as never);
            const p = await model.getParams();
            pair.push({ loss: history.loss, theta: [...p.W.data, ...p.b], nFeatures: model.nFeatures, nOutputs: model.nOutputs });
          }
          fits.push({ short: pair[0] as Fitted, explicit: pair[1] as Fitted });
        }
        const defaultCtx = await lib.defaultContext();
        const shortModels = models.filter((_, i) => i % 2 === 0);
        return {
          defaultEngine: defaultCtx.engine,
          explicitEngine: ctx.engine,
          warnings,
          shared: shortModels.every((m) => m.ctx === defaultCtx),
          fits,
        };
      } finally {
        console.warn = warn;
        for (const m of models) m.destroy();
        ctx.destroy();
        await lib.destroyDefaultContext();
      }
    }, runs);
  } finally {
    await release();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

test("new Model() on the page's WebGPU default context trains what the explicit form trains", async () => {
  const rng = mulberry32(testSeed('short form page'));
  const runs: ModelRun[] = (['softmax', 'logistic', 'linear'] as const).map((model) => {
    const batch = randomInt(rng, 4, 16);
    const n = batch * randomInt(rng, 2, 4) + randomInt(rng, 1, batch - 1);
    const d = randomInt(rng, 2, 8);
    const k = model === 'softmax' ? randomInt(rng, 3, 5) : 1;
    const { X, y } = problem(rng, model, n, d, k);
    // The largest label is k − 1 whatever the draw, so the short form's nClasses is k.
    if (model === 'softmax') y[n - 1] = k - 1;
    const options: Record<string, unknown> = { nFeatures: d, ...(model === 'softmax' ? { nClasses: k } : {}) };
    const rate = model === 'linear' ? 0.05 : 0.3;
    return {
      model, options, X: { ...X, data: Array.from(X.data, Math.fround) }, y: model === 'linear' ? y.map(Math.fround) : y,
      fit: { epochs: 3, batchSize: batch, learningRate: rate, l2: 0.01, seed: randomInt(rng, 0, 1e6) },
    };
  });
  const out = await runInPage(runs);
  assert.ok(out.defaultEngine !== 'js', `the page has WebGPU, so the default context is a WebGPU engine, got '${out.defaultEngine}'`);
  assert.is(out.defaultEngine, out.explicitEngine, 'createContext() with no options picks the same engine');
  assert.equal(out.warnings, [], 'no fallback warning where there is WebGPU');
  assert.ok(out.shared, 'the short-form models share the default context');
  runs.forEach((run, i) => {
    const got = out.fits[i];
    assert.ok(got !== undefined, `fit ${i} missing`);
    const k = run.model === 'softmax' ? (run.options.nClasses as number) : 1;
    assert.is(got.short.nFeatures, run.X.cols, `${run.model}: nFeatures from X`);
    assert.is(got.short.nOutputs, k, `${run.model}: nOutputs from y`);
    assert.ok(relativeError(got.short.theta, got.explicit.theta) <= BETWEEN_FORMS, `${run.model}: parameters, short vs explicit`);
    assert.ok(relativeError(got.short.loss, got.explicit.loss) <= BETWEEN_FORMS, `${run.model}: losses, short vs explicit`);
    const ref = cpuFit(run);
    assert.ok(relativeError(got.short.loss, ref.history.loss) <= REFERENCE, `${run.model}: losses ${got.short.loss.join()} vs ${ref.history.loss.join()}`);
    assert.ok(relativeError(got.short.theta, [...ref.W.data, ...ref.b.data]) <= REFERENCE, `${run.model}: parameters against cpu.train`);
  });
});

test.run();
