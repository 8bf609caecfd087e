// Runs the uvu suite in one process and ends with one plain summary line ("N passed, N failed") that
// CI systems and people can read without knowing uvu's format; the exit code is non-zero when uvu's
// is or when any test did not pass.
//
// The GPU suites share one headless Chromium (test/support/chrome.ts). A suite whose fits depend on
// the step engine declares it (test/support/gpu-suite.ts) and runs once per engine in this same
// process, its tests named "… [cpu]" and "… [gpu]"; TEST_ENGINE=cpu|gpu narrows that to one engine.
//
//   node scripts/run-tests.mjs          every test file
//   node scripts/run-tests.mjs --fast   the edit-run loop: scripts/test-selection.mjs's files, one engine
//   TEST_FILES=<regex>                  only the matching test files (with --fast: among the fast ones)
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { FAST_ENGINE, fastFiles, filesPattern } from './test-selection.mjs';

const fast = process.argv.includes('--fast');
const files = process.env.TEST_FILES === undefined || process.env.TEST_FILES === '' ? '\\.test\\.ts$' : process.env.TEST_FILES;

/** The files to run, as one regex for uvu. */
function selected() {
  return fast ? filesPattern(fastFiles(readdirSync('test'), files)) : files;
}

/** Runs the suites in `pattern` with `env`; resolves with the counts uvu printed and its exit code. */
function runSuites(pattern, env) {
  const args = ['--import', 'tsx', 'test/support/run-suites.ts', 'test', pattern];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: ['inherit', 'pipe', 'inherit'], env: { ...process.env, ...env } });
    let tail = '';
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      tail = (tail + chunk.toString()).slice(-20000);
    });
    child.on('close', (code) => {
      const plain = tail.replace(/\x1b\[[0-9;]*m/g, '');
      const total = Number(/Total:\s+(\d+)/.exec(plain)?.[1] ?? NaN);
      const passed = Number(/Passed:\s+(\d+)/.exec(plain)?.[1] ?? NaN);
      const skipped = Number(/Skipped:\s+(\d+)/.exec(plain)?.[1] ?? 0);
      resolve({ total, passed, skipped, code: code ?? 1 });
    });
  });
}

const pattern = selected();
const engine = fast && (process.env.TEST_ENGINE ?? '') === '' ? { TEST_ENGINE: FAST_ENGINE } : {};
const r = await runSuites(pattern, engine);
if (Number.isFinite(r.total) && Number.isFinite(r.passed)) {
  const failed = r.total - r.passed - r.skipped;
  console.log(`\ntests: ${r.passed} passed, ${failed} failed, ${r.skipped} skipped`);
  // uvu exits 0 when a suite's before hook throws; its tests count as not passed, so fail here.
  process.exit(r.code !== 0 ? r.code : failed > 0 ? 1 : 0);
} else {
  console.log('\ntests: the runner printed no summary (it crashed before finishing)');
  process.exit(r.code !== 0 ? r.code : 1);
}
