// The batch gradient Xᵀ·G as per-chunk partial sums, then their sum applied by the update rule
// (shaders/gpu_gradient.wgsl).
import type { GpuContext } from '../gpu/context.ts';
import type { Dispatch, Kernel } from '../gpu/kernel.ts';
import { grid1D } from '../gpu/kernel.ts';
import type { StepOptimizer } from '../core/optimizer.ts';
import { classBlocks, columnVectors, groupColumns, groupConstants, optimizerConstants, type StepGroups, type XStorage } from './step-layout.ts';

const WORKGROUP = 64;
/** Row chunks per step at most: enough workgroups to fill a large GPU at batch 256. */
const MAX_CHUNKS = 64;
/** Rows a chunk sums at least, so each invocation's loads and stores pay for themselves. */
const MIN_ROWS_PER_CHUNK = 8;
/** Floats of partial sums at most (64 MiB), so wide models trade chunks for memory. */
const MAX_PARTIAL_FLOATS = 1 << 24;

export interface GradientChunks {
  rowsPerChunk: number;
  nChunks: number;
}

/** How a batch of `rows` rows is split for the first pass, for padded widths dPad and kPad. */
export function gradientChunks(rows: number, dPad: number, kPad: number): GradientChunks {
  const byMemory = Math.max(1, Math.floor(MAX_PARTIAL_FLOATS / ((dPad + 1) * kPad)));
  const wanted = Math.max(1, Math.min(MAX_CHUNKS, byMemory, Math.ceil(rows / MIN_ROWS_PER_CHUNK)));
  const rowsPerChunk = Math.ceil(rows / wanted);
  return { rowsPerChunk, nChunks: Math.ceil(rows / rowsPerChunk) };
}

/** Floats of scratch the partial sums of `chunks` need. */
export function partialFloats(chunks: GradientChunks, dPad: number, kPad: number): number {
  return chunks.nChunks * (dPad + 1) * kPad;
}

export interface GpuGradientValues {
  n: number;
  rows: number;
  quads: number;
  d: number;
  k: number;
  kPad: number;
  chunks: GradientChunks;
  learningRate: number;
  l2: number;
  hasBias: boolean;
  storage: XStorage;
  xScale: number;
  lossScale: number;
  total: number;
  cursorIndex: number;
  batchSize: number;
  /** A grid search's parameter sets side by side (absent: the plain fit). */
  groups?: StepGroups;
  /** The update rule (absent: SGD). */
  optimizer?: StepOptimizer;
}

export interface GpuGradientBuffers {
  walk: GPUBuffer;
  X: GPUBuffer;
  G: GPUBuffer;
  partial: GPUBuffer;
  Wp: GPUBuffer;
  W: GPUBuffer;
  b: GPUBuffer;
  losses: GPUBuffer;
  cursor: GPUBuffer;
}

function kernel(ctx: GpuContext, v: GpuGradientValues): Kernel {
  const constants = {
    KV: columnVectors(groupColumns(v.k, v.groups)), X_U8: v.storage === 'u8' ? 1 : 0, ...groupConstants(v.groups), ...optimizerConstants(v.optimizer),
  };
  return ctx.kernel('gpu_gradient', constants);
}

export function gpuGradientBytes(ctx: GpuContext, v: GpuGradientValues): ArrayBuffer {
  // Bytes are summed as byte/255: the real scale joins the mean's 1/rows.
  const gradScale = (v.storage === 'u8' ? 255 * v.xScale : 1) / v.rows;
  return kernel(ctx, v).uniformBytes({
    n: v.n, rows: v.rows, quads: v.quads, d: v.d, k: v.k, kPad: v.kPad,
    rowsPerChunk: v.chunks.rowsPerChunk, nChunks: v.chunks.nChunks, learningRate: v.learningRate, l2: v.l2,
    gradScale, hasBias: v.hasBias ? 1 : 0, lossScale: v.lossScale, total: v.total, cursorIndex: v.cursorIndex, batchSize: v.batchSize,
  });
}

/** The two passes: partial sums over (quads + bias) × chunks × column blocks, then one invocation per Wp vec4. */
export function gpuGradientDispatches(ctx: GpuContext, params: GPUBuffer, v: GpuGradientValues, b: GpuGradientBuffers): Dispatch[] {
  const kern = kernel(ctx, v);
  const sums = kern.dispatch(
    'partialSums',
    { params, walk: b.walk, X4: b.X, Xb: b.X, G: b.G, partial: b.partial },
    [Math.ceil((v.quads + 1) / WORKGROUP), v.chunks.nChunks, classBlocks(groupColumns(v.k, v.groups))],
  );
  const vecs = (4 * v.quads + 1) * (v.kPad / 4);
  const apply = kern.dispatch(
    'apply',
    { params, partial: b.partial, Wp: b.Wp, W: b.W, b: b.b, losses: b.losses, cursor: b.cursor },
    grid1D(Math.ceil(vecs / WORKGROUP)),
  );
  return [sums, apply];
}
