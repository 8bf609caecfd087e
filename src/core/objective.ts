// What each estimator optimizes: which activation turns logits into predictions, which loss is
// reported, and which per-row error G feeds the gradient Xᵀ·G/m.
import type { LossKind } from '../types.ts';

export type Objective = 'logistic-bce' | 'logistic-mse' | 'softmax-ce' | 'linear-mse';

export type Activation = 'sigmoid' | 'softmax' | 'identity';

/**
 * 'residual': G = Ŷ − Y (the gradient of BCE, CE and ½-MSE w.r.t. the logits).
 * 'sigmoid-mse': G = (Ŷ − Y)·Ŷ·(1 − Ŷ), the chain rule through σ for ½-MSE on probabilities.
 */
export type GradientMode = 'residual' | 'sigmoid-mse';

export interface ObjectiveSpec {
  activation: Activation;
  loss: LossKind;
  /** Whether the loss kernel reads the logits Z (stable BCE/CE) or the predictions Ŷ. */
  lossInput: 'logits' | 'predictions';
  gradient: GradientMode;
}

export const OBJECTIVES: Readonly<Record<Objective, ObjectiveSpec>> = {
  'logistic-bce': { activation: 'sigmoid', loss: 'bce', lossInput: 'logits', gradient: 'residual' },
  'logistic-mse': { activation: 'sigmoid', loss: 'mse', lossInput: 'predictions', gradient: 'sigmoid-mse' },
  'softmax-ce': { activation: 'softmax', loss: 'ce', lossInput: 'logits', gradient: 'residual' },
  'linear-mse': { activation: 'identity', loss: 'mse', lossInput: 'predictions', gradient: 'residual' },
};
