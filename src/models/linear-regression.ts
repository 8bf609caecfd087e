// Least squares: ŷ = x·W + b, trained on ½ mean squared error; score() is R².
import type { GpuContext } from '../context.ts';
import type { HostMatrix, MatrixInput } from '../types.ts';
import { checkPositiveInt } from '../validate.ts';
import { checkModelJSON, checkModelOptions, LinearModel, type LinearModelOptions } from './linear-model.ts';
import type { Objective } from './objective.ts';
import { regressionTargets, type LabelsInput } from './targets.ts';

export interface LinearRegressionOptions extends LinearModelOptions {
  /** Targets per row (default 1). */
  nOutputs?: number;
}

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

export class LinearRegression extends LinearModel<RegressionTargets> {
  protected readonly objective: Objective = 'linear-mse';

  constructor(ctx: GpuContext, options: LinearRegressionOptions) {
    checkModelOptions('LinearRegression', options);
    super('LinearRegression', ctx, options.nFeatures, checkPositiveInt('nOutputs', options.nOutputs ?? 1), options.fitIntercept);
  }

  protected encodeTargets(name: string, y: unknown, rows: number): HostMatrix {
    return regressionTargets(name, y, rows, this.nOutputs);
  }

  protected settings(): Record<string, number> {
    return {};
  }

  /** Predictions: n×nOutputs (a plain vector's worth of rows when nOutputs is 1). */
  async predict(X: MatrixInput): Promise<HostMatrix> {
    return this.predictMatrix(X);
  }

  /** The coefficient of determination R² on X and y. */
  async score(X: MatrixInput, y: RegressionTargets): Promise<number> {
    const rows = this.checkX('X', X).rows;
    return r2Score(this.targets('y', y, rows), await this.predict(X));
  }

  static fromJSON(ctx: GpuContext, json: unknown): LinearRegression {
    const j = checkModelJSON(json, 'LinearRegression');
    const model = new LinearRegression(ctx, { nFeatures: j.nFeatures, nOutputs: j.nOutputs, fitIntercept: j.fitIntercept });
    model.setParams({ W: { data: j.W, rows: j.nFeatures, cols: j.nOutputs }, b: j.b });
    return model;
  }
}
