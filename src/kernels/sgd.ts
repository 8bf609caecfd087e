// θ ← θ − η(∇θ + λθ) in place on the GPU (shaders/sgd.wgsl).
import { requireContext, type GpuContext } from '../gpu/context.ts';
import { ShapeError, ValueError } from '../errors.ts';
import type { GpuMatrix } from '../matrix.ts';
import { checkFiniteNumber, describeShape, F32_MAX, F32_MIN_NORMAL } from '../validate.ts';
import { grid1D, type Dispatch } from '../gpu/kernel.ts';

const WORKGROUP = 256;

export interface SgdValues {
  n: number;
  learningRate: number;
  l2: number;
}

export function sgdUniformBytes(ctx: GpuContext, v: SgdValues): ArrayBuffer {
  return ctx.kernel('sgd').uniformBytes({ n: v.n, learningRate: v.learningRate, l2: v.l2 });
}

export function sgdDispatch(ctx: GpuContext, params: GPUBuffer, n: number, theta: GPUBuffer, grad: GPUBuffer): Dispatch {
  return ctx.kernel('sgd').dispatch('main', { params, theta, grad }, grid1D(Math.ceil(n / WORKGROUP)));
}

export function checkRates(learningRate: number, l2: number): void {
  checkFiniteNumber('learningRate', learningRate);
  if (learningRate <= 0) throw new ValueError(`learningRate must be > 0, got ${learningRate}`);
  // The shader takes it as f32: a subnormal would be flushed to 0, a value past F32_MAX be Infinity.
  if (learningRate < F32_MIN_NORMAL) throw new ValueError(`learningRate is ${learningRate}, below the smallest normal float32 (1.18e-38): the GPU would use 0`);
  if (learningRate > F32_MAX) throw new ValueError(`learningRate is ${learningRate}, beyond the float32 range (±3.4e38)`);
  checkFiniteNumber('l2', l2);
  if (l2 < 0) throw new ValueError(`l2 must be ≥ 0, got ${l2}`);
}

function checkSameShape(paramName: string, gradName: string, p: GpuMatrix, g: GpuMatrix): void {
  if (p.rows !== g.rows || p.cols !== g.cols) {
    throw new ShapeError(`sgdStep: ${paramName} is ${describeShape(p)} but ${gradName} is ${describeShape(g)} (they must match)`);
  }
}

/** The bias of a model and its gradient, updated with no L2 decay. */
export interface BiasStep {
  b: GpuMatrix;
  db: GpuMatrix;
}

/**
 * One gradient step in place: W ← W − η(dW + λW), and when `bias` is given b ← b − η·db
 * (the bias is never regularized).
 */
export function sgdStep(ctx: GpuContext, W: GpuMatrix, dW: GpuMatrix, learningRate: number, l2 = 0, bias?: BiasStep): void {
  requireContext(ctx, 'ops.sgdStep()');
  ctx.own('W', W);
  ctx.own('dW', dW);
  checkSameShape('W', 'dW', W, dW);
  if (bias !== undefined) {
    ctx.own('b', bias.b);
    ctx.own('db', bias.db);
    checkSameShape('b', 'db', bias.b, bias.db);
  }
  checkRates(learningRate, l2);
  const updated = bias === undefined ? [W] : [W, bias.b];
  ctx.track('sgdStep', [W, dW, bias?.b, bias?.db], () => {
    const temporaries = [ctx.createUniform(sgdUniformBytes(ctx, { n: W.length, learningRate, l2 }), 'sgd.params')];
    const dispatches = [sgdDispatch(ctx, temporaries[0] as GPUBuffer, W.length, W.buffer, dW.buffer)];
    if (bias !== undefined) {
      const n = bias.b.length;
      const params = ctx.createUniform(sgdUniformBytes(ctx, { n, learningRate, l2: 0 }), 'sgd.params');
      temporaries.push(params);
      dispatches.push(sgdDispatch(ctx, params, n, bias.b.buffer, bias.db.buffer));
    }
    ctx.submit(dispatches, temporaries);
  }, () => updated);
}
