// Where a model's parameters live and how its passes run: on the GPU (gpu-backend.ts, W and b as GPU
// matrices, for the 'gpu' and 'cpu' engines) or on the host (host-backend.ts, float64 arrays, for the
// 'js' engine). The estimators check their inputs, keep the host copy toJSON() reads and enforce
// the call rules; everything that touches the parameters goes through this interface.
import type { Objective } from '../core/objective.ts';
import type { History, ResolvedFitOptions } from '../core/options.ts';
import type { CheckedFeatures } from '../step/training-set.ts';
import type { HostMatrix } from '../types.ts';
import type { PassData, RowOutput } from './evaluate.ts';

/** The parameters as flat float32 host arrays (W row-major nFeatures×nOutputs, b of nOutputs). */
export interface HostParams {
  W: Float32Array;
  b: Float32Array;
}

/** What a backend needs to know of the model it serves. */
export interface ModelShape {
  modelName: string;
  objective: Objective;
  /** Decision threshold for logistic accuracy. */
  threshold: number;
  nFeatures: number;
  nOutputs: number;
  fitIntercept: boolean;
}

/** One fit() as the model hands it over, every argument already checked. */
export interface BackendFit {
  shape: ModelShape;
  X: CheckedFeatures;
  Y: HostMatrix;
  options: ResolvedFitOptions;
  validation: (PassData & { Y: HostMatrix }) | null;
  /** The rows' weights normalised to mean 1, or null (unweighted). */
  weights: Float32Array | null;
  /** The parameters the fit starts from, written first; null: the current ones (a warm start). */
  start: HostParams | null;
  /** The current parameters as the model's host copy holds them. */
  current: HostParams;
  /** Throws when the fit must stop before its next epoch (the model was destroyed meanwhile). */
  checkAlive: () => void;
  /** Called before an aborted fit rejects, with the parameters it keeps (those of its last finished epoch). */
  kept: (p: HostParams) => void;
}

export interface BackendFitResult {
  history: History;
  W: Float32Array;
  b: Float32Array;
}

export interface ModelBackend {
  /** Replaces the parameters (a GPU error in doing so is raised by the next read). */
  write(p: HostParams): void;
  /** The current parameters. */
  read(): Promise<HostParams>;
  /** Trains; the parameters end as the fit left them, or (when it fails) as `revert` puts them. */
  fit(job: BackendFit): Promise<BackendFitResult>;
  /** After a fit that failed: the parameters go back to those before it (`before`, the host copy). */
  revert(before: HostParams): void;
  /** Ŷ or the logits of every row of d.X, n×nOutputs. */
  predictRows(shape: ModelShape, d: PassData, output: RowOutput): Promise<HostMatrix>;
  /** Mean loss (and accuracy, for classifiers) over X and the encoded targets. */
  evaluate(shape: ModelShape, d: PassData & { Y: HostMatrix }): Promise<{ loss: number; accuracy?: number }>;
  /** New parameters start their optimizer anew: drop any optimizer state a warm start would continue. */
  forgetOptimizerState(): void;
  /** Frees what the backend holds; called once, when no call uses it any more. */
  release(): void;
}
