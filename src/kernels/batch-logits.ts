// Z = Xb·W + b for a training batch read through the permutation (shaders/batch_logits.wgsl).
import type { GpuContext } from '../gpu/context.ts';
import { classBlocks, stepConstants, type XStorage } from './step-layout.ts';
import type { Dispatch } from '../gpu/kernel.ts';

export interface BatchLogitsShape {
  /** Index of the cursor in the walk buffer (the permutation's length). */
  n: number;
  d: number;
  k: number;
  /** Row stride of Z and of the padded W copy (see paddedClasses). */
  kPad: number;
  rows: number;
  hasBias: boolean;
  /** How X is stored: f32, or bytes worth xScale each; rows padded to `chunks` chunks of 8 features. */
  storage: XStorage;
  chunks: number;
  xScale: number;
}

export interface BatchLogitsBuffers {
  walk: GPUBuffer;
  X: GPUBuffer;
  Wp: GPUBuffer;
  Z: GPUBuffer;
}

export function batchLogitsUniforms(ctx: GpuContext, s: BatchLogitsShape): GPUBuffer {
  const bytes = ctx.kernel('batch_logits', stepConstants(ctx, s.k, s.storage)).uniformBytes({
    n: s.n, chunks: s.chunks, kPad: s.kPad, rows: s.rows, hasBias: s.hasBias ? 1 : 0, xScale: s.xScale,
  });
  return ctx.createUniform(bytes, 'batch_logits.params');
}

/** Sixteen batch rows an invocation along x, one block of columns along y. */
export function batchLogitsDispatch(ctx: GpuContext, params: GPUBuffer, s: BatchLogitsShape, b: BatchLogitsBuffers): Dispatch {
  const kernel = ctx.kernel('batch_logits', stepConstants(ctx, s.k, s.storage));
  const { X, ...rest } = b;
  return kernel.dispatch('main', { params, ...rest, X4: X, X2: X }, [Math.ceil(s.rows / 16 / ctx.workgroupWidth), classBlocks(s.k), 1]);
}
