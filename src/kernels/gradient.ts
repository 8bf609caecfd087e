// dW = Xᵀ(Ŷ−Y)/m and db = mean(Ŷ−Y) on the GPU (shaders/gradient.wgsl).
import { requireContext, type GpuContext } from '../gpu/context.ts';
import { ShapeError } from '../errors.ts';
import type { GpuMatrix } from '../matrix.ts';
import { ERRORS, type GradientMode } from '../core/objective.ts';
import { describeShape } from '../validate.ts';
import { grid1D, type Dispatch } from '../gpu/kernel.ts';

/** Features and classes of the result one partialSums invocation covers. */
const BLOCK = 4;
/** Rows one invocation sums before the second pass: enough work per invocation to hide its setup. */
const MIN_ROWS_PER_CHUNK = 256;

export interface GradientShape {
  m: number;
  d: number;
  k: number;
}

export interface GradientPlan extends GradientShape {
  rowsPerChunk: number;
  nChunks: number;
}

/** How the m rows are split into chunks, keeping the chunk count within one grid dimension. */
export function planGradient(s: GradientShape): GradientPlan {
  const needed = Math.ceil(s.m / 65535);
  const rowsPerChunk = Math.max(MIN_ROWS_PER_CHUNK, needed);
  return { ...s, rowsPerChunk, nChunks: Math.ceil(s.m / rowsPerChunk) };
}

/** Floats of scratch the partial sums need. */
export function gradientScratchSize(p: GradientPlan): number {
  return p.nChunks * (p.d + 1) * p.k;
}

export function gradientUniforms(ctx: GpuContext, p: GradientPlan): GPUBuffer {
  const bytes = ctx.kernel('gradient').uniformBytes({
    m: p.m,
    d: p.d,
    k: p.k,
    rowsPerChunk: p.rowsPerChunk,
    nChunks: p.nChunks,
    invM: 1 / p.m,
  });
  return ctx.createUniform(bytes, 'gradient.params');
}

export interface GradientBuffers {
  X: GPUBuffer;
  Yhat: GPUBuffer;
  Y: GPUBuffer;
  partial: GPUBuffer;
  dW: GPUBuffer;
  db: GPUBuffer;
  /** The rows' normalised weights (the weighted objective's gradient); absent or null: unweighted. */
  sampleWeight?: GPUBuffer | null;
}

/** The two passes: per-chunk partial sums, then their sum scaled by 1/m; G as the error `mode` defines it. */
export function gradientDispatches(
  ctx: GpuContext, params: GPUBuffer, p: GradientPlan, b: GradientBuffers, mode: GradientMode = 'residual',
): Dispatch[] {
  const WG = ctx.workgroupWidth;
  const weights = b.sampleWeight ?? null;
  const kernel = ctx.kernel('gradient', { WG, ERROR: ERRORS[mode].code, WEIGHTED: weights === null ? 0 : 1 });
  // The unweighted pipeline never reads sampleWeight: Y stands in for it, read-only like it.
  const partialSums = kernel.dispatch(
    'partialSums',
    { params, X: b.X, Yhat: b.Yhat, Y: b.Y, partial: b.partial, sampleWeight: weights ?? b.Y },
    [Math.ceil(Math.ceil(p.k / BLOCK) / WG), Math.ceil((p.d + 1) / BLOCK), p.nChunks],
  );
  const reduce = kernel.dispatch(
    'reduceChunks',
    { params, partial: b.partial, dW: b.dW, db: b.db },
    grid1D(Math.ceil(((p.d + 1) * p.k) / WG)),
  );
  return [partialSums, reduce];
}

export function checkGradientShapes(X: GpuMatrix, Yhat: GpuMatrix, Y: GpuMatrix): void {
  if (Yhat.rows !== Y.rows || Yhat.cols !== Y.cols) {
    throw new ShapeError(`gradient: Yhat is ${describeShape(Yhat)} but Y is ${describeShape(Y)} (they must match)`);
  }
  if (X.rows !== Y.rows) {
    throw new ShapeError(`gradient: X is ${describeShape(X)} but Y is ${describeShape(Y)} (one row of Y per row of X)`);
  }
}

/** dW = Xᵀ(Ŷ−Y)/m (d×k) and db = column means of (Ŷ−Y) (1×k), as new GPU matrices. */
export function gradient(ctx: GpuContext, X: GpuMatrix, Yhat: GpuMatrix, Y: GpuMatrix): { dW: GpuMatrix; db: GpuMatrix } {
  requireContext(ctx, 'ops.gradient()');
  ctx.own('X', X);
  ctx.own('Yhat', Yhat);
  ctx.own('Y', Y);
  checkGradientShapes(X, Yhat, Y);
  const plan = planGradient({ m: X.rows, d: X.cols, k: Y.cols });
  return ctx.track('gradient', [X, Yhat, Y], () => {
    const dW = ctx.createMatrix(plan.d, plan.k, 'dW');
    const db = ctx.createMatrix(1, plan.k, 'db');
    const partial = ctx.createStorage(gradientScratchSize(plan), 'gradient.partial');
    const params = gradientUniforms(ctx, plan);
    const buffers = { X: X.buffer, Yhat: Yhat.buffer, Y: Y.buffer, partial, dW: dW.buffer, db: db.buffer };
    ctx.submit(gradientDispatches(ctx, params, plan, buffers), [params, partial]);
    return { dW, db };
  }, (g) => [g.dW, g.db]);
}
