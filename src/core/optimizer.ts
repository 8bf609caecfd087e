// The parameter update, defined once: its WGSL forms are shaders/include/update_rule.wgsl (plain
// SGD) and shaders/include/optimizer.wgsl (momentum, Nesterov, Adam, and keeping the gradient for a
// later pass), spliced into every kernel that steps parameters; their float64 twins are here, for
// the CPU reference. So is the hypergradient rate's second pass, whose WGSL form is
// shaders/hypergradient.wgsl.
import { ValueError } from '../errors.ts';
import { checkF32Number, describeValue, F32_MAX, F32_MIN_NORMAL } from '../validate.ts';
import { isHypergradient, type HypergradientSchedule, type LearningRateSchedule } from './schedule.ts';

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

/**
 * The hypergradient learning rate (its schedule object) as the step's optimizer: each step keeps
 * g_t = ∇ + λθ in its state and leaves θ, then a second pass (hypergradientStep) moves α on by
 * cos(g_t, g_{t−1}) and steps θ at α: the rate needs the whole gradient before any parameter moves.
 */
export type HypergradientOptimizer = HypergradientSchedule;

/**
 * What a training step does with each parameter's gradient: an optimizer fit() names, the
 * hypergradient rate's, or an evaluation's ('gradient': g kept in the state for a solver to read
 * back, θ left as it was).
 */
export type StepOptimizer = Optimizer | HypergradientOptimizer | { kind: 'gradient' };

/** The optimizer a fit's steps run: the hypergradient rate's when the schedule learns the rate (options.ts allows it with SGD only), else the options'. */
export function stepOptimizer(o: { optimizer: Optimizer; learningRate: LearningRateSchedule }): StepOptimizer {
  return isHypergradient(o.learningRate) ? o.learningRate : o.optimizer;
}

/** Values of state an optimizer keeps per parameter: momentum's v; Adam's m and v (its t is the step count); the kept g (and the hypergradient rate's g_{t−1}). */
export function stateSlots(o: StepOptimizer): number {
  return o.kind === 'sgd' ? 0 : o.kind === 'momentum' || o.kind === 'gradient' ? 1 : 2;
}

/**
 * An optimizer's state over a parameter vector: `first` (momentum's v, Adam's m, the kept g_t) and
 * `second` (Adam's v, the hypergradient rate's g_{t−1}), zero at the start of a fit, and the steps
 * taken so far.
 */
export interface OptimizerState {
  steps: number;
  first: Float64Array;
  second: Float64Array;
}

export function zeroState(o: StepOptimizer, size: number): OptimizerState {
  const slots = stateSlots(o);
  return { steps: 0, first: new Float64Array(slots >= 1 ? size : 0), second: new Float64Array(slots >= 2 ? size : 0) };
}

export function copyState(s: OptimizerState): OptimizerState {
  return { steps: s.steps, first: s.first.slice(), second: s.second.slice() };
}

/**
 * One step of parameters theta[i] (i from `offset`, length grad.length) with their gradient of the
 * mean loss `grad`, in place: g = ∇ + λθ through the optimizer at rate η. `t` is the step's count
 * from 1 (Adam's bias correction). The hypergradient rate and an evaluation keep g in `first` and
 * leave θ (the rate and `t` unused). The float64 twin of shaders/include/optimizer.wgsl.
 */
export function optimizerStep(
  o: StepOptimizer, theta: Float64Array, grad: ArrayLike<number>, l2: number, rate: number, state: OptimizerState, offset: number, t: number,
): void {
  for (let j = 0; j < grad.length; j++) {
    const i = offset + j;
    const th = theta[j] as number;
    const g = regularized(th, grad[j] as number, l2);
    if (o.kind === 'hypergradient' || o.kind === 'gradient') {
      state.first[i] = g;
    } else if (o.kind === 'sgd') {
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

/** The hypergradient rate's state through a fit: the optimizer's (g_t in `first`, g_{t−1} in `second`) and α. */
export interface RateState extends OptimizerState {
  alpha: number;
}

/** A hypergradient schedule's rule with its state through one fit. */
export interface LearnedRate {
  rule: HypergradientOptimizer;
  state: RateState;
}

/** A fit's learned rate over `size` parameters at its start: α = `initial`, and g_{t−1} = 0, so the first step keeps α. */
export function learnedRate(rule: HypergradientOptimizer, size: number): LearnedRate {
  return { rule, state: { ...zeroState(rule, size), alpha: rule.initial } };
}

/**
 * The hypergradient step's second pass, after optimizerStep kept g_t: α moved on by cos(g_t, g_{t−1})
 * over every parameter (one that was not stepped has g = 0), then θ ← θ − α·g_t for the stepped
 * parts, laid one after the other from 0 in the state ([W, b], or [W] with an untrained bias), and
 * g_t kept as the next step's g_{t−1}. The float64 twin of shaders/hypergradient.wgsl.
 */
export function hypergradientStep(o: HypergradientOptimizer, state: RateState, parts: readonly Float64Array[]): void {
  state.alpha = nextHypergradientRate(state.alpha, o.beta, state.first, state.second);
  let offset = 0;
  for (const theta of parts) {
    for (let j = 0; j < theta.length; j++) theta[j] = updateRule(theta[j] as number, state.first[offset + j] as number, state.alpha, 0);
    offset += theta.length;
  }
  state.second.set(state.first);
}
