// How the training-step kernels lay out what stays resident for a fit, shared by every step-kernel
// wrapper and engine: X rows zero-padded to whole pairs of 8-feature chunks (one or two vector
// loads a chunk), and the working copy Wp of W and b with rows padded to whole vec4s (and to whole
// 16-column blocks past 16 classes), one row per padded feature and the bias as the last row.
import type { GpuContext } from '../gpu/context.ts';
import type { StepOptimizer } from '../core/optimizer.ts';

/** Features per chunk of a resident row: two vec4f of f32, or one vec2u of bytes. */
export const CHUNK = 8;

/** Columns one invocation of the CPU-shaped step kernels covers: up to 4 vec4s. */
const COLUMN_BLOCK = 16;

export type XStorage = 'f32' | 'u8';

/** Chunks per padded row of `cols` features: an even number (batch_update takes them in pairs). */
export function rowChunks(cols: number): number {
  return 2 * Math.ceil(cols / (2 * CHUNK));
}

/**
 * Row stride of the batch's Z/G scratch and of the padded W: k rounded up to whole vec4s, and to
 * whole 16-column blocks past 16 classes, so the kernels read only complete vec4s.
 */
export function paddedClasses(k: number): number {
  return k <= COLUMN_BLOCK ? Math.ceil(k / 4) * 4 : Math.ceil(k / COLUMN_BLOCK) * COLUMN_BLOCK;
}

/** vec4s of columns per invocation (the KV pipeline constant). */
export function columnVectors(k: number): number {
  return Math.min(4, paddedClasses(k) / 4);
}

/** Column blocks of 4·KV columns: the grid's y. */
export function classBlocks(k: number): number {
  return paddedClasses(k) / (4 * columnVectors(k));
}

/**
 * Pipeline constants of the kernels that include step_blocks: workgroup width, vec4s of columns,
 * the columns in use in the last of them (when one block holds every class), X's storage.
 */
export function stepConstants(ctx: GpuContext, k: number, storage: XStorage): Record<string, number> {
  const KV = columnVectors(k);
  const LIVE = classBlocks(k) === 1 ? k - 4 * (KV - 1) : 4;
  return { WG: ctx.workgroupWidth, KV, LIVE, X_U8: storage === 'u8' ? 1 : 0 };
}

/** W (d×k row-major) and b laid out as the step kernels' (dPad+1)×kPad working copy. */
export function paddedParams(W: Float32Array, b: Float32Array, d: number, dPad: number, k: number): Float32Array {
  const kPad = paddedClasses(k);
  const out = new Float32Array((dPad + 1) * kPad);
  for (let f = 0; f < d; f++) out.set(W.subarray(f * k, (f + 1) * k), f * kPad);
  out.set(b, dPad * kPad);
  return out;
}

/**
 * A grid search's parameter sets laid side by side in the step kernels' columns: group g's k
 * columns start at g·stride (k rounded up to whole vec4s, so no vec4 spans two groups).
 */
export interface StepGroups {
  count: number;
  stride: number;
}

/** Columns of Wp and Z a step with `groups` spans (k for the plain fit). */
export function groupColumns(k: number, groups: StepGroups | undefined): number {
  return groups === undefined ? k : groups.count * groups.stride;
}

/** The column stride between groups of k columns. */
export function groupStride(k: number): number {
  return Math.ceil(k / 4) * 4;
}

/** The GROUPS pipeline constants; none for the plain fit, so its pipelines stay as they were. */
export function groupConstants(groups: StepGroups | undefined): Record<string, number> {
  return groups === undefined || groups.count === 1 ? {} : { GROUPS: groups.count, GROUP_STRIDE: groups.stride };
}

/**
 * Each group's W (d×k, stacked: group g's rows from g·d) and b (k values from g·k) laid out as the
 * step kernels' (dPad+1)×kPad working copy, group g in columns g·stride...
 */
export function paddedGroupParams(W: Float32Array, b: Float32Array, d: number, dPad: number, k: number, groups: StepGroups): Float32Array {
  const kPad = paddedClasses(groups.count * groups.stride);
  const out = new Float32Array((dPad + 1) * kPad);
  for (let g = 0; g < groups.count; g++) {
    const col = g * groups.stride;
    for (let f = 0; f < d; f++) out.set(W.subarray((g * d + f) * k, (g * d + f + 1) * k), f * kPad + col);
    out.set(b.subarray(g * k, (g + 1) * k), dPad * kPad + col);
  }
  return out;
}

/**
 * Copies of the parameters' size the optimizer part keeps in Wp after them
 * (shaders/include/optimizer.wgsl): none for SGD, v for momentum, m, v and the step count for Adam,
 * g for an evaluation, g_t and g_{t−1} for the hypergradient rate.
 */
export function optimizerSlices(o: StepOptimizer): number {
  return o.kind === 'sgd' ? 0 : o.kind === 'adam' ? 3 : o.kind === 'hypergradient' ? 2 : 1;
}

/**
 * Floats of the optimizer's state in Wp after `paramFloats` parameters of `lanes` lanes: its slices,
 * then, for the hypergradient rate, each lane's α as a vec4 (shaders/hypergradient.wgsl).
 */
export function optimizerFloats(o: StepOptimizer, paramFloats: number, lanes: number): number {
  return optimizerSlices(o) * paramFloats + (o.kind === 'hypergradient' ? 4 * lanes : 0);
}

/** The optimizer part's pipeline constants; none for SGD, so its pipelines stay as they were. */
export function optimizerConstants(o: StepOptimizer | undefined): Record<string, number> {
  if (o === undefined || o.kind === 'sgd') return {};
  if (o.kind === 'momentum') return { OPTIMIZER: o.nesterov ? 2 : 1, MOMENTUM: o.momentum };
  // Both keep g and leave θ: one pipeline serves the hypergradient rate's steps and the evaluations.
  if (o.kind === 'hypergradient' || o.kind === 'gradient') return { OPTIMIZER: 4 };
  return { OPTIMIZER: 3, BETA1: o.beta1, BETA2: o.beta2, EPSILON: o.epsilon };
}
