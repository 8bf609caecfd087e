// Binary classifier: P(y=1 | x) = σ(x·w + b), trained on binary cross-entropy (or ½-MSE, to show why
// cross-entropy trains better: its gradient does not vanish when σ saturates on the wrong side).
import type { GpuContext } from '../context.ts';
import { ValueError } from '../errors.ts';
import type { HostMatrix } from '../types.ts';
import { checkFiniteNumber } from '../validate.ts';
import type { FeaturesInput } from './features.ts';
import { checkModelOptions, LinearModel, type LinearModelOptions } from './linear-model.ts';
import { checkModelJSON } from './model-json.ts';
import type { Objective } from '../core/objective.ts';
import { binaryTargets, type LabelsInput } from './targets.ts';

/** Constructor options of LogisticRegression. */
export interface LogisticRegressionOptions extends LinearModelOptions {
  /** predict() says 1 when P(y=1) ≥ threshold (default 0.5). */
  threshold?: number;
  /** 'bce' (default): binary cross-entropy; 'mse': ½ squared error on the probability. */
  loss?: 'bce' | 'mse';
}

/**
 * Binary classifier P(y = 1 | x) = σ(x·w + b), trained by gradient descent on the GPU. Labels are 0/1.
 * @example
 * const model = new LogisticRegression(ctx, { nFeatures: 4 });
 * await model.fit(X, y, { epochs: 30, batchSize: 16, learningRate: 0.5 });
 * const p = await model.predictProba(X); // Float32Array of P(y = 1)
 */
export class LogisticRegression extends LinearModel<LabelsInput> {
  protected readonly objective: Objective;
  readonly #threshold: number;

  /** A model with zero parameters on `ctx`; throws ValueError for bad or unknown options. */
  constructor(ctx: GpuContext, options: LogisticRegressionOptions) {
    checkModelOptions('LogisticRegression', options);
    const threshold = checkFiniteNumber('threshold', options.threshold ?? 0.5);
    if (threshold <= 0 || threshold >= 1) throw new ValueError(`threshold must be between 0 and 1, got ${threshold}`);
    const loss = options.loss ?? 'bce';
    if (loss !== 'bce' && loss !== 'mse') throw new ValueError(`loss must be 'bce' or 'mse', got ${String(loss)}`);
    super('LogisticRegression', ctx, options.nFeatures, 1, options.fitIntercept);
    this.#threshold = threshold;
    this.objective = loss === 'bce' ? 'logistic-bce' : 'logistic-mse';
  }

  protected encodeTargets(name: string, y: unknown, rows: number, forFit: boolean): HostMatrix {
    return binaryTargets(name, y, rows, forFit);
  }

  protected override threshold(): number {
    return this.#threshold;
  }

  protected settings(): Record<string, number | string> {
    return { threshold: this.#threshold, loss: this.objective === 'logistic-bce' ? 'bce' : 'mse' };
  }

  /** P(y = 1) for each row of X. */
  async predictProba(X: FeaturesInput): Promise<Float32Array> {
    return (await this.predictMatrix(X, 'predictProba')).data;
  }

  /** 0/1 predictions: 1 where P(y = 1) ≥ threshold. */
  async predict(X: FeaturesInput): Promise<Int32Array> {
    const p = (await this.predictMatrix(X)).data;
    return Int32Array.from(p, (v) => (v >= this.#threshold ? 1 : 0));
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

  /** Rebuilds a model saved with toJSON() on `ctx`; throws ValueError if `json` is not one. */
  static fromJSON(ctx: GpuContext, json: unknown): LogisticRegression {
    const j = checkModelJSON(json, 'LogisticRegression');
    const model = new LogisticRegression(ctx, {
      nFeatures: j.nFeatures,
      fitIntercept: j.fitIntercept,
      threshold: j.settings.threshold as number,
      loss: j.settings.loss as 'bce' | 'mse',
    });
    model.setParams({ W: { data: j.W, rows: j.nFeatures, cols: 1 }, b: j.b });
    return model;
  }
}
