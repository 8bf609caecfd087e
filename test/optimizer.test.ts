// The optimizers' float64 twin (src/core/optimizer.ts) against their definitions worked out here in
// closed form, and the optimizer option's checks. The GPU part is compared with this twin by
// estimators-optimizers.test.ts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkOptimizer, optimizerStep, zeroState, type Optimizer } from '../src/core/optimizer.ts';
import { resolveFitOptions } from '../src/core/options.ts';
import { ValueError } from '../src/errors.ts';
import { expectThrow as fails } from './support/errors.ts';
import { mulberry32, randomInt, testSeed, uniform } from './support/random.ts';

const close = (a: number, b: number, what: string): void => assert.ok(Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);

/** θ after `steps` steps of `o` from θ0 with the same gradient g at every step (l2 = 0). */
function run(o: Optimizer, theta0: number, g: number, rate: number, steps: number): number {
  const theta = new Float64Array([theta0]);
  const state = zeroState(o, 1);
  for (let t = 1; t <= steps; t++) optimizerStep(o, theta, [g], 0, rate, state, 0, t);
  return theta[0] as number;
}

test('with a constant gradient each rule takes the steps its definition sums to', () => {
  const rng = mulberry32(testSeed('optimizer closed forms'));
  for (let trial = 0; trial < 20; trial++) {
    const theta0 = uniform(rng, -2, 2);
    const g = uniform(rng, -3, 3);
    const rate = uniform(rng, 0.001, 0.5);
    const steps = randomInt(rng, 1, 30);
    const mu = uniform(rng, 0, 0.99);
    // v_t = g(1 − μᵗ)/(1 − μ); heavy ball moves by η·Σv_t, Nesterov by η·Σ(g + μv_t).
    const v = (t: number): number => (g * (1 - mu ** t)) / (1 - mu);
    let heavy = theta0;
    let nesterov = theta0;
    for (let t = 1; t <= steps; t++) {
      heavy -= rate * v(t);
      nesterov -= rate * (g + mu * v(t));
    }
    close(run({ kind: 'momentum', momentum: mu, nesterov: false }, theta0, g, rate, steps), heavy, 'momentum');
    close(run({ kind: 'momentum', momentum: mu, nesterov: true }, theta0, g, rate, steps), nesterov, 'nesterov');
    // Adam's bias-corrected moments of a constant g are g and g²: each step is η·g/(|g| + ε).
    const adam = { kind: 'adam', beta1: uniform(rng, 0, 0.99), beta2: uniform(rng, 0, 0.999), epsilon: 1e-8 } as const;
    close(run(adam, theta0, g, rate, steps), theta0 - steps * rate * g / (Math.abs(g) + 1e-8), 'adam');
    close(run({ kind: 'sgd' }, theta0, g, rate, steps), theta0 - steps * rate * g, 'sgd');
  }
});

test('λ joins the gradient before the rule, as PyTorch\'s weight_decay, and a zero momentum is plain SGD', () => {
  const theta = new Float64Array([2, -1]);
  const state = zeroState({ kind: 'adam', beta1: 0.9, beta2: 0.999, epsilon: 1e-8 }, 2);
  optimizerStep({ kind: 'adam', beta1: 0.9, beta2: 0.999, epsilon: 1e-8 }, theta, [0.5, 0], 0.1, 0.01, state, 0, 1);
  // g = (0.5 + 0.2, 0 − 0.1): the first Adam step is −η·sign(g) (to ε).
  close(theta[0] as number, 2 - 0.01 * 0.7 / (0.7 + 1e-8), 'θ0');
  close(theta[1] as number, -1 + 0.01 * 0.1 / (0.1 + 1e-8), 'θ1');
  close(state.first[0] as number, (1 - 0.9) * 0.7, 'm after one step');
  close(state.second[1] as number, (1 - 0.999) * 0.01, 'v after one step');
  const a = new Float64Array([1.5]);
  const b = new Float64Array([1.5]);
  for (let t = 1; t <= 5; t++) {
    optimizerStep({ kind: 'momentum', momentum: 0, nesterov: true }, a, [0.3 * t], 0.05, 0.2, zeroState({ kind: 'momentum', momentum: 0, nesterov: true }, 1), 0, t);
    optimizerStep({ kind: 'sgd' }, b, [0.3 * t], 0.05, 0.2, zeroState({ kind: 'sgd' }, 1), 0, t);
  }
  assert.is(a[0], b[0]);
});

test('the optimizer option: names, objects and defaults; every bad value is a ValueError naming it', () => {
  assert.equal(checkOptimizer('optimizer', undefined), { kind: 'sgd' });
  assert.equal(checkOptimizer('optimizer', 'nesterov'), { kind: 'momentum', momentum: 0.9, nesterov: true });
  assert.equal(checkOptimizer('optimizer', 'adam'), { kind: 'adam', beta1: 0.9, beta2: 0.999, epsilon: 1e-8 });
  assert.equal(checkOptimizer('optimizer', { kind: 'momentum', momentum: 0.5 }), { kind: 'momentum', momentum: 0.5, nesterov: false });
  assert.equal(resolveFitOptions({ optimizer: { kind: 'adam', beta2: 0.99 } }, 10).optimizer, { kind: 'adam', beta1: 0.9, beta2: 0.99, epsilon: 1e-8 });
  const bad: [unknown, RegExp][] = [
    ['rmsprop', /^optimizer must be 'sgd', 'momentum', 'nesterov', 'adam' or \{ kind, … \}, got 'rmsprop'/],
    [{ kind: 'adagrad' }, /^optimizer\.kind must be 'sgd', 'momentum' or 'adam', got 'adagrad'/],
    [{ kind: 'momentum', momentum: 1 }, /^optimizer\.momentum must be a number in \[0, 1\), got 1$/],
    [{ kind: 'momentum', momentum: -0.1 }, /^optimizer\.momentum must be a number in \[0, 1\), got -0\.1$/],
    [{ kind: 'momentum', nesterov: 'yes' }, /^optimizer\.nesterov must be true or false, got 'yes'/],
    [{ kind: 'momentum', beta1: 0.9 }, /^optimizer: unknown key 'beta1' for kind 'momentum' \(known: kind, momentum, nesterov\)$/],
    [{ kind: 'adam', beta1: Number.NaN }, /^optimizer\.beta1 must be a number in \[0, 1\), got NaN$/],
    [{ kind: 'adam', beta2: 1 }, /^optimizer\.beta2 must be a number in \[0, 1\)/],
    [{ kind: 'adam', epsilon: 0 }, /^optimizer\.epsilon must be a normal float32 > 0/],
    [{ kind: 'adam', epsilon: 1e-40 }, /^optimizer\.epsilon must be a normal float32 > 0/],
    [{ kind: 'sgd', momentum: 0.9 }, /^optimizer: unknown key 'momentum' for kind 'sgd'/],
    [[], /^optimizer must be .* got an array/],
  ];
  for (const [value, message] of bad) fails(() => resolveFitOptions({ optimizer: value as never }, 10), ValueError, message);
  fails(() => resolveFitOptions({ optimizer: 'adam', learningRate: { kind: 'hypergradient', initial: 0.1, beta: 0.1 } }, 10), ValueError, /optimizer 'adam' cannot be combined with the hypergradient learning rate/);
  fails(() => resolveFitOptions({ solver: 'lbfgs', optimizer: 'adam' }, 10), ValueError, /^optimizer does not apply to solver 'lbfgs'/);
});

test.run();
