// Mini-batch gathering through a permutation, with the batch cursor kept on the GPU (shaders/gather.wgsl).
import type { GpuContext } from '../context.ts';
import { grid1D, type Dispatch } from './kernel.ts';

const WORKGROUP = 256;

export interface GatherShape {
  n: number;
  d: number;
  k: number;
  batchSize: number;
}

export interface GatherBuffers {
  cursor: GPUBuffer;
  perm: GPUBuffer;
  X: GPUBuffer;
  Y: GPUBuffer;
  Xb: GPUBuffer;
  Yb: GPUBuffer;
}

export function gatherUniforms(ctx: GpuContext, s: GatherShape): GPUBuffer {
  return ctx.createUniform(ctx.kernel('gather').uniformBytes({ ...s }), 'gather.params');
}

/** Gathers the batch at the cursor, then advances the cursor by batchSize. */
export function gatherDispatches(ctx: GpuContext, params: GPUBuffer, s: GatherShape, b: GatherBuffers): [Dispatch, Dispatch] {
  const kernel = ctx.kernel('gather');
  const elements = s.batchSize * (s.d + s.k);
  return [
    kernel.dispatch('gatherRows', { params, ...b }, grid1D(Math.ceil(elements / WORKGROUP))),
    kernel.dispatch('advance', { params, cursor: b.cursor }, [1, 1, 1]),
  ];
}
