// Row-wise softmax on the GPU (shaders/softmax.wgsl).
import { requireContext, type GpuContext } from '../gpu/context.ts';
import { ACTIVATIONS } from '../core/objective.ts';
import type { GpuMatrix } from '../matrix.ts';
import { grid1D, type Dispatch } from '../gpu/kernel.ts';

const WORKGROUP = 64;

/** The objective part's softmax activation. */
const CONSTANTS = { ACTIVATION: ACTIVATIONS.softmax.code };

export function softmaxUniforms(ctx: GpuContext, m: number, k: number): GPUBuffer {
  return ctx.createUniform(ctx.kernel('softmax', CONSTANTS).uniformBytes({ m, k }), 'softmax.params');
}

export function softmaxDispatch(ctx: GpuContext, params: GPUBuffer, m: number, Z: GPUBuffer, Yhat: GPUBuffer): Dispatch {
  return ctx.kernel('softmax', CONSTANTS).dispatch('main', { params, Z, Yhat }, grid1D(Math.ceil(m / WORKGROUP)));
}

/** softmax of each row of Z; a new GPU matrix of Z's shape. */
export function softmax(ctx: GpuContext, Z: GpuMatrix): GpuMatrix {
  requireContext(ctx, 'ops.softmax()');
  ctx.own('Z', Z);
  return ctx.track('softmax', [Z], () => {
    const Yhat = ctx.createMatrix(Z.rows, Z.cols, 'Yhat');
    const params = softmaxUniforms(ctx, Z.rows, Z.cols);
    ctx.submit([softmaxDispatch(ctx, params, Z.rows, Z.buffer, Yhat.buffer)], [params]);
    return Yhat;
  }, (Yhat) => [Yhat]);
}
