// The test process: uvu's own runner over the matching test files, with the one headless Chromium
// the GPU suites share kept open between them and closed after the last, pass or fail.
// Usage: node --import tsx test/support/run-suites.ts <dir> [pattern]
import { parse } from 'uvu/parse';
import { run } from 'uvu/run';
import { closeSharedChrome, holdChromeForProcess } from './chrome.ts';

const [dir = 'test', pattern] = process.argv.slice(2);
// As uvu's command line does: colours even when the output is a pipe (scripts/run-tests.mjs strips them).
process.env.FORCE_COLOR ??= '1';
holdChromeForProcess();
try {
  const { suites } = await parse(dir, pattern);
  await run(suites);
} finally {
  await closeSharedChrome();
}
