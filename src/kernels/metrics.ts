// Loss and hit sums of a whole set, reduced on the GPU from the logits (shaders/metrics.wgsl).
import type { GpuContext } from '../context.ts';
import { objectiveConstants, type ObjectiveSpec } from '../core/objective.ts';
import type { Dispatch, Kernel } from './kernel.ts';
import { lossGroups } from './loss.ts';

export interface MetricsValues {
  m: number;
  k: number;
  /** Sigmoid outputs count as class 1 from this probability on. */
  threshold: number;
}

export interface MetricsBuffers {
  Z: GPUBuffer;
  Y: GPUBuffer;
  /** At least 2·lossGroups(m) floats of scratch. */
  partial: GPUBuffer;
  /** Two floats: Σ loss, Σ hits. */
  out: GPUBuffer;
}

function kernel(ctx: GpuContext, spec: ObjectiveSpec): Kernel {
  return ctx.kernel('metrics', objectiveConstants(spec));
}

export function metricsUniforms(ctx: GpuContext, spec: ObjectiveSpec, v: MetricsValues): GPUBuffer {
  const bytes = kernel(ctx, spec).uniformBytes({ m: v.m, k: v.k, nGroups: lossGroups(v.m), threshold: v.threshold });
  return ctx.createUniform(bytes, 'metrics.params');
}

export function metricsDispatches(ctx: GpuContext, spec: ObjectiveSpec, params: GPUBuffer, m: number, b: MetricsBuffers): Dispatch[] {
  const k = kernel(ctx, spec);
  return [
    k.dispatch('rowSums', { params, Z: b.Z, Y: b.Y, partial: b.partial }, [lossGroups(m), 1, 1]),
    k.dispatch('finish', { params, partial: b.partial, out: b.out }, [1, 1, 1]),
  ];
}
