// Speed checks as ratios within one run: a hostile input is timed against a benign input of the
// same size, both on the same (possibly loaded) machine, never against a fixed number of ms.
import * as assert from 'uvu/assert';

/** The fastest of `runs` timings of fn, in ms: the baseline, least disturbed by other load. */
export function fastestMs(fn: () => unknown, runs = 3): number {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

/** fastestMs for an async fn. */
export async function fastestMsAsync(fn: () => Promise<unknown>, runs = 3): Promise<number> {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

/**
 * Asserts ms ≤ factor·baseline + slack: the hostile case costs about what linear work on an input of
 * its size costs (the slack absorbs timer granularity and a pause). The factors used leave the old,
 * super-linear behaviour (seconds where the baseline is milliseconds) far outside.
 */
export function assertComparable(ms: number, baseline: number, factor: number, what: string, slack = 100): void {
  assert.ok(ms <= factor * baseline + slack, `${what}: ${ms.toFixed(0)} ms, more than ${factor}× the ${baseline.toFixed(1)} ms of the same-sized benign input + ${slack} ms`);
}
