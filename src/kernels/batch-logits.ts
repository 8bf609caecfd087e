// Z = Xb·W + b for a training batch read through the permutation (shaders/batch_logits.wgsl).
import type { GpuContext } from '../context.ts';
import { classBlocks, stepConstants } from './batch-update.ts';
import type { Dispatch } from './kernel.ts';

export interface BatchLogitsShape {
  /** Index of the cursor in the walk buffer (the permutation's length). */
  n: number;
  d: number;
  k: number;
  /** Row stride of Z and of the padded W copy (see paddedClasses). */
  kPad: number;
  rows: number;
  hasBias: boolean;
  /** How X is stored: f32, or bytes four to a u32 word (rowWords words a row, worth xScale each). */
  storage: 'f32' | 'u8';
  rowWords: number;
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
    n: s.n, d: s.d, kPad: s.kPad, rows: s.rows, hasBias: s.hasBias ? 1 : 0, rowWords: s.rowWords, xScale: s.xScale,
  });
  return ctx.createUniform(bytes, 'batch_logits.params');
}

/** Four batch rows an invocation along x, one block of columns along y. */
export function batchLogitsDispatch(ctx: GpuContext, params: GPUBuffer, s: BatchLogitsShape, b: BatchLogitsBuffers): Dispatch {
  const kernel = ctx.kernel('batch_logits', stepConstants(ctx, s.k, s.storage));
  return kernel.dispatch('main', { params, ...b }, [Math.ceil(s.rows / 4 / ctx.workgroupWidth), classBlocks(s.k), 1]);
}
