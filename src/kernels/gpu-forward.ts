// Logits, residuals and row losses of a training batch, one workgroup per row (shaders/gpu_forward.wgsl).
import type { GpuContext } from '../gpu/context.ts';
import { objectiveConstants, type ObjectiveSpec } from '../core/objective.ts';
import type { Dispatch, Kernel } from '../gpu/kernel.ts';
import { grid1D } from '../gpu/kernel.ts';
import { classBlocks, columnVectors, groupColumns, groupConstants, type StepGroups, type XStorage } from './step-layout.ts';

export interface GpuForwardShape {
  /** Index of the cursor in the walk buffer. */
  n: number;
  rows: number;
  /** Feature quads per padded X row. */
  quads: number;
  k: number;
  kPad: number;
  hasBias: boolean;
  storage: XStorage;
  xScale: number;
  /** A grid search's parameter sets side by side (absent: the plain fit). */
  groups?: StepGroups;
}

export interface GpuForwardBuffers {
  walk: GPUBuffer;
  X: GPUBuffer;
  Wp: GPUBuffer;
  /** rows × kPad: the logits, then the residuals. */
  Z: GPUBuffer;
  Y: GPUBuffer;
  losses: GPUBuffer;
  /** Normalised row weights indexed like Y's rows, or null: the unweighted pipeline. */
  sampleWeight: GPUBuffer | null;
}

function kernel(ctx: GpuContext, spec: ObjectiveSpec, s: GpuForwardShape, weighted = false): Kernel {
  const cols = groupColumns(s.k, s.groups);
  return ctx.kernel('gpu_forward', {
    KV: columnVectors(cols), BLOCKS: classBlocks(cols), X_U8: s.storage === 'u8' ? 1 : 0, WEIGHTED: weighted ? 1 : 0,
    ...objectiveConstants(spec), ...groupConstants(s.groups),
  });
}

export function gpuForwardUniforms(ctx: GpuContext, spec: ObjectiveSpec, s: GpuForwardShape): GPUBuffer {
  const bytes = kernel(ctx, spec, s).uniformBytes({
    n: s.n, rows: s.rows, quads: s.quads, kPad: s.kPad, k: s.k, hasBias: s.hasBias ? 1 : 0, xScale: s.xScale,
  });
  return ctx.createUniform(bytes, 'gpu_forward.params');
}

/** One workgroup per batch row. */
export function gpuForwardDispatch(ctx: GpuContext, spec: ObjectiveSpec, params: GPUBuffer, s: GpuForwardShape, b: GpuForwardBuffers): Dispatch {
  const { X, sampleWeight, ...rest } = b;
  // The unweighted pipeline never reads sampleWeight: Y stands in for it, read-only like it.
  return kernel(ctx, spec, s, sampleWeight !== null).dispatch('main', { params, ...rest, X4: X, Xb: X, sampleWeight: sampleWeight ?? b.Y }, grid1D(s.rows));
}
