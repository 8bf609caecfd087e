// Runs the uvu suite and ends with one plain summary line ("N passed, N failed") that CI systems
// and people can read without knowing uvu's format; the exit code is uvu's.
import { spawn } from 'node:child_process';

// TEST_FILES narrows the run to matching test files, e.g. TEST_FILES='matmul' npm test.
const pattern = process.env.TEST_FILES === undefined || process.env.TEST_FILES === '' ? '\\.test\\.ts$' : process.env.TEST_FILES;
const args = ['--import', 'tsx', './node_modules/uvu/bin.js', 'test', pattern];
const child = spawn(process.execPath, args, { stdio: ['inherit', 'pipe', 'inherit'] });
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
  if (Number.isFinite(total) && Number.isFinite(passed)) {
    console.log(`\ntests: ${passed} passed, ${total - passed - skipped} failed, ${skipped} skipped`);
  } else {
    console.log('\ntests: the runner printed no summary (it crashed before finishing)');
  }
  process.exit(code ?? 1);
});
