// Predictions and whole-dataset quantities for a resident matrix, used by predict/score/loss and by
// fit's per-epoch validation and stopping checks.
import type { GpuContext } from '../context.ts';
import { gradientDispatches, gradientScratchSize, gradientUniforms, planGradient } from '../kernels/gradient.ts';
import * as ops from '../ops.ts';
import type { GpuMatrix } from '../matrix.ts';
import { LOSSES, type ObjectiveSpec } from '../core/objective.ts';

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
  const Yhat = spec.activation === 'sigmoid' ? ops.sigmoid(ctx, Z) : spec.activation === 'softmax' ? ops.softmax(ctx, Z) : Z;
  return {
    Z,
    Yhat,
    destroy() {
      Z.destroy();
      Yhat.destroy();
    },
  };
}

/** Mean data loss (no L2 term) of the model on X against encoded targets Y. */
export async function meanLoss(ctx: GpuContext, spec: ObjectiveSpec, f: Forward, Y: GpuMatrix): Promise<number> {
  const out = ops.loss(ctx, spec.loss, LOSSES[spec.loss].input === 'logits' ? f.Z : f.Yhat, Y);
  try {
    return (await out.read()).data[0] as number;
  } finally {
    out.destroy();
  }
}

/** The data-loss gradient over the rows of X (a mean): dW (d×k) and db (k), read back to the host. */
export async function objectiveGradient(
  ctx: GpuContext, spec: ObjectiveSpec, X: GpuMatrix, Y: GpuMatrix, p: Params,
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
      const buffers = { X: X.buffer, Yhat: f.Yhat.buffer, Y: Y.buffer, partial, dW: dW.buffer, db: db.buffer };
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
