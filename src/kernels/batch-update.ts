// The fused gradient reduction and SGD update of a training batch (shaders/batch_update.wgsl).
import type { GpuContext } from '../context.ts';
import type { Dispatch } from './kernel.ts';

/** Columns one invocation of the step kernels covers: up to 4 vec4s. */
const COLUMN_BLOCK = 16;

/**
 * Row stride of the batch's Z/G scratch and of the padded W: k rounded up to whole vec4s, and to
 * whole 16-column blocks past 16 classes, so the kernels read only complete vec4s.
 */
export function paddedClasses(k: number): number {
  return k <= COLUMN_BLOCK ? Math.ceil(k / 4) * 4 : Math.ceil(k / COLUMN_BLOCK) * COLUMN_BLOCK;
}

/** vec4s of columns per invocation (the KV pipeline constant). */
export function columnVectors(k: number): number {
  return Math.min(4, paddedClasses(k) / 4);
}

/** Column blocks of 4·KV columns: the grid's y. */
export function classBlocks(k: number): number {
  return paddedClasses(k) / (4 * columnVectors(k));
}

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
  storage: 'f32' | 'u8';
  xScale: number;
  /** Slot of the epoch loss in the losses buffer (after the batch rows' slots). */
  total: number;
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

/**
 * Pipeline constants shared by batch_logits and batch_update: workgroup width, vec4s of columns,
 * the columns in use in the last of them (when one block holds every class), X's storage.
 */
export function stepConstants(ctx: GpuContext, k: number, storage: 'f32' | 'u8'): Record<string, number> {
  const KV = columnVectors(k);
  const LIVE = classBlocks(k) === 1 ? k - 4 * (KV - 1) : 4;
  return { WG: ctx.workgroupWidth, KV, LIVE, X_U8: storage === 'u8' ? 1 : 0 };
}

export function batchUpdateBytes(ctx: GpuContext, v: BatchUpdateValues): ArrayBuffer {
  return ctx.kernel('batch_update', stepConstants(ctx, v.k, v.storage)).uniformBytes({
    n: v.n,
    d: v.d,
    k: v.k,
    kPad: paddedClasses(v.k),
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
export function batchUpdateDispatch(
  ctx: GpuContext, params: GPUBuffer, chunks: number, k: number, storage: 'f32' | 'u8', b: BatchUpdateBuffers,
): Dispatch {
  const kernel = ctx.kernel('batch_update', stepConstants(ctx, k, storage));
  const { X, ...rest } = b;
  return kernel.dispatch('main', { params, ...rest, X4: X, X2: X }, [Math.ceil(chunks / 2 / ctx.workgroupWidth) + 1, classBlocks(k), 1]);
}
