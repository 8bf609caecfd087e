// Copies of a model's W and b kept on the GPU during a fit, taken and put back with buffer copies:
// the last finished epoch's (for an abort), the best validation epoch's (earlyStopping), and each
// epoch of a run queued ahead (for tol). One scratch buffer holds `slots` copies, each W, then b,
// then the optimizer's state when it keeps one (it goes back with the parameters it belongs to).
import type { GpuContext } from '../gpu/context.ts';
import type { BufferRegion } from '../step/engine.ts';
import type { ErrorCheck } from '../gpu/error-scopes.ts';
import type { GpuMatrix } from '../matrix.ts';

/** ‖a − b‖₂ over the first `length` values of each, starting at the given offsets. */
export function distance(a: ArrayLike<number>, b: ArrayLike<number>, length = a.length, aStart = 0, bStart = 0): number {
  let s = 0;
  for (let i = 0; i < length; i++) s += ((a[aStart + i] as number) - (b[bStart + i] as number)) ** 2;
  return Math.sqrt(s);
}

export class ParamCopies {
  readonly #buffer: GPUBuffer;
  readonly #regions: readonly BufferRegion[];
  /** Floats of the parameters in one copy: W's, then b's. */
  readonly size: number;
  /** Floats of one copy: the parameters, then the optimizer's state. */
  readonly #stride: number;
  constructor(readonly ctx: GpuContext, W: GpuMatrix, b: GpuMatrix, readonly slots: number, label: string, state: BufferRegion | null = null) {
    this.size = W.length + b.length;
    this.#regions = [
      { buffer: W.buffer, offset: 0, floats: W.length },
      { buffer: b.buffer, offset: 0, floats: b.length },
      ...(state === null ? [] : [state]),
    ];
    this.#stride = this.size + (state?.floats ?? 0);
    this.#buffer = ctx.createStorage(this.#stride * slots, label);
  }

  #copy(what: string, toCopy: boolean, slot: number): ErrorCheck {
    return this.ctx.capture(what, () => {
      const encoder = this.ctx.device.createCommandEncoder();
      let at = slot * this.#stride * 4;
      for (const r of this.#regions) {
        if (toCopy) encoder.copyBufferToBuffer(r.buffer, r.offset * 4, this.#buffer, at, r.floats * 4);
        else encoder.copyBufferToBuffer(this.#buffer, at, r.buffer, r.offset * 4, r.floats * 4);
        at += r.floats * 4;
      }
      this.ctx.device.queue.submit([encoder.finish()]);
    }).check;
  }

  /** Copies the parameters (and optimizer state) as they are now into `slot`. */
  take(slot = 0): ErrorCheck {
    return this.#copy('keeping the parameters', true, slot);
  }

  /** Puts the copy in `slot` back into W and b (and the optimizer state). */
  restore(slot = 0): Promise<void> {
    return this.#copy('restoring the parameters', false, slot);
  }

  /** ‖θ_{slot} − θ_{slot−1}‖₂ over W and b, for slots 1 … count, from one readback. */
  async distances(count: number): Promise<number[]> {
    const all = await this.ctx.readBuffer(this.#buffer, (count + 1) * this.#stride);
    const stride = this.#stride;
    return Array.from({ length: count }, (_, s) => distance(all, all, this.size, (s + 1) * stride, s * stride));
  }

  destroy(): void {
    this.ctx.releaseBuffer(this.#buffer);
  }
}
