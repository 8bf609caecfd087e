// Predictions and whole-dataset quantities for a resident matrix, used by predict/score/loss and by
// fit's per-epoch validation and stopping checks.
import type { GpuContext } from '../gpu/context.ts';
import { gradientDispatches, gradientScratchSize, gradientUniforms, planGradient } from '../kernels/gradient.ts';
import { lossDispatches, lossGroups, lossUniforms } from '../kernels/loss.ts';
import { activateElementwise } from '../kernels/sigmoid.ts';
import * as ops from '../kernels/ops.ts';
import type { GpuMatrix } from '../matrix.ts';
import type { ObjectiveSpec } from '../core/objective.ts';

export interface Params {
  W: GpuMatrix;
  b: GpuMatrix;
  fitIntercept: boolean;
}

export interface Forward {
  Z: GpuMatrix;
  Yhat: GpuMatrix;
  destroy(): void;
}

/** Z = XW + b and Ŷ = activation(Z); for linear regression Ŷ is Z. */
export function forward(ctx: GpuContext, spec: ObjectiveSpec, X: GpuMatrix, p: Params): Forward {
  const Z = ops.matmul(ctx, X, p.W, p.fitIntercept ? p.b : undefined);
  const Yhat = spec.activation === 'softmax' ? ops.softmax(ctx, Z) : spec.activation === 'identity' ? Z : activateElementwise(ctx, Z, spec.activation);
  return {
    Z,
    Yhat,
    destroy() {
      Z.destroy();
      Yhat.destroy();
    },
  };
}

/**
 * Σ of the rows' losses and Σ of hits (see shaders/loss.wgsl) of the model on X against encoded
 * targets Y, reduced on the GPU: two numbers come back, never the predictions.
 */
export async function setMetrics(
  ctx: GpuContext, spec: ObjectiveSpec, X: GpuMatrix, Y: GpuMatrix, p: Params, threshold: number,
): Promise<{ lossSum: number; hits: number }> {
  const Z = ops.matmul(ctx, X, p.W, p.fitIntercept ? p.b : undefined);
  const partial = ctx.createStorage(2 * lossGroups(X.rows), 'metrics.partial');
  const out = ctx.createStorage(2, 'metrics.out');
  const params = lossUniforms(ctx, spec, { m: X.rows, k: Y.cols, scale: 1, threshold });
  try {
    ctx.submit(lossDispatches(ctx, spec, params, X.rows, { Z: Z.buffer, Y: Y.buffer, partial, out }), [params, partial]);
    const [lossSum, hits] = await ctx.readBuffer(out, 2);
    return { lossSum: lossSum as number, hits: hits as number };
  } finally {
    Z.destroy();
    ctx.releaseBuffer(out);
  }
}

/**
 * The data-loss gradient over the rows of X (a mean): dW (d×k) and db (k), read back to the host;
 * with `weights` (normalised row weights, m×1) each row's residual is weighted.
 */
export async function objectiveGradient(
  ctx: GpuContext, spec: ObjectiveSpec, X: GpuMatrix, Y: GpuMatrix, p: Params, weights: GpuMatrix | null = null,
): Promise<{ dW: Float32Array; db: Float32Array }> {
  const f = forward(ctx, spec, X, p);
  const plan = planGradient({ m: X.rows, d: X.cols, k: Y.cols });
  let out: { dW: GpuMatrix; db: GpuMatrix } | null = null;
  try {
    out = ctx.track('gradient', [X, f.Yhat, Y], () => {
      const dW = ctx.createMatrix(plan.d, plan.k, 'dW');
      const db = ctx.createMatrix(1, plan.k, 'db');
      const partial = ctx.createStorage(gradientScratchSize(plan), 'gradient.partial');
      const params = gradientUniforms(ctx, plan);
      const buffers = { X: X.buffer, Yhat: f.Yhat.buffer, Y: Y.buffer, partial, dW: dW.buffer, db: db.buffer, sampleWeight: weights?.buffer ?? null };
      ctx.submit(gradientDispatches(ctx, params, plan, buffers, spec.gradient), [params, partial]);
      return { dW, db };
    }, (g) => [g.dW, g.db]);
    const [g, gb] = await Promise.all([out.dW.read(), out.db.read()]);
    return { dW: g.data, db: gb.data };
  } finally {
    f.destroy();
    out?.dW.destroy();
    out?.db.destroy();
  }
}
