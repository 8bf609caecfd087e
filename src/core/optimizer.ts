// The parameter update, defined once: its WGSL forms are shaders/include/update_rule.wgsl (plain
// SGD) and shaders/include/optimizer.wgsl (momentum, Nesterov, Adam), spliced into every kernel that
// steps parameters; their float64 twins are here, for the CPU reference. So is the hypergradient
// rate's recurrence, whose WGSL form is in shaders/hypergradient.wgsl.
import { ValueError } from '../errors.ts';
import { checkF32Number, describeValue, F32_MAX, F32_MIN_NORMAL } from '../validate.ts';

/** The gradient of the regularized objective, ∇ + λθ, for one parameter: what the rate multiplies. */
export function regularized(theta: number, grad: number, l2: number): number {
  return grad + l2 * theta;
}

/** θ ← θ − η(∇ + λθ) for one parameter; λ = 0 for a bias, which is never regularized. */
export function updateRule(theta: number, grad: number, learningRate: number, l2: number): number {
  return theta - learningRate * regularized(theta, grad, l2);
}

/**
 * cos(g_t, g_{t−1}) from the three sums the hypergradient step reduces: `dot` = g_t·g_{t−1},
 * `norm2` = ‖g_t‖², `prevNorm2` = ‖g_{t−1}‖². 0 when either gradient is zero (the first step of a
 * fit, whose g_{t−1} is zero); clamped to [−1, 1] against rounding.
 */
export function gradientCosine(dot: number, norm2: number, prevNorm2: number): number {
  const denom = Math.sqrt(norm2) * Math.sqrt(prevNorm2);
  if (!(denom > 0)) return 0;
  return Math.min(1, Math.max(-1, dot / denom));
}

/**
 * The hypergradient learning rate of the next step, the multiplicative rule of Baydin et al. (2018):
 * α_t = α_{t−1}·(1 + β·cos(g_t, g_{t−1})), with g the gradient of the regularized mean loss over
 * every trained parameter. With 0 ≤ β < 1 the factor is ≥ 1 − β > 0, so α stays positive by
 * construction (the additive rule α + β·g_t·g_{t−1} could cross zero and step uphill); the clamp to
 * float32's normal range keeps a rate that shrinks for many steps from being flushed to 0 by a GPU,
 * and one that grows from becoming Infinity.
 */
export function hypergradientRate(alpha: number, beta: number, cosine: number): number {
  return Math.min(F32_MAX, Math.max(F32_MIN_NORMAL, alpha * (1 + beta * cosine)));
}

/**
 * α after a step: hypergradientRate of the cosine between the step's regularized gradient `g` and
 * the previous step's `previous` (both over every trained parameter, in the same order).
 */
export function nextHypergradientRate(alpha: number, beta: number, g: ArrayLike<number>, previous: ArrayLike<number>): number {
  let dot = 0;
  let norm2 = 0;
  let prevNorm2 = 0;
  for (let i = 0; i < g.length; i++) {
    const gi = g[i] as number;
    const pi = previous[i] as number;
    dot += gi * pi;
    norm2 += gi * gi;
    prevNorm2 += pi * pi;
  }
  return hypergradientRate(alpha, beta, gradientCosine(dot, norm2, prevNorm2));
}

/**
 * How each step turns the gradient g = ∇ + λθ (λ = 0 for the bias) into a parameter update, as
 * PyTorch's and TF.js's optimizers do: 'sgd' θ ← θ − ηg; 'momentum' (SGD with momentum μ,
 * dampening 0) v ← μv + g, θ ← θ − ηv, or with `nesterov` θ ← θ − η(g + μv); 'adam'
 * m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², θ ← θ − η·(m/(1−β₁ᵗ)) / (√(v/(1−β₂ᵗ)) + ε), t counting
 * the steps from 1 (PyTorch's Adam with weight_decay = l2). A name alone takes the defaults.
 */
export type OptimizerOptions =
  | 'sgd' | 'momentum' | 'nesterov' | 'adam'
  | { kind: 'sgd' }
  | { kind: 'momentum'; momentum?: number; nesterov?: boolean }
  | { kind: 'adam'; beta1?: number; beta2?: number; epsilon?: number };

/** An optimizer checked, with its defaults applied. */
export type Optimizer =
  | { kind: 'sgd' }
  | { kind: 'momentum'; momentum: number; nesterov: boolean }
  | { kind: 'adam'; beta1: number; beta2: number; epsilon: number };

export const SGD: Optimizer = { kind: 'sgd' };
export const DEFAULT_MOMENTUM = 0.9;
export const ADAM_DEFAULTS = { beta1: 0.9, beta2: 0.999, epsilon: 1e-8 } as const;

const OPTIMIZER_KEYS: Readonly<Record<Optimizer['kind'], readonly string[]>> = {
  sgd: ['kind'],
  momentum: ['kind', 'momentum', 'nesterov'],
  adam: ['kind', 'beta1', 'beta2', 'epsilon'],
};

/** A decay factor in [0, 1): 1 would never forget, and beyond it the state grows without bound. */
function decayFactor(name: string, v: unknown, fallback: number): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v >= 1) throw new ValueError(`${name} must be a number in [0, 1), got ${describeValue(v)}`);
  return v;
}

/** The optimizer option checked (`name`: how the caller calls it), defaults applied. */
export function checkOptimizer(name: string, v: unknown): Optimizer {
  if (v === undefined || v === 'sgd') return SGD;
  if (v === 'momentum' || v === 'nesterov') return { kind: 'momentum', momentum: DEFAULT_MOMENTUM, nesterov: v === 'nesterov' };
  if (v === 'adam') return { kind: 'adam', ...ADAM_DEFAULTS };
  const kinds = "'sgd', 'momentum', 'nesterov', 'adam'";
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ValueError(`${name} must be ${kinds} or { kind, … }, got ${describeValue(v)}`);
  const o = v as Record<string, unknown>;
  const kind = o.kind;
  if (kind !== 'sgd' && kind !== 'momentum' && kind !== 'adam') throw new ValueError(`${name}.kind must be 'sgd', 'momentum' or 'adam', got ${describeValue(kind)}`);
  const known = OPTIMIZER_KEYS[kind];
  for (const key of Object.keys(o)) {
    if (!known.includes(key)) throw new ValueError(`${name}: unknown key '${key}' for kind '${kind}' (known: ${known.join(', ')})`);
  }
  if (kind === 'sgd') return SGD;
  if (kind === 'momentum') {
    const nesterov = o.nesterov === undefined ? false : o.nesterov;
    if (typeof nesterov !== 'boolean') throw new ValueError(`${name}.nesterov must be true or false, got ${describeValue(nesterov)}`);
    return { kind, momentum: decayFactor(`${name}.momentum`, o.momentum, DEFAULT_MOMENTUM), nesterov };
  }
  const epsilon = o.epsilon === undefined ? ADAM_DEFAULTS.epsilon : checkF32Number(`${name}.epsilon`, o.epsilon);
  // ε below float32's normal range is 0 on a GPU: a parameter whose gradient is always 0 would divide 0 by 0.
  if (!(epsilon >= F32_MIN_NORMAL)) throw new ValueError(`${name}.epsilon must be a normal float32 > 0 (at least 1.18e-38), got ${describeValue(o.epsilon)}`);
  return {
    kind,
    beta1: decayFactor(`${name}.beta1`, o.beta1, ADAM_DEFAULTS.beta1),
    beta2: decayFactor(`${name}.beta2`, o.beta2, ADAM_DEFAULTS.beta2),
    epsilon,
  };
}

/**
 * A starting rate for an optimizer named as the option names it, from the rate plain SGD would use
 * on the same data (what the train command and the demo suggest). Momentum 0.9 makes a steady
 * gradient's steps ten times longer, so it starts at a tenth; Adam's steps are about its rate in
 * each parameter whatever the gradient's size, and a fifth trained Iris as well as SGD in the same
 * epochs (0.01 fell short: test accuracy 0.83 on one split).
 */
export function suggestedRate(sgdRate: number, optimizer: 'sgd' | 'momentum' | 'nesterov' | 'adam'): number {
  return optimizer === 'sgd' ? sgdRate : optimizer === 'adam' ? sgdRate / 5 : sgdRate / 10;
}

/** Values of state an optimizer keeps per parameter: momentum's v; Adam's m and v (its t is the step count). */
export function stateSlots(o: Optimizer): number {
  return o.kind === 'sgd' ? 0 : o.kind === 'momentum' ? 1 : 2;
}

/**
 * An optimizer's state over a parameter vector: `first` (momentum's v, Adam's m) and `second`
 * (Adam's v), zero at the start of a fit, and the steps taken so far.
 */
export interface OptimizerState {
  steps: number;
  first: Float64Array;
  second: Float64Array;
}

export function zeroState(o: Optimizer, size: number): OptimizerState {
  const slots = stateSlots(o);
  return { steps: 0, first: new Float64Array(slots >= 1 ? size : 0), second: new Float64Array(slots >= 2 ? size : 0) };
}

export function copyState(s: OptimizerState): OptimizerState {
  return { steps: s.steps, first: s.first.slice(), second: s.second.slice() };
}

/**
 * One step of parameters theta[i] (i from `offset`, length grad.length) with their gradient of the
 * mean loss `grad`, in place: g = ∇ + λθ through the optimizer at rate η. `t` is the step's count
 * from 1 (Adam's bias correction). The float64 twin of shaders/include/optimizer.wgsl.
 */
export function optimizerStep(
  o: Optimizer, theta: Float64Array, grad: ArrayLike<number>, l2: number, rate: number, state: OptimizerState, offset: number, t: number,
): void {
  for (let j = 0; j < grad.length; j++) {
    const i = offset + j;
    const th = theta[j] as number;
    const g = regularized(th, grad[j] as number, l2);
    if (o.kind === 'sgd') {
      theta[j] = th - rate * g;
    } else if (o.kind === 'momentum') {
      const v = o.momentum * (state.first[i] as number) + g;
      state.first[i] = v;
      theta[j] = th - rate * (o.nesterov ? g + o.momentum * v : v);
    } else {
      const m = o.beta1 * (state.first[i] as number) + (1 - o.beta1) * g;
      const v = o.beta2 * (state.second[i] as number) + (1 - o.beta2) * g * g;
      state.first[i] = m;
      state.second[i] = v;
      const mHat = m / (1 - o.beta1 ** t);
      const vHat = v / (1 - o.beta2 ** t);
      theta[j] = th - (rate * mHat) / (Math.sqrt(vHat) + o.epsilon);
    }
  }
}
