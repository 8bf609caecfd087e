// Mini-batch gathering through a permutation, with the batch cursor kept on the GPU (shaders/gather.wgsl).
import type { GpuContext } from '../gpu/context.ts';
import { grid1D, type Dispatch } from '../gpu/kernel.ts';
import type { XStorage } from './step-layout.ts';

const WORKGROUP = 256;

export interface GatherShape {
  n: number;
  d: number;
  k: number;
  batchSize: number;
}

/** Which rows of the training set one shard holds, and how its X is stored. */
export interface GatherShard {
  shardStart: number;
  shardRows: number;
  /** Copy the batch targets too (done by one shard's gather per step). */
  copyY: boolean;
  storage: XStorage;
  rowWords: number;
  xScale: number;
}

export interface GatherBuffers {
  /** The permutation with the cursor after it. */
  walk: GPUBuffer;
  X: GPUBuffer;
  Y: GPUBuffer;
  Xb: GPUBuffer;
  Yb: GPUBuffer;
  /** The training rows' normalised weights, or null: the unweighted pipeline. */
  sampleWeight: GPUBuffer | null;
  /** The batch rows' weights (written only when weighted, but always bound: a writable binding aliases nothing). */
  batchWeight: GPUBuffer;
}

const NO_SHARD: GatherShard = { shardStart: 0, shardRows: 0, copyY: false, storage: 'f32', rowWords: 0, xScale: 1 };

export function gatherUniforms(ctx: GpuContext, s: GatherShape, shard: GatherShard = NO_SHARD): GPUBuffer {
  const { storage: _storage, ...rest } = shard;
  const bytes = ctx.kernel('gather').uniformBytes({ ...s, ...rest, copyY: shard.copyY ? 1 : 0 });
  return ctx.createUniform(bytes, 'gather.params');
}

/** Copies the batch rows at the cursor that live in this shard into Xb (and the targets into Yb). */
export function gatherDispatch(ctx: GpuContext, params: GPUBuffer, s: GatherShape, storage: XStorage, b: GatherBuffers): Dispatch {
  const elements = s.batchSize * (s.d + s.k);
  const { sampleWeight, ...rest } = b;
  const kernel = ctx.kernel('gather', { X_U8: storage === 'u8' ? 1 : 0, WEIGHTED: sampleWeight === null ? 0 : 1 });
  // The unweighted pipeline never reads sampleWeight: Y stands in for it, read-only like it.
  return kernel.dispatch('gatherRows', { params, ...rest, Xu8: b.X, sampleWeight: sampleWeight ?? b.Y }, grid1D(Math.ceil(elements / WORKGROUP)));
}

/** Moves the cursor on by batchSize: the last dispatch of every step. */
export function advanceDispatch(ctx: GpuContext, params: GPUBuffer, walk: GPUBuffer): Dispatch {
  return ctx.kernel('gather').dispatch('advance', { params, walk }, [1, 1, 1]);
}
