// Tests for the float64 CPU reference: golden values from the worked example, seeded property
// tests, a finite-difference check that gradient() is the derivative of loss(), and shape errors.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ShapeError, ValueError } from '../src/errors.ts';
import type { DenseMatrix, LossKind, Matrix64 } from '../src/types.ts';
import { gradient, loss, matmul, sgdStep, sigmoid, sigmoidScalar, softmax } from '../src/cpu/index.ts';
import { assertClose } from './support/compare.ts';
import { mulberry32 } from './support/random.ts';

function mat(rows: readonly (readonly number[])[]): Matrix64 {
  return { data: Float64Array.from(rows.flat()), rows: rows.length, cols: (rows[0] as readonly number[]).length };
}

function randomMatrix(rand: () => number, rows: number, cols: number, scale = 1): Matrix64 {
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = (2 * rand() - 1) * scale;
  return { data, rows, cols };
}

function randInt(rand: () => number, lo: number, hi: number): number {
  return lo + Math.floor(rand() * (hi - lo + 1));
}

// ---- Worked example (bias column first in X, no separate b) ----

const X = mat([
  [1, 1.4, 0.2],
  [1, 1.5, 0.2],
  [1, 3.0, 1.1],
  [1, 4.1, 1.3],
]);
const y = mat([[0], [0], [1], [1]]);
const theta = mat([[0.1], [0.5], [-0.1]]);

test('golden: ŷ = sigmoid(X·θ) (tol 1e-5)', () => {
  const yhat = sigmoid(matmul(X, theta));
  assert.is(yhat.rows, 4);
  assert.is(yhat.cols, 1);
  assertClose(yhat.data, [0.68568, 0.69635, 0.81608, 0.88288], 1e-5, 'ŷ');
});

test('golden: bce loss on logits X·θ (tol 1e-6)', () => {
  assertClose([loss('bce', matmul(X, theta), y)], [0.669262], 1e-6, 'loss');
});

test('golden: gradient dW (tol 1e-6)', () => {
  const { dW, db } = gradient(X, sigmoid(matmul(X, theta)), y);
  assert.is(dW.rows, 3);
  assert.is(dW.cols, 1);
  assertClose(dW.data, [0.270249, 0.243133, -0.01954], 1e-6, 'dW');
  // With a bias column of ones, db equals the first row of dW.
  assertClose(db.data, [dW.data[0] as number], 1e-15, 'db');
});

test('golden: one sgdStep with η = 0.01 (tol 1e-6), input not mutated', () => {
  const { dW } = gradient(X, sigmoid(matmul(X, theta)), y);
  const before = Float64Array.from(theta.data);
  const next = sgdStep(theta, dW, 0.01);
  assertClose(next.data, [0.097298, 0.497569, -0.099805], 1e-6, 'θ');
  assert.equal(Array.from(theta.data), Array.from(before));
  assert.is.not(next.data, theta.data);
});

test('golden: mini-batch of rows 2 and 4 (tol 1e-6)', () => {
  const Xb = mat([
    [1, 1.5, 0.2],
    [1, 4.1, 1.3],
  ]);
  const yb = mat([[0], [1]]);
  const Zb = matmul(Xb, theta);
  assertClose(sigmoid(Zb).data, [0.696355, 0.882881], 1e-6, 'ŷ batch');
  assertClose([loss('bce', Zb, yb)], [0.65823], 1e-6, 'loss batch');
});

test('golden: softmax of X·W + b (tol 1e-3 rows 1–2, relative 1e-2 on 6.14e-6)', () => {
  const P = softmax(matmul(mat([[1, 2], [3, 4], [5, 6]]), mat([[1, 3], [2, 4]]), mat([[-10, -20]])));
  assert.is(P.rows, 3);
  assert.is(P.cols, 2);
  assertClose(P.data.subarray(0, 4), [0.982, 0.018, 0.018, 0.982], 1e-3, 'P rows 1–2');
  const small = P.data[4] as number;
  assert.ok(Math.abs(small - 6.14e-6) / 6.14e-6 <= 1e-2, `P[2][0] = ${small}, expected 6.14e-6 (rel 1e-2)`);
  assertClose([P.data[5] as number], [1.0], 1e-3, 'P[2][1]');
});

test('sgdStep applies L2 as θ − η(∇θ + λθ)', () => {
  const W = mat([[2, -4]]);
  const dW = mat([[1, 1]]);
  assertClose(sgdStep(W, dW, 0.1, 0.5).data, [2 - 0.1 * (1 + 1), -4 - 0.1 * (1 - 2)], 1e-15, 'θ');
});

// ---- Properties ----

test('property: softmax rows sum to 1 (1e-12) and lie in [0, 1]', () => {
  const rand = mulberry32(1);
  for (let trial = 0; trial < 50; trial++) {
    const Z = randomMatrix(rand, randInt(rand, 1, 6), randInt(rand, 1, 8), 30);
    const P = softmax(Z);
    for (let i = 0; i < P.rows; i++) {
      let sum = 0;
      for (let j = 0; j < P.cols; j++) {
        const p = P.data[i * P.cols + j] as number;
        assert.ok(p >= 0 && p <= 1, `p = ${p}`);
        sum += p;
      }
      assert.ok(Math.abs(sum - 1) <= 1e-12, `trial ${trial} row ${i} sums to ${sum}`);
    }
  }
});

test('property: sigmoid(−z) = 1 − sigmoid(z) (1e-12)', () => {
  const rand = mulberry32(2);
  for (let trial = 0; trial < 1000; trial++) {
    const z = (2 * rand() - 1) * 50;
    const err = Math.abs(sigmoidScalar(-z) - (1 - sigmoidScalar(z)));
    assert.ok(err <= 1e-12, `z = ${z}: error ${err}`);
  }
  const Z = randomMatrix(rand, 3, 4, 20);
  const neg: Matrix64 = { data: Z.data.map((v) => -v), rows: 3, cols: 4 };
  const s = sigmoid(Z);
  const sn = sigmoid(neg);
  for (let i = 0; i < s.data.length; i++) {
    assert.ok(Math.abs((sn.data[i] as number) - (1 - (s.data[i] as number))) <= 1e-12);
  }
});

test('property: sigmoid, softmax and loss are finite at ±1e4', () => {
  const Z = mat([[1e4, -1e4, 0, -1e4, 1e4]]);
  const s = sigmoid(Z);
  const p = softmax(Z);
  for (const v of [...s.data, ...p.data]) assert.ok(Number.isFinite(v), `got ${v}`);
  assertClose(s.data, [1, 0, 0.5, 0, 1], 1e-15, 'sigmoid');
  assertClose(p.data, [0.5, 0, 0, 0, 0.5], 1e-15, 'softmax');
  const Y = mat([[0, 1, 0, 0, 1]]);
  assert.ok(Number.isFinite(loss('bce', Z, Y)));
  assert.ok(Number.isFinite(loss('ce', Z, mat([[0, 1, 0, 0, 0]]))));
  // Confidently wrong bce logits cost |z| each: 1e4 (z = 1e4, y = 0) + 1e4 (z = −1e4, y = 1).
  assertClose([loss('bce', mat([[1e4, -1e4]]), mat([[0, 1]]))], [2e4], 1e-9, 'bce');
});

// ---- gradient() is the derivative of loss() ----

const linkOf: Record<LossKind, (Z: DenseMatrix) => Matrix64> = {
  bce: sigmoid,
  ce: softmax,
  mse: (Z) => ({ data: Float64Array.from(Z.data), rows: Z.rows, cols: Z.cols }),
};

/** Targets each loss is defined for: 0/1 for bce, one-hot rows for ce (∂ℓ/∂Z = Ŷ − Y needs Σy = 1), reals for mse. */
function randomTargets(rand: () => number, kind: LossKind, m: number, k: number): Matrix64 {
  const Y = { data: new Float64Array(m * k), rows: m, cols: k };
  for (let i = 0; i < m; i++) {
    if (kind === 'ce') Y.data[i * k + randInt(rand, 0, k - 1)] = 1;
    else for (let j = 0; j < k; j++) Y.data[i * k + j] = kind === 'bce' ? (rand() < 0.5 ? 0 : 1) : (2 * rand() - 1) * 3;
  }
  return Y;
}

/**
 * Fourth-order central difference of loss(X·W + b) in each entry of `param` (W or b, mutated in
 * place and restored). The plain two-point stencil at h = 1e-5 leaves ~1e-11 of cancellation
 * error, which is already ~1e-6 relative on gradient entries near 1e-5; the five-point stencil
 * allows h = 1e-3 (cancellation ~1e-13) while its O(h⁴) truncation stays ~1e-13.
 */
function numericGradient(f: () => number, param: Matrix64): Float64Array {
  const h = 1e-3;
  const out = new Float64Array(param.data.length);
  const at = (i: number, x: number): number => {
    param.data[i] = x;
    return f();
  };
  for (let i = 0; i < param.data.length; i++) {
    const x = param.data[i] as number;
    out[i] = (-at(i, x + 2 * h) + 8 * at(i, x + h) - 8 * at(i, x - h) + at(i, x - 2 * h)) / (12 * h);
    param.data[i] = x;
  }
  return out;
}

/** Relative error, with the denominator floored at 1e-6 so entries that are ~0 compare absolutely. */
function assertRelClose(analytic: ArrayLike<number>, numeric: ArrayLike<number>, what: string): void {
  for (let i = 0; i < numeric.length; i++) {
    const a = analytic[i] as number;
    const n = numeric[i] as number;
    const rel = Math.abs(a - n) / Math.max(Math.abs(a), Math.abs(n), 1e-6);
    assert.ok(rel <= 1e-6, `${what}[${i}]: analytic ${a}, numeric ${n}, relative error ${rel}`);
  }
}

for (const kind of ['bce', 'ce', 'mse'] as const) {
  test(`finite differences: gradient() is ∂loss('${kind}')/∂(W, b) (relative 1e-6)`, () => {
    const rand = mulberry32(kind === 'bce' ? 11 : kind === 'ce' ? 12 : 13);
    for (let trial = 0; trial < 20; trial++) {
      const m = randInt(rand, 1, 6);
      const d = randInt(rand, 1, 4);
      const k = kind === 'bce' ? randInt(rand, 1, 3) : randInt(rand, 2, 4);
      const Xr = randomMatrix(rand, m, d, 2);
      const W = randomMatrix(rand, d, k, 1);
      const b = randomMatrix(rand, 1, k, 1);
      const Y = randomTargets(rand, kind, m, k);
      const f = (): number => loss(kind, matmul(Xr, W, b), Y);
      const { dW, db } = gradient(Xr, linkOf[kind](matmul(Xr, W, b)), Y);
      assert.is(dW.rows, d);
      assert.is(dW.cols, k);
      assert.is(db.rows, 1);
      assert.is(db.cols, k);
      assertRelClose(dW.data, numericGradient(f, W), `${kind} trial ${trial} dW`);
      assertRelClose(db.data, numericGradient(f, b), `${kind} trial ${trial} db`);
    }
  });
}

test(`finite differences: gradient(…, 'sigmoid-mse') is ∂loss('mse', sigmoid(Z))/∂(W, b) (relative 1e-6)`, () => {
  const rand = mulberry32(14);
  for (let trial = 0; trial < 20; trial++) {
    const m = randInt(rand, 1, 6);
    const d = randInt(rand, 1, 4);
    const k = randInt(rand, 1, 3);
    const Xr = randomMatrix(rand, m, d, 2);
    const W = randomMatrix(rand, d, k, 1);
    const b = randomMatrix(rand, 1, k, 1);
    // 0/1 targets, as logistic-mse trains on; the chain-rule factor ŷ(1 − ŷ) is what is under test.
    const Y = randomTargets(rand, 'bce', m, k);
    const f = (): number => loss('mse', sigmoid(matmul(Xr, W, b)), Y);
    const { dW, db } = gradient(Xr, sigmoid(matmul(Xr, W, b)), Y, 'sigmoid-mse');
    assertRelClose(dW.data, numericGradient(f, W), `sigmoid-mse trial ${trial} dW`);
    assertRelClose(db.data, numericGradient(f, b), `sigmoid-mse trial ${trial} db`);
  }
});

test(`gradient(…, 'residual') is the default and 'sigmoid-mse' differs from it`, () => {
  const yhat = sigmoid(matmul(X, theta));
  const def = gradient(X, yhat, y);
  const res = gradient(X, yhat, y, 'residual');
  assert.equal(Array.from(def.dW.data), Array.from(res.dW.data));
  assert.equal(Array.from(def.db.data), Array.from(res.db.data));
  const sm = gradient(X, yhat, y, 'sigmoid-mse');
  assert.not.equal(Array.from(sm.dW.data), Array.from(res.dW.data));
});

// ---- Argument errors ----

function assertThrowsWith(fn: () => unknown, ErrorClass: typeof ShapeError | typeof ValueError, parts: readonly string[]): void {
  try {
    fn();
  } catch (err) {
    assert.instance(err, ErrorClass);
    const message = (err as Error).message;
    for (const part of parts) assert.ok(message.includes(part), `message "${message}" should contain "${part}"`);
    return;
  }
  assert.unreachable(`expected ${ErrorClass.name}`);
}

test('shape errors: matmul', () => {
  const X43 = randomMatrix(mulberry32(3), 4, 3);
  assertThrowsWith(() => matmul(X43, randomMatrix(mulberry32(4), 2, 1)), ShapeError, [
    'matmul: X is 4×3 but W is 2×1 (X.cols must equal W.rows)',
  ]);
  assertThrowsWith(() => matmul(X43, theta, mat([[1, 2]])), ShapeError, ['matmul', 'W is 3×1', 'b is 1×2']);
  assertThrowsWith(() => matmul(X43, theta, mat([[1], [2]])), ShapeError, ['b is 2×1']);
  assertThrowsWith(() => matmul({ data: [1, 2, 3], rows: 2, cols: 2 }, theta), ShapeError, ['matmul', 'X.data has 3 values', '2×2']);
  assertThrowsWith(() => matmul({ data: [], rows: 0, cols: 3 }, theta), ShapeError, ['matmul', 'X', '0×3']);
});

test('shape errors: gradient, loss, softmax, sigmoid, sgdStep', () => {
  const yhat = sigmoid(matmul(X, theta));
  assertThrowsWith(() => gradient(X, mat([[0.5], [0.5]]), mat([[0], [1]])), ShapeError, ['gradient', 'X is 4×3', 'Yhat is 2×1']);
  assertThrowsWith(() => gradient(X, yhat, mat([[0, 1], [0, 1], [1, 0], [1, 0]])), ShapeError, [
    'gradient',
    'Yhat is 4×1',
    'Y is 4×2',
  ]);
  assertThrowsWith(() => loss('bce', matmul(X, theta), mat([[0], [1]])), ShapeError, ['loss', 'Z is 4×1', 'Y is 2×1']);
  assertThrowsWith(() => loss('mse', mat([[1, 2]]), mat([[1], [2]])), ShapeError, ['loss', 'Z is 1×2', 'Y is 2×1']);
  assertThrowsWith(() => softmax({ data: [1, 2], rows: 1, cols: 3 }), ShapeError, ['softmax', 'Z.data']);
  assertThrowsWith(() => sigmoid({ data: [1], rows: 1.5, cols: 1 }), ShapeError, ['sigmoid', 'Z']);
  assertThrowsWith(() => sgdStep(theta, mat([[1, 2, 3]]), 0.1), ShapeError, ['sgdStep', 'W is 3×1', 'dW is 1×3']);
});

test('value errors: sgdStep learningRate and l2, loss kind', () => {
  assertThrowsWith(() => sgdStep(theta, theta, Number.NaN), ValueError, ['learningRate']);
  assertThrowsWith(() => sgdStep(theta, theta, Infinity), ValueError, ['learningRate']);
  assertThrowsWith(() => sgdStep(theta, theta, 0.1, Infinity), ValueError, ['l2']);
  assertThrowsWith(() => sgdStep(theta, theta, 0.1, -1), ValueError, ['l2', '≥ 0']);
  assertThrowsWith(() => loss('hinge' as LossKind, y, y), ValueError, ['loss', 'kind', 'hinge']);
});

test.run();
