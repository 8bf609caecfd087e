// Loss (and the hits of an accuracy) reduced to two numbers on the GPU (shaders/loss.wgsl).
import { requireContext, type GpuContext } from '../gpu/context.ts';
import { ShapeError, ValueError } from '../errors.ts';
import { ACTIVATIONS, LOSSES, type Activation, type LossName } from '../core/objective.ts';
import type { GpuMatrix } from '../matrix.ts';
import type { LossKind } from '../types.ts';
import { describeShape, describeValue } from '../validate.ts';
import type { Dispatch, Kernel } from '../gpu/kernel.ts';

const WORKGROUP = 256;
/** Partial sums the second pass adds up; the first pass strides over rows beyond this. */
const MAX_GROUPS = 256;

/** Checks ops.loss's kind. */
function checkLossKind(kind: unknown): void {
  if (kind !== 'bce' && kind !== 'ce' && kind !== 'mse') {
    throw new ValueError(`loss kind must be 'bce', 'ce' or 'mse', got ${describeValue(kind)}`);
  }
}

export function lossGroups(m: number): number {
  return Math.min(MAX_GROUPS, Math.ceil(m / WORKGROUP));
}

/** The objective parts the loss kernel runs with: an estimator's objective, or ops.loss's kind. */
export interface LossParts {
  activation: Activation;
  loss: LossName;
}

/** ops.loss's kinds: BCE and CE on logits (CE through softmax's row statistics), ½-MSE on predictions. */
const OP_PARTS: Readonly<Record<LossKind, LossParts>> = {
  bce: { activation: 'sigmoid', loss: 'bce' },
  ce: { activation: 'softmax', loss: 'ce' },
  mse: { activation: 'identity', loss: 'mse' },
};

export interface LossValues {
  m: number;
  k: number;
  /** Multiplies the summed loss: 1/m for a mean. */
  scale: number;
  /** Sigmoid and tanh outputs count as class 1 from this probability on (for the hits). */
  threshold: number;
  /** Row stride of Z: k (the default), or the padded kPad of the step kernels' logits. */
  zStride?: number;
  /** Column of Z where each row's k values start (default 0). */
  zOffset?: number;
}

function kernel(ctx: GpuContext, parts: LossParts): Kernel {
  return ctx.kernel('loss', { ACTIVATION: ACTIVATIONS[parts.activation].code, LOSS: LOSSES[parts.loss].code });
}

export function lossUniforms(ctx: GpuContext, parts: LossParts, v: LossValues): GPUBuffer {
  const bytes = kernel(ctx, parts).uniformBytes({
    m: v.m, k: v.k, nGroups: lossGroups(v.m), scale: v.scale, threshold: v.threshold, zStride: v.zStride ?? v.k, zOffset: v.zOffset ?? 0,
  });
  return ctx.createUniform(bytes, 'loss.params');
}

export interface LossBuffers {
  Z: GPUBuffer;
  Y: GPUBuffer;
  /** At least 2·lossGroups(m) floats of scratch. */
  partial: GPUBuffer;
  /** Two floats: scale · Σ loss, then Σ hits. */
  out: GPUBuffer;
}

export function lossDispatches(ctx: GpuContext, parts: LossParts, params: GPUBuffer, m: number, b: LossBuffers): Dispatch[] {
  const k = kernel(ctx, parts);
  return [
    k.dispatch('rowSums', { params, Z: b.Z, Y: b.Y, partial: b.partial }, [lossGroups(m), 1, 1]),
    k.dispatch('finish', { params, partial: b.partial, out: b.out }, [1, 1, 1]),
  ];
}

/**
 * Mean loss as a 1×1 GPU matrix. Z holds logits for 'bce' (Y a 0/1 column) and 'ce' (Y one-hot
 * rows), predictions for 'mse'; each row's loss is summed over its columns, then averaged over rows.
 */
export function loss(ctx: GpuContext, kind: LossKind, Z: GpuMatrix, Y: GpuMatrix): GpuMatrix {
  requireContext(ctx, 'ops.loss()');
  checkLossKind(kind);
  ctx.own('Z', Z);
  ctx.own('Y', Y);
  if (Z.rows !== Y.rows || Z.cols !== Y.cols) {
    throw new ShapeError(`loss: Z is ${describeShape(Z)} but Y is ${describeShape(Y)} (they must match)`);
  }
  const parts = OP_PARTS[kind];
  return ctx.track('loss', [Z, Y], () => {
    // 1×1, but every storage buffer holds at least four floats: the kernel's out[1] (hits) fits.
    const out = ctx.createMatrix(1, 1, 'loss');
    const partial = ctx.createStorage(2 * lossGroups(Z.rows), 'loss.partial');
    const params = lossUniforms(ctx, parts, { m: Z.rows, k: Z.cols, scale: 1 / Z.rows, threshold: 0.5 });
    ctx.submit(lossDispatches(ctx, parts, params, Z.rows, { Z: Z.buffer, Y: Y.buffer, partial, out: out.buffer }), [params, partial]);
    return out;
  }, (out) => [out]);
}
