// `npm run train -- --grid-lr a,b,c` end to end, in process through cli/main.ts's main(argv, io)
// (test/train-command.test.ts runs the command as a process): one grid search over the rates
// (every one trained in the same pass), the table of candidates with the kept one marked, and the
// kept model's test results; bad --grid-lr values are usage errors.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Summary } from '../cli/report.ts';
import { describeRun, lastJsonLine, type NodeRun } from './support/node-gpu.ts';
import { testSeed } from './support/random.ts';
import { trainInProcess } from './support/train-in-process.ts';
import { clockTests } from './support/test-clock.ts';

const test = suite('train command: --grid-lr');
clockTests(test, 'train command: --grid-lr');
const seed = testSeed('train grid');

/** The command in this process, its output collected (its Chrome runs in the tests' shared browser). */
const train = (args: string[]): Promise<NodeRun> => trainInProcess(args);

/** The candidate rows of the printed grid table: rate, train loss, validation loss, score, kept. */
function gridRows(stdout: string): { rate: number; valLoss: number; score: number; kept: boolean }[] {
  const lines = stdout.split('\n');
  const start = lines.findIndex((l) => l.startsWith('grid search: '));
  assert.ok(start >= 0, `no grid table in:\n${stdout}`);
  const rows: { rate: number; valLoss: number; score: number; kept: boolean }[] = [];
  for (const line of lines.slice(start + 2)) {
    const m = /^\s*([\d.e+-]+)\s+(\S+)\s+(\S+)\s+(\S+)\s*(← kept)?\s*$/.exec(line);
    if (m === null) break;
    rows.push({ rate: Number(m[1]), valLoss: Number(m[3]), score: Number(m[4]), kept: m[5] !== undefined });
  }
  return rows;
}

test('iris in Chrome: three rates in one search, the table of candidates, the best by validation accuracy kept', async () => {
  const rates = [0.02, 0.3, 3];
  const run = await train(['--grid-lr', rates.join(','), '--epochs', '15', '--seed', String(seed), '--validation', '0.25', '--json']);
  if (run.code !== 0) assert.unreachable(describeRun('train --grid-lr', run));
  assert.match(run.stdout, /grid search: 3 learning rates trained in one pass over the data/);
  const rows = gridRows(run.stdout);
  assert.equal(rows.map((r) => r.rate), rates, 'one row per rate, in the order given');
  const kept = rows.findIndex((r) => r.kept);
  const top = Math.max(...rows.map((r) => r.score));
  assert.is(kept, rows.findIndex((r) => r.score === top), 'the kept row has the best validation accuracy (the first on ties)');
  assert.is(rows.filter((r) => r.kept).length, 1, 'one row kept');
  const summary = lastJsonLine<Summary>(run.stdout);
  assert.is(summary.epochs, 15);
  assert.ok(summary.testAccuracy !== null && summary.testAccuracy >= 0.8, `the kept model's test accuracy ${summary.testAccuracy}`);
  // The kept candidate's epochs drive the progress lines: one per epoch, in order.
  const epochLines = [...run.stdout.matchAll(/^epoch (\d+)\/15 /gm)].map((m) => Number(m[1]));
  assert.equal(epochLines, Array.from({ length: 15 }, (_, i) => i + 1));
});

test('linear regression in Node: R² scores the rates', async () => {
  const run = await train(['--model', 'linear', '--grid-lr', '0.01,0.1', '--epochs', '10', '--seed', String(seed), '--runtime', 'node']);
  if (run.code !== 0) assert.unreachable(describeRun('train --model linear --grid-lr', run));
  assert.match(run.stdout, /validation R²/);
  const rows = gridRows(run.stdout);
  assert.is(rows.length, 2);
  const top = Math.max(...rows.map((r) => r.score));
  assert.ok(rows.find((r) => r.kept)?.score === top, `kept row is the best R²: ${JSON.stringify(rows)}`);
});

test('bad --grid-lr values are usage errors (exit code 2), before any browser starts', async () => {
  const cases: [string[], RegExp][] = [
    [['--grid-lr', '0.1,x'], /--grid-lr needs comma-separated numbers > 0 written in decimal \(such as 0\.05 or 5e-2\), got 'x'/],
    [['--grid-lr', '0.1,,1'], /--grid-lr needs comma-separated numbers > 0/],
    [['--grid-lr', '0.1,-1'], /--grid-lr needs comma-separated numbers > 0/],
    [['--grid-lr', '0.1,1', '--lr', '0.5'], /--grid-lr tries several rates: leave out --lr/],
    [['--grid-lr', '0.1,1', '--validation', '0'], /--validation must be > 0/],
    [['--grid-lr', '0.1,1', '--solver', 'lbfgs'], /--grid-lr searches the learning rates of --solver sgd; --solver lbfgs has no learning rate/],
  ];
  const runs = await Promise.all(cases.map(([args]) => train(args)));
  cases.forEach(([args, pattern], i) => {
    const run = runs[i] as NodeRun;
    assert.is(run.code, 2, describeRun(`train ${args.join(' ')}`, run));
    assert.match(run.stderr, pattern);
  });
});

test.run();
