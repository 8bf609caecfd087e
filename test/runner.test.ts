// The test runner's own choices: which engines a GPU suite runs on, how a suite fans out per engine,
// and which files the fast loop runs. Node only: no page is opened here.
import { readdirSync } from 'node:fs';
import { suite, type Test } from 'uvu';
import * as assert from 'uvu/assert';
import { FAST_ENGINE, FAST_FILES, fastFiles, filesPattern } from '../scripts/test-selection.mjs';
import { jobCount, splitByTime, UNTIMED_SECONDS } from '../scripts/test-shards.mjs';
import { BOTH_ENGINES, declaredEngines, engineFilter, fanOut } from './support/gpu-suite.ts';

const test = suite('test runner');

test('a suite runs on the engines it declares; estimators* files default to both, others to none', () => {
  assert.equal(declaredEngines({}, 'estimators.test.ts'), BOTH_ENGINES);
  assert.equal(declaredEngines({}, 'estimators-grid.test.ts'), BOTH_ENGINES);
  assert.equal(declaredEngines({}, 'matmul.test.ts'), []);
  assert.equal(declaredEngines({}, 'robustness-inputs.test.ts'), []);
  assert.equal(declaredEngines({}, null), []);
  assert.equal(declaredEngines({ engines: [] }, 'estimators-grid.test.ts'), []);
  assert.equal(declaredEngines({ engines: ['gpu'] }, 'matmul.test.ts'), ['gpu']);
});

test('TEST_ENGINE narrows to one engine; anything but cpu or gpu is refused by name', () => {
  assert.is(engineFilter({}), null);
  assert.is(engineFilter({ TEST_ENGINE: '' }), null);
  assert.is(engineFilter({ TEST_ENGINE: 'cpu' }), 'cpu');
  assert.is(engineFilter({ TEST_ENGINE: 'gpu' }), 'gpu');
  for (const bad of ['GPU', 'both', 'auto']) {
    assert.throws(() => engineFilter({ TEST_ENGINE: bad }), (e: Error) => e.message.includes('TEST_ENGINE') && e.message.includes(`'${bad}'`));
  }
});

/** A stand-in for a uvu suite that records what is registered on it. */
function recorder(log: string[], id: string): Test {
  const note = (what: string) => () => {
    log.push(`${id} ${what}`);
  };
  const named = (what: string) => (name?: string) => {
    log.push(`${id} ${what} ${String(name)}`);
  };
  const hook = (kind: string): Test['before'] => Object.assign(note(kind), { each: note(`${kind}.each`) });
  return Object.assign(named('test'), {
    only: named('only'), skip: named('skip'), before: hook('before'), after: hook('after'), run: note('run'),
  });
}

test('one test object registers every test, hook and run on each engine suite, names suffixed', () => {
  const log: string[] = [];
  const t = fanOut([recorder(log, 'A'), recorder(log, 'B')], [' [cpu]', ' [gpu]']);
  const noop = () => undefined;
  t('fits', noop);
  t.only('one', noop);
  t.skip('later', noop);
  t.before(noop);
  t.before.each(noop);
  t.after(noop);
  t.after.each(noop);
  t.run();
  assert.equal(log, [
    'A test fits [cpu]', 'B test fits [gpu]', 'A only one [cpu]', 'B only one [gpu]', 'A skip later [cpu]', 'B skip later [gpu]',
    'A before', 'B before', 'A before.each', 'B before.each', 'A after', 'B after', 'A after.each', 'B after.each', 'A run', 'B run',
  ]);
});

test('every file the fast loop names exists, and TEST_FILES narrows it', () => {
  const files = readdirSync(new URL('.', import.meta.url)).filter((f) => f.endsWith('.test.ts'));
  for (const f of FAST_FILES) assert.ok(files.includes(f), `${f} is in the fast list but not in test/`);
  assert.equal(fastFiles(files, '\\.test\\.ts$').sort(), [...FAST_FILES].sort());
  assert.equal(fastFiles(files, '^MATMUL'), ['matmul.test.ts']);
  assert.equal(fastFiles(files, '^demo'), [], 'the demo is not a fast suite');
  assert.ok(FAST_ENGINE === 'cpu' || FAST_ENGINE === 'gpu');
  const pattern = new RegExp(filesPattern(['a.test.ts', 'b-c.test.ts']));
  assert.ok(pattern.test('b-c.test.ts') && !pattern.test('xa.test.ts') && !pattern.test('a_test_ts'));
  assert.not.ok(new RegExp(filesPattern([])).test('a.test.ts'), 'no files: nothing matches');
});

test('the files are split between the test processes by their last times, each file once, untimed ones at a median weight', () => {
  const seconds: Record<string, number> = { 'a.test.ts': 100, 'b.test.ts': 60, 'c.test.ts': 50, 'd.test.ts': 5, 'e.test.ts': 1 };
  const names = [...Object.keys(seconds), 'new.test.ts'];
  const groups = splitByTime(names, 2, seconds);
  assert.equal(groups.flat().sort(), [...names].sort(), 'every file in exactly one process');
  const totals = groups.map((g) => g.reduce((s, n) => s + (seconds[n] ?? UNTIMED_SECONDS), 0));
  assert.ok(Math.max(...totals) - Math.min(...totals) <= 5, `balanced: ${totals.join(' vs ')}`);
  // Slowest first, each to the lighter process: a | b, c | new (10) to a's | d to the first of two at 110 | e to the other.
  assert.equal(UNTIMED_SECONDS, 10);
  assert.equal(totals, [115, 111]);
  assert.equal(groups, [['a.test.ts', 'd.test.ts', 'new.test.ts'], ['b.test.ts', 'c.test.ts', 'e.test.ts']]);
  groups.forEach((g) => assert.equal(g, [...g].sort(), 'each process runs its files in name order, as uvu does'));
  assert.equal(splitByTime(names, 1, seconds), [[...names].sort()], 'one process: every file, in name order');
  assert.equal(splitByTime(['x.test.ts'], 4, {}), [['x.test.ts']], 'no process without a file');
  assert.equal(splitByTime([], 2, {}), []);
});

test('TEST_JOBS: unset or empty gives the default, otherwise a positive integer, anything else refused by name', () => {
  assert.is(jobCount(undefined, 2), 2);
  assert.is(jobCount('', 2), 2);
  assert.is(jobCount('1', 2), 1);
  assert.is(jobCount('3', 2), 3);
  for (const bad of ['0', '-1', '1.5', 'two', ' 2']) {
    assert.throws(() => jobCount(bad, 2), (e: Error) => e.message.includes('TEST_JOBS') && e.message.includes(`'${bad}'`));
  }
});

test.run();
