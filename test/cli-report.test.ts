// What `npm run train` prints, line by line: without a terminal each epoch once (its line holds all a
// table row would), on a terminal a redrawn bar whose first clock admits it includes the start-up,
// then the table; and library errors told in the command's own epoch numbers and flags.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { JobResult } from '../cli/job.ts';
import { commandMessage, epochLine, flagTerms, Progress, resultLines } from '../cli/report.ts';
import type { EpochLog } from '../src/index.ts';

const test = suite('train command output');

function log(epoch: number, extra: Partial<EpochLog> = {}): EpochLog {
  return { epoch, loss: 1 / (epoch + 1), accuracy: 0.8, valLoss: 1.1 / (epoch + 1), valAccuracy: 0.75, learningRate: 0.1 * 0.7 ** epoch, ms: 12.4, ...extra };
}

function result(epochs: EpochLog[]): JobResult {
  return {
    info: { dataset: 'd', nTrain: 10, nValidation: 2, nTest: 3, nFeatures: 2, classNames: ['a', 'b'], preprocessing: 'none', adapter: 'gpu' },
    history: { loss: epochs.map((e) => e.loss), learningRate: [], ms: [], epochs: epochs.length, converged: false, stopReason: 'epochs' },
    epochs,
    trainAccuracy: 0.8,
    testAccuracy: 2 / 3,
    testR2: null,
    finalLoss: epochs.at(-1)?.loss ?? Number.NaN,
    msPerEpoch: 12,
    confusion: [[1, 0], [1, 1]],
    model: null,
    grid: null,
  };
}

test('without a terminal: one line per epoch as it ends, with everything a table row has, and no table after', () => {
  const out: string[] = [];
  const progress = new Progress(false, (s) => out.push(s));
  progress.start(3);
  for (let e = 0; e < 3; e++) progress.epoch(log(e));
  progress.stop();
  assert.equal(out.map((s) => s.split(' ')[1]), ['1/3', '2/3', '3/3']);
  assert.ok(out.every((s) => s.endsWith('\n') && !s.includes('\r')), 'plain lines, nothing redrawn');
  assert.is(out[1], 'epoch 2/3  loss 0.5000  train acc 0.8000  validation loss 0.5500  validation acc 0.7500  rate 0.07  12 ms\n');
  const after = resultLines(result([log(0), log(1), log(2)]), false);
  assert.not.ok(after.some((l) => /^\s*epoch\s+loss/.test(l)), `a table repeats the epochs: ${after.join('\n')}`);
  assert.ok(after.some((l) => l.startsWith('test accuracy')));
});

test('on a terminal: the first clock says it includes the start-up, later ones name their epoch; the table follows', () => {
  const out: string[] = [];
  const progress = new Progress(true, (s) => out.push(s));
  progress.start(3);
  assert.match(out.at(-1) ?? '', /0\/3 .*start-up and epoch 1: \d/);
  assert.not.match(out.at(-1) ?? '', /(^|[^ ])epoch 1:/);
  progress.epoch(log(0));
  assert.match(out.at(-1) ?? '', /1\/3 .*validation acc 0\.7500 .* epoch 2: \d/);
  assert.not.match(out.at(-1) ?? '', /start-up/);
  progress.stop();
  const after = resultLines(result([log(0)]), true);
  assert.ok(after.some((l) => /^\s*epoch\s+loss\s+train acc\s+validation loss\s+validation acc\s+rate\s+ms$/.test(l)), after.join('\n'));
});

test('a diverged fit is told in the command\'s epoch numbers (from 1, of the total) and flags', () => {
  const library = 'training diverged: the loss became NaN in epoch 0; try a smaller learningRate (it was 0.1)';
  const told = commandMessage('ValueError', library, { epochs: 10, learningRate: 0.1 });
  assert.match(told, /^training diverged: the loss became NaN in epoch 1\/10; /);
  assert.match(told, /Run again with a smaller --lr, e\.g\. --lr 0\.01 \(this run started at --lr 0\.1\)$/);
  assert.is(commandMessage('ValueError', "CSV line 3, column 2: 'x' is not a finite number", { epochs: 10, learningRate: 0.1 }), "CSV line 3, column 2: 'x' is not a finite number");
  // A loss of 1e22 prints as one, not as 23 digits; an Infinity that JSON made null still prints.
  assert.match(epochLine(log(0, { loss: 2.0142110642634293e22 }), 5), /loss 2\.014e\+22 /);
  const crossed = JSON.parse(JSON.stringify(log(2, { valLoss: Number.POSITIVE_INFINITY }))) as EpochLog;
  assert.match(epochLine(crossed, 5), /^epoch 3\/5 .* validation loss not finite /);
});

test('library errors name the flag that set the option, not the fit() option', () => {
  const spec = { epochs: 10, learningRate: 0.1 };
  const cases: [string, string][] = [
    ['l2 is 1e+39, beyond the float32 range (±3.4e38)', '--l2 is 1e+39, beyond the float32 range (±3.4e38)'],
    ['learningRate is 1e-40, below the smallest normal float32 (1.18e-38): the GPU would use 0', '--lr is 1e-40, below the smallest normal float32 (1.18e-38): the GPU would use 0'],
    ['grid.learningRate[2] must be > 0 and within float32, got 1e-40', "--grid-lr's value 3 must be > 0 and within float32, got 1e-40"],
    ['learningRate.decay must be ≥ 0, got -1', '--lr-decay must be ≥ 0, got -1'],
    ['batchSize 200 does not apply to solver \'lbfgs\'', '--batch-size 200 does not apply to solver \'lbfgs\''],
    ['validationFraction 0.99 of 5 rows leaves 5 validation rows: both parts need at least one row', '--validation 0.99 of 5 rows leaves 5 validation rows: both parts need at least one row'],
    ["the CSV has no rows left: all 3 had an empty cell (missing: 'drop-rows')", 'the CSV has no rows left: all 3 had an empty cell (--missing drop-rows)'],
  ];
  for (const [library, told] of cases) {
    assert.is(flagTerms(library), told);
    assert.is(commandMessage('ValueError', library, spec), told);
  }
  // The divergence advice names the flag once, with a rate to try.
  const diverged = commandMessage('ValueError', 'training diverged: the loss became NaN in epoch 2; try a smaller learningRate (it was 0.1)', spec);
  assert.is(diverged, 'training diverged: the loss became NaN in epoch 3/10; the rate was 0.1. Run again with a smaller --lr, e.g. --lr 0.01 (this run started at --lr 0.1)');
});

test.run();
