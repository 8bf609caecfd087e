// The state every step engine keeps for a fit: the row order with its GPU-side cursor, the batch
// rows' losses with the epoch total, the padded working copy Wp of the parameters, and where the
// batch rows come from (straight from a resident X, or gathered from its shards).
import { gatherDispatch, gatherUniforms } from '../kernels/gather.ts';
import { hypergradientBytes, hypergradientDispatch } from '../kernels/hypergradient.ts';
import type { Dispatch } from '../gpu/kernel.ts';
import { CHUNK, groupColumns, optimizerFloats, optimizerSlices, paddedClasses, paddedGroupParams, paddedParams, type XStorage } from '../kernels/step-layout.ts';
import type { GpuContext } from '../gpu/context.ts';
import { SGD, type StepOptimizer } from '../core/optimizer.ts';
import type { BufferRegion, StepProblem, StepProgram } from './engine.ts';
import { Scratch } from './scratch.ts';
import { setMeter } from './set-meter.ts';

/** Epochs that can be queued before their losses are read back (StepProgram.beginEpoch's slots). */
export const EPOCH_SLOTS = 256;

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
  /** The rows' normalised weights, indexed like Y's rows, or null (unweighted). */
  sampleWeight: GPUBuffer | null;
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
  /** The batch rows' losses, then the epoch totals from index batchSize on (one per slot). */
  losses: GPUBuffer;
  /** (dPad+1)×kPad working copy of W (one row per padded feature, zeros past d) with the bias last. */
  Wp: GPUBuffer;
  /** Batch-row logits, then residuals: batchSize × kPad. */
  G: GPUBuffer;
  source: BatchSource;
  /** Features per padded row (8 · chunks). */
  dPad: number;
  kPad: number;
  /** With the hypergradient optimizer, the dispatch that ends every step (after the update kernels'); else none. */
  hypergradient: Dispatch[];
  /** Where Wp keeps the state of an optimizer fit() names, which a warm start continues; null for SGD and the others. */
  optimizerState: BufferRegion | null;
  /** With the hypergradient optimizer, where Wp keeps each lane's α (a vec4 a lane); else null. */
  rates: BufferRegion | null;
}

/** Copies a warm start's saved optimizer state into Wp after the parameters. */
function continueState(ctx: GpuContext, saved: GPUBuffer, into: BufferRegion): void {
  if (saved.size < into.floats * 4) throw new Error(`optimizer state of ${saved.size} bytes cannot continue into ${into.floats * 4}`);
  const encoder = ctx.device.createCommandEncoder();
  encoder.copyBufferToBuffer(saved, 0, into.buffer, into.offset * 4, into.floats * 4);
  ctx.device.queue.submit([encoder.finish()]);
}

function batchSource(s: Scratch, p: StepProblem, walk: GPUBuffer): BatchSource {
  const { X, ctx } = p;
  const only = X.shards.length === 1 ? X.shards[0] : undefined;
  if (only !== undefined) {
    const sampleWeight = p.sampleWeight?.buffer ?? null;
    return { walk, n: X.rows, X: only.matrix.buffer, Y: p.Y.buffer, sampleWeight, storage: X.storage, chunks: X.chunks, xScale: X.scale, prelude: [] };
  }
  const batch = p.batchSize;
  // Gathered rows keep the padding: Xb is batch × dPad f32.
  const d = X.chunks * CHUNK;
  const k = p.W.cols;
  const Xb = s.storage(batch * d, 'train.Xb');
  const Yb = s.storage(batch * k, 'train.Yb');
  const weights = p.sampleWeight ?? null;
  // One float when unweighted: the gather binds it but never writes it.
  const batchWeight = s.storage(weights === null ? 1 : batch, 'train.batchWeight');
  const identity = s.storage(batch + 1, 'train.identityWalk');
  // Rows 0..batch−1 in order, then a cursor that stays at 0.
  ctx.device.queue.writeBuffer(identity, 0, Uint32Array.from({ length: batch + 1 }, (_, i) => (i < batch ? i : 0)));
  const shape = { n: X.rows, d, k, batchSize: batch };
  const prelude = X.shards.map((shard, i) => {
    const params = s.keep(gatherUniforms(ctx, shape, {
      shardStart: shard.rowStart, shardRows: shard.rows, copyY: i === 0, storage: X.storage, rowWords: X.rowWords, xScale: X.scale,
    }));
    return gatherDispatch(ctx, params, shape, X.storage, {
      walk, X: shard.matrix.buffer, Y: p.Y.buffer, Xb, Yb, sampleWeight: weights?.buffer ?? null, batchWeight,
    });
  });
  const sampleWeight = weights === null ? null : batchWeight;
  return { walk: identity, n: batch, X: Xb, Y: Yb, sampleWeight, storage: 'f32', chunks: X.chunks, xScale: 1, prelude };
}

/** Groups of a fit: 1 for a plain fit. */
function groupCount(p: StepProblem): number {
  return p.groups?.count ?? 1;
}

/**
 * Floats of the losses buffer. A plain fit: each batch row's loss, then EPOCH_SLOTS epoch totals. A
 * grid search: each batch row's loss and the epoch total per group, then the groups' learning rates
 * and λ.
 */
function lossSlots(p: StepProblem): number {
  const g = groupCount(p);
  return p.groups === undefined ? p.batchSize + EPOCH_SLOTS : (p.batchSize + 1) * g + 2 * g;
}

/** Whether the optimizer's state is one a warm start may continue: an optimizer fit() names (the others' start anew with every fit). */
function continues(o: StepOptimizer): boolean {
  return o.kind !== 'hypergradient' && o.kind !== 'gradient';
}

/** Allocates what every engine keeps for a fit and writes the starting parameters into Wp. */
export function createStepState(p: StepProblem): StepState {
  const { ctx } = p;
  const scratch = new Scratch(ctx);
  try {
    const n = p.X.rows;
    const k = p.W.cols;
    const kPad = paddedClasses(groupColumns(k, p.groups));
    const dPad = p.X.chunks * CHUNK;
    const walk = scratch.storage(n + 1, 'train.walk');
    const paramFloats = (dPad + 1) * kPad;
    const optimizer = p.optimizer ?? SGD;
    const lanes = groupCount(p);
    const stateFloats = optimizerFloats(optimizer, paramFloats, lanes);
    // The optimizer part keeps its state after the parameters, zero at the start of a fit.
    const Wp = scratch.storage(paramFloats + stateFloats, 'train.Wp');
    const W0 = p.groups === undefined
      ? paddedParams(p.initialW, p.initialB, p.X.cols, dPad, k)
      : paddedGroupParams(p.initialW, p.initialB, p.X.cols, dPad, k, p.groups);
    ctx.device.queue.writeBuffer(Wp, 0, W0.buffer, W0.byteOffset, W0.byteLength);
    const optimizerState = stateFloats === 0 || !continues(optimizer) ? null : { buffer: Wp, offset: paramFloats, floats: stateFloats };
    if (optimizerState !== null && p.optimizerState != null) continueState(ctx, p.optimizerState, optimizerState);
    const losses = scratch.storage(lossSlots(p), 'train.losses');
    const hypergradient: Dispatch[] = [];
    let rates: BufferRegion | null = null;
    if (optimizer.kind === 'hypergradient') {
      // After g_t and g_{t−1}: each lane's α, which starts at `initial` with every fit; g_{t−1} starts
      // at zero, so the first step keeps it.
      rates = { buffer: Wp, offset: (1 + optimizerSlices(optimizer)) * paramFloats, floats: 4 * lanes };
      ctx.device.queue.writeBuffer(Wp, rates.offset * 4, new Float32Array(rates.floats).fill(optimizer.initial));
      const values = { d: p.X.cols, dPad, k, hasBias: p.fitIntercept, beta: optimizer.beta, ...(p.groups === undefined ? {} : { groups: p.groups }) };
      const params = scratch.keep(ctx.createUniform(hypergradientBytes(ctx, values), 'hypergradient.params'));
      hypergradient.push(hypergradientDispatch(ctx, params, lanes, { Wp, W: p.W.buffer, b: p.b.buffer }));
    }
    return {
      scratch,
      walk,
      losses,
      Wp,
      G: scratch.storage(p.batchSize * kPad, 'train.G'),
      source: batchSource(scratch, p, walk),
      dPad,
      kPad,
      hypergradient,
      optimizerState,
      rates,
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
  /** The uniform buffer rewritten at each epoch with the epoch's learning rate and loss slot. */
  rated: GPUBuffer;
}

/** What an epoch writes into a plan's rate-carrying uniforms: its rate, and the index of its loss total in `losses`. */
export interface EpochUniforms {
  learningRate: number;
  total: number;
}

/**
 * The StepProgram every engine returns: its state, one plan per batch size an epoch has (full
 * batches and the remainder), built up front so a shader or pipeline error surfaces before
 * training starts, and `ratedBytes` for a plan's rate-carrying uniforms in an epoch.
 */
export function buildProgram(
  p: StepProblem, state: StepState, planStep: (rows: number) => StepPlan, ratedBytes: (rows: number, epoch: EpochUniforms) => ArrayBuffer,
): StepProgram {
  const { ctx, batchSize } = p;
  const plans = new Map<number, StepPlan>();
  let learnedRate = Number.NaN;
  try {
    for (const rows of new Set([batchSize, p.X.rows % batchSize || batchSize])) plans.set(rows, planStep(rows));
  } catch (e) {
    state.scratch.release();
    throw e;
  }
  const beginEpoch = (order: Uint32Array, learningRate: number, slot = 0): void => {
    if (!Number.isInteger(slot) || slot < 0 || slot >= EPOCH_SLOTS) throw new Error(`epoch slot ${slot} is outside 0…${EPOCH_SLOTS - 1}`);
    const walk = new Uint32Array(order.length + 1);
    walk.set(order);
    const total = batchSize + slot;
    ctx.device.queue.writeBuffer(state.walk, 0, walk.buffer, walk.byteOffset, walk.byteLength);
    ctx.device.queue.writeBuffer(state.losses, total * 4, new Float32Array([0]));
    for (const q of plans.values()) ctx.device.queue.writeBuffer(q.rated, 0, ratedBytes(q.rows, { learningRate, total }));
  };
  return {
    beginEpoch,
    step(rows) {
      const plan = plans.get(rows);
      if (plan === undefined) throw new Error(`${rows}-row step: an epoch's steps are ${[...plans.keys()].join(' or ')} rows`);
      return plan.dispatches;
    },
    readEpochLoss: async () => {
      const rates = state.rates;
      if (rates === null) return (await ctx.readBuffer(state.losses, 1, batchSize * 4))[0] as number;
      // The loss and the fit's learned rate (lane 0's) in one readback.
      const [loss, rate] = await ctx.readBuffers([{ buffer: state.losses, floats: 1, byteOffset: batchSize * 4 }, { buffer: rates.buffer, floats: 1, byteOffset: rates.offset * 4 }]);
      learnedRate = rate[0] as number;
      return loss[0] as number;
    },
    readEpochLosses: (count) => ctx.readBuffer(state.losses, count, batchSize * 4),
    learnedRate: () => learnedRate,
    meter: (X, Y, threshold) => setMeter({
      ctx, spec: p.spec, k: p.W.cols, kPad: state.kPad, fitIntercept: p.fitIntercept, Wp: state.Wp, ...(p.groups === undefined ? {} : { groups: p.groups }),
    }, X, Y, threshold),
    beginGroupEpoch(order, learningRates, l2) {
      const g = groupCount(p);
      if (learningRates.length !== g || l2.length !== g) throw new Error(`beginGroupEpoch: ${g} groups, given ${learningRates.length} rates and ${l2.length} λ`);
      const walk = new Uint32Array(order.length + 1);
      walk.set(order);
      ctx.device.queue.writeBuffer(state.walk, 0, walk.buffer, walk.byteOffset, walk.byteLength);
      // The epoch totals start at 0; the rates and λ follow them.
      const tail = Float32Array.from([...new Array<number>(g).fill(0), ...learningRates, ...l2]);
      ctx.device.queue.writeBuffer(state.losses, batchSize * g * 4, tail.buffer, tail.byteOffset, tail.byteLength);
      // One group runs the plain kernels, which take the rate from the uniforms (and λ = p.l2).
      for (const q of plans.values()) ctx.device.queue.writeBuffer(q.rated, 0, ratedBytes(q.rows, { learningRate: learningRates[0] as number, total: batchSize }));
    },
    readGroupLosses: async () => ctx.readBuffer(state.losses, groupCount(p), batchSize * groupCount(p) * 4),
    optimizerState: state.optimizerState,
    evaluate: async (W, b) => {
      if (p.optimizer?.kind !== 'gradient' || batchSize !== p.X.rows) throw new Error('evaluate: the program was not prepared gradient-only over the whole training set');
      const d = p.X.cols;
      const k = p.W.cols;
      const Wp = paddedParams(W, b, d, state.dPad, k);
      const run = ctx.capture('an objective evaluation', () => {
        ctx.device.queue.writeBuffer(state.Wp, 0, Wp.buffer, Wp.byteOffset, Wp.byteLength);
        // The rows in order; the rate is unused (no update).
        beginEpoch(Uint32Array.from({ length: batchSize }, (_, i) => i), 1);
        void ctx.submit((plans.get(batchSize) as StepPlan).dispatches);
      });
      // The loss and the gradient the optimizer part kept after the parameters, in one readback.
      const [loss, padded] = await ctx.readBuffers([{ buffer: state.losses, floats: 1, byteOffset: batchSize * 4 }, { buffer: state.Wp, floats: Wp.length, byteOffset: Wp.byteLength }]);
      await run.check;
      const kPad = state.kPad;
      const dW = new Float32Array(d * k);
      for (let f = 0; f < d; f++) dW.set(padded.subarray(f * kPad, f * kPad + k), f * k);
      return { loss: loss[0] as number, dW, db: padded.slice(state.dPad * kPad, state.dPad * kPad + k) };
    },
    destroy: () => state.scratch.release(),
    buffers: { G: state.G, losses: state.losses, kPad: state.kPad, Wp: state.Wp, rates: state.rates },
  };
}
