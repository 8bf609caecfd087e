// The hypergradient rate's second pass: each lane's learned rate moved on by cos(g_t, g_{t−1}), then
// θ ← θ − α·g_t (shaders/hypergradient.wgsl), from the state the optimizer part kept in Wp.
import type { GpuContext } from '../gpu/context.ts';
import type { Dispatch } from '../gpu/kernel.ts';
import { groupColumns, paddedClasses, type StepGroups } from './step-layout.ts';

export interface HypergradientValues {
  d: number;
  /** Padded features per row of X (Wp has dPad + 1 rows, the bias last). */
  dPad: number;
  k: number;
  hasBias: boolean;
  beta: number;
  /** A grid search's lanes side by side (absent: the plain fit, one lane). */
  groups?: StepGroups;
}

export interface HypergradientBuffers {
  /** The parameters, then the optimizer's state (g_t, g_{t−1}, each lane's α). */
  Wp: GPUBuffer;
  W: GPUBuffer;
  b: GPUBuffer;
}

export function hypergradientBytes(ctx: GpuContext, v: HypergradientValues): ArrayBuffer {
  const rowVecs = paddedClasses(groupColumns(v.k, v.groups)) / 4;
  return ctx.kernel('hypergradient').uniformBytes({
    rowVecs, rows: v.dPad + 1, d: v.d, k: v.k, hasBias: v.hasBias ? 1 : 0, beta: v.beta, laneVecs: v.groups === undefined ? rowVecs : v.groups.stride / 4,
  });
}

/** One workgroup a lane: every parameter's step needs its lane's whole cosine. */
export function hypergradientDispatch(ctx: GpuContext, params: GPUBuffer, lanes: number, b: HypergradientBuffers): Dispatch {
  return ctx.kernel('hypergradient').dispatch('main', { params, ...b }, [lanes, 1, 1]);
}
