// Least squares: ŷ = x·W + b, trained on ½ mean squared error; score() is R².
import type { Estimator } from './estimator.ts';
import type { GpuContext } from '../gpu/context.ts';
import type { HostMatrix, MatrixInput } from '../types.ts';
import { checkPositiveInt } from '../validate.ts';
import type { FeaturesInput } from '../train/features.ts';
import { checkModelOptions, LinearModel, type LinearModelOptions } from './linear-model.ts';
import { splitContext } from './model-options.ts';
import { checkModelJSON } from './model-json.ts';
import type { Objective } from '../core/objective.ts';
import { regressionColumns, regressionTargets, type LabelsInput } from './targets.ts';

/** Constructor options of LinearRegression. */
export interface LinearRegressionOptions extends LinearModelOptions {
  /** Targets per row (default 1 with a ctx; without one, left out, the first fit() takes y's columns). */
  nOutputs?: number;
}

/** Targets of LinearRegression: a vector when nOutputs is 1, else an n×nOutputs matrix. */
export type RegressionTargets = LabelsInput | MatrixInput;

/** R² per output column, averaged uniformly (as scikit-learn's r2_score does by default). */
export function r2Score(truth: HostMatrix, predicted: HostMatrix): number {
  const { rows, cols } = truth;
  let total = 0;
  for (let j = 0; j < cols; j++) {
    let mean = 0;
    for (let i = 0; i < rows; i++) mean += truth.data[i * cols + j] as number;
    mean /= rows;
    let ssRes = 0;
    let ssTot = 0;
    for (let i = 0; i < rows; i++) {
      const t = truth.data[i * cols + j] as number;
      ssRes += (t - (predicted.data[i * cols + j] as number)) ** 2;
      ssTot += (t - mean) ** 2;
    }
    // A constant target: perfect predictions score 1, anything else 0 (scikit-learn's convention).
    total += ssTot === 0 ? (ssRes === 0 ? 1 : 0) : 1 - ssRes / ssTot;
  }
  return total / cols;
}

/**
 * Least squares ŷ = x·W + b, trained on ½·mean squared error by gradient descent on the GPU.
 * @example
 * const model = new LinearRegression(); // the default context; nFeatures and nOutputs from the first fit()
 * await model.fit(X, y);
 * const yhat = await model.predict(X); // n×nOutputs
 * @example
 * const model = new LinearRegression(ctx, { nFeatures: 2 });
 * await model.fit(X, y, { epochs: 60, batchSize: 10, learningRate: 0.2 });
 * const r2 = await model.score(X, y);
 */
export class LinearRegression extends LinearModel<RegressionTargets> implements Estimator<RegressionTargets, HostMatrix> {
  protected readonly objective: Objective = 'linear-mse';

  /** A model on the default context; shapes left out are taken from the first fit(). */
  constructor(options?: LinearRegressionOptions);
  /** A model with zero parameters on `ctx`. */
  constructor(ctx: GpuContext, options: LinearRegressionOptions & { nFeatures: number });
  /**
   * `new LinearRegression(options?)`: a model on the default context, shapes left out taken from the first
   * fit(); `new LinearRegression(ctx, options)`: zero parameters on `ctx`, nFeatures required.
   * Throws ValueError for bad or unknown options, StateError for a bad ctx.
   */
  constructor(first?: GpuContext | LinearRegressionOptions, second?: LinearRegressionOptions) {
    const { ctx, rest } = splitContext(first, second);
    const options = (ctx === null && rest === undefined ? {} : rest) as LinearRegressionOptions;
    checkModelOptions('LinearRegression', options);
    const nOutputs = ctx === null && options.nOutputs === undefined ? undefined : checkPositiveInt('nOutputs', options.nOutputs ?? 1);
    super('LinearRegression', ctx, options.nFeatures, nOutputs, options.fitIntercept);
  }

  protected outputsOf(name: string, y: unknown): number {
    return regressionColumns(name, y);
  }

  protected encodeTargets(name: string, y: unknown, rows: number): HostMatrix {
    return regressionTargets(name, y, rows, this.nOutputs);
  }

  protected settings(): Record<string, number> {
    return {};
  }

  /** Predictions: n×nOutputs (a plain vector's worth of rows when nOutputs is 1). */
  async predict(X: FeaturesInput): Promise<HostMatrix> {
    return this.predictMatrix(X);
  }

  /** XW + b: n×nOutputs, the same as predict() (the identity is this model's output), for code that treats all three alike. */
  async decisionFunction(X: FeaturesInput): Promise<HostMatrix> {
    return this.predictMatrix(X, 'decisionFunction', 'logits');
  }

  /** The coefficient of determination R² on X and y. */
  async score(X: FeaturesInput, y: RegressionTargets): Promise<number> {
    return this.readOnly('score', async () => {
      const rows = this.checkFeatures('X', X).rows;
      return r2Score(this.targets('y', y, rows), await this.predict(X));
    });
  }

  /** Rebuilds a model saved with toJSON() on the default context; throws ValueError if `json` is not one. */
  static fromJSON(json: unknown): LinearRegression;
  /** Rebuilds a model saved with toJSON() on `ctx`; throws ValueError if `json` is not one. */
  static fromJSON(ctx: GpuContext, json: unknown): LinearRegression;
  static fromJSON(first: unknown, second?: unknown): LinearRegression {
    const { ctx, rest } = splitContext(first, second);
    const j = checkModelJSON(rest, 'LinearRegression');
    const options = { nFeatures: j.nFeatures, nOutputs: j.nOutputs, fitIntercept: j.fitIntercept };
    const model = ctx === null ? new LinearRegression(options) : new LinearRegression(ctx, options);
    model.setParams({ W: { data: j.W, rows: j.nFeatures, cols: j.nOutputs }, b: j.b });
    return model;
  }
}
