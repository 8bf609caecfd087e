// Runs the uvu suite and ends with one plain summary line ("N passed, N failed") that CI systems
// and people can read without knowing uvu's format; the exit code is uvu's.
// The training suites run twice: once per step engine ('cpu', the software-adapter kernels, and
// 'gpu', the hardware-GPU kernels), each forced through TEST_ENGINE, so both families pass every
// float64 agreement test on any machine.
import { spawn } from 'node:child_process';

// TEST_FILES narrows the run to matching test files, e.g. TEST_FILES='matmul' npm test.
const pattern = process.env.TEST_FILES === undefined || process.env.TEST_FILES === '' ? '\\.test\\.ts$' : process.env.TEST_FILES;
/** Test files whose fits depend on the step engine. */
const TRAINING = /^(estimators|training-set|robustness|worked-example|engines|step-kernels|tanh)/;

/** Runs uvu on `files` (a regex) with `env`; resolves with the counts it printed and its exit code. */
function runUvu(files, env) {
  const args = ['--import', 'tsx', './node_modules/uvu/bin.js', 'test', files];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: ['inherit', 'pipe', 'inherit'], env: { ...process.env, ...env } });
    let tail = '';
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      tail = (tail + chunk.toString()).slice(-4000);
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

/** The training test files that match `pattern`, as one regex for uvu (null: none). */
async function trainingFiles() {
  const { readdirSync } = await import('node:fs');
  const names = readdirSync('test').filter((f) => f.endsWith('.test.ts') && new RegExp(pattern).test(f) && TRAINING.test(f));
  return names.length === 0 ? null : `^(${names.map((n) => n.replace(/\./g, '\\.')).join('|')})$`;
}

const runs = [await runUvu(pattern, { TEST_ENGINE: 'cpu' })];
const again = await trainingFiles();
if (again !== null) {
  console.log("\nThe training suites again, on the 'gpu' step engine:");
  runs.push(await runUvu(again, { TEST_ENGINE: 'gpu' }));
}
if (runs.every((r) => Number.isFinite(r.total) && Number.isFinite(r.passed))) {
  const total = runs.reduce((s, r) => s + r.total, 0);
  const passed = runs.reduce((s, r) => s + r.passed, 0);
  const skipped = runs.reduce((s, r) => s + r.skipped, 0);
  console.log(`\ntests: ${passed} passed, ${total - passed - skipped} failed, ${skipped} skipped`);
} else {
  console.log('\ntests: the runner printed no summary (it crashed before finishing)');
}
process.exit(runs.find((r) => r.code !== 0)?.code ?? 0);
