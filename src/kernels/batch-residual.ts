// Activation, per-row loss and residual G of a training batch, in place over Z (shaders/batch_residual.wgsl).
import type { GpuContext } from '../context.ts';
import type { Activation, GradientMode } from '../core/objective.ts';
import type { LossKind } from '../types.ts';
import type { Dispatch } from './kernel.ts';
import { lossKindCode } from './loss.ts';

const ACTIVATION_CODE: Readonly<Record<Activation, number>> = { identity: 0, sigmoid: 1, softmax: 2 };
const GRADIENT_CODE: Readonly<Record<GradientMode, number>> = { residual: 0, 'sigmoid-mse': 1 };

export interface BatchResidualShape {
  /** Index of the cursor in the walk buffer. */
  n: number;
  k: number;
  kPad: number;
  rows: number;
  activation: Activation;
  loss: LossKind;
  gradient: GradientMode;
}

export interface BatchResidualBuffers {
  walk: GPUBuffer;
  Y: GPUBuffer;
  /** Holds Z on entry and G on exit (rows × kPad). */
  G: GPUBuffer;
  losses: GPUBuffer;
}

export function batchResidualUniforms(ctx: GpuContext, s: BatchResidualShape): GPUBuffer {
  const bytes = ctx.kernel('batch_residual').uniformBytes({
    n: s.n,
    k: s.k,
    kPad: s.kPad,
    rows: s.rows,
    activation: ACTIVATION_CODE[s.activation],
    lossKind: lossKindCode(s.loss),
    gradientMode: GRADIENT_CODE[s.gradient],
  });
  return ctx.createUniform(bytes, 'batch_residual.params');
}

export function batchResidualDispatch(ctx: GpuContext, params: GPUBuffer, rows: number, b: BatchResidualBuffers): Dispatch {
  const WG = ctx.workgroupWidth;
  return ctx.kernel('batch_residual', { WG }).dispatch('main', { params, ...b }, [Math.ceil(rows / WG), 1, 1]);
}
