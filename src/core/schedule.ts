// Learning-rate schedules, evaluated once per epoch (epoch counts from 0), and the hypergradient
// schedule, whose rate is learned step by step during the fit (see core/optimizer.ts).
import { ValueError } from '../errors.ts';
import { checkF32Number, describeValue, F32_MAX, F32_MIN_NORMAL } from '../validate.ts';

/**
 * The learning rate ηₑ of epoch e (from 0): a constant; `step`: initial·factor^⌊e/every⌋;
 * `exponential`: initial·decayᵉ; `inverse-time`: initial/(1 + decay·e); or any function of e
 * returning a rate > 0. `hypergradient`: a rate α learned at every step (Baydin et al., 2018,
 * multiplicative rule), α ← α·(1 + beta·cos(g, g_prev)) over the consecutive mini-batch gradients g,
 * starting at `initial`; 0 ≤ beta < 1 keeps α positive.
 */
export type LearningRateSchedule =
  | number
  | { kind: 'step'; initial: number; factor: number; every: number }
  | { kind: 'exponential'; initial: number; decay: number }
  | { kind: 'inverse-time'; initial: number; decay: number }
  | HypergradientSchedule
  | ((epoch: number) => number);

/**
 * A learned rate: α₀ = initial, then α_t = α_{t−1}·(1 + beta·cos(g_t, g_{t−1})) at every step t
 * (cos = 0 at the first step, whose g_{t−1} is 0), 0 ≤ beta < 1: α grows while consecutive gradients
 * agree and shrinks while they oppose, by at most the factor 1 − beta a step, so it stays > 0.
 */
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
  const n = checkF32Number(name, v);
  if (n <= 0) throw new ValueError(`${name} must be > 0, got ${n}`);
  return n;
}

/**
 * A rate the f32 kernels see as what it is: > 0 and a normal float32 (GPUs flush subnormals to 0,
 * so 1e-40 would pass "> 0" and train nothing), and not beyond float32's range (Infinity there).
 */
export function rate(name: string, v: unknown): number {
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
  // Own keys only: 'toString' or '__proto__' must not find Object.prototype's members.
  const keys = typeof kind === 'string' && Object.hasOwn(SCHEDULE_KEYS, kind) ? SCHEDULE_KEYS[kind] : undefined;
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
    const beta = checkF32Number('learningRate.beta', s.beta);
    // α is multiplied by 1 + beta·cos, cos ∈ [−1, 1]: beta < 1 keeps that factor > 0.
    if (beta < 0 || beta >= 1) throw new ValueError(`learningRate.beta must be ≥ 0 and < 1 (α is multiplied by 1 + beta·cos(g_t, g_{t−1}), which must stay > 0), got ${beta}`);
  } else {
    const decay = checkF32Number('learningRate.decay', s.decay);
    if (decay < 0) throw new ValueError(`learningRate.decay must be ≥ 0, got ${decay}`);
  }
}

/**
 * Checks, before training, every rate a schedule object plans for epochs 0 … epochs−1: the
 * 'step', 'exponential' and 'inverse-time' rates are monotone in the epoch, so the rates that pass
 * form a prefix, and a bisection finds the first epoch that leaves float32's normal range — the
 * one the error names. (A function is checked epoch by epoch, as it is called.)
 */
export function checkScheduleRates(s: LearningRateSchedule, epochs: number): void {
  if (typeof s !== 'object' || s === null || s.kind === 'hypergradient') return;
  const fits = (e: number): boolean => {
    const r = learningRateOf(s, e);
    return r >= F32_MIN_NORMAL && r <= F32_MAX;
  };
  if (fits(epochs - 1) && fits(0)) return;
  let lo = -1; // every epoch ≤ lo fits
  let hi = epochs - 1; // epoch hi does not
  if (!fits(0)) hi = 0;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (fits(mid)) lo = mid;
    else hi = mid;
  }
  const formula = s.kind === 'step' ? `initial·factor^${Math.floor(hi / s.every)}` : s.kind === 'exponential' ? `initial·decay^${hi}` : `initial/(1 + decay·${hi})`;
  rate(`learningRate at epoch ${hi} (${formula} of the '${s.kind}' schedule over ${epochs} epochs)`, learningRateOf(s, hi));
}

/**
 * A schedule function's rate for `epoch`. What it throws is the caller's own error: passed on as the
 * `cause` of one that says which call failed, as an onEpochEnd that throws is.
 */
function callSchedule(s: (epoch: number) => number, epoch: number): number {
  try {
    return s(epoch);
  } catch (e) {
    throw new Error(`learningRate(${epoch}) threw: ${e instanceof Error ? e.message : describeValue(e)}`, { cause: e });
  }
}

/** A schedule's rate for `epoch`, unchecked. */
function learningRateOf(s: LearningRateSchedule, epoch: number): number {
  if (typeof s === 'number') return s;
  if (typeof s === 'function') return callSchedule(s, epoch);
  if (s.kind === 'step') return s.initial * s.factor ** Math.floor(epoch / s.every);
  if (s.kind === 'exponential') return s.initial * s.decay ** epoch;
  if (s.kind === 'hypergradient') return s.initial;
  return s.initial / (1 + s.decay * epoch);
}

/**
 * The learning rate for `epoch`; a function's result is checked like any other rate. A hypergradient
 * schedule has no per-epoch formula (its rate depends on the gradients met): its planned rate is
 * `initial`, which is also the rate its first step takes.
 */
export function learningRateAt(s: LearningRateSchedule, epoch: number): number {
  // Public: a schedule missing a parameter would otherwise come out as a NaN rate, blamed on the epoch.
  checkSchedule(s);
  if (typeof epoch !== 'number' || !Number.isSafeInteger(epoch) || epoch < 0) {
    throw new ValueError(`epoch must be an integer ≥ 0 (epochs count from 0), got ${describeValue(epoch)}`);
  }
  return rate(`learningRate at epoch ${epoch}`, learningRateOf(s, epoch));
}
