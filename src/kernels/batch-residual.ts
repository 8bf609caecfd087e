// Activation, per-row loss and residual G of a training batch, in place over Z (shaders/batch_residual.wgsl).
import type { GpuContext } from '../gpu/context.ts';
import { objectiveConstants, type ObjectiveSpec } from '../core/objective.ts';
import type { Dispatch, Kernel } from '../gpu/kernel.ts';
import { groupConstants, type StepGroups } from './step-layout.ts';

export interface BatchResidualShape {
  /** Index of the cursor in the walk buffer. */
  n: number;
  k: number;
  kPad: number;
  rows: number;
  /** A grid search's parameter sets side by side (absent: the plain fit). */
  groups?: StepGroups;
}

export interface BatchResidualBuffers {
  walk: GPUBuffer;
  Y: GPUBuffer;
  /** Holds Z on entry and G on exit (rows × kPad). */
  Z: GPUBuffer;
  losses: GPUBuffer;
  /** Normalised row weights indexed like Y's rows, or null: the unweighted pipeline. */
  sampleWeight: GPUBuffer | null;
}

function kernel(ctx: GpuContext, spec: ObjectiveSpec, weighted = false, groups?: StepGroups): Kernel {
  return ctx.kernel('batch_residual', { WG: ctx.workgroupWidth, WEIGHTED: weighted ? 1 : 0, ...objectiveConstants(spec), ...groupConstants(groups) });
}

export function batchResidualUniforms(ctx: GpuContext, spec: ObjectiveSpec, s: BatchResidualShape): GPUBuffer {
  return ctx.createUniform(kernel(ctx, spec, false, s.groups).uniformBytes({ n: s.n, k: s.k, kPad: s.kPad, rows: s.rows }), 'batch_residual.params');
}

export function batchResidualDispatch(
  ctx: GpuContext, spec: ObjectiveSpec, params: GPUBuffer, rows: number, b: BatchResidualBuffers, groups?: StepGroups,
): Dispatch {
  const { sampleWeight, ...rest } = b;
  // The unweighted pipeline never reads sampleWeight: Y stands in for it, read-only like it.
  return kernel(ctx, spec, sampleWeight !== null, groups).dispatch('main', { params, ...rest, sampleWeight: sampleWeight ?? b.Y }, [Math.ceil(rows / ctx.workgroupWidth), 1, 1]);
}
