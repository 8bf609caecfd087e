// What each estimator optimizes, defined once as data: the activation that turns logits into
// predictions, the loss, and the per-element error G = ∂loss/∂z that feeds the gradient Xᵀ·G/m.
// Each part has a code (the pipeline constant of shaders/include/objective.wgsl, which holds its
// WGSL form) and a float64 twin here, which the CPU reference computes with. Adding a part is an
// entry in one of these tables plus its case in that WGSL part.
import { ValueError } from '../errors.ts';
import type { LossKind } from '../types.ts';
import { describeValue } from '../validate.ts';

export type Objective = 'logistic-bce' | 'logistic-mse' | 'logistic-tanh-bce' | 'logistic-tanh-mse' | 'softmax-ce' | 'linear-mse';

export type Activation = 'sigmoid' | 'tanh' | 'softmax' | 'identity';

/**
 * 'residual': G = Ŷ − Y (the gradient of BCE, CE and ½-MSE w.r.t. the logits).
 * 'sigmoid-mse': G = (Ŷ − Y)·Ŷ·(1 − Ŷ), the chain rule through σ for ½-MSE on probabilities.
 * 'tanh-bce', 'tanh-mse': the same for h = tanh(z) (see LOSSES).
 */
export type GradientMode = 'residual' | 'sigmoid-mse' | 'tanh-bce' | 'tanh-mse';

/**
 * The losses: the public three, and the two of a tanh output h = tanh(z) = 2σ(2z) − 1:
 * 'tanh-bce' is the BCE of p = (1 + h)/2 = σ(2z) against y ∈ {0, 1}; 'tanh-mse' is ½(h − t)² with
 * t = 2y − 1 ∈ {−1, +1}.
 */
export type LossName = LossKind | 'tanh-bce' | 'tanh-mse';

/** A softmax row's max logit and Σ exp(z − zMax); other activations ignore it. */
export interface RowStats {
  zMax: number;
  sum: number;
}

export interface ActivationPart {
  /** The WGSL ACTIVATION constant. */
  code: number;
  /** ŷ for logit z (softmax reads its row's stats). */
  value(z: number, s: RowStats): number;
  /** P(y = 1) (a class's probability) from ŷ, for the classifiers' predictProba and accuracy. */
  probability(yhat: number): number;
}

export interface LossPart {
  /** The WGSL LOSS constant. */
  code: number;
  /** Whether a whole-matrix loss reads the logits Z (stable BCE/CE) or the predictions Ŷ. */
  input: 'logits' | 'predictions';
  /** One element's loss, given its logit, prediction and target (CE also reads the row's stats). */
  element(z: number, yhat: number, y: number, s: RowStats): number;
}

export interface ErrorPart {
  /** The WGSL ERROR constant. */
  code: number;
  /** G = ∂loss/∂z for one element. */
  element(yhat: number, y: number): number;
}

/** 1/(1 + e^−z) with exp() only ever seeing a non-positive argument, so it never overflows. */
export function sigmoid64(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

const same = (yhat: number): number => yhat;

export const ACTIVATIONS: Readonly<Record<Activation, ActivationPart>> = {
  identity: { code: 0, value: (z) => z, probability: same },
  sigmoid: { code: 1, value: (z) => sigmoid64(z), probability: same },
  softmax: { code: 2, value: (z, s) => Math.exp(z - s.zMax) / s.sum, probability: same },
  tanh: { code: 3, value: (z) => Math.tanh(z), probability: (h) => (1 + h) / 2 },
};

/** Binary cross-entropy of σ(z) on the logit: never log(0), never exp(+large). */
function bceOnLogit(z: number, y: number): number {
  return Math.max(z, 0) - z * y + Math.log1p(Math.exp(-Math.abs(z)));
}

export const LOSSES: Readonly<Record<LossName, LossPart>> = {
  bce: { code: 0, input: 'logits', element: (z, _yhat, y) => bceOnLogit(z, y) },
  // The element's share of y·logsumexp(z) − y·z.
  ce: { code: 1, input: 'logits', element: (z, _yhat, y, s) => y * (Math.log(s.sum) - (z - s.zMax)) },
  mse: { code: 2, input: 'predictions', element: (_z, yhat, y) => 0.5 * (yhat - y) ** 2 },
  // p = (1 + tanh z)/2 = σ(2z), so its BCE is the stable logit form at 2z.
  'tanh-bce': { code: 3, input: 'logits', element: (z, _h, y) => bceOnLogit(2 * z, y) },
  'tanh-mse': { code: 4, input: 'predictions', element: (_z, h, y) => 0.5 * (h - (2 * y - 1)) ** 2 },
};

export const ERRORS: Readonly<Record<GradientMode, ErrorPart>> = {
  residual: { code: 0, element: (yhat, y) => yhat - y },
  // ½-MSE on σ(z) is not a canonical pairing, so the chain rule keeps the σ'(z) = ŷ(1 − ŷ) factor.
  'sigmoid-mse': { code: 1, element: (yhat, y) => (yhat - y) * yhat * (1 - yhat) },
  // ∂/∂z of BCE(σ(2z), y) = 2(p − y) = (1 + h) − 2y.
  'tanh-bce': { code: 2, element: (h, y) => 1 + h - 2 * y },
  // ∂/∂z of ½(h − t)² = (h − t)(1 − h²).
  'tanh-mse': { code: 3, element: (h, y) => (h - (2 * y - 1)) * (1 - h * h) },
};

/** Stats for softmax of values[base .. base+k): the max, and Σ exp(v − max) (≥ 1). */
export function rowStats(values: ArrayLike<number>, base: number, k: number): RowStats {
  let zMax = -Infinity;
  for (let j = 0; j < k; j++) zMax = Math.max(zMax, values[base + j] as number);
  let sum = 0;
  for (let j = 0; j < k; j++) sum += Math.exp((values[base + j] as number) - zMax);
  return { zMax, sum };
}

/** Stats that activations and losses other than softmax/CE never read. */
export const NO_ROW_STATS: RowStats = { zMax: 0, sum: 1 };

export interface ObjectiveSpec {
  activation: Activation;
  loss: LossName;
  gradient: GradientMode;
}

export const OBJECTIVES: Readonly<Record<Objective, ObjectiveSpec>> = {
  'logistic-bce': { activation: 'sigmoid', loss: 'bce', gradient: 'residual' },
  'logistic-mse': { activation: 'sigmoid', loss: 'mse', gradient: 'sigmoid-mse' },
  'logistic-tanh-bce': { activation: 'tanh', loss: 'tanh-bce', gradient: 'tanh-bce' },
  'logistic-tanh-mse': { activation: 'tanh', loss: 'tanh-mse', gradient: 'tanh-mse' },
  'softmax-ce': { activation: 'softmax', loss: 'ce', gradient: 'residual' },
  'linear-mse': { activation: 'identity', loss: 'mse', gradient: 'residual' },
};

/** `objective` checked as a name in the table (an own key: 'toString' must not find Object.prototype's). */
export function checkObjective(fn: string, objective: unknown): Objective {
  if (typeof objective !== 'string' || !Object.hasOwn(OBJECTIVES, objective)) {
    throw new ValueError(`${fn}: objective must be one of ${Object.keys(OBJECTIVES).map((o) => `'${o}'`).join(', ')}, got ${describeValue(objective)}`);
  }
  return objective as Objective;
}

/** The pipeline constants that specialise shaders/include/objective.wgsl for an objective. */
export function objectiveConstants(spec: ObjectiveSpec): Record<'ACTIVATION' | 'LOSS' | 'ERROR', number> {
  return { ACTIVATION: ACTIVATIONS[spec.activation].code, LOSS: LOSSES[spec.loss].code, ERROR: ERRORS[spec.gradient].code };
}
