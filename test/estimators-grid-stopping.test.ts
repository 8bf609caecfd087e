// GridSearch's candidates are lanes of fit()'s own epoch loop: each stops on its own by
// earlyStopping (going back to its best epoch) or tol, exactly when and where its separate fit()
// with the same options stops, while the others train on; an AbortSignal stops the whole search.
import * as assert from 'uvu/assert';
import type { GridRun } from '../harness/fixtures.ts';
import { relativeError, WorstCase } from './support/compare.ts';
import { gpuSuite } from './support/gpu-suite.ts';
import { epochMoves, maxRowNorm2, problem } from './support/models.ts';
import { mulberry32, randomInt, testSeed } from './support/random.ts';

const { test, gpu } = gpuSuite('estimators: grid search stopping rules');
/** A candidate against its separate f32 fit: the same f32 steps on the same rows. */
const SEPARATE_TOLERANCE = 1e-4;

test('earlyStopping and tol stop each candidate when and where its separate fit stops; the others train on', async () => {
  const rng = mulberry32(testSeed('grid stopping rules'));
  const worst = new WorstCase();
  for (const rule of ['earlyStopping', 'tol'] as const) {
    const n = randomInt(rng, 50, 90);
    const d = randomInt(rng, 2, 9);
    const nt = Math.floor(n * 0.75);
    const all = problem(rng, 'logistic', n, d, 1);
    const X = { data: all.X.data.slice(0, nt * d), rows: nt, cols: d };
    // σ' ≤ 1/4: the logistic loss's curvature is at most a quarter of max ‖x‖² (bias included).
    const L = 0.25 * maxRowNorm2(X, true);
    const rates = [0.1 / L, 0.9 / L];
    let run: GridRun = {
      model: 'logistic', options: { nFeatures: d }, X, y: all.y.slice(0, nt), grid: { learningRate: rates },
      validation: { X: { data: all.X.data.slice(nt * d), rows: n - nt, cols: d }, y: all.y.slice(nt) }, fit: { epochs: 16, batchSize: nt },
    };
    if (rule === 'earlyStopping') {
      // The validation rows' labels flipped: their loss rises as soon as training learns anything.
      // (Another problem's labels did not always: 12 of 400 float64 draws stopped no candidate.)
      const flipped = all.y.slice(nt).map((v) => 1 - v);
      run = { ...run, validation: { ...(run.validation as GridRun['validation'] & object), y: flipped }, fit: { ...run.fit, earlyStopping: { patience: 2 } } };
    } else {
      // A tol between two of the fast candidate's epoch moves, with room on both sides.
      const moves = epochMoves({ ...run, fit: { ...run.fit, learningRate: rates[1] } }, 16);
      // float32 and float64 moves differ by about 1e-6 relative: a 1 % gap on both sides is plenty.
      const at = moves.findIndex((m, e) => e >= 2 && m < 0.99 * Math.min(...moves.slice(0, e)));
      assert.ok(at > 0, `some epoch of full-batch descent moves clearly less than all before it: ${moves.join(', ')}`);
      run = { ...run, fit: { ...run.fit, tol: Math.sqrt((moves[at] as number) * Math.min(...moves.slice(0, at))) } };
    }
    const out = await gpu().call('gridSearch', run);
    const where = `${rule} n=${nt} d=${d} rates ${rates.map((r) => r.toPrecision(3)).join(', ')}`;
    const stopped = out.candidates.map((c, i) => {
      const s = out.separate[i];
      if (s === undefined || 'error' in s) throw new Error(`${where}: separate fit ${i} failed: ${s === undefined ? 'missing' : s.error}`);
      assert.is(c.stopReason, s.history.stopReason, `${where} candidate ${i}: stops for the same reason as its separate fit`);
      assert.is(c.logs, s.history.epochs, `${where} candidate ${i}: after as many epochs`);
      const err = relativeError([...c.W, ...c.b], [...s.W, ...s.b]);
      worst.record(err, `${where} candidate ${i}`);
      assert.ok(err <= SEPARATE_TOLERANCE, `${where} candidate ${i}: parameters differ from the separate fit by ${err}`);
      return c.stopReason;
    });
    assert.ok(stopped.includes(rule === 'tol' ? 'tol' : 'early-stopping'), `${where}: some candidate stopped by the rule (${stopped.join(', ')})`);
    // With tol the slow candidate moves about a ninth as far an epoch: it stops at another epoch.
    if (rule === 'tol') assert.ok(new Set(out.candidates.map((c) => c.logs)).size > 1, `${where}: candidates stop on their own, not all at once (${out.candidates.map((c) => c.logs).join(', ')})`);
    assert.is(out.leaked, 0, `${where}: buffers left after destroy()`);
  }
  worst.report('grid stopping rules vs separate fits');
});

test('an AbortSignal stops the search: already aborted before any work, or after an epoch; no result, no buffer left', async () => {
  const rng = mulberry32(testSeed('grid abort'));
  const n = randomInt(rng, 40, 80);
  const d = randomInt(rng, 2, 9);
  const all = problem(rng, 'logistic', n, d, 1);
  const run: GridRun = {
    model: 'logistic', options: { nFeatures: d }, X: all.X, y: all.y, grid: { learningRate: [0.05, 0.2] },
    // Tiny batches: an epoch is many submits of 32 steps, between which the signal is looked at.
    fit: { epochs: 6, batchSize: 1 },
  };
  for (const afterEpochs of [0, 2]) {
    const out = await gpu().call('gridAbort', { ...run, afterEpochs });
    assert.is(out.error?.name, 'AbortError', `aborted after ${afterEpochs} epochs: ${JSON.stringify(out.error)}`);
    assert.is(out.epochs, afterEpochs, `no epoch ends after the abort (${afterEpochs})`);
    assert.is(out.result, false, 'an aborted search has no result');
    assert.is(out.leaked, 0, 'buffers left after destroy()');
  }
});

test.run();
