// Z = X·W + b on the GPU (shaders/matmul.wgsl).
import { requireContext, type GpuContext } from '../gpu/context.ts';
import { ShapeError } from '../errors.ts';
import type { GpuMatrix } from '../matrix.ts';
import { describeShape } from '../validate.ts';
import type { Dispatch } from '../gpu/kernel.ts';

/** Rows and columns of Z one invocation computes. */
const ROW_BLOCK = 8;
const COLUMN_BLOCK = 4;
const MAX_GROUPS = 65535;

export interface MatmulBuffers {
  X: GPUBuffer;
  W: GPUBuffer;
  /** Any buffer when hasBias is false: the shader never reads it. */
  b: GPUBuffer;
  Z: GPUBuffer;
}

export interface MatmulShape {
  m: number;
  d: number;
  k: number;
  hasBias: boolean;
}

export function matmulUniforms(ctx: GpuContext, s: MatmulShape): GPUBuffer {
  const bytes = ctx.kernel('matmul').uniformBytes({ m: s.m, d: s.d, k: s.k, hasBias: s.hasBias ? 1 : 0 });
  return ctx.createUniform(bytes, 'matmul.params');
}

/** Column blocks of 4 along x (WG a workgroup), row blocks of 8 along y and, past 65535, z. */
export function matmulDispatch(ctx: GpuContext, params: GPUBuffer, s: MatmulShape, buffers: MatmulBuffers): Dispatch {
  const WG = ctx.workgroupWidth;
  const rowBlocks = Math.ceil(s.m / ROW_BLOCK);
  const z = Math.ceil(rowBlocks / MAX_GROUPS);
  const grid = [Math.ceil(Math.ceil(s.k / COLUMN_BLOCK) / WG), Math.ceil(rowBlocks / z), z] as const;
  return ctx.kernel('matmul', { WG }).dispatch('main', { params, ...buffers }, grid);
}

export function checkMatmulShapes(X: GpuMatrix, W: GpuMatrix, b?: GpuMatrix): void {
  if (X.cols !== W.rows) {
    throw new ShapeError(`matmul: X is ${describeShape(X)} but W is ${describeShape(W)} (X.cols must equal W.rows)`);
  }
  if (b !== undefined && (b.rows !== 1 || b.cols !== W.cols)) {
    throw new ShapeError(`matmul: b is ${describeShape(b)} but must be 1×${W.cols} (one bias per column of W)`);
  }
}

/** Z = X·W (+ b broadcast over rows): X m×d, W d×k, b 1×k. Returns a new m×k GPU matrix. */
export function matmul(ctx: GpuContext, X: GpuMatrix, W: GpuMatrix, b?: GpuMatrix): GpuMatrix {
  requireContext(ctx, 'ops.matmul()');
  ctx.own('X', X);
  ctx.own('W', W);
  if (b !== undefined) ctx.own('b', b);
  checkMatmulShapes(X, W, b);
  const shape: MatmulShape = { m: X.rows, d: X.cols, k: W.cols, hasBias: b !== undefined };
  return ctx.track('matmul', [X, W, b], () => {
    const Z = ctx.createMatrix(shape.m, shape.k, 'Z');
    const params = matmulUniforms(ctx, shape);
    const dispatch = matmulDispatch(ctx, params, shape, { X: X.buffer, W: W.buffer, b: (b ?? W).buffer, Z: Z.buffer });
    ctx.submit([dispatch], [params]);
    return Z;
  }, (Z) => [Z]);
}
