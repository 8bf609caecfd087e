// Learning-rate schedules, evaluated once per epoch (epoch counts from 0).
import { ValueError } from '../errors.ts';
import { checkFiniteNumber } from '../validate.ts';

/**
 * The learning rate ηₑ of epoch e (from 0): a constant; `step`: initial·factor^⌊e/every⌋;
 * `exponential`: initial·decayᵉ; `inverse-time`: initial/(1 + decay·e); or any function of e
 * returning a rate > 0.
 */
export type LearningRateSchedule =
  | number
  | { kind: 'step'; initial: number; factor: number; every: number }
  | { kind: 'exponential'; initial: number; decay: number }
  | { kind: 'inverse-time'; initial: number; decay: number }
  | ((epoch: number) => number);

function positive(name: string, v: unknown): number {
  const n = checkFiniteNumber(name, v);
  if (n <= 0) throw new ValueError(`${name} must be > 0, got ${n}`);
  return n;
}

/** Checks a schedule's parameters up front, so a bad one fails before training starts. */
export function checkSchedule(s: LearningRateSchedule): void {
  if (typeof s === 'function') return;
  if (typeof s === 'number') {
    positive('learningRate', s);
    return;
  }
  if (typeof s !== 'object' || s === null) throw new ValueError(`learningRate must be a number, a schedule object or a function, got ${String(s)}`);
  positive('learningRate.initial', s.initial);
  if (s.kind === 'step') {
    positive('learningRate.factor', s.factor);
    if (!Number.isInteger(s.every) || s.every < 1) throw new ValueError(`learningRate.every must be a positive integer, got ${String(s.every)}`);
  } else if (s.kind === 'exponential' || s.kind === 'inverse-time') {
    const decay = checkFiniteNumber('learningRate.decay', s.decay);
    if (decay < 0) throw new ValueError(`learningRate.decay must be ≥ 0, got ${decay}`);
  } else {
    throw new ValueError(`learningRate.kind must be 'step', 'exponential' or 'inverse-time', got ${String((s as { kind: unknown }).kind)}`);
  }
}

/** The learning rate for `epoch`; a function's result is checked like any other rate. */
export function learningRateAt(s: LearningRateSchedule, epoch: number): number {
  let rate: number;
  if (typeof s === 'number') rate = s;
  else if (typeof s === 'function') rate = s(epoch);
  else if (s.kind === 'step') rate = s.initial * s.factor ** Math.floor(epoch / s.every);
  else if (s.kind === 'exponential') rate = s.initial * s.decay ** epoch;
  else rate = s.initial / (1 + s.decay * epoch);
  return positive(`learningRate at epoch ${epoch}`, rate);
}
