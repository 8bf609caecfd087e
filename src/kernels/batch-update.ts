// The fused gradient reduction and optimizer step of a training batch (shaders/batch_update.wgsl).
import type { GpuContext } from '../gpu/context.ts';
import type { Dispatch } from '../gpu/kernel.ts';
import type { StepOptimizer } from '../core/optimizer.ts';
import { classBlocks, groupColumns, groupConstants, optimizerConstants, paddedClasses, stepConstants, type StepGroups, type XStorage } from './step-layout.ts';

export interface BatchUpdateValues {
  /** Index of the cursor in the walk buffer. */
  n: number;
  d: number;
  k: number;
  rows: number;
  /** 8-feature chunks per padded X row. */
  chunks: number;
  learningRate: number;
  l2: number;
  /** Multiplies the batch's summed row losses before they join the epoch loss (1/n: a mean). */
  lossScale: number;
  hasBias: boolean;
  /** How X is stored (see BatchLogitsShape). */
  storage: XStorage;
  xScale: number;
  /** Slot of the epoch loss in the losses buffer (after the batch rows' slots). */
  total: number;
  /** A grid search's parameter sets side by side (absent: the plain fit). */
  groups?: StepGroups;
  /** The update rule (absent: SGD). */
  optimizer?: StepOptimizer;
}

export interface BatchUpdateBuffers {
  walk: GPUBuffer;
  X: GPUBuffer;
  G: GPUBuffer;
  losses: GPUBuffer;
  Wp: GPUBuffer;
  W: GPUBuffer;
  b: GPUBuffer;
}

/** What picks the kernel variant of batch_update: its shape's constants and the parts spliced in. */
export type BatchUpdateVariant = Pick<BatchUpdateValues, 'k' | 'storage' | 'groups' | 'optimizer'>;

/** The step_blocks constants for the columns of every group, then the groups' and the optimizer's constants. */
function constants(ctx: GpuContext, v: BatchUpdateVariant): Record<string, number> {
  return { ...stepConstants(ctx, groupColumns(v.k, v.groups), v.storage), ...groupConstants(v.groups), ...optimizerConstants(v.optimizer) };
}

export function batchUpdateBytes(ctx: GpuContext, v: BatchUpdateValues): ArrayBuffer {
  return ctx.kernel('batch_update', constants(ctx, v)).uniformBytes({
    n: v.n,
    d: v.d,
    k: v.k,
    kPad: paddedClasses(groupColumns(v.k, v.groups)),
    rows: v.rows,
    chunks: v.chunks,
    learningRate: v.learningRate,
    l2: v.l2,
    lossScale: v.lossScale,
    hasBias: v.hasBias ? 1 : 0,
    xScale: v.xScale,
    total: v.total,
  });
}

/** Two 8-feature chunks an invocation along x, then one workgroup for the bias; column blocks along y. */
export function batchUpdateDispatch(ctx: GpuContext, params: GPUBuffer, chunks: number, variant: BatchUpdateVariant, b: BatchUpdateBuffers): Dispatch {
  const kernel = ctx.kernel('batch_update', constants(ctx, variant));
  const { X, ...rest } = b;
  return kernel.dispatch('main', { params, ...rest, X4: X, X2: X }, [Math.ceil(chunks / 2 / ctx.workgroupWidth) + 1, classBlocks(groupColumns(variant.k, variant.groups)), 1]);
}
