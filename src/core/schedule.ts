// Learning-rate schedules, evaluated once per epoch (epoch counts from 0), and the hypergradient
// schedule, whose rate is learned step by step during the fit (see core/optimizer.ts).
import { ValueError } from '../errors.ts';
import { checkFiniteNumber, describeValue, F32_MAX, F32_MIN_NORMAL } from '../validate.ts';

/**
 * The learning rate ηₑ of epoch e (from 0): a constant; `step`: initial·factor^⌊e/every⌋;
 * `exponential`: initial·decayᵉ; `inverse-time`: initial/(1 + decay·e); or any function of e
 * returning a rate > 0. `hypergradient`: a rate α learned at every step (Baydin et al., 2018),
 * α ← α + beta·(g·g_prev) over the consecutive mini-batch gradients g, starting at `initial`.
 */
export type LearningRateSchedule =
  | number
  | { kind: 'step'; initial: number; factor: number; every: number }
  | { kind: 'exponential'; initial: number; decay: number }
  | { kind: 'inverse-time'; initial: number; decay: number }
  | HypergradientSchedule
  | ((epoch: number) => number);

/** A learned rate: α₀ = initial, then α_t = α_{t−1} + beta·(g_t·g_{t−1}) at every step t (g₀ = 0). */
export interface HypergradientSchedule {
  kind: 'hypergradient';
  initial: number;
  beta: number;
}

/** Whether the rate is learned during the fit rather than given per epoch. */
export function isHypergradient(s: LearningRateSchedule): s is HypergradientSchedule {
  return typeof s === 'object' && s !== null && s.kind === 'hypergradient';
}

/** Each schedule object's keys: another key is a typo (or another kind's parameter) that would be ignored. */
const SCHEDULE_KEYS: Readonly<Record<string, readonly string[]>> = {
  step: ['kind', 'initial', 'factor', 'every'],
  exponential: ['kind', 'initial', 'decay'],
  'inverse-time': ['kind', 'initial', 'decay'],
  hypergradient: ['kind', 'initial', 'beta'],
};

function positive(name: string, v: unknown): number {
  const n = checkFiniteNumber(name, v);
  if (n <= 0) throw new ValueError(`${name} must be > 0, got ${n}`);
  return n;
}

/**
 * A rate the f32 kernels see as what it is: > 0 and a normal float32 (GPUs flush subnormals to 0,
 * so 1e-40 would pass "> 0" and train nothing), and not beyond float32's range (Infinity there).
 */
function rate(name: string, v: unknown): number {
  const n = positive(name, v);
  if (n < F32_MIN_NORMAL) throw new ValueError(`${name} is ${n}, below the smallest normal float32 (1.18e-38): the GPU would use 0`);
  if (n > F32_MAX) throw new ValueError(`${name} is ${n}, beyond the float32 range (±3.4e38)`);
  return n;
}

/** Checks a schedule's parameters up front, so a bad one fails before training starts. */
export function checkSchedule(s: LearningRateSchedule): void {
  if (typeof s === 'function') return;
  if (typeof s === 'number') {
    rate('learningRate', s);
    return;
  }
  if (typeof s !== 'object' || s === null) throw new ValueError(`learningRate must be a number, a schedule object or a function, got ${describeValue(s)}`);
  const kind: unknown = s.kind;
  const keys = typeof kind === 'string' ? SCHEDULE_KEYS[kind] : undefined;
  if (keys === undefined) {
    throw new ValueError(`learningRate.kind must be 'step', 'exponential', 'inverse-time' or 'hypergradient', got ${describeValue(kind)}`);
  }
  for (const key of Object.keys(s)) {
    if (!keys.includes(key)) throw new ValueError(`learningRate: unknown key '${key}' for kind '${kind as string}' (expected ${keys.join(', ')})`);
  }
  rate('learningRate.initial', s.initial);
  if (s.kind === 'step') {
    positive('learningRate.factor', s.factor);
    if (!Number.isInteger(s.every) || s.every < 1) throw new ValueError(`learningRate.every must be a positive integer, got ${describeValue(s.every)}`);
  } else if (s.kind === 'hypergradient') {
    const beta = checkFiniteNumber('learningRate.beta', s.beta);
    if (beta < 0) throw new ValueError(`learningRate.beta must be ≥ 0, got ${beta}`);
  } else {
    const decay = checkFiniteNumber('learningRate.decay', s.decay);
    if (decay < 0) throw new ValueError(`learningRate.decay must be ≥ 0, got ${decay}`);
  }
}

/**
 * The learning rate for `epoch`; a function's result is checked like any other rate. A hypergradient
 * schedule has no per-epoch formula (its rate depends on the gradients met): its planned rate is
 * `initial`, which is also the rate its first step takes.
 */
export function learningRateAt(s: LearningRateSchedule, epoch: number): number {
  let r: number;
  if (typeof s === 'number') r = s;
  else if (typeof s === 'function') r = s(epoch);
  else if (s.kind === 'step') r = s.initial * s.factor ** Math.floor(epoch / s.every);
  else if (s.kind === 'exponential') r = s.initial * s.decay ** epoch;
  else if (s.kind === 'hypergradient') r = s.initial;
  else r = s.initial / (1 + s.decay * epoch);
  return rate(`learningRate at epoch ${epoch}`, r);
}
