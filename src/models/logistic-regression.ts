// Binary classifier: P(y=1 | x) = σ(x·w + b), trained on binary cross-entropy (or ½-MSE, to show why
// cross-entropy trains better: its gradient does not vanish when σ saturates on the wrong side);
// or with a tanh output h = tanh(x·w + b), P(y=1 | x) = (1 + h)/2.
import type { Estimator } from './estimator.ts';
import type { GpuContext } from '../gpu/context.ts';
import { ValueError } from '../errors.ts';
import type { HostMatrix } from '../types.ts';
import { checkFiniteNumber, describeValue } from '../validate.ts';
import type { FeaturesInput } from '../train/features.ts';
import { checkModelOptions, LinearModel, type LinearModelOptions } from './linear-model.ts';
import { splitContext } from './model-options.ts';
import { checkModelJSON } from './model-json.ts';
import { ACTIVATIONS, type Objective } from '../core/objective.ts';
import { binaryTargets, type LabelsInput } from './targets.ts';
import { binaryLogProba } from './log-proba.ts';

/** Constructor options of LogisticRegression. */
export interface LogisticRegressionOptions extends LinearModelOptions {
  /** predict() says 1 when P(y=1) > threshold (default 0.5: decision > 0, as scikit-learn). */
  threshold?: number;
  /**
   * 'bce' (default): binary cross-entropy of P(y=1); 'mse': ½ squared error, on the probability for
   * a sigmoid output, on h against t = 2y − 1 ∈ {−1, +1} for a tanh output.
   */
  loss?: 'bce' | 'mse';
  /** 'sigmoid' (default): P(y=1) = σ(z); 'tanh': h = tanh(z) = 2σ(2z) − 1, P(y=1) = (1 + h)/2. */
  activation?: 'sigmoid' | 'tanh';
}

const LOGISTIC_OBJECTIVES: Readonly<Record<'sigmoid' | 'tanh', Readonly<Record<'bce' | 'mse', Objective>>>> = {
  sigmoid: { bce: 'logistic-bce', mse: 'logistic-mse' },
  tanh: { bce: 'logistic-tanh-bce', mse: 'logistic-tanh-mse' },
};

/**
 * Binary classifier P(y = 1 | x) = σ(x·w + b), trained by gradient descent on the GPU. Labels are 0/1.
 * @example
 * const model = new LogisticRegression(); // the default context; nFeatures from the first fit()
 * await model.fit(X, y);
 * const labels = await model.predict(X); // Int32Array of 0/1
 * @example
 * const model = new LogisticRegression(ctx, { nFeatures: 4 });
 * await model.fit(X, y, { epochs: 30, batchSize: 16, learningRate: 0.5 });
 * const p = await model.predictProba(X); // Float32Array of P(y = 1)
 */
export class LogisticRegression extends LinearModel<LabelsInput> implements Estimator<LabelsInput, Int32Array> {
  protected readonly objective: Objective;
  readonly #threshold: number;
  readonly #loss: 'bce' | 'mse';
  readonly #activation: 'sigmoid' | 'tanh';

  /** A model on the default context; shapes left out are taken from the first fit(). */
  constructor(options?: LogisticRegressionOptions);
  /** A model with zero parameters on `ctx`. */
  constructor(ctx: GpuContext, options: LogisticRegressionOptions & { nFeatures: number });
  /**
   * `new LogisticRegression(options?)`: a model on the default context, shapes left out taken from the first
   * fit(); `new LogisticRegression(ctx, options)`: zero parameters on `ctx`, nFeatures required.
   * Throws ValueError for bad or unknown options, StateError for a bad ctx.
   */
  constructor(first?: GpuContext | LogisticRegressionOptions, second?: LogisticRegressionOptions) {
    const { ctx, rest } = splitContext(first, second);
    const options = (ctx === null && rest === undefined ? {} : rest) as LogisticRegressionOptions;
    checkModelOptions('LogisticRegression', options);
    const threshold = checkFiniteNumber('threshold', options.threshold ?? 0.5);
    if (threshold <= 0 || threshold >= 1) throw new ValueError(`threshold must be between 0 and 1, got ${threshold}`);
    const loss = options.loss ?? 'bce';
    if (loss !== 'bce' && loss !== 'mse') throw new ValueError(`loss must be 'bce' or 'mse', got ${describeValue(loss)}`);
    const activation = options.activation ?? 'sigmoid';
    if (activation !== 'sigmoid' && activation !== 'tanh') throw new ValueError(`activation must be 'sigmoid' or 'tanh', got ${describeValue(activation)}`);
    super('LogisticRegression', ctx, options.nFeatures, 1, options.fitIntercept);
    this.#threshold = threshold;
    this.#loss = loss;
    this.#activation = activation;
    this.objective = LOGISTIC_OBJECTIVES[activation][loss];
  }

  protected outputsOf(): number {
    return 1;
  }

  protected encodeTargets(name: string, y: unknown, rows: number, forFit: boolean): HostMatrix {
    return binaryTargets(name, y, rows, forFit);
  }

  protected override threshold(): number {
    return this.#threshold;
  }

  protected settings(): Record<string, number | string> {
    return { threshold: this.#threshold, loss: this.#loss, activation: this.#activation };
  }

  /** P(y = 1) for each row of X. */
  async predictProba(X: FeaturesInput): Promise<Float32Array> {
    const yhat = (await this.predictMatrix(X, 'predictProba')).data;
    return this.#activation === 'tanh' ? yhat.map(ACTIVATIONS.tanh.probability) : yhat;
  }

  /** The logits z = x·w + b, one per row: P(y = 1) = σ(z), or σ(2z) for a tanh output. */
  async decisionFunction(X: FeaturesInput): Promise<Float32Array> {
    return (await this.predictMatrix(X, 'decisionFunction', 'logits')).data;
  }

  /**
   * n×2 [log P(y = 0), log P(y = 1)] per row (scikit-learn's layout), from the logits: finite and
   * accurate where predictProba rounds to 0 or 1.
   */
  async predictLogProba(X: FeaturesInput): Promise<HostMatrix> {
    const z = (await this.predictMatrix(X, 'predictLogProba', 'logits')).data;
    // (1 + tanh z)/2 = σ(2z).
    return binaryLogProba(z, this.#activation === 'tanh' ? 2 : 1);
  }

  /**
   * 0/1 predictions: 1 where P(y = 1) > threshold. At the default 0.5 that is scikit-learn's rule,
   * decision > 0, read from the logits: a decision of exactly 0 is class 0, and a float32 σ(z) rounds
   * to 0.5 for |z| below 3e-8, where the probability could not tell the sides apart.
   */
  async predict(X: FeaturesInput): Promise<Int32Array> {
    if (this.#threshold === 0.5) {
      const z = (await this.predictMatrix(X, 'predict', 'logits')).data;
      return Int32Array.from(z, (v) => (v > 0 ? 1 : 0));
    }
    const yhat = (await this.predictMatrix(X)).data;
    const probability = ACTIVATIONS[this.#activation].probability;
    return Int32Array.from(yhat, (v) => (probability(v) > this.#threshold ? 1 : 0));
  }

  /** Accuracy on X and y. */
  async score(X: FeaturesInput, y: LabelsInput): Promise<number> {
    return this.readOnly('score', async () => {
      const rows = this.checkFeatures('X', X).rows;
      const truth = this.targets('y', y, rows).data;
      const predicted = await this.predict(X);
      let hits = 0;
      predicted.forEach((v, i) => {
        if (v === truth[i]) hits++;
      });
      return hits / rows;
    });
  }

  /** Rebuilds a model saved with toJSON() on the default context; throws ValueError if `json` is not one. */
  static fromJSON(json: unknown): LogisticRegression;
  /** Rebuilds a model saved with toJSON() on `ctx`; throws ValueError if `json` is not one. */
  static fromJSON(ctx: GpuContext, json: unknown): LogisticRegression;
  static fromJSON(first: unknown, second?: unknown): LogisticRegression {
    const { ctx, rest } = splitContext(first, second);
    const j = checkModelJSON(rest, 'LogisticRegression');
    const options: LogisticRegressionOptions & { nFeatures: number } = {
      nFeatures: j.nFeatures,
      fitIntercept: j.fitIntercept,
      threshold: j.settings.threshold as number,
      loss: j.settings.loss as 'bce' | 'mse',
      // Models saved before tanh outputs existed have no activation setting: they are sigmoid.
      activation: (j.settings.activation ?? 'sigmoid') as 'sigmoid' | 'tanh',
    };
    const model = ctx === null ? new LogisticRegression(options) : new LogisticRegression(ctx, options);
    model.setParams({ W: { data: j.W, rows: j.nFeatures, cols: 1 }, b: j.b });
    return model;
  }
}
