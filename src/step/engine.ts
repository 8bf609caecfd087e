// What the trainer needs from a family of training-step kernels. The trainer speaks only to this
// interface; step/index.ts picks the family for a context.
import type { GpuContext } from '../gpu/context.ts';
import type { ObjectiveSpec } from '../core/objective.ts';
import type { StepOptimizer } from '../core/optimizer.ts';
import type { Dispatch } from '../gpu/kernel.ts';
import type { StepGroups } from '../kernels/step-layout.ts';
import type { GpuMatrix } from '../matrix.ts';
import type { StepEngineName } from '../gpu/engine-choice.ts';
import type { SetMeter } from './set-meter.ts';
import type { ResidentX } from './training-set.ts';

/** One fit's resident data and parameters, as the step kernels see them. */
export interface StepProblem {
  ctx: GpuContext;
  spec: ObjectiveSpec;
  /** Resident training features (n×d, f32 or bytes, in one buffer or in shards). */
  X: ResidentX;
  /** n×k encoded targets. */
  Y: GpuMatrix;
  /** The rows' weights normalised to mean 1 (n×1, core/weights.ts); absent or null: unweighted. */
  sampleWeight?: GpuMatrix | null;
  /**
   * The model's parameters, d×k and 1×k: every step leaves them updated. With `groups`, each
   * group's stacked one after the other: (count·d)×k and count×k.
   */
  W: GpuMatrix;
  b: GpuMatrix;
  fitIntercept: boolean;
  l2: number;
  batchSize: number;
  /** The parameters' values at the start of the fit (W row-major d×k, b of length k; stacked per group). */
  initialW: Float32Array;
  initialB: Float32Array;
  /**
   * A grid search: this many parameter sets trained in one pass over X, side by side in the step
   * kernels' columns, each with its own learning rate and λ (beginGroupEpoch). A single group runs
   * the plain kernels, which take λ from `l2`.
   */
  groups?: StepGroups;
  /**
   * The update rule (absent: SGD); its state starts at zero unless `optimizerState` is given.
   * 'hypergradient': each step ends with a pass that learns its lane's rate (the epoch's rate is
   * unused). 'gradient', evaluation only (a full-batch solver's): each step keeps the gradient of the
   * batch's mean loss (+ λθ) in the state, in Wp's padded layout, and leaves θ; it costs the step's
   * passes over X.
   */
  optimizer?: StepOptimizer;
  /** A warm start's optimizer state to continue from, laid out as StepProgram.optimizerState left it (an optimizer fit() names). */
  optimizerState?: GPUBuffer | null;
}

/** Part of a buffer, in floats. */
export interface BufferRegion {
  buffer: GPUBuffer;
  offset: number;
  floats: number;
}

/** A fit's pipelines and scratch buffers, ready to record steps. */
export interface StepProgram {
  /**
   * Queues the epoch's row order and learning rate, and zeroes its loss. `slot` (default 0, below
   * EPOCH_SLOTS) picks where the epoch's loss is summed, so several epochs queued back to back keep
   * one loss each for a single readback.
   */
  beginEpoch(order: Uint32Array, learningRate: number, slot?: number): void;
  /**
   * The dispatches of one step on the next `rows` rows of the order (batchSize, or the epoch's
   * shorter last batch): forward, residual, gradient and update, cursor moved on. No host work.
   */
  step(rows: number): readonly Dispatch[];
  /** The epoch's mean loss, read back once the epoch's steps have run. */
  readEpochLoss(): Promise<number>;
  /** The mean losses of the epochs queued in slots 0 … count − 1, in one readback. */
  readEpochLosses(count: number): Promise<Float32Array>;
  /** With the hypergradient optimizer: the learned rate after the last step, read back with the epoch loss. */
  learnedRate(): number;
  /**
   * A meter of a whole set (X resident in the training layout, Y its encoded targets) with the
   * parameters the steps leave; null when the set cannot be measured in one pass.
   */
  meter(X: ResidentX, Y: GpuMatrix, threshold: number): SetMeter | null;
  /** beginEpoch for a grid search: each group's learning rate and λ. */
  beginGroupEpoch(order: Uint32Array, learningRates: readonly number[], l2: readonly number[]): void;
  /** Each group's epoch mean loss (a grid search's readEpochLoss). */
  readGroupLosses(): Promise<Float32Array>;
  /**
   * Where the optimizer keeps its state (in Wp, after the parameters), to be copied with them and
   * kept for a warm start; null for SGD, which keeps none, and for the hypergradient rate and an
   * evaluation, whose state starts anew with every fit.
   */
  readonly optimizerState: BufferRegion | null;
  /**
   * A gradient-only program's one evaluation (optimizer 'gradient', batchSize n): the mean loss over the
   * training set at θ = (W d×k row-major, b of length k) and its mean gradient (dW, and db when the
   * bias is fitted; λ = p.l2 joins dW), in one submit, the loss and the gradient read back together.
   */
  evaluate(W: Float32Array, b: Float32Array): Promise<{ loss: number; dW: Float32Array; db: Float32Array }>;
  /** Frees the scratch buffers (the parameters stay with the model). */
  destroy(): void;
  /**
   * The step's scratch, for tests that check each dispatch's output: G (batchSize × kPad), losses
   * (batchSize + 1); Wp, the parameters the next step reads (see paddedParams), which full-batch
   * solvers set before each step; and with the hypergradient optimizer where each lane's α is kept
   * (a vec4 a lane), else null.
   */
  readonly buffers: { G: GPUBuffer; losses: GPUBuffer; kPad: number; Wp: GPUBuffer; rates: BufferRegion | null };
}

export interface StepEngine {
  readonly name: StepEngineName;
  /** Allocates the fit's scratch and builds its pipelines. */
  prepare(p: StepProblem): StepProgram;
}
