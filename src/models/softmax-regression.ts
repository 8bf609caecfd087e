// Multiclass classifier: P(class | x) = softmax(x·W + b), trained on cross-entropy over one-hot labels.
import type { Estimator } from './estimator.ts';
import type { GpuContext } from '../gpu/context.ts';
import type { HostMatrix } from '../types.ts';
import { checkPositiveInt } from '../validate.ts';
import type { FeaturesInput } from '../train/features.ts';
import { checkModelOptions, LinearModel, type LinearModelOptions } from './linear-model.ts';
import { splitContext } from './model-options.ts';
import { checkModelJSON } from './model-json.ts';
import { argmax } from '../core/metrics.ts';
import type { Objective } from '../core/objective.ts';
import { classCount, oneHotTargets, type LabelsInput } from './targets.ts';
import { logSoftmaxRows } from './log-proba.ts';

/** Constructor options of SoftmaxRegression. */
export interface SoftmaxRegressionOptions extends LinearModelOptions {
  /** Number of classes k ≥ 1; labels are integers 0..k−1. Left out (no ctx), the first fit() takes the largest label + 1. */
  nClasses?: number;
}

/**
 * Multiclass classifier P(class | x) = softmax(x·W + b), trained on cross-entropy by gradient descent
 * on the GPU. Labels are integers 0..nClasses−1.
 * @example
 * const model = new SoftmaxRegression(); // the default context; nFeatures and nClasses from the first fit()
 * await model.fit(X, y);
 * const classes = await model.predict(X); // Int32Array
 * @example
 * const model = new SoftmaxRegression(ctx, { nFeatures: 4, nClasses: 3 });
 * await model.fit(X, y, { epochs: 40, batchSize: 16, learningRate: 0.3 });
 * const classes = await model.predict(X); // Int32Array
 */
export class SoftmaxRegression extends LinearModel<LabelsInput> implements Estimator<LabelsInput, Int32Array> {
  protected readonly objective: Objective = 'softmax-ce';

  /** A model on the default context; shapes left out are taken from the first fit(). */
  constructor(options?: SoftmaxRegressionOptions);
  /** A model with zero parameters on `ctx`. */
  constructor(ctx: GpuContext, options: SoftmaxRegressionOptions & { nFeatures: number; nClasses: number });
  /**
   * `new SoftmaxRegression(options?)`: a model on the default context, shapes left out taken from the first
   * fit(); `new SoftmaxRegression(ctx, options)`: zero parameters on `ctx`, nFeatures and nClasses required.
   * Throws ValueError for bad or unknown options, StateError for a bad ctx.
   */
  constructor(first?: GpuContext | SoftmaxRegressionOptions, second?: SoftmaxRegressionOptions) {
    const { ctx, rest } = splitContext(first, second);
    const options = (ctx === null && rest === undefined ? {} : rest) as SoftmaxRegressionOptions;
    checkModelOptions('SoftmaxRegression', options);
    const nClasses = ctx === null && options.nClasses === undefined ? undefined : checkPositiveInt('nClasses', options.nClasses);
    super('SoftmaxRegression', ctx, options.nFeatures, nClasses, options.fitIntercept);
  }

  /** Number of classes (= nOutputs). */
  get nClasses(): number {
    return this.nOutputs;
  }

  protected outputsOf(name: string, y: unknown, rows: number): number {
    return classCount(name, y, rows);
  }

  protected encodeTargets(name: string, y: unknown, rows: number, forFit: boolean): HostMatrix {
    return oneHotTargets(name, y, rows, this.nOutputs, forFit);
  }

  protected settings(): Record<string, number> {
    return { nClasses: this.nOutputs };
  }

  /** Class probabilities: an n×nClasses matrix whose rows sum to 1. */
  async predictProba(X: FeaturesInput): Promise<HostMatrix> {
    return this.predictMatrix(X, 'predictProba');
  }

  /** The logits Z = XW + b: n×nClasses, P(class) = softmax of the row. */
  async decisionFunction(X: FeaturesInput): Promise<HostMatrix> {
    return this.predictMatrix(X, 'decisionFunction', 'logits');
  }

  /** log P(class): n×nClasses, Z − logsumexp(Z) per row, finite where predictProba rounds to 0. */
  async predictLogProba(X: FeaturesInput): Promise<HostMatrix> {
    return logSoftmaxRows(await this.predictMatrix(X, 'predictLogProba', 'logits'));
  }

  /** The most probable class of each row. */
  async predict(X: FeaturesInput): Promise<Int32Array> {
    return argmax(await this.predictMatrix(X));
  }

  /** Accuracy on X and labels y. */
  async score(X: FeaturesInput, y: LabelsInput): Promise<number> {
    return this.readOnly('score', async () => {
      const rows = this.checkFeatures('X', X).rows;
      const truth = argmax(this.targets('y', y, rows));
      const predicted = await this.predict(X);
      let hits = 0;
      predicted.forEach((v, i) => {
        if (v === truth[i]) hits++;
      });
      return hits / rows;
    });
  }

  /** Rebuilds a model saved with toJSON() on the default context; throws ValueError if `json` is not one. */
  static fromJSON(json: unknown): SoftmaxRegression;
  /** Rebuilds a model saved with toJSON() on `ctx`; throws ValueError if `json` is not one. */
  static fromJSON(ctx: GpuContext, json: unknown): SoftmaxRegression;
  static fromJSON(first: unknown, second?: unknown): SoftmaxRegression {
    const { ctx, rest } = splitContext(first, second);
    const j = checkModelJSON(rest, 'SoftmaxRegression');
    const options = { nFeatures: j.nFeatures, nClasses: j.nOutputs, fitIntercept: j.fitIntercept };
    const model = ctx === null ? new SoftmaxRegression(options) : new SoftmaxRegression(ctx, options);
    model.setParams({ W: { data: j.W, rows: j.nFeatures, cols: j.nOutputs }, b: j.b });
    return model;
  }
}
