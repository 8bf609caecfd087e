// Yhat = σ(Z) elementwise on the GPU (shaders/sigmoid.wgsl).
import { requireContext, type GpuContext } from '../context.ts';
import type { GpuMatrix } from '../matrix.ts';
import { grid1D, type Dispatch } from './kernel.ts';

const WORKGROUP = 256;

export function sigmoidUniforms(ctx: GpuContext, n: number): GPUBuffer {
  return ctx.createUniform(ctx.kernel('sigmoid').uniformBytes({ n }), 'sigmoid.params');
}

export function sigmoidDispatch(ctx: GpuContext, params: GPUBuffer, n: number, Z: GPUBuffer, Yhat: GPUBuffer): Dispatch {
  return ctx.kernel('sigmoid').dispatch('main', { params, Z, Yhat }, grid1D(Math.ceil(n / WORKGROUP)));
}

/** σ(Z) elementwise; a new GPU matrix of Z's shape. */
export function sigmoid(ctx: GpuContext, Z: GpuMatrix): GpuMatrix {
  requireContext(ctx);
  ctx.own('Z', Z);
  return ctx.track('sigmoid', [Z], () => {
    const Yhat = ctx.createMatrix(Z.rows, Z.cols, 'Yhat');
    const params = sigmoidUniforms(ctx, Z.length);
    ctx.submit([sigmoidDispatch(ctx, params, Z.length, Z.buffer, Yhat.buffer)], [params]);
    return Yhat;
  }, (Yhat) => [Yhat]);
}
