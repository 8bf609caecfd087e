// The same small fits in every runtime web developers run the library in: Chromium (Dawn/Tint) and
// Firefox (wgpu/Naga) pages, Node on Dawn and Deno (wgpu): each estimator, both solvers, GridSearch,
// sample weights, tanh, the hypergradient schedule and the optimizers with state, on both step
// engines. Each runtime's losses must match the float64 twin (cpu.train) and every other runtime's.
// A runtime that is missing fails its test with how to install it (CI installs all with setup.sh).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { EngineName } from '../src/index.ts';
import type { ModelRun } from '../harness/fixtures.ts';
import { closeSharedChrome, chromeHeldForProcess, openBrowserContext, sharedServer } from './support/chrome.ts';
import { relativeError, WorstCase } from './support/compare.ts';
import { launchFirefox } from './support/firefox.ts';
import { engineFilter } from './support/gpu-suite.ts';
import { cpuFit, problem } from './support/models.ts';
import { mulberry32, randomInt, testSeed, uniform, type Rng } from './support/random.ts';
import { fitsModuleCode, runInDeno, runInNode, runInPage, withPage } from './support/runtimes.ts';
import type { CaseResult, RuntimeCase, RuntimeJob, RuntimeOutput } from './runtimes/fits.ts';

const test = suite('runtimes: the same fits in Chromium, Firefox, Node (Dawn) and Deno');

/**
 * Per epoch, |loss − twin| / max(|twin|, 1e-6), and ‖θ − θ_twin‖/‖θ_twin‖: float32 against float64
 * over a few epochs of tiny data. The largest loss error seen in six seeds was Adam's every time,
 * 1.1e-5.
 */
const TWIN_LOSS = 1e-4;
const TWIN_PARAMS = 1e-3;
/**
 * Adam with ε = 1e-3, as the optimizer tests: at the default 1e-8 a gradient that float64 sees as
 * about 0 and float32 as rounding noise still gets a whole step of rate·sign(g) (seed 954178810:
 * parameters 1.9e-2 from float64's, in every runtime alike).
 */
const ADAM = { kind: 'adam', epsilon: 1e-3 };
/** Runtimes against each other: the same WGSL on the same data, compiled by Tint or by Naga. */
const ACROSS = 1e-5;

/** The cases: fresh shapes from the seed, rates small enough that no draw diverges. */
function runtimeCases(rng: Rng): RuntimeCase[] {
  const make = (name: string, model: RuntimeCase['model'], fit: Record<string, unknown>, options: Record<string, unknown> = {}): RuntimeCase => {
    const n = randomInt(rng, 30, 60);
    const d = randomInt(rng, 2, 6);
    const k = model === 'softmax' ? randomInt(rng, 3, 4) : 1;
    const { X, y } = problem(rng, model, n, d, k);
    const shape = model === 'softmax' ? { nFeatures: d, nClasses: k } : { nFeatures: d };
    const sgd = fit.solver === 'lbfgs' ? {} : { batchSize: randomInt(rng, 5, 16), seed: randomInt(rng, 0, 1e6) };
    return { name, model, options: { ...shape, ...options }, X, y, fit: { epochs: 3, l2: 0.01, ...sgd, ...fit } };
  };
  // One fit covers logistic regression, tanh, sample weights and the hypergradient rate: every new
  // kernel variant costs SwiftShader seconds of compilation in each runtime and engine.
  const weighted = make('logistic tanh, sample weights, hypergradient rate', 'logistic', {
    learningRate: { kind: 'hypergradient', initial: 0.05, beta: 0.01 },
  }, { activation: 'tanh' });
  weighted.fit.sampleWeight = weighted.y.map(() => uniform(rng, 0.2, 2));
  const grid = make('logistic GridSearch', 'logistic', {});
  grid.grid = { learningRate: [0.05, 0.2] };
  grid.validation = problem(rng, 'logistic', randomInt(rng, 8, 20), grid.X.cols, 1);
  return [
    weighted,
    make('softmax SGD, Nesterov', 'softmax', { learningRate: 0.1, optimizer: 'nesterov' }),
    make('linear SGD, momentum', 'linear', { learningRate: 0.02, optimizer: 'momentum' }),
    make('softmax SGD, Adam', 'softmax', { learningRate: 0.05, optimizer: ADAM }),
    make('softmax L-BFGS', 'softmax', { solver: 'lbfgs', epochs: 5 }),
    grid,
  ];
}

const rng = mulberry32(testSeed('runtimes'));
const CASES = runtimeCases(rng);
const engines: EngineName[] = engineFilter() === null ? ['cpu', 'gpu'] : [engineFilter() as EngineName];
const JOB: RuntimeJob = { engines, cases: CASES };

/** The float64 twin's losses per case (one list per grid candidate, in grid order) and parameters (fits only). */
const twins = CASES.map((c) => {
  const run = c as ModelRun;
  if (c.grid === undefined) {
    const r = cpuFit(run);
    return { losses: [r.history.loss], params: [...r.W.data, ...r.b.data] as number[] | null };
  }
  // Candidates in grid order: the first key (learningRate) varies slowest; a key not in the grid is fit()'s.
  const rates = c.grid.learningRate ?? [run.fit.learningRate];
  const l2s = c.grid.l2 ?? [run.fit.l2];
  const losses = rates.flatMap((learningRate) => l2s.map((l2) => cpuFit({ ...run, fit: { ...run.fit, learningRate, l2 } }).history.loss));
  return { losses, params: null };
});

const outputs = new Map<string, RuntimeOutput>();

function lossError(got: number, ref: number): number {
  return Number.isFinite(got) ? Math.abs(got - ref) / Math.max(Math.abs(ref), 1e-6) : Number.POSITIVE_INFINITY;
}

/** Checks one runtime's results against the float64 twin and keeps them for the comparison across runtimes. */
function check(runtime: string, out: RuntimeOutput): void {
  const slowest = out.engines.flatMap((e) => e.results.map((r) => ({ ms: r.ms, where: `${r.name} [${e.engine}]` }))).sort((a, b) => b.ms - a.ms)[0];
  console.log(`  [${runtime}] ${out.adapter || 'an adapter that describes itself with empty strings'}: ${out.engines.map((e) => e.engine).join(' and ')} engines in ${(out.ms / 1000).toFixed(1)} s ` +
    `(slowest: ${slowest?.where} ${((slowest?.ms ?? 0) / 1000).toFixed(1)} s)`);
  assert.equal(out.engines.map((e) => e.engine), engines, `${runtime}: engines`);
  const worst = new WorstCase();
  for (const { engine, results } of out.engines) {
    CASES.forEach((c, i) => {
      const got = results[i] as CaseResult;
      const twin = twins[i] as (typeof twins)[number];
      const where = `${runtime} [${engine}] ${c.name}`;
      assert.is(got.losses.length, twin.losses.length, `${where}: candidates`);
      got.losses.forEach((losses, k) => {
        const ref = twin.losses[k] as number[];
        assert.is(losses.length, ref.length, `${where}: epochs of candidate ${k}`);
        losses.forEach((l, e) => {
          const err = lossError(l, ref[e] as number);
          worst.record(err, `${where} epoch ${e}`);
          assert.ok(err <= TWIN_LOSS, `${where}: candidate ${k} epoch ${e} loss ${l} vs float64 ${ref[e]} (relative ${err.toExponential(2)} > ${TWIN_LOSS})`);
        });
      });
      if (twin.params !== null) {
        const err = relativeError(got.params, twin.params);
        assert.ok(err <= TWIN_PARAMS, `${where}: parameters ${err.toExponential(2)} from float64's`);
      }
    });
  }
  worst.report(`${runtime} losses vs float64`);
  outputs.set(runtime, out);
}

/** Each runtime's run, started together in before(): they wait on different processes, so together they take about the slowest one's time. */
const RUNTIMES: Record<string, () => Promise<RuntimeOutput>> = {
  Chromium: async () => {
    const { context, release } = await openBrowserContext();
    try {
      const url = (await sharedServer()).url;
      return await runInPage(await context.newPage(), url, await fitsModuleCode(), JOB);
    } finally {
      await release();
    }
  },
  Firefox: async () => {
    const browser = await launchFirefox();
    try {
      console.log(`  [Firefox] ${await browser.version()}`);
      const url = (await sharedServer()).url;
      return await withPage(browser, async (page) => runInPage(page, url, await fitsModuleCode(), JOB));
    } finally {
      await browser.close();
    }
  },
  Node: () => runInNode(JOB),
  Deno: () => runInDeno(JOB),
};

const running = new Map<string, Promise<RuntimeOutput>>();

test.before(() => {
  for (const [name, run] of Object.entries(RUNTIMES)) {
    const p = run();
    p.catch(() => undefined); // awaited by its test; no unhandled rejection before then
    running.set(name, p);
  }
});

test.after(async () => {
  await Promise.allSettled(running.values());
  if (!chromeHeldForProcess()) await closeSharedChrome();
});

async function finished(name: string): Promise<RuntimeOutput> {
  const p = running.get(name);
  if (p === undefined) throw new Error(`${name} was not started`);
  return p;
}

test('Chromium (Dawn, Tint): a page importing dist/index.js', async () => {
  check('Chromium', await finished('Chromium'));
});

test('Firefox (wgpu, Naga): a page importing dist/index.js', async () => {
  check('Firefox', await finished('Firefox'));
});

test('Node (Dawn, the webgpu package)', async () => {
  check('Node', await finished('Node'));
});

test('Deno (wgpu, navigator.gpu)', async () => {
  check('Deno', await finished('Deno'));
});

test('every runtime gives the same losses and parameters', () => {
  const names = ['Chromium', 'Firefox', 'Node', 'Deno'];
  const missing = names.filter((n) => !outputs.has(n));
  assert.equal(missing, [], `runtimes that did not finish (see their tests above): ${missing.join(', ')}`);
  const base = outputs.get('Chromium') as RuntimeOutput;
  const worst = new WorstCase();
  for (const name of names.slice(1)) {
    const other = outputs.get(name) as RuntimeOutput;
    other.engines.forEach(({ engine, results }, j) => {
      results.forEach((got, i) => {
        const ref = base.engines[j]?.results[i] as CaseResult;
        const where = `${name} vs Chromium [${engine}] ${got.name}`;
        got.losses.forEach((losses, k) => losses.forEach((l, e) => {
          const err = lossError(l, ref.losses[k]?.[e] as number);
          worst.record(err, `${where} epoch ${e}`);
          assert.ok(err <= ACROSS, `${where}: candidate ${k} epoch ${e} loss ${l} vs ${ref.losses[k]?.[e]} (relative ${err.toExponential(2)})`);
        }));
        const err = relativeError(got.params, ref.params);
        worst.record(err, `${where} parameters`);
        assert.ok(err <= ACROSS, `${where}: parameters differ by ${err.toExponential(2)}`);
      });
    });
  }
  worst.report('across runtimes');
  base.engines.forEach(({ engine, results }, j) => results.forEach((r, i) => {
    const finals = names.map((n) => `${n} ${outputs.get(n)?.engines[j]?.results[i]?.losses[0]?.at(-1)}`);
    console.log(`  [${engine}] ${r.name}: final loss ${finals.join(', ')}; float64 ${twins[i]?.losses[0]?.at(-1)}`);
  }));
});

test.run();
