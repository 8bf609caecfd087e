// Runs the uvu suites and ends with one plain summary line ("N passed, N failed") that CI systems and
// people can read without knowing uvu's format; the exit code is non-zero when a test process's is or
// when any test did not pass.
//
// The files are split between TEST_JOBS test processes (default 2) that run side by side, by the
// times the last run measured (scripts/test-shards.mjs): a GPU suite mostly keeps one core busy with
// SwiftShader or waits on a browser or a child process, so one process left a 2-core machine half
// idle. Each process shares one headless Chromium between its GPU suites (test/support/chrome.ts). A
// suite whose fits depend on the step engine declares it (test/support/gpu-suite.ts) and runs once
// per engine in its process, its tests named "… [cpu]" and "… [gpu]"; TEST_ENGINE=cpu|gpu narrows
// that to one engine. The first process's output is shown as it comes, the others' when they end.
//
//   node scripts/run-tests.mjs          every test file
//   node scripts/run-tests.mjs --fast   the edit-run loop: scripts/test-selection.mjs's files, one engine
//   TEST_FILES=<regex>                  only the matching test files (with --fast: among the fast ones)
//   TEST_JOBS=<n>                       the number of test processes (1: everything in one, in name order)
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FAST_ENGINE, fastFiles, filesPattern } from './test-selection.mjs';
import { jobCount, splitByTime } from './test-shards.mjs';

/** Where each run leaves the time of every file it ran, for the next run to split by. */
const TIMES = 'build/test-times.json';
/** The times of a full run, committed, for a checkout that has not run the tests yet. */
const BASE_TIMES = 'scripts/test-times.json';

const fast = process.argv.includes('--fast');
const filter = process.env.TEST_FILES === undefined || process.env.TEST_FILES === '' ? '\\.test\\.ts$' : process.env.TEST_FILES;
const jobs = jobCount(process.env.TEST_JOBS, 2);

/** The test files to run, named as uvu names them (relative to test/). */
function selected() {
  const all = readdirSync('test', { recursive: true }).map(String).filter((n) => !n.startsWith('node_modules'));
  return fast ? fastFiles(all, filter) : all.filter((n) => new RegExp(filter, 'i').test(n));
}

/** Seconds per file name in the JSON file at `path` ({} where there is none). */
function readTimes(path) {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return {};
  }
}

/**
 * Runs the suites of `files` in a test process with `env`; `out` receives its output. Resolves with
 * the counts uvu printed, the process's exit code and its per-file report (test/support/run-suites.ts).
 */
function runSuites(files, env, out) {
  const reportDir = mkdtempSync(join(tmpdir(), 'run-tests-'));
  const report = join(reportDir, 'report.json');
  const args = ['--import', 'tsx', 'test/support/run-suites.ts', 'test', filesPattern(files)];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: ['inherit', 'pipe', 'pipe'], env: { ...process.env, ...env, TEST_REPORT: report } });
    let tail = '';
    child.stderr.on('data', (chunk) => out(chunk, true));
    child.stdout.on('data', (chunk) => {
      out(chunk, false);
      tail = (tail + chunk.toString()).slice(-20000);
    });
    child.on('close', (code) => {
      const plain = tail.replace(/\x1b\[[0-9;]*m/g, '');
      const total = Number(/Total:\s+(\d+)/.exec(plain)?.[1] ?? NaN);
      const passed = Number(/Passed:\s+(\d+)/.exec(plain)?.[1] ?? NaN);
      const skipped = Number(/Skipped:\s+(\d+)/.exec(plain)?.[1] ?? 0);
      let written = { files: [], tests: [] };
      try {
        written = JSON.parse(readFileSync(report, 'utf8'));
      } catch {
        // No report: the process crashed before its last suite; the summary says so.
      }
      rmSync(reportDir, { recursive: true, force: true });
      resolve({ total, passed, skipped, code: code ?? 1, files: written.files, tests: written.tests });
    });
  });
}

/** An output sink per process: the first writes through, the others hold theirs until flush(). */
function outputs(count) {
  const held = Array.from({ length: count }, () => []);
  return {
    sink: (i) => (chunk, isErr) => {
      if (i === 0) (isErr ? process.stderr : process.stdout).write(chunk);
      else held[i].push([chunk, isErr]);
    },
    flush(i) {
      for (const [chunk, isErr] of held[i].splice(0)) (isErr ? process.stderr : process.stdout).write(chunk);
    },
  };
}

/** How many of the slowest tests the summary names. */
const SLOWEST_TESTS = 15;

/**
 * The per-file times and the slowest tests, slowest first, and the failed tests, repeated last
 * because CI logs often keep only their tail.
 */
function summary(files, tests) {
  const lines = ['\ntime per file (slowest first):'];
  for (const r of [...files].sort((a, b) => b.ms - a.ms)) lines.push(`  ${(r.ms / 1000).toFixed(1).padStart(7)} s  ${r.file}`);
  lines.push('slowest tests:');
  for (const t of [...tests].sort((a, b) => b.ms - a.ms).slice(0, SLOWEST_TESTS)) lines.push(`  ${(t.ms / 1000).toFixed(1).padStart(7)} s  ${t.suite}: ${t.test}`);
  const failed = files.filter((r) => r.failures.length > 0);
  if (failed.length > 0) {
    lines.push('failed tests:');
    for (const r of failed) for (const name of r.failures) lines.push(`  ${r.file}: ${name}`);
  }
  return lines.join('\n');
}

const names = selected();
const groups = splitByTime(names, jobs, { ...readTimes(BASE_TIMES), ...readTimes(TIMES) });
const engine = fast && (process.env.TEST_ENGINE ?? '') === '' ? { TEST_ENGINE: FAST_ENGINE } : {};
const start = performance.now();
const out = outputs(groups.length);
const runs = groups.map((files, i) => runSuites(files, engine, out.sink(i)));
// Each held output is shown once the one before it is: whole, in order, never interleaved.
const results = [];
for (const [i, run] of runs.entries()) {
  results.push(await run);
  out.flush(i);
}
const files = results.flatMap((r) => r.files);
console.log(summary(files, results.flatMap((r) => r.tests)));
if (files.length > 0) {
  mkdirSync('build', { recursive: true });
  writeFileSync(TIMES, `${JSON.stringify({ ...readTimes(TIMES), ...Object.fromEntries(files.map((r) => [r.file, Math.round(r.ms / 100) / 10])) }, null, 1)}\n`);
}
const wall = ((performance.now() - start) / 1000).toFixed(0);
const crashed = results.filter((r) => !Number.isFinite(r.total) || !Number.isFinite(r.passed));
if (crashed.length > 0) {
  console.log(`\ntests: ${crashed.length} of ${results.length} test processes printed no summary (crashed before finishing)`);
  process.exit(crashed.find((r) => r.code !== 0)?.code ?? 1);
} else {
  const sum = (key) => results.reduce((s, r) => s + r[key], 0);
  const failed = sum('total') - sum('passed') - sum('skipped');
  console.log(`\n${results.length} test process${results.length === 1 ? '' : 'es'}, ${wall} s`);
  // The last line alone, in the plain form CI readers look for.
  console.log(`tests: ${sum('passed')} passed, ${failed} failed, ${sum('skipped')} skipped`);
  // uvu exits 0 when a suite's before hook throws; its tests count as not passed, so fail here.
  const code = results.find((r) => r.code !== 0)?.code ?? 0;
  process.exit(code !== 0 ? code : failed > 0 ? 1 : 0);
}
