// How long each test of a suite takes, for the runner's table of the slowest tests (uvu has no
// reporter hook): a before.each and an after.each hook around every test, named by uvu's
// state.__test__. Registered by gpuSuite and demoSuite, and by the slow Node suites themselves.
import type { Test } from 'uvu';

export interface TestTime {
  suite: string;
  test: string;
  ms: number;
}

const times: TestTime[] = [];

/** Records the time of every test of `t` under `suite` (the hooks run whether the test passes or fails). */
export function clockTests(t: Test, suite: string): void {
  let start = 0;
  t.before.each(() => {
    start = performance.now();
  });
  t.after.each((state: { __test__?: unknown }) => {
    times.push({ suite, test: String(state.__test__ ?? ''), ms: performance.now() - start });
  });
}

/** The tests timed so far in this process, slowest first. */
export function slowestTests(count: number): TestTime[] {
  return [...times].sort((a, b) => b.ms - a.ms).slice(0, count);
}
