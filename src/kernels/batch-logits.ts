// Z = Xb·W + b for a training batch read through the permutation (shaders/batch_logits.wgsl).
import type { GpuContext } from '../context.ts';
import type { Dispatch } from './kernel.ts';

export interface BatchLogitsShape {
  d: number;
  k: number;
  /** Row stride of Z: k rounded up (see paddedClasses). */
  kPad: number;
  rows: number;
  hasBias: boolean;
  /** How X is stored: f32, or bytes four to a u32 word (rowWords words a row, worth xScale each). */
  storage: 'f32' | 'u8';
  rowWords: number;
  xScale: number;
}

export interface BatchLogitsBuffers {
  cursor: GPUBuffer;
  perm: GPUBuffer;
  X: GPUBuffer;
  W: GPUBuffer;
  b: GPUBuffer;
  Z: GPUBuffer;
}

export function batchLogitsUniforms(ctx: GpuContext, s: BatchLogitsShape): GPUBuffer {
  const bytes = ctx.kernel('batch_logits').uniformBytes({
    d: s.d, k: s.k, kPad: s.kPad, rows: s.rows, hasBias: s.hasBias ? 1 : 0, rowWords: s.rowWords, xScale: s.xScale,
  });
  return ctx.createUniform(bytes, 'batch_logits.params');
}

export function batchLogitsDispatch(ctx: GpuContext, params: GPUBuffer, s: BatchLogitsShape, b: BatchLogitsBuffers): Dispatch {
  const WG = ctx.workgroupWidth;
  const { X, ...rest } = b;
  // Bytes, or f32 read as vec4 when rows are whole vec4s (d a multiple of 4), else one f32 at a time.
  const [entry, binding] = s.storage === 'u8' ? ['logitsU8', 'Xu8'] : s.d % 4 === 0 ? ['logitsVec4', 'X4'] : ['logits', 'X'];
  return ctx.kernel('batch_logits', { WG }).dispatch(entry, { params, ...rest, [binding]: X }, [Math.ceil(s.k / WG), Math.ceil(s.rows / 4), 1]);
}
