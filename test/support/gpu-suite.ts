// A uvu suite with the harness page open (in the shared headless Chrome) for its tests.
//
// A suite whose results depend on the step engine (its fits go through fit(), GridSearch or L-BFGS
// on the page's context) declares the engines it runs on; it becomes one uvu suite per engine, each
// test named with its engine. A suite that does not depend on the engine (ops, reflection, fits on
// contexts of their own) runs once. In the test runner, the suites of one engine take turns on one
// page, and so one device and its compiled pipelines (see GpuSuiteOptions.ownPage).
import { suite, type Callback, type Test } from 'uvu';
import type { EngineName } from '../../src/index.ts';
import { chromeHeldForProcess } from './chrome.ts';
import { borrowGpuPage, openGpuPage, type GpuPage } from './gpu-page.ts';
import { clockTests } from './test-clock.ts';

export const BOTH_ENGINES: readonly EngineName[] = ['cpu', 'gpu'];

export interface GpuSuiteOptions {
  /**
   * The step engines the tests run on, each in turn. Omitted: both for a file named estimators-*
   * (estimators*.test.ts), none otherwise. None ([]) runs the suite once, on TEST_ENGINE's engine
   * if it names one, else the adapter's choice.
   */
  engines?: readonly EngineName[];
  /**
   * A page, and so a device, of the suite's own, closed when it ends. Otherwise, in the test runner,
   * the suite borrows the page its engine's suites share (gpu-page.ts borrowGpuPage): the page's
   * context and its compiled pipelines carry over, so a suite must not leave that context broken.
   * A test file run on its own always gets pages of its own.
   */
  ownPage?: boolean;
}

export interface GpuSuite {
  test: Test;
  /** The page of the suite now running. */
  gpu: () => GpuPage;
  /** The engine the running suite asked its page for (null: the adapter's choice). */
  engine: () => EngineName | null;
}

/** TEST_ENGINE=cpu|gpu narrows a run to one engine; unset or empty, every declared engine runs. */
export function engineFilter(env: NodeJS.ProcessEnv = process.env): EngineName | null {
  const e = env.TEST_ENGINE;
  if (e === undefined || e === '') return null;
  if (e === 'cpu' || e === 'gpu') return e;
  throw new Error(`TEST_ENGINE must be 'cpu' or 'gpu' (or unset for both), got '${e}'`);
}

/** The test file that called gpuSuite(), from the call stack (null when it is not a *.test.ts). */
function callerTestFile(): string | null {
  return /[\\/]([^\\/]+\.test\.ts)\b/.exec(new Error().stack ?? '')?.[1] ?? null;
}

/** The engines a suite declared, or the default for its file. */
export function declaredEngines(options: GpuSuiteOptions, file: string | null): readonly EngineName[] {
  return options.engines ?? (file !== null && /^estimators[-.]/.test(file) ? BOTH_ENGINES : []);
}

/** One test object that registers every test and hook on each of `suites` (test names suffixed). */
export function fanOut(suites: readonly Test[], suffixes: readonly string[]): Test {
  const each = (f: (t: Test, suffix: string) => void) => suites.forEach((t, i) => f(t, suffixes[i] ?? ''));
  const test = ((name: string, fn: Callback) => each((t, s) => t(name + s, fn))) as Test;
  test.only = (name, fn) => each((t, s) => t.only(name + s, fn));
  test.skip = (name, fn) => each((t, s) => t.skip(name === undefined ? name : name + s, fn));
  const hook = (pick: (t: Test) => Test['before']): Test['before'] => {
    const h = ((fn: Callback) => each((t) => pick(t)(fn))) as Test['before'];
    h.each = (fn) => each((t) => pick(t).each(fn));
    return h;
  };
  test.before = hook((t) => t.before);
  test.after = hook((t) => t.after);
  test.run = () => each((t) => t.run());
  return test;
}

export function gpuSuite(name: string, options: GpuSuiteOptions = {}): GpuSuite {
  const only = engineFilter();
  const declared = declaredEngines(options, callerTestFile());
  const runs: { engine: EngineName | null; suffix: string }[] = declared.length === 0
    ? [{ engine: only, suffix: '' }]
    : declared.filter((e) => only === null || e === only).map((e) => ({ engine: e, suffix: ` [${e}]` }));
  let page: GpuPage | null = null;
  let current: EngineName | null = null;
  const suites = runs.map(({ engine, suffix }) => {
    const t = suite(name + suffix);
    clockTests(t, name);
    t.before(async () => {
      current = engine;
      try {
        page = options.ownPage !== true && chromeHeldForProcess() ? await borrowGpuPage(engine) : await openGpuPage(engine);
      } catch (e) {
        // uvu counts a suite whose before hook throws as not passed but prints no reason.
        console.error(`  could not open the harness page for '${name + suffix}': ${String(e)}`);
        throw e;
      }
    });
    t.after(async () => {
      await page?.close();
      page = null;
    });
    return t;
  });
  return {
    test: fanOut(suites, runs.map((r) => r.suffix)),
    gpu: () => {
      if (page === null) throw new Error('the harness page is not open');
      return page;
    },
    engine: () => current,
  };
}
