// How scripts/run-tests.mjs splits the test files between test processes that run side by side.
// Most of a GPU suite's time is SwiftShader's compute on one core, or waits on a browser, a child
// process or a timer; two processes keep a 2-core machine busy where one left it half idle.

/** Seconds a file is assumed to take when no run has timed it yet: about a median GPU suite. */
export const UNTIMED_SECONDS = 10;

/**
 * `names` split into `jobs` groups of about equal total time, by the longest-first rule (each file,
 * slowest first, goes to the group with the least time so far). `seconds` holds the last measured
 * time of each file; files it lacks weigh UNTIMED_SECONDS. Groups keep the files in name order, as
 * uvu runs them; empty groups are dropped.
 */
export function splitByTime(names, jobs, seconds) {
  const weight = (n) => (Number.isFinite(seconds[n]) ? seconds[n] : UNTIMED_SECONDS);
  const groups = Array.from({ length: Math.max(1, jobs) }, () => ({ files: [], total: 0 }));
  const slowestFirst = [...names].sort((a, b) => weight(b) - weight(a) || a.localeCompare(b));
  for (const name of slowestFirst) {
    const least = groups.reduce((best, g) => (g.total < best.total ? g : best));
    least.files.push(name);
    least.total += weight(name);
  }
  return groups.filter((g) => g.files.length > 0).map((g) => g.files.sort((a, b) => a.localeCompare(b)));
}

/** TEST_JOBS as a count of test processes: unset or empty, `fallback`; otherwise a positive integer. */
export function jobCount(value, fallback) {
  if (value === undefined || value === '') return fallback;
  if (!/^[1-9]\d*$/.test(value)) throw new Error(`TEST_JOBS must be a positive integer (the number of test processes), got '${value}'`);
  return Number(value);
}
