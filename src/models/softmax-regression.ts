// Multiclass classifier: P(class | x) = softmax(x·W + b), trained on cross-entropy over one-hot labels.
import type { GpuContext } from '../context.ts';
import type { HostMatrix, MatrixInput } from '../types.ts';
import { checkPositiveInt } from '../validate.ts';
import { checkModelJSON, checkModelOptions, LinearModel, type LinearModelOptions } from './linear-model.ts';
import type { Objective } from './objective.ts';
import { oneHotTargets, type LabelsInput } from './targets.ts';

export interface SoftmaxRegressionOptions extends LinearModelOptions {
  nClasses: number;
}

/** Index of the largest value in each row (the first, on ties). */
export function argmaxRows(m: HostMatrix): Int32Array {
  const out = new Int32Array(m.rows);
  for (let i = 0; i < m.rows; i++) {
    let best = 0;
    for (let j = 1; j < m.cols; j++) if ((m.data[i * m.cols + j] as number) > (m.data[i * m.cols + best] as number)) best = j;
    out[i] = best;
  }
  return out;
}

export class SoftmaxRegression extends LinearModel<LabelsInput> {
  protected readonly objective: Objective = 'softmax-ce';

  constructor(ctx: GpuContext, options: SoftmaxRegressionOptions) {
    checkModelOptions('SoftmaxRegression', options);
    super('SoftmaxRegression', ctx, options.nFeatures, checkPositiveInt('nClasses', options.nClasses), options.fitIntercept);
  }

  get nClasses(): number {
    return this.nOutputs;
  }

  protected encodeTargets(name: string, y: unknown, rows: number): HostMatrix {
    return oneHotTargets(name, y, rows, this.nOutputs);
  }

  protected settings(): Record<string, number> {
    return { nClasses: this.nOutputs };
  }

  /** Class probabilities: an n×nClasses matrix whose rows sum to 1. */
  async predictProba(X: MatrixInput): Promise<HostMatrix> {
    return this.predictMatrix(X);
  }

  /** The most probable class of each row. */
  async predict(X: MatrixInput): Promise<Int32Array> {
    return argmaxRows(await this.predictMatrix(X));
  }

  /** Accuracy on X and labels y. */
  async score(X: MatrixInput, y: LabelsInput): Promise<number> {
    const rows = this.checkX('X', X).rows;
    const truth = argmaxRows(this.targets('y', y, rows));
    const predicted = await this.predict(X);
    let hits = 0;
    predicted.forEach((v, i) => {
      if (v === truth[i]) hits++;
    });
    return hits / rows;
  }

  static fromJSON(ctx: GpuContext, json: unknown): SoftmaxRegression {
    const j = checkModelJSON(json, 'SoftmaxRegression');
    const model = new SoftmaxRegression(ctx, { nFeatures: j.nFeatures, nClasses: j.nOutputs, fitIntercept: j.fitIntercept });
    model.setParams({ W: { data: j.W, rows: j.nFeatures, cols: j.nOutputs }, b: j.b });
    return model;
  }
}
