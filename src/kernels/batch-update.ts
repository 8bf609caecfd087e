// The fused gradient reduction and SGD update of a training batch (shaders/batch_update.wgsl).
import type { GpuContext } from '../context.ts';
import type { Dispatch } from './kernel.ts';

/** Columns one invocation of batch_update sums: up to 4 vec4s. */
const COLUMN_BLOCK = 16;

/**
 * Row stride of the batch's Z/G scratch: k rounded up to whole vec4s, and to whole 16-column blocks
 * past 16 classes, so batch_update reads only complete vec4s.
 */
export function paddedClasses(k: number): number {
  return k <= COLUMN_BLOCK ? Math.ceil(k / 4) * 4 : Math.ceil(k / COLUMN_BLOCK) * COLUMN_BLOCK;
}

export interface BatchUpdateValues {
  d: number;
  k: number;
  rows: number;
  learningRate: number;
  l2: number;
  /** Multiplies the batch's summed row losses before they join the epoch loss (1/n: a mean). */
  lossScale: number;
  hasBias: boolean;
  /** How X is stored (see BatchLogitsShape). */
  storage: 'f32' | 'u8';
  rowWords: number;
  xScale: number;
}

export interface BatchUpdateBuffers {
  cursor: GPUBuffer;
  perm: GPUBuffer;
  X: GPUBuffer;
  G: GPUBuffer;
  rowLoss: GPUBuffer;
  W: GPUBuffer;
  b: GPUBuffer;
  lossOut: GPUBuffer;
}

function columnVectors(k: number): number {
  return Math.min(4, paddedClasses(k) / 4);
}

function constants(ctx: GpuContext, k: number, storage: 'f32' | 'u8'): Record<string, number> {
  return { WG: ctx.workgroupWidth, KV: columnVectors(k), X_U8: storage === 'u8' ? 1 : 0 };
}

export function batchUpdateBytes(ctx: GpuContext, v: BatchUpdateValues): ArrayBuffer {
  return ctx.kernel('batch_update', constants(ctx, v.k, v.storage)).uniformBytes({
    d: v.d,
    k: v.k,
    kPad: paddedClasses(v.k),
    rows: v.rows,
    learningRate: v.learningRate,
    l2: v.l2,
    lossScale: v.lossScale,
    hasBias: v.hasBias ? 1 : 0,
    rowWords: v.rowWords,
    xScale: v.xScale,
  });
}

export function batchUpdateDispatch(
  ctx: GpuContext, params: GPUBuffer, d: number, k: number, storage: 'f32' | 'u8', b: BatchUpdateBuffers,
): Dispatch {
  const c = constants(ctx, k, storage);
  // d + 1 invocations along x (the last updates the bias), one column block each along y.
  const blocks = Math.ceil(paddedClasses(k) / (4 * (c.KV as number)));
  return ctx.kernel('batch_update', c).dispatch('main', { params, ...b }, [Math.ceil((d + 1) / ctx.workgroupWidth), blocks, 1]);
}
