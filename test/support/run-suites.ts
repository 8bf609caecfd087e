// The test process: uvu's own runner over the matching test files, with the one headless Chromium
// the GPU suites share kept open between them and closed after the last, pass or fail.
// It ends with how long each file took (so a slow suite is found by reading, not guessing), its
// slowest tests (those of suites that clock them: test-clock.ts) and the names of the tests that failed, repeated last because CI logs often keep only their tail; with
// TEST_REPORT=<path> it writes them there as JSON instead, for scripts/run-tests.mjs to merge with
// its other test processes'.
// Usage: node --import tsx test/support/run-suites.ts <dir> [pattern]
import { writeFileSync } from 'node:fs';
import { parse } from 'uvu/parse';
import { pathToFileURL } from 'node:url';
import { closeSharedChrome, holdChromeForProcess } from './chrome.ts';
import { slowestTests, type TestTime } from './test-clock.ts';

/** What uvu's runner of one suite resolves with: errors text (or true), passed, skipped, total. */
type SuiteResult = [string | true, number, number, number];
type SuiteRunner = () => Promise<SuiteResult>;

interface FileReport {
  file: string;
  ms: number;
  failures: string[];
}

const plain = (s: string): string => s.replace(/\x1b\[[0-9;]*m/g, '');

/** The names of the failed tests in uvu's formatted errors text: its lines `FAIL  "name"`. */
function failedNames(errors: string): string[] {
  return [...plain(errors).matchAll(/FAIL\s+(?:[^"\n]*?)"(.*)"\s*$/gm)].map((m) => m[1] as string);
}

/**
 * Wraps every queued suite of uvu's queue (one group per file, its first entry the file's name)
 * so that each file's time and failed tests are recorded as it runs. uvu has no reporter hook.
 */
function instrument(queue: unknown[][], reports: FileReport[]): void {
  for (const group of queue) {
    const report: FileReport = { file: String(group[0]), ms: 0, failures: [] };
    reports.push(report);
    for (let i = 1; i < group.length; i++) {
      const inner = group[i] as SuiteRunner;
      group[i] = async (): Promise<SuiteResult> => {
        const start = performance.now();
        const result = await inner();
        report.ms += performance.now() - start;
        if (typeof result[0] === 'string') report.failures.push(...failedNames(result[0]));
        return result;
      };
    }
  }
}

/** How many of the slowest tests the summary names. */
const SLOWEST_TESTS = 15;

function summary(reports: readonly FileReport[], tests: readonly TestTime[]): string {
  const slowest = [...reports].sort((a, b) => b.ms - a.ms);
  const lines = ['\ntime per file (slowest first):'];
  for (const r of slowest) lines.push(`  ${(r.ms / 1000).toFixed(1).padStart(7)} s  ${r.file}`);
  lines.push('slowest tests:');
  for (const t of tests) lines.push(`  ${(t.ms / 1000).toFixed(1).padStart(7)} s  ${t.suite}: ${t.test}`);
  const failed = reports.filter((r) => r.failures.length > 0);
  if (failed.length > 0) {
    lines.push('failed tests:');
    for (const r of failed) for (const name of r.failures) lines.push(`  ${r.file}: ${name}`);
  }
  return lines.join('\n') + '\n';
}

/**
 * uvu's run() (uvu/run), with the queue instrumented between importing the files and executing
 * them: run() does both in one call, so its few lines are repeated here.
 */
async function runInstrumented(files: readonly { name: string; file: string }[], reports: FileReport[]): Promise<void> {
  const g = globalThis as unknown as { UVU_DEFER: number; UVU_INDEX: number; UVU_QUEUE: unknown[][] };
  g.UVU_DEFER = 1;
  const uvu = (await import('uvu')) as unknown as { exec: (bail?: boolean) => Promise<void> };
  let index = 0;
  for (const suite of files) {
    g.UVU_INDEX = index++;
    g.UVU_QUEUE.push([suite.name]);
    await import(pathToFileURL(suite.file).href);
  }
  instrument(g.UVU_QUEUE, reports);
  await uvu.exec(false);
}

const [dir = 'test', pattern] = process.argv.slice(2);
// As uvu's command line does: colours even when the output is a pipe (scripts/run-tests.mjs strips them).
process.env.FORCE_COLOR ??= '1';
holdChromeForProcess();
const reports: FileReport[] = [];
try {
  const { suites } = await parse(dir, pattern);
  await runInstrumented(suites, reports);
  const reportTo = process.env.TEST_REPORT;
  const tests = slowestTests(SLOWEST_TESTS);
  if (reportTo === undefined || reportTo === '') process.stdout.write(summary(reports, tests));
  else writeFileSync(reportTo, JSON.stringify({ files: reports, tests }));
} finally {
  await closeSharedChrome();
}
