// What the trainer needs from a family of training-step kernels. The trainer speaks only to this
// interface; engines/index.ts picks the family for a context.
import type { GpuContext } from '../context.ts';
import type { ObjectiveSpec } from '../core/objective.ts';
import type { Dispatch } from '../kernels/kernel.ts';
import type { GpuMatrix } from '../matrix.ts';
import type { EngineName } from './choose.ts';
import type { ResidentX } from './training-set.ts';

/** One fit's resident data and parameters, as the step kernels see them. */
export interface StepProblem {
  ctx: GpuContext;
  spec: ObjectiveSpec;
  /** Resident training features (n×d, f32 or bytes, in one buffer or in shards). */
  X: ResidentX;
  /** n×k encoded targets. */
  Y: GpuMatrix;
  /** The model's parameters, d×k and 1×k: every step leaves them updated. */
  W: GpuMatrix;
  b: GpuMatrix;
  fitIntercept: boolean;
  l2: number;
  batchSize: number;
  /** The parameters' values at the start of the fit (W row-major d×k, b of length k). */
  initialW: Float32Array;
  initialB: Float32Array;
}

/** A fit's pipelines and scratch buffers, ready to record steps. */
export interface StepProgram {
  /** Queues the epoch's row order and learning rate, and zeroes its loss. */
  beginEpoch(order: Uint32Array, learningRate: number): void;
  /**
   * The dispatches of one step on the next `rows` rows of the order (batchSize, or the epoch's
   * shorter last batch): forward, residual, gradient and update, cursor moved on. No host work.
   */
  step(rows: number): readonly Dispatch[];
  /** The epoch's mean loss, read back once the epoch's steps have run. */
  readEpochLoss(): Promise<number>;
  /** Frees the scratch buffers (the parameters stay with the model). */
  destroy(): void;
  /**
   * The step's scratch, for tests that check each dispatch's output: G (batchSize × kPad), losses
   * (batchSize + 1); and Wp, the parameters the next step reads (see paddedParams), which full-batch
   * solvers set before each step.
   */
  readonly buffers: { G: GPUBuffer; losses: GPUBuffer; kPad: number; Wp: GPUBuffer };
}

export interface StepEngine {
  readonly name: EngineName;
  /** Allocates the fit's scratch and builds its pipelines. */
  prepare(p: StepProblem): StepProgram;
}
