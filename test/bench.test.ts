// The benchmark's plumbing: its building blocks against independent references, and `bench/run.ts --quick`
// end to end in headless Chrome on a random small synthetic problem, whose final losses (library,
// TF.js webgpu, TF.js wasm, plain JS) must match each other and the float64 trainer. No timings are
// asserted: they depend on the machine and its load.
import { spawnSync } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isFullRun, parseArgs } from '../bench/args.ts';
import { decodeIdx, gunzip, reshapeData, syntheticData } from '../bench/data.ts';
import { meanCrossEntropy } from '../bench/evaluate.ts';
import { planTraining, scalingPoints } from '../bench/plan.ts';
import { plainJsTrainer } from '../bench/plain.ts';
import { lossChecks, ratios, replaceBlock } from '../bench/report.ts';
import { fitLine, median } from '../bench/stats.ts';
import { warmupPlan } from '../bench/suite.ts';
import type { BenchSummary, TrainingRun } from '../bench/types.ts';
import * as cpu from '../src/cpu/index.ts';
import { resolveFitOptions } from '../src/core/options.ts';
import { relativeError } from './support/compare.ts';
import { mulberry32, randomInt, testSeed } from './support/random.ts';
import { clockTests } from './support/test-clock.ts';

clockTests(test, 'bench');

const ROOT = new URL('..', import.meta.url).pathname;
const LOSS_TOLERANCE = 1e-3; // relative, between implementations and against the float64 trainer

/** Labels as one-hot float64 rows, for the CPU reference. */
function oneHot64(labels: Uint8Array, k: number): { data: Float64Array; rows: number; cols: number } {
  const data = new Float64Array(labels.length * k);
  labels.forEach((v, i) => {
    data[i * k + v] = 1;
  });
  return { data, rows: labels.length, cols: k };
}

/** The float64 trainer's loss after one in-order epoch: the value every implementation must reach. */
function referenceLoss(n: number, d: number, k: number, seed: number, batchSize: number, learningRate: number): number {
  const data = syntheticData(n, d, k, seed);
  const X = { data: data.X, rows: n, cols: d };
  const Y = oneHot64(data.labels, k);
  const { W, b } = cpu.train({
    objective: 'softmax-ce', X, Y, W: { data: new Float64Array(d * k), rows: d, cols: k }, b: { data: new Float64Array(k), rows: 1, cols: k },
    fitIntercept: true,
    options: resolveFitOptions({ epochs: 1, batchSize, learningRate, shuffle: false }, n),
  });
  return cpu.loss('ce', cpu.matmul(X, W, b), Y);
}

test('fitLine recovers an exact line and R² = 1; median of odd and even lists', () => {
  const rng = mulberry32(testSeed('bench fitLine'));
  const slope = 10 * rng() - 5;
  const intercept = 100 * rng();
  const xs = Array.from({ length: 9 }, () => 1e6 * rng());
  const fit = fitLine(xs, xs.map((x) => intercept + slope * x));
  assert.ok(Math.abs(fit.slope - slope) <= 1e-9 * Math.abs(slope), `slope ${fit.slope} vs ${slope}`);
  assert.ok(Math.abs(fit.intercept - intercept) <= 1e-6, `intercept ${fit.intercept} vs ${intercept}`);
  assert.ok(Math.abs(fit.r2 - 1) <= 1e-12, `R² ${fit.r2}`);
  assert.is(median([5, 1, 3]), 3);
  assert.is(median([4, 1, 3, 2]), 2.5);
  assert.throws(() => fitLine([1, 1], [2, 3]), /all x values are equal/);
});

test('decodeIdx and gunzip read a hand-built IDX file; a wrong magic or size is refused', async () => {
  const header = [0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 2];
  const pixels = [0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255];
  const gz = gzipSync(Uint8Array.from([...header, ...pixels]));
  const idx = decodeIdx(await gunzip(new Uint8Array(gz)), 'images');
  assert.equal(idx.dims, [2, 3, 2]);
  assert.equal(Array.from(idx.data), pixels);
  assert.throws(() => decodeIdx(Uint8Array.from([0, 0, 9, 1, 0, 0, 0, 1, 7]), 'x'), /not an unsigned-byte IDX file/);
  assert.throws(() => decodeIdx(Uint8Array.from([0, 0, 8, 1, 0, 0, 0, 2, 7]), 'x'), /header says 2 = 2 bytes of data but the file holds 1/);
});

test('meanCrossEntropy matches cpu.loss on cpu.matmul; reshapeData keeps rows, leading features and labels mod k', () => {
  const rng = mulberry32(testSeed('bench loss'));
  const n = randomInt(rng, 5, 60);
  const d = randomInt(rng, 2, 30);
  const k = randomInt(rng, 2, 9);
  const data = syntheticData(n, d, k, randomInt(rng, 0, 1e6));
  const W = Float64Array.from({ length: d * k }, () => rng() - 0.5);
  const b = Float64Array.from({ length: k }, () => rng() - 0.5);
  const Y = oneHot64(data.labels, k);
  const ref = cpu.loss('ce', cpu.matmul({ data: data.X, rows: n, cols: d }, { data: W, rows: d, cols: k }, { data: b, rows: 1, cols: k }), Y);
  const got = meanCrossEntropy(data, W, b);
  assert.ok(Math.abs(got - ref) <= 1e-12 * Math.abs(ref), `${got} vs ${ref}`);

  const r = reshapeData(data, n - 1, d - 1, 2);
  assert.is(r.X.length, (n - 1) * (d - 1));
  assert.is(r.X[(n - 2) * (d - 1) + (d - 2)], data.X[(n - 2) * d + (d - 2)]);
  assert.is(r.labels[n - 2], (data.labels[n - 2] as number) % 2);
});

test('plain-JS epoch equals the float64 trainer (same batches, partial last batch, same updates)', async () => {
  const rng = mulberry32(testSeed('bench plain-js'));
  const n = randomInt(rng, 40, 200);
  const d = randomInt(rng, 3, 25);
  const k = randomInt(rng, 2, 7);
  const batchSize = randomInt(rng, 3, 50);
  const seed = randomInt(rng, 0, 1e6);
  const data = syntheticData(n, d, k, seed);
  const out = await plainJsTrainer.epoch(data, batchSize, 0.3);
  const ref = cpu.train({
    objective: 'softmax-ce', X: { data: data.X, rows: n, cols: d }, Y: oneHot64(data.labels, k),
    W: { data: new Float64Array(d * k), rows: d, cols: k }, b: { data: new Float64Array(k), rows: 1, cols: k }, fitIntercept: true,
    options: resolveFitOptions({ epochs: 1, batchSize, learningRate: 0.3, shuffle: false }, n),
  });
  const err = relativeError([...Array.from(out.W), ...Array.from(out.b)], [...ref.W.data, ...ref.b.data]);
  assert.ok(err <= 1e-9, `n=${n} d=${d} k=${k} batch=${batchSize}: parameter error ${err}`);
});

test('options: bad flags are refused; defaults skip only TF.js webgpu at batch 64; the scaling grid is the stated one', () => {
  assert.throws(() => parseArgs(['--impl', 'tfjs-cpu']), /unknown implementation "tfjs-cpu"/);
  assert.throws(() => parseArgs(['--runs', '3']), /--runs must be at least 10/);
  assert.throws(() => parseArgs(['--batch', '0']), /--batch: "0" is not a positive integer/);
  assert.throws(() => parseArgs(['--runtime', 'node', '--impl', 'tfjs-wasm']), /need the browser/);
  assert.throws(() => parseArgs(['--frobnicate']), /unknown option "--frobnicate"/);
  assert.ok(isFullRun(parseArgs(['--json'])));
  assert.not.ok(isFullRun(parseArgs(['--batch', '256'])));

  const all = ['webgpu-logreg', 'tfjs-webgpu', 'tfjs-wasm', 'plain-js'] as const;
  const plan = planTraining(parseArgs([]), all, 60000);
  assert.is(plan.runs.length, 4 * 4 - 1);
  assert.not.ok(plan.runs.some((r) => r.impl === 'tfjs-webgpu' && r.batch === 64));
  assert.ok(planTraining(parseArgs(['--impl', 'tfjs-webgpu', '--batch', '64']), all, 60000).runs.length === 1);
  const node = planTraining(parseArgs(['--runtime', 'node']), ['webgpu-logreg', 'plain-js'], 60000);
  assert.equal([...new Set(node.runs.map((r) => r.impl))], ['webgpu-logreg', 'plain-js']);

  const grid = scalingPoints({ name: 'fashion-mnist', n: 60000, d: 784, k: 10, source: '' });
  const key = (p: { n: number; d: number; k: number }): string => `${p.n}×${p.d}×${p.k}`;
  assert.equal(new Set(grid.map(key)), new Set([
    '60000×784×10', '7500×784×10', '15000×784×10', '30000×784×10',
    '60000×98×10', '60000×196×10', '60000×392×10', '60000×784×2', '60000×784×100',
  ]));
  assert.equal(warmupPlan(60000, 256), { rows: 2 * 256 + 96, batchSize: 256 });
  assert.equal(warmupPlan(60000, 60000), { rows: 1024, batchSize: 1024 });
  assert.equal(warmupPlan(300, 256), { rows: 300, batchSize: 256 });
});

test('report: loss checks flag a disagreement, ratios are theirs/ours at 256, blocks replace only their markers', () => {
  const run = (impl: TrainingRun['impl'], batchSize: number, ms: number, loss: number): TrainingRun => ({
    impl, batchSize, full: false, steps: 1, msPerEpoch: ms, finalLoss: loss, warmupMs: 0, W: [1, 2], b: [loss],
  });
  const checks = lossChecks([run('plain-js', 256, 900, 1), run('webgpu-logreg', 256, 100, 1.0005), run('tfjs-wasm', 64, 5, 2), run('plain-js', 64, 5, 2.01)]);
  assert.equal(checks.map((c) => [c.batchSize, c.reference, c.ok]), [[64, 'plain-js', false], [256, 'plain-js', true]]);
  const r = ratios([run('webgpu-logreg', 256, 100, 1), run('tfjs-webgpu', 256, 1500, 1), run('plain-js', 64, 50, 1)]);
  assert.equal(r, { vsTfjsWebgpu: 15, vsTfjsWasm: null, vsPlainJs: null });
  // Against the byte-storage run when asked: same others, its own time.
  const u8 = ratios([run('webgpu-logreg', 256, 100, 1), run('webgpu-logreg-u8', 256, 50, 1), run('tfjs-wasm', 256, 200, 1)], 'webgpu-logreg-u8');
  assert.equal(u8, { vsTfjsWebgpu: null, vsTfjsWasm: 4, vsPlainJs: null });
  const doc = 'intro\n<!-- bench:node:begin -->\nold\n<!-- bench:node:end -->\nnotes kept\n';
  const next = replaceBlock(doc, 'node', 'new');
  assert.is(next, 'intro\n<!-- bench:node:begin -->\nnew\n<!-- bench:node:end -->\nnotes kept\n');
  assert.ok(replaceBlock(next, 'browser', 'b').endsWith('<!-- bench:browser:begin -->\nb\n<!-- bench:browser:end -->\n'));
});

test('npm run bench -- --quick --json: every implementation reaches the float64 trainer\'s loss', () => {
  const rng = mulberry32(testSeed('bench quick run'));
  const n = randomInt(rng, 300, 700);
  const d = randomInt(rng, 5, 40);
  const k = randomInt(rng, 2, 7);
  const seed = randomInt(rng, 0, 1e6);
  const args = ['--quick', '--json', '--no-write', '--shape', `${n},${d},${k}`, '--seed', String(seed)];
  const child = spawnSync(process.execPath, ['--import', 'tsx', 'bench/run.ts', ...args], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const where = `bench/run.ts ${args.join(' ')}`;
  assert.is(child.status, 0, `${where} exited with ${child.status}:\n${child.stderr}`);
  const last = child.stdout.trim().split('\n').at(-1) ?? '';
  const s = JSON.parse(last) as BenchSummary;

  for (const key of ['vendor', 'architecture', 'device', 'description'] as const) assert.type(s.adapter[key], 'string', `adapter.${key}`);
  assert.ok(s.kernels.length >= 8, `${s.kernels.length} kernels`);
  for (const kr of s.kernels) {
    assert.type(kr.name, 'string');
    for (const f of ['ms', 'gflops', 'gbps'] as const) assert.ok(Number.isFinite(kr[f]) && kr[f] > 0, `${kr.name}.${f} = ${kr[f]}`);
  }
  assert.equal(Object.keys(s.ratios).sort(), ['vsPlainJs', 'vsTfjsWasm', 'vsTfjsWebgpu']);
  assert.equal(Object.keys(s.ratiosU8).sort(), ['vsPlainJs', 'vsTfjsWasm', 'vsTfjsWebgpu']);
  // Plumbing only, not timing: at --quick sizes a plain-JS epoch can take less than the page's
  // timer resolution, making its ratio 0.
  for (const v of [...Object.values(s.ratios), ...Object.values(s.ratiosU8)]) assert.ok(typeof v === 'number' && Number.isFinite(v) && v >= 0, `ratio ${v}`);

  const impls = ['webgpu-logreg', 'webgpu-logreg-u8', 'webgpu-logreg-js', 'tfjs-webgpu', 'tfjs-wasm', 'plain-js'];
  for (const batchSize of [64, 256, n]) {
    const ref = referenceLoss(n, d, k, seed, batchSize, 0.1);
    for (const impl of impls) {
      const t = s.training.find((r) => r.impl === impl && r.batchSize === batchSize);
      if (t === undefined) assert.unreachable(`${where}: no ${impl} result at batch ${batchSize}`);
      else {
        assert.ok(Number.isFinite(t.msPerEpoch) && t.msPerEpoch >= 0, `${impl} ${batchSize}: ms ${t.msPerEpoch}`);
        const err = Math.abs(t.finalLoss - ref) / ref;
        assert.ok(err <= LOSS_TOLERANCE, `${where}: ${impl} at batch ${batchSize}: loss ${t.finalLoss} vs float64 trainer ${ref} (rel ${err})`);
      }
    }
  }
  assert.ok(s.lossAgreement, 'the summary reports agreeing losses');
  // The grid case: each candidate's validation loss equals its separate fit's.
  assert.ok(s.grid !== null, 'the summary has the grid case');
  assert.ok(Number.isFinite(s.grid.ratio) && s.grid.ratio > 0, `grid ratio ${s.grid.ratio}`);
  assert.ok(s.grid.maxValLossDiff <= 1e-4, `grid validation losses differ from the separate fits' by ${s.grid.maxValLossDiff}`);
});

test.run();
