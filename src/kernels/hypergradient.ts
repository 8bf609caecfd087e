// The hypergradient step: the learned rate moved on by cos(g_t, g_{t−1}), then θ ← θ − α·g_t
// (shaders/hypergradient.wgsl).
import type { GpuContext } from '../context.ts';
import type { Dispatch } from './kernel.ts';
import { paddedClasses } from './step-layout.ts';

export interface HypergradientValues {
  d: number;
  /** Padded features per row of X (Wp has dPad + 1 rows, the bias last). */
  dPad: number;
  k: number;
  hasBias: boolean;
  beta: number;
  /** Index of α in the losses buffer. */
  rateIndex: number;
}

export interface HypergradientBuffers {
  /** The update kernels' g_t in, the stepped parameters out. */
  Wp: GPUBuffer;
  /** The previous step's gradient, laid out like Wp. */
  gPrev: GPUBuffer;
  W: GPUBuffer;
  b: GPUBuffer;
  losses: GPUBuffer;
}

export function hypergradientBytes(ctx: GpuContext, v: HypergradientValues): ArrayBuffer {
  return ctx.kernel('hypergradient').uniformBytes({
    rowVecs: paddedClasses(v.k) / 4, rows: v.dPad + 1, d: v.d, k: v.k, hasBias: v.hasBias ? 1 : 0, beta: v.beta, rateIndex: v.rateIndex,
  });
}

/** One workgroup: every parameter's step needs the whole cosine. */
export function hypergradientDispatch(ctx: GpuContext, params: GPUBuffer, b: HypergradientBuffers): Dispatch {
  return ctx.kernel('hypergradient').dispatch('main', { params, ...b }, [1, 1, 1]);
}
