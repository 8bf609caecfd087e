// Gradient descent on the GPU. The training set and the parameters stay resident for the whole fit;
// each step reads its batch rows through a permutation buffer (no copy), runs two fused kernels
// (forward; gradient + update), and an epoch's steps are recorded into as few submits as possible
// with a single readback (the epoch loss, summed on the GPU).
import type { GpuContext } from '../context.ts';
import { ValueError } from '../errors.ts';
import { batchLogitsDispatch, batchLogitsUniforms } from '../kernels/batch-logits.ts';
import { batchResidualDispatch, batchResidualUniforms } from '../kernels/batch-residual.ts';
import { batchUpdateBytes, batchUpdateDispatch, paddedClasses, type BatchUpdateValues } from '../kernels/batch-update.ts';
import { advanceDispatch, gatherDispatch, gatherUniforms } from '../kernels/gather.ts';
import type { Dispatch } from '../kernels/kernel.ts';
import type { GpuMatrix } from '../matrix.ts';
import { OBJECTIVES, type Objective, type ObjectiveSpec } from '../core/objective.ts';
import type { EpochLog, History, ResolvedFitOptions, StopReason } from '../core/options.ts';
import { batchSizes, epochOrder } from '../core/order.ts';
import { learningRateAt } from '../core/schedule.ts';
import { CHUNK, type ResidentX, type XStorage } from './training-set.ts';

/** Steps recorded into one command buffer: bounds its size when batches are tiny (stochastic GD). */
const MAX_STEPS_PER_SUBMIT = 2048;

export interface GpuTrainProblem {
  ctx: GpuContext;
  objective: Objective;
  /** Resident training features (n×d, f32 or bytes, in one buffer or in shards). */
  X: ResidentX;
  /** n×k encoded targets. */
  Y: GpuMatrix;
  /** Parameters, updated in place: d×k and 1×k. */
  W: GpuMatrix;
  b: GpuMatrix;
  fitIntercept: boolean;
  options: ResolvedFitOptions;
  /** The parameters' values at the start of the fit (W row-major d×k, b of length k). */
  initialW: Float32Array;
  initialB: Float32Array;
  /** Loss and accuracy on the whole training or validation set with the current parameters. */
  evaluate: (which: 'train' | 'validation') => Promise<{ loss: number; accuracy?: number } | null>;
  hasValidation: boolean;
}

/** Buffers and their owner-tracked lifetime for one fit. */
class Scratch {
  readonly buffers: GPUBuffer[] = [];
  constructor(readonly ctx: GpuContext) {}
  storage(floats: number, label: string): GPUBuffer {
    const b = this.ctx.createStorage(floats, label);
    this.buffers.push(b);
    return b;
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

interface StepBuffers {
  /** The epoch's row permutation followed by the batch cursor. */
  walk: GPUBuffer;
  G: GPUBuffer;
  /** The batch rows' losses, then the epoch total at index batchSize. */
  losses: GPUBuffer;
  /** One float the epoch total is copied into for reading back. */
  lossOut: GPUBuffer;
  /** (dPad+1)×kPad working copy of W (one row per padded feature, zeros past d) with the bias last. */
  Wp: GPUBuffer;
  /** Uniforms of the cursor's advance (the batch size). */
  advance: GPUBuffer;
}

/** One batch size's pipeline state: its uniforms (the update's rewritten each epoch) and dispatches. */
interface StepPlan {
  rows: number;
  update: GPUBuffer;
  dispatches: Dispatch[];
}

/**
 * Where the step kernels find the batch. Resident in one buffer: straight from X through the
 * permutation. Sharded: each step first gathers its rows from the shards into Xb/Yb, and the step
 * kernels then read those through an identity walk whose cursor stays at 0.
 */
interface BatchSource {
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

/** Features per padded row: whole chunks, the padding zeros in X and in Wp. */
function paddedFeatures(X: ResidentX): number {
  return X.chunks * CHUNK;
}

function allocateStepBuffers(s: Scratch, p: GpuTrainProblem, batch: number): StepBuffers {
  const n = p.X.rows;
  const d = p.X.cols;
  const dPad = paddedFeatures(p.X);
  const k = p.W.cols;
  const kPad = paddedClasses(k);
  return {
    walk: s.storage(n + 1, 'train.walk'),
    G: s.storage(batch * kPad, 'train.G'),
    losses: s.storage(batch + 1, 'train.losses'),
    lossOut: s.storage(1, 'train.loss'),
    Wp: s.storage((dPad + 1) * kPad, 'train.Wp'),
    advance: s.keep(gatherUniforms(p.ctx, { n, d, k, batchSize: batch })),
  };
}

/** W and b laid out as the kernels' (dPad+1)×kPad working copy. */
function paddedParams(W: Float32Array, b: Float32Array, d: number, dPad: number, k: number): Float32Array {
  const kPad = paddedClasses(k);
  const out = new Float32Array((dPad + 1) * kPad);
  for (let f = 0; f < d; f++) out.set(W.subarray(f * k, (f + 1) * k), f * kPad);
  out.set(b, dPad * kPad);
  return out;
}

function batchSource(s: Scratch, p: GpuTrainProblem, buf: StepBuffers, batch: number): BatchSource {
  const X = p.X;
  const only = X.shards.length === 1 ? X.shards[0] : undefined;
  if (only !== undefined) {
    return { walk: buf.walk, n: X.rows, X: only.matrix.buffer, Y: p.Y.buffer, storage: X.storage, chunks: X.chunks, xScale: X.scale, prelude: [] };
  }
  const { ctx } = p;
  // Gathered rows keep the padding: Xb is batch × dPad f32.
  const d = paddedFeatures(X);
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
    return gatherDispatch(ctx, params, shape, X.storage, { walk: buf.walk, X: shard.matrix.buffer, Y: p.Y.buffer, Xb, Yb });
  });
  return { walk: identity, n: batch, X: Xb, Y: Yb, storage: 'f32', chunks: X.chunks, xScale: 1, prelude };
}

function updateValues(p: GpuTrainProblem, src: BatchSource, rows: number, learningRate: number): BatchUpdateValues {
  return {
    n: src.n, d: p.X.cols, k: p.W.cols, rows, chunks: src.chunks, learningRate, l2: p.options.l2, lossScale: 1 / p.X.rows,
    hasBias: p.fitIntercept, storage: src.storage, xScale: src.xScale, total: p.options.batchSize,
  };
}

/**
 * A step on `rows` batch rows: (gathers, when sharded), logits, then residual and row losses in
 * place, then gradient and update fused, then the cursor moves on. No host involvement.
 */
function planStep(s: Scratch, p: GpuTrainProblem, spec: ObjectiveSpec, buf: StepBuffers, src: BatchSource, rows: number): StepPlan {
  const { ctx } = p;
  const d = p.X.cols;
  const k = p.W.cols;
  const kPad = paddedClasses(k);
  const logitsShape = { n: src.n, d, k, kPad, rows, hasBias: p.fitIntercept, storage: src.storage, chunks: src.chunks, xScale: src.xScale };
  const logits = s.keep(batchLogitsUniforms(ctx, logitsShape));
  const residual = s.keep(batchResidualUniforms(ctx, { n: src.n, k, kPad, rows, activation: spec.activation, loss: spec.loss, gradient: spec.gradient }));
  const update = s.keep(ctx.createUniform(batchUpdateBytes(ctx, updateValues(p, src, rows, 1)), 'train.update'));
  return {
    rows,
    update,
    dispatches: [
      ...src.prelude,
      batchLogitsDispatch(ctx, logits, logitsShape, { walk: src.walk, X: src.X, Wp: buf.Wp, Z: buf.G }),
      batchResidualDispatch(ctx, residual, rows, { walk: src.walk, Y: src.Y, G: buf.G, losses: buf.losses }),
      batchUpdateDispatch(ctx, update, src.chunks, k, src.storage, {
        walk: src.walk, X: src.X, G: buf.G, losses: buf.losses, Wp: buf.Wp, W: p.W.buffer, b: p.b.buffer,
      }),
      advanceDispatch(ctx, buf.advance, buf.walk),
    ],
  };
}

function writeU32(ctx: GpuContext, buffer: GPUBuffer, values: Uint32Array): void {
  ctx.device.queue.writeBuffer(buffer, 0, values.buffer, values.byteOffset, values.byteLength);
}

function writeF32(ctx: GpuContext, buffer: GPUBuffer, values: Float32Array): void {
  ctx.device.queue.writeBuffer(buffer, 0, values.buffer, values.byteOffset, values.byteLength);
}

function writeUniform(ctx: GpuContext, buffer: GPUBuffer, bytes: ArrayBuffer): void {
  ctx.device.queue.writeBuffer(buffer, 0, bytes);
}

/** Parameters as one host vector [W, b], for ‖Δθ‖. */
async function readTheta(p: GpuTrainProblem): Promise<Float32Array> {
  const [W, b] = await Promise.all([p.W.read(), p.b.read()]);
  const theta = new Float32Array(W.data.length + (p.fitIntercept ? b.data.length : 0));
  theta.set(W.data);
  if (p.fitIntercept) theta.set(b.data, W.data.length);
  return theta;
}

function distance(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += ((a[i] as number) - (b[i] as number)) ** 2;
  return Math.sqrt(s);
}

export interface GradientNorm {
  (): Promise<number>;
}

/**
 * Runs the epochs. `gradientNorm` computes ‖∇‖ of the regularized objective on the whole training
 * set (only called when gradTol > 0). A non-finite epoch loss throws a ValueError.
 */
export async function trainOnGpu(p: GpuTrainProblem, gradientNorm: GradientNorm): Promise<History> {
  const { ctx, options } = p;
  const spec = OBJECTIVES[p.objective];
  const n = p.X.rows;
  const B = options.batchSize;
  const sizes = batchSizes(n, B);
  const scratch = new Scratch(ctx);
  try {
    const buf = allocateStepBuffers(scratch, p, B);
    writeF32(ctx, buf.Wp, paddedParams(p.initialW, p.initialB, p.X.cols, paddedFeatures(p.X), p.W.cols));
    const src = batchSource(scratch, p, buf, B);
    const full = planStep(scratch, p, spec, buf, src, B);
    const last = sizes[sizes.length - 1] as number;
    const partial = last === B ? full : planStep(scratch, p, spec, buf, src, last);

    // The training set's upload (possibly hundreds of MB) completes before the first epoch's clock
    // starts, so History.ms measures training alone.
    await ctx.device.queue.onSubmittedWorkDone();
    const history: History = { loss: [], learningRate: [], ms: [], converged: false, stopReason: 'epochs', epochs: 0 };
    let stopReason: StopReason = 'epochs';
    for (let epoch = 0; epoch < options.epochs; epoch++) {
      const t0 = performance.now();
      const learningRate = learningRateAt(options.learningRate, epoch);
      const walk = new Uint32Array(n + 1);
      walk.set(epochOrder(n, epoch, options.shuffle, options.seed));
      writeU32(ctx, buf.walk, walk);
      ctx.device.queue.writeBuffer(buf.losses, B * 4, new Float32Array([0]));
      for (const plan of new Set([full, partial])) {
        writeUniform(ctx, plan.update, batchUpdateBytes(ctx, updateValues(p, src, plan.rows, learningRate)));
      }
      const before = options.tol > 0 ? await readTheta(p) : null;
      for (let start = 0; start < sizes.length; start += MAX_STEPS_PER_SUBMIT) {
        const steps: Dispatch[] = [];
        const end = Math.min(sizes.length, start + MAX_STEPS_PER_SUBMIT);
        for (let s = start; s < end; s++) steps.push(...(sizes[s] === B ? full : partial).dispatches);
        ctx.submit(steps);
      }
      const copy = ctx.device.createCommandEncoder();
      copy.copyBufferToBuffer(buf.losses, B * 4, buf.lossOut, 0, 4);
      ctx.device.queue.submit([copy.finish()]);
      const loss = (await ctx.readBuffer(buf.lossOut, 1))[0] as number;
      if (!Number.isFinite(loss)) {
        throw new ValueError(`training diverged: the loss became ${loss} in epoch ${epoch}; try a smaller learningRate (it was ${learningRate})`);
      }
      const log: EpochLog = { epoch, loss, learningRate, ms: 0 };
      if (p.hasValidation) {
        const v = await p.evaluate('validation');
        if (v !== null) {
          log.valLoss = v.loss;
          if (v.accuracy !== undefined) log.valAccuracy = v.accuracy;
        }
      }
      if (options.trainAccuracy) {
        const t = await p.evaluate('train');
        if (t?.accuracy !== undefined) log.accuracy = t.accuracy;
      }
      log.ms = performance.now() - t0;
      appendLog(history, log);
      options.onEpochEnd?.(log);
      if (before !== null && distance(await readTheta(p), before) <= options.tol) {
        stopReason = 'tol';
        break;
      }
      if (options.gradTol > 0 && (await gradientNorm()) <= options.gradTol) {
        stopReason = 'gradTol';
        break;
      }
    }
    history.stopReason = stopReason;
    history.converged = stopReason !== 'epochs';
    return history;
  } finally {
    scratch.release();
  }
}

function appendLog(h: History, log: EpochLog): void {
  h.loss.push(log.loss);
  h.learningRate.push(log.learningRate);
  h.ms.push(log.ms);
  if (log.valLoss !== undefined) (h.valLoss ??= []).push(log.valLoss);
  if (log.accuracy !== undefined) (h.accuracy ??= []).push(log.accuracy);
  if (log.valAccuracy !== undefined) (h.valAccuracy ??= []).push(log.valAccuracy);
  h.epochs = h.loss.length;
}
