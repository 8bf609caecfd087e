// The shape every estimator has, in scikit-learn's terms, so code that trains "a model" (the train
// command, the demo, an app) needs no casts: fit / predict / score / loss, parameters in and out,
// JSON, and an explicit destroy() for the GPU buffers, as TensorFlow.js does.
import type { GpuContext } from '../gpu/context.ts';
import type { FitOptions, History, ParamsInput } from '../core/options.ts';
import type { HostMatrix } from '../types.ts';
import type { FeaturesInput } from '../train/features.ts';
import type { ModelParams } from './linear-model.ts';
import type { ModelJSON } from './model-json.ts';

/**
 * `YIn`: the targets fit() and score() take; `Prediction`: what predict() returns (class labels
 * for the classifiers, an n×nOutputs matrix for LinearRegression).
 */
export interface Estimator<YIn, Prediction> {
  readonly ctx: GpuContext;
  readonly modelName: string;
  readonly nFeatures: number;
  readonly nOutputs: number;
  readonly fitIntercept: boolean;
  readonly destroyed: boolean;
  fit(X: FeaturesInput, y: YIn, options?: FitOptions<FeaturesInput, YIn>): Promise<History>;
  predict(X: FeaturesInput): Promise<Prediction>;
  /** Accuracy for the classifiers, R² for LinearRegression. */
  score(X: FeaturesInput, y: YIn): Promise<number>;
  /** Mean data loss (without the L2 term). */
  loss(X: FeaturesInput, y: YIn): Promise<number>;
  getParams(): Promise<ModelParams>;
  setParams(p: ParamsInput): void;
  toJSON(): ModelJSON;
  destroy(): void;
}

/** Any of the three estimators, as code that handles all of them sees one. */
export type AnyEstimator = Estimator<Int32Array | Float32Array, Int32Array | HostMatrix>;
