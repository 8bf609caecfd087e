// The test runner's own choices: which engines a GPU suite runs on, how a suite fans out per engine,
// and which files the fast loop runs. Node only: no page is opened here.
import { readdirSync } from 'node:fs';
import { suite, type Test } from 'uvu';
import * as assert from 'uvu/assert';
import { FAST_ENGINE, FAST_FILES, fastFiles, filesPattern } from '../scripts/test-selection.mjs';
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

test.run();
