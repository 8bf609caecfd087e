// solver 'lbfgs' on raw, badly scaled data, as users give it: the GPU fit and its float64 twin
// against optima known another way (least squares by the normal equations; softmax's optimum by
// a vanishing float64 gradient), softmax's biases centred, and a decision of 0 predicting class 0.
import * as assert from 'uvu/assert';
import * as cpu from '../src/cpu/index.ts';
import { accuracy } from '../src/core/metrics.ts';
import { loadIris } from '../src/data/iris.ts';
import type { ModelRun } from '../harness/fixtures.ts';
import { relativeError } from './support/compare.ts';
import { gpuSuite } from './support/gpu-suite.ts';
import { cpuFit, fitBoth } from './support/models.ts';
import { mulberry32, randomInt, randomMatrix, testSeed, type Rng, type TestMatrix } from './support/random.ts';

const { test, gpu } = gpuSuite('estimators: lbfgs reaches the optimum on raw data');

/**
 * The float32 floor of the objective's gradient at a GPU fit, relative to the gradient at the start:
 * the fit's parameters are float32 (6e-8 relative) and its loss and gradient float32 sums, so the
 * float64 gradient at the parameters it ends with cannot vanish. Measured on these problems:
 * see BENCHMARKS.md's L-BFGS section.
 */
const GRADIENT_FLOOR = 1e-4;

/** Least squares with an intercept by the normal equations in float64: [w, b]. */
function leastSquares(X: TestMatrix, y: number[]): number[] {
  const { rows: n, cols: d } = X;
  const m = d + 1;
  const M = Array.from({ length: m }, () => new Array<number>(m + 1).fill(0));
  for (let i = 0; i < n; i++) {
    const a = [...X.data.slice(i * d, (i + 1) * d), 1];
    for (let p = 0; p < m; p++) {
      const row = M[p] as number[];
      for (let q = 0; q < m; q++) row[q] = (row[q] as number) + (a[p] as number) * (a[q] as number);
      row[m] = (row[m] as number) + (a[p] as number) * (y[i] as number);
    }
  }
  for (let c = 0; c < m; c++) {
    let pivot = c;
    for (let r = c + 1; r < m; r++) if (Math.abs((M[r] as number[])[c] as number) > Math.abs((M[pivot] as number[])[c] as number)) pivot = r;
    [M[c], M[pivot]] = [M[pivot] as number[], M[c] as number[]];
    const row = M[c] as number[];
    for (let r = 0; r < m; r++) {
      if (r === c) continue;
      const other = M[r] as number[];
      const f = (other[c] as number) / (row[c] as number);
      for (let j = c; j <= m; j++) other[j] = (other[j] as number) - f * (row[j] as number);
    }
  }
  return M.map((row, i) => (row[m] as number) / (row[i] as number));
}

/** R² of the predictions X·w + b against y, in float64. */
function rSquared(X: TestMatrix, y: number[], w: ArrayLike<number>, b: number): number {
  const d = X.cols;
  const mean = y.reduce((s, v) => s + v, 0) / y.length;
  let residual = 0;
  let total = 0;
  y.forEach((v, i) => {
    let z = b;
    for (let j = 0; j < d; j++) z += (X.data[i * d + j] as number) * (w[j] as number);
    residual += (v - z) ** 2;
    total += (v - mean) ** 2;
  });
  return 1 - residual / total;
}

test('LinearRegression on targets ×1e8 and ×1e15 reaches the least-squares fit (GPU and float64 twin)', async () => {
  const rng = mulberry32(testSeed('lbfgs-scaled-targets'));
  for (const scale of [1e8, 1e15]) {
    const n = randomInt(rng, 40, 120);
    const d = randomInt(rng, 2, 8);
    const X = randomMatrix(rng, n, d, -2, 2);
    const w = Array.from({ length: d }, () => 2 * rng() - 1);
    // float32 targets, as both trainers hold them: the least squares of the same problem.
    const y = Array.from({ length: n }, (_, i) => Math.fround(scale * (w.reduce((s, v, j) => s + v * (X.data[i * d + j] as number), 0.5) + 0.3 * (rng() - 0.5))));
    const run: ModelRun = { model: 'linear', options: { nFeatures: d }, X, y, fit: { solver: 'lbfgs', epochs: 100 } };
    const best = leastSquares(X, y);
    const r2 = rSquared(X, y, best.slice(0, d), best[d] as number);
    const both = await fitBoth(gpu(), run);
    const label = `×${scale} ${n}×${d}`;
    const r2Gpu = rSquared(X, y, both.gpu.W, both.gpu.b[0] as number);
    const r2Cpu = rSquared(X, y, both.cpu.W.data, both.cpu.b.data[0] as number);
    assert.ok(Math.abs(r2Gpu - r2) <= 1e-6, `${label}: GPU R² ${r2Gpu}, least squares ${r2} (${both.gpu.history.stopReason} after ${both.gpu.history.epochs})`);
    assert.ok(Math.abs(r2Cpu - r2) <= 1e-12, `${label}: float64 R² ${r2Cpu}, least squares ${r2} (${both.cpu.history.stopReason} after ${both.cpu.history.epochs})`);
    const errGpu = relativeError([...both.gpu.W, ...both.gpu.b], best);
    const errCpu = relativeError([...both.cpu.W.data, ...both.cpu.b.data], best);
    assert.ok(errGpu <= 1e-4, `${label}: GPU coefficients ${errGpu} from least squares`);
    assert.ok(errCpu <= 1e-9, `${label}: float64 coefficients ${errCpu} from least squares`);
  }
});

/**
 * Integer pixels 0..255 around one random template per class, overlapping: raw, uncentred features
 * make the bias and the weights nearly collinear, so L-BFGS needs 100–400 iterations even in
 * float64 (more with more classes or features; this keeps 3 classes and ≤ 8 features).
 */
function pixels(rng: Rng, n: number, d: number, k: number): { X: TestMatrix; y: number[] } {
  const templates = randomMatrix(rng, k, d, 96, 160);
  const y = Array.from({ length: n }, (_, i) => (i < k ? i : randomInt(rng, 0, k - 1)));
  const data = y.flatMap((c) => Array.from({ length: d }, (_, j) => Math.round(Math.min(255, Math.max(0, (templates.data[c * d + j] as number) + 400 * (rng() - 0.5))))));
  return { X: { data, rows: n, cols: d }, y };
}

function oneHot(y: number[], k: number): { data: number[]; rows: number; cols: number } {
  return { data: y.flatMap((c) => Array.from({ length: k }, (_, j) => (j === c ? 1 : 0))), rows: y.length, cols: k };
}

function gradientNorm(run: ModelRun, k: number, W: ArrayLike<number>, b: ArrayLike<number>, l2: number): number {
  const d = run.X.cols;
  return cpu.objectiveGradientNorm({
    objective: 'softmax-ce', X: run.X, Y: oneHot(run.y, k), W: { data: Array.from(W), rows: d, cols: k }, b: { data: Array.from(b), rows: 1, cols: k }, l2, fitIntercept: true,
  });
}

const sum = (v: ArrayLike<number>): number => Array.from(v).reduce((s, x) => s + x, 0);

test('softmax on raw 0..255 pixels and raw Iris reaches the float64 optimum with Σb = 0 (GPU and float64 twin)', async () => {
  const rng = mulberry32(testSeed('lbfgs-raw-softmax'));
  const iris = loadIris();
  const n = randomInt(rng, 120, 200);
  const k = 3;
  const d = randomInt(rng, 4, 8);
  const problems: { label: string; X: TestMatrix; y: number[]; k: number }[] = [
    { label: 'raw Iris', X: { data: Array.from(iris.X.data), rows: iris.X.rows, cols: iris.X.cols }, y: Array.from(iris.y), k: 3 },
    { label: `pixels ${n}×${d}, ${k} classes`, ...pixels(rng, n, d, k), k },
  ];
  for (const p of problems) {
    // scikit-learn's C = 1: mean loss + (1/2n)·‖W‖².
    const l2 = 1 / p.X.rows;
    const run: ModelRun = { model: 'softmax', options: { nFeatures: p.X.cols, nClasses: p.k }, X: p.X, y: p.y, fit: { solver: 'lbfgs', epochs: 300, l2 } };
    const optimum = cpuFit({ ...run, fit: { ...run.fit, epochs: 3000, gradTol: 1e-12 } });
    const start = gradientNorm(run, p.k, new Array<number>(p.X.cols * p.k).fill(0), new Array<number>(p.k).fill(0), l2);
    assert.ok(gradientNorm(run, p.k, optimum.W.data, optimum.b.data, l2) <= 1e-10 * start, `${p.label}: the float64 optimum's gradient vanishes`);
    const both = await fitBoth(gpu(), run);
    const reference = [...optimum.W.data, ...optimum.b.data];
    const gpuNorm = gradientNorm(run, p.k, both.gpu.W, both.gpu.b, l2);
    const stop = `${both.gpu.history.stopReason} after ${both.gpu.history.epochs}`;
    assert.ok(gpuNorm <= GRADIENT_FLOOR * start, `${p.label}: GPU gradient ${gpuNorm}, ${gpuNorm / start} of the start's (${stop})`);
    const errGpu = relativeError([...both.gpu.W, ...both.gpu.b], reference);
    assert.ok(errGpu <= 1e-4, `${p.label}: GPU parameters ${errGpu} from the optimum (${stop})`);
    assert.ok(Math.abs(sum(both.gpu.b)) <= 1e-5 * Math.max(1, ...Array.from(both.gpu.b, Math.abs)), `${p.label}: GPU Σb = ${sum(both.gpu.b)}`);
    // The twin, stopped as the GPU fit is, ends at the same optimum.
    const errCpu = relativeError([...both.cpu.W.data, ...both.cpu.b.data], reference);
    assert.ok(errCpu <= 1e-7, `${p.label}: float64 parameters ${errCpu} from the optimum (${both.cpu.history.stopReason} after ${both.cpu.history.epochs})`);
    assert.ok(Math.abs(sum(both.cpu.b.data)) <= 1e-10 * Math.max(1, ...Array.from(both.cpu.b.data, Math.abs)), `${p.label}: float64 Σb = ${sum(both.cpu.b.data)}`);
    // Without L2, W's rows are also free to shift: the fit keeps each summing to 0.
    const free = cpuFit({ ...run, fit: { ...run.fit, l2: 0, epochs: 30 } });
    for (let i = 0; i < p.X.cols; i++) {
      const row = free.W.data.slice(i * p.k, (i + 1) * p.k);
      assert.ok(Math.abs(sum(row)) <= 1e-9 * Math.max(1, ...Array.from(row, Math.abs)), `${p.label}, l2 = 0: W row ${i} sums to ${sum(row)}`);
    }
  }
});

test('a decision of exactly 0 predicts class 0, as scikit-learn\'s decision > 0 (GPU predict and score, float64 accuracy)', async () => {
  const rng = mulberry32(testSeed('lbfgs-decision-zero'));
  const n = randomInt(rng, 8, 30);
  // z = x₀ − x₁ + b with integer x and b = 0: exact in float32, 0 wherever x₀ = x₁ (the first row's
  // always, and one row each side of 0 so both classes are predicted).
  const data = Array.from({ length: n }, (_, i) => {
    const a = randomInt(rng, -5, 5);
    return i === 0 ? [a, a] : i === 1 ? [a, a - 1] : i === 2 ? [a, a + 1] : [a, rng() < 0.4 ? a : randomInt(rng, -5, 5)];
  }).flat();
  const X = { data, rows: n, cols: 2 };
  const z = Array.from({ length: n }, (_, i) => (data[2 * i] as number) - (data[2 * i + 1] as number));
  const expected = z.map((v) => (v > 0 ? 1 : 0));
  const r = await gpu().call('predictions', { model: 'logistic', options: { nFeatures: 2 }, W: { data: [1, -1], rows: 2, cols: 1 }, b: [0], X, y: expected });
  assert.equal(r.predicted, expected, `decisions ${z}`);
  assert.is(r.score, 1);
  const Yhat = { data: z.map((v) => cpu.sigmoidScalar(v)), rows: n, cols: 1 };
  assert.is(accuracy('logistic-bce', Yhat, { data: expected, rows: n, cols: 1 }), 1, 'float64 accuracy counts P = 0.5 as class 0');
});

test.run();
