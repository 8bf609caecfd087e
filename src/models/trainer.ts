// Gradient descent on the GPU. The training set and the parameters stay resident for the whole fit;
// each step gathers its batch through a permutation buffer, and an epoch's steps are recorded into
// as few submits as possible with a single readback (the epoch loss, summed on the GPU).
import type { GpuContext } from '../context.ts';
import { ValueError } from '../errors.ts';
import { gatherDispatches, gatherUniforms } from '../kernels/gather.ts';
import { gradientDispatches, gradientScratchSize, gradientUniforms, planGradient } from '../kernels/gradient.ts';
import type { Dispatch } from '../kernels/kernel.ts';
import { lossDispatches, lossGroups, lossUniforms } from '../kernels/loss.ts';
import { matmulDispatch, matmulUniforms } from '../kernels/matmul.ts';
import { sgdDispatch, sgdUniformBytes } from '../kernels/sgd.ts';
import { sigmoidDispatch, sigmoidUniforms } from '../kernels/sigmoid.ts';
import { softmaxDispatch, softmaxUniforms } from '../kernels/softmax.ts';
import type { GpuMatrix } from '../matrix.ts';
import { OBJECTIVES, type Objective, type ObjectiveSpec } from './objective.ts';
import type { EpochLog, History, ResolvedFitOptions, StopReason } from './options.ts';
import { batchSizes, epochOrder } from './order.ts';
import { learningRateAt } from './schedule.ts';

/** Steps recorded into one command buffer: bounds its size when batches are tiny (stochastic GD). */
const MAX_STEPS_PER_SUBMIT = 2048;

export interface GpuTrainProblem {
  ctx: GpuContext;
  objective: Objective;
  /** Resident training set: n×d features and n×k encoded targets. */
  X: GpuMatrix;
  Y: GpuMatrix;
  /** Parameters, updated in place: d×k and 1×k. */
  W: GpuMatrix;
  b: GpuMatrix;
  fitIntercept: boolean;
  options: ResolvedFitOptions;
  /** Host copies of the targets, for accuracy (classifiers only). */
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
  cursor: GPUBuffer;
  perm: GPUBuffer;
  Xb: GPUBuffer;
  Yb: GPUBuffer;
  Z: GPUBuffer;
  Yhat: GPUBuffer;
  gradPartial: GPUBuffer;
  dW: GPUBuffer;
  db: GPUBuffer;
  lossPartial: GPUBuffer;
  lossOut: GPUBuffer;
  sgdW: GPUBuffer;
  sgdB: GPUBuffer;
}

function allocateStepBuffers(s: Scratch, p: GpuTrainProblem, batch: number, spec: ObjectiveSpec): StepBuffers {
  const { ctx } = p;
  const n = p.X.rows;
  const d = p.X.cols;
  const k = p.W.cols;
  const Z = s.storage(batch * k, 'train.Z');
  return {
    cursor: s.storage(1, 'train.cursor'),
    perm: s.storage(n, 'train.perm'),
    Xb: s.storage(batch * d, 'train.Xb'),
    Yb: s.storage(batch * k, 'train.Yb'),
    Z,
    // Linear regression's prediction is Z itself: no activation pass, no extra buffer.
    Yhat: spec.activation === 'identity' ? Z : s.storage(batch * k, 'train.Yhat'),
    gradPartial: s.storage(gradientScratchSize(planGradient({ m: batch, d, k })), 'train.gradPartial'),
    dW: s.storage(d * k, 'train.dW'),
    db: s.storage(k, 'train.db'),
    lossPartial: s.storage(lossGroups(batch), 'train.lossPartial'),
    lossOut: s.storage(1, 'train.loss'),
    sgdW: s.keep(ctx.createUniform(sgdUniformBytes(ctx, { n: d * k, learningRate: 1, l2: 0 }), 'train.sgdW')),
    sgdB: s.keep(ctx.createUniform(sgdUniformBytes(ctx, { n: k, learningRate: 1, l2: 0 }), 'train.sgdB')),
  };
}

/** The dispatches of one step on a batch of `mb` rows (the same for every full batch of the fit). */
function stepDispatches(s: Scratch, p: GpuTrainProblem, spec: ObjectiveSpec, buf: StepBuffers, mb: number, gather: GPUBuffer): Dispatch[] {
  const { ctx } = p;
  const n = p.X.rows;
  const d = p.X.cols;
  const k = p.W.cols;
  const batchSize = p.options.batchSize;
  const out: Dispatch[] = [];
  out.push(...gatherDispatches(ctx, gather, { n, d, k, batchSize }, {
    cursor: buf.cursor, perm: buf.perm, X: p.X.buffer, Y: p.Y.buffer, Xb: buf.Xb, Yb: buf.Yb,
  }));
  // The gather's advance must come after every kernel that reads this batch: move it to the end.
  const advance = out.pop() as Dispatch;
  const mm = { m: mb, d, k, hasBias: p.fitIntercept };
  out.push(matmulDispatch(ctx, s.keep(matmulUniforms(ctx, mm)), mm, { X: buf.Xb, W: p.W.buffer, b: p.b.buffer, Z: buf.Z }));
  if (spec.activation === 'sigmoid') {
    out.push(sigmoidDispatch(ctx, s.keep(sigmoidUniforms(ctx, mb * k)), mb * k, buf.Z, buf.Yhat));
  } else if (spec.activation === 'softmax') {
    out.push(softmaxDispatch(ctx, s.keep(softmaxUniforms(ctx, mb, k)), mb, buf.Z, buf.Yhat));
  }
  // Each batch adds its summed loss / n, so after the epoch lossOut holds the mean over all rows.
  const lossParams = s.keep(lossUniforms(ctx, { m: mb, k, kind: spec.loss, accumulate: true, scale: 1 / n }));
  const lossZ = spec.lossInput === 'logits' ? buf.Z : buf.Yhat;
  out.push(...lossDispatches(ctx, lossParams, mb, { Z: lossZ, Y: buf.Yb, partial: buf.lossPartial, out: buf.lossOut }));
  const plan = planGradient({ m: mb, d, k });
  const gradParams = s.keep(gradientUniforms(ctx, plan, spec.gradient));
  out.push(...gradientDispatches(ctx, gradParams, plan, {
    X: buf.Xb, Yhat: buf.Yhat, Y: buf.Yb, partial: buf.gradPartial, dW: buf.dW, db: buf.db,
  }));
  out.push(sgdDispatch(ctx, buf.sgdW, d * k, p.W.buffer, buf.dW));
  if (p.fitIntercept) out.push(sgdDispatch(ctx, buf.sgdB, k, p.b.buffer, buf.db));
  out.push(advance);
  return out;
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
  const d = p.X.cols;
  const k = p.W.cols;
  const B = options.batchSize;
  const sizes = batchSizes(n, B);
  const scratch = new Scratch(ctx);
  try {
    const buf = allocateStepBuffers(scratch, p, B, spec);
    const gather = scratch.keep(gatherUniforms(ctx, { n, d, k, batchSize: B }));
    const full = stepDispatches(scratch, p, spec, buf, B, gather);
    const last = sizes[sizes.length - 1] as number;
    const partial = last === B ? full : stepDispatches(scratch, p, spec, buf, last, gather);

    const history: History = { loss: [], learningRate: [], ms: [], converged: false, stopReason: 'epochs', epochs: 0 };
    let stopReason: StopReason = 'epochs';
    for (let epoch = 0; epoch < options.epochs; epoch++) {
      const t0 = performance.now();
      const learningRate = learningRateAt(options.learningRate, epoch);
      writeU32(ctx, buf.perm, epochOrder(n, epoch, options.shuffle, options.seed));
      writeU32(ctx, buf.cursor, new Uint32Array([0]));
      writeF32(ctx, buf.lossOut, new Float32Array([0]));
      writeUniform(ctx, buf.sgdW, sgdUniformBytes(ctx, { n: d * k, learningRate, l2: options.l2 }));
      writeUniform(ctx, buf.sgdB, sgdUniformBytes(ctx, { n: k, learningRate, l2: 0 }));
      const before = options.tol > 0 ? await readTheta(p) : null;
      for (let start = 0; start < sizes.length; start += MAX_STEPS_PER_SUBMIT) {
        const steps: Dispatch[] = [];
        const end = Math.min(sizes.length, start + MAX_STEPS_PER_SUBMIT);
        for (let s = start; s < end; s++) steps.push(...(sizes[s] === B ? full : partial));
        ctx.submit(steps);
      }
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
