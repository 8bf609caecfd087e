// The state every step engine keeps for a fit: the row order with its GPU-side cursor, the batch
// rows' losses with the epoch total, the padded working copy Wp of the parameters, and where the
// batch rows come from (straight from a resident X, or gathered from its shards).
import type { GpuContext } from '../context.ts';
import { gatherDispatch, gatherUniforms } from '../kernels/gather.ts';
import type { Dispatch } from '../kernels/kernel.ts';
import { CHUNK, paddedClasses, paddedParams, type XStorage } from '../kernels/step-layout.ts';
import type { StepProblem, StepProgram } from './engine.ts';

/** Buffers and their owner-tracked lifetime for one fit. */
export class Scratch {
  readonly buffers: GPUBuffer[] = [];
  constructor(readonly ctx: GpuContext) {}
  storage(floats: number, label: string): GPUBuffer {
    return this.keep(this.ctx.createStorage(floats, label));
  }
  keep(b: GPUBuffer): GPUBuffer {
    this.buffers.push(b);
    return b;
  }
  release(): void {
    for (const b of this.buffers) this.ctx.releaseBuffer(b);
    this.buffers.length = 0;
  }
}

/**
 * Where the step kernels find the batch. Resident in one buffer: straight from X through the
 * permutation. Sharded: each step first gathers its rows from the shards into Xb/Yb, and the step
 * kernels then read those through an identity walk whose cursor stays at 0.
 */
export interface BatchSource {
  walk: GPUBuffer;
  /** Index of the cursor in `walk`. */
  n: number;
  X: GPUBuffer;
  Y: GPUBuffer;
  storage: XStorage;
  /** 8-feature chunks per padded row of X. */
  chunks: number;
  xScale: number;
  /** Dispatches that must run before the step kernels (the gathers). */
  prelude: Dispatch[];
}

export interface StepState {
  scratch: Scratch;
  /** The epoch's row permutation followed by the batch cursor. */
  walk: GPUBuffer;
  /** The batch rows' losses, then the epoch total at index batchSize. */
  losses: GPUBuffer;
  /** (dPad+1)×kPad working copy of W (one row per padded feature, zeros past d) with the bias last. */
  Wp: GPUBuffer;
  /** Batch-row logits, then residuals: batchSize × kPad. */
  G: GPUBuffer;
  source: BatchSource;
  /** Features per padded row (8 · chunks). */
  dPad: number;
  kPad: number;
}

function batchSource(s: Scratch, p: StepProblem, walk: GPUBuffer): BatchSource {
  const { X, ctx } = p;
  const only = X.shards.length === 1 ? X.shards[0] : undefined;
  if (only !== undefined) {
    return { walk, n: X.rows, X: only.matrix.buffer, Y: p.Y.buffer, storage: X.storage, chunks: X.chunks, xScale: X.scale, prelude: [] };
  }
  const batch = p.batchSize;
  // Gathered rows keep the padding: Xb is batch × dPad f32.
  const d = X.chunks * CHUNK;
  const k = p.W.cols;
  const Xb = s.storage(batch * d, 'train.Xb');
  const Yb = s.storage(batch * k, 'train.Yb');
  const identity = s.storage(batch + 1, 'train.identityWalk');
  // Rows 0..batch−1 in order, then a cursor that stays at 0.
  ctx.device.queue.writeBuffer(identity, 0, Uint32Array.from({ length: batch + 1 }, (_, i) => (i < batch ? i : 0)));
  const shape = { n: X.rows, d, k, batchSize: batch };
  const prelude = X.shards.map((shard, i) => {
    const params = s.keep(gatherUniforms(ctx, shape, {
      shardStart: shard.rowStart, shardRows: shard.rows, copyY: i === 0, storage: X.storage, rowWords: X.rowWords, xScale: X.scale,
    }));
    return gatherDispatch(ctx, params, shape, X.storage, { walk, X: shard.matrix.buffer, Y: p.Y.buffer, Xb, Yb });
  });
  return { walk: identity, n: batch, X: Xb, Y: Yb, storage: 'f32', chunks: X.chunks, xScale: 1, prelude };
}

/** Allocates what every engine keeps for a fit and writes the starting parameters into Wp. */
export function createStepState(p: StepProblem): StepState {
  const { ctx } = p;
  const scratch = new Scratch(ctx);
  try {
    const n = p.X.rows;
    const k = p.W.cols;
    const kPad = paddedClasses(k);
    const dPad = p.X.chunks * CHUNK;
    const walk = scratch.storage(n + 1, 'train.walk');
    const Wp = scratch.storage((dPad + 1) * kPad, 'train.Wp');
    const W0 = paddedParams(p.initialW, p.initialB, p.X.cols, dPad, k);
    ctx.device.queue.writeBuffer(Wp, 0, W0.buffer, W0.byteOffset, W0.byteLength);
    return {
      scratch,
      walk,
      losses: scratch.storage(p.batchSize + 1, 'train.losses'),
      Wp,
      G: scratch.storage(p.batchSize * kPad, 'train.G'),
      source: batchSource(scratch, p, walk),
      dPad,
      kPad,
    };
  } catch (e) {
    scratch.release();
    throw e;
  }
}

/** One batch size's recorded step: its dispatches, and the uniforms that carry the learning rate. */
export interface StepPlan {
  rows: number;
  dispatches: Dispatch[];
  /** The uniform buffer rewritten at each epoch with the epoch's learning rate. */
  rated: GPUBuffer;
}

/**
 * The StepProgram every engine returns: its state, one plan per batch size an epoch has (full
 * batches and the remainder), built up front so a shader or pipeline error surfaces before
 * training starts, and `ratedBytes` for a plan's rate-carrying uniforms at a learning rate.
 */
export function buildProgram(
  p: StepProblem, state: StepState, planStep: (rows: number) => StepPlan, ratedBytes: (rows: number, learningRate: number) => ArrayBuffer,
): StepProgram {
  const { ctx, batchSize } = p;
  const plans = new Map<number, StepPlan>();
  try {
    for (const rows of new Set([batchSize, p.X.rows % batchSize || batchSize])) plans.set(rows, planStep(rows));
  } catch (e) {
    state.scratch.release();
    throw e;
  }
  return {
    beginEpoch(order, learningRate) {
      const walk = new Uint32Array(order.length + 1);
      walk.set(order);
      ctx.device.queue.writeBuffer(state.walk, 0, walk.buffer, walk.byteOffset, walk.byteLength);
      ctx.device.queue.writeBuffer(state.losses, batchSize * 4, new Float32Array([0]));
      for (const q of plans.values()) ctx.device.queue.writeBuffer(q.rated, 0, ratedBytes(q.rows, learningRate));
    },
    step(rows) {
      const plan = plans.get(rows);
      if (plan === undefined) throw new Error(`${rows}-row step: an epoch's steps are ${[...plans.keys()].join(' or ')} rows`);
      return plan.dispatches;
    },
    readEpochLoss: async () => (await ctx.readBuffer(state.losses, 1, batchSize * 4))[0] as number,
    destroy: () => state.scratch.release(),
    buffers: { G: state.G, losses: state.losses, kPad: state.kPad, Wp: state.Wp },
  };
}
