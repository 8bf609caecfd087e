// Mean loss reduced to one number on the GPU (shaders/loss.wgsl).
import { requireContext, type GpuContext } from '../context.ts';
import { ShapeError, ValueError } from '../errors.ts';
import { LOSSES } from '../core/objective.ts';
import type { GpuMatrix } from '../matrix.ts';
import type { LossKind } from '../types.ts';
import { describeShape } from '../validate.ts';
import type { Dispatch } from './kernel.ts';

const WORKGROUP = 256;
/** Partial sums the second pass adds up; the first pass strides over rows beyond this. */
const MAX_GROUPS = 256;

/** The objective part's LOSS constant for `kind`, after checking it is one. */
export function lossKindCode(kind: unknown): number {
  if (typeof kind !== 'string' || !Object.hasOwn(LOSSES, kind)) {
    throw new ValueError(`loss kind must be 'bce', 'ce' or 'mse', got ${String(kind)}`);
  }
  return LOSSES[kind as LossKind].code;
}

export function lossGroups(m: number): number {
  return Math.min(MAX_GROUPS, Math.ceil(m / WORKGROUP));
}

export interface LossValues {
  m: number;
  k: number;
  kind: LossKind;
  /** Multiplies the summed loss: 1/m for a mean. */
  scale: number;
}

export function lossUniforms(ctx: GpuContext, v: LossValues): GPUBuffer {
  const bytes = ctx.kernel('loss', { LOSS: lossKindCode(v.kind) }).uniformBytes({
    m: v.m,
    k: v.k,
    nGroups: lossGroups(v.m),
    scale: v.scale,
  });
  return ctx.createUniform(bytes, 'loss.params');
}

export interface LossBuffers {
  Z: GPUBuffer;
  Y: GPUBuffer;
  /** At least lossGroups(m) floats of scratch. */
  partial: GPUBuffer;
  out: GPUBuffer;
}

export function lossDispatches(ctx: GpuContext, params: GPUBuffer, m: number, kind: LossKind, b: LossBuffers): Dispatch[] {
  const kernel = ctx.kernel('loss', { LOSS: lossKindCode(kind) });
  return [
    kernel.dispatch('rowSums', { params, Z: b.Z, Y: b.Y, partial: b.partial }, [lossGroups(m), 1, 1]),
    kernel.dispatch('finish', { params, partial: b.partial, out: b.out }, [1, 1, 1]),
  ];
}

/**
 * Mean loss as a 1×1 GPU matrix. Z holds logits for 'bce' (Y a 0/1 column) and 'ce' (Y one-hot
 * rows), predictions for 'mse'; each row's loss is summed over its columns, then averaged over rows.
 */
export function loss(ctx: GpuContext, kind: LossKind, Z: GpuMatrix, Y: GpuMatrix): GpuMatrix {
  requireContext(ctx);
  lossKindCode(kind);
  ctx.own('Z', Z);
  ctx.own('Y', Y);
  if (Z.rows !== Y.rows || Z.cols !== Y.cols) {
    throw new ShapeError(`loss: Z is ${describeShape(Z)} but Y is ${describeShape(Y)} (they must match)`);
  }
  return ctx.track('loss', [Z, Y], () => {
    const out = ctx.createMatrix(1, 1, 'loss');
    const partial = ctx.createStorage(lossGroups(Z.rows), 'loss.partial');
    const params = lossUniforms(ctx, { m: Z.rows, k: Z.cols, kind, scale: 1 / Z.rows });
    ctx.submit(lossDispatches(ctx, params, Z.rows, kind, { Z: Z.buffer, Y: Y.buffer, partial, out: out.buffer }), [params, partial]);
    return out;
  }, (out) => [out]);
}
