// Yhat = σ(Z) elementwise on the GPU, or another elementwise activation of the objective table
// (shaders/sigmoid.wgsl).
import { requireContext, type GpuContext } from '../gpu/context.ts';
import { ACTIVATIONS } from '../core/objective.ts';
import type { GpuMatrix } from '../matrix.ts';
import { grid1D, type Dispatch, type Kernel } from '../gpu/kernel.ts';

const WORKGROUP = 256;

/** The activations this kernel computes: those that need no row statistics. */
export type ElementwiseActivation = 'sigmoid' | 'tanh';

function kernel(ctx: GpuContext, activation: ElementwiseActivation): Kernel {
  return ctx.kernel('sigmoid', { ACTIVATION: ACTIVATIONS[activation].code });
}

function sigmoidUniforms(ctx: GpuContext, n: number, activation: ElementwiseActivation = 'sigmoid'): GPUBuffer {
  return ctx.createUniform(kernel(ctx, activation).uniformBytes({ n }), 'sigmoid.params');
}

function sigmoidDispatch(
  ctx: GpuContext, params: GPUBuffer, n: number, Z: GPUBuffer, Yhat: GPUBuffer, activation: ElementwiseActivation = 'sigmoid',
): Dispatch {
  return kernel(ctx, activation).dispatch('main', { params, Z, Yhat }, grid1D(Math.ceil(n / WORKGROUP)));
}

/** `activation` elementwise; a new GPU matrix of Z's shape. */
export function activateElementwise(ctx: GpuContext, Z: GpuMatrix, activation: ElementwiseActivation): GpuMatrix {
  requireContext(ctx, 'ops.sigmoid()');
  ctx.own('Z', Z);
  return ctx.track(activation, [Z], () => {
    const Yhat = ctx.createMatrix(Z.rows, Z.cols, 'Yhat');
    const params = sigmoidUniforms(ctx, Z.length, activation);
    ctx.submit([sigmoidDispatch(ctx, params, Z.length, Z.buffer, Yhat.buffer, activation)], [params]);
    return Yhat;
  }, (Yhat) => [Yhat]);
}

/** σ(Z) elementwise; a new GPU matrix of Z's shape. */
export function sigmoid(ctx: GpuContext, Z: GpuMatrix): GpuMatrix {
  return activateElementwise(ctx, Z, 'sigmoid');
}
