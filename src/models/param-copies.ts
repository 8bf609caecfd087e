// Copies of a model's W and b kept on the GPU during a fit, taken and put back with buffer copies:
// the last finished epoch's (for an abort), the best validation epoch's (earlyStopping), and each
// epoch of a run queued ahead (for tol). One scratch buffer holds `slots` copies, W then b.
import type { GpuContext } from '../context.ts';
import type { ErrorCheck } from '../error-scopes.ts';
import type { GpuMatrix } from '../matrix.ts';

/** ‖a − b‖₂ over the first `length` values of each, starting at the given offsets. */
export function distance(a: ArrayLike<number>, b: ArrayLike<number>, length = a.length, aStart = 0, bStart = 0): number {
  let s = 0;
  for (let i = 0; i < length; i++) s += ((a[aStart + i] as number) - (b[bStart + i] as number)) ** 2;
  return Math.sqrt(s);
}

export class ParamCopies {
  readonly #buffer: GPUBuffer;
  /** Floats of one copy: W's, then b's. */
  readonly size: number;
  constructor(readonly ctx: GpuContext, readonly W: GpuMatrix, readonly b: GpuMatrix, readonly slots: number, label: string) {
    this.size = W.length + b.length;
    this.#buffer = ctx.createStorage(this.size * slots, label);
  }

  #copy(what: string, toCopy: boolean, slot: number): ErrorCheck {
    const at = slot * this.size * 4;
    const wBytes = this.W.length * 4;
    return this.ctx.capture(what, () => {
      const encoder = this.ctx.device.createCommandEncoder();
      if (toCopy) {
        encoder.copyBufferToBuffer(this.W.buffer, 0, this.#buffer, at, wBytes);
        encoder.copyBufferToBuffer(this.b.buffer, 0, this.#buffer, at + wBytes, this.b.length * 4);
      } else {
        encoder.copyBufferToBuffer(this.#buffer, at, this.W.buffer, 0, wBytes);
        encoder.copyBufferToBuffer(this.#buffer, at + wBytes, this.b.buffer, 0, this.b.length * 4);
      }
      this.ctx.device.queue.submit([encoder.finish()]);
    }).check;
  }

  /** Copies the parameters as they are now into `slot`. */
  take(slot = 0): ErrorCheck {
    return this.#copy('keeping the parameters', true, slot);
  }

  /** Puts the copy in `slot` back into W and b. */
  restore(slot = 0): Promise<void> {
    return this.#copy('restoring the parameters', false, slot);
  }

  /** ‖θ_{slot} − θ_{slot−1}‖₂ for slots 1 … count, from one readback. */
  async distances(count: number): Promise<number[]> {
    const all = await this.ctx.readBuffer(this.#buffer, (count + 1) * this.size);
    return Array.from({ length: count }, (_, s) => distance(all, all, this.size, (s + 1) * this.size, s * this.size));
  }

  destroy(): void {
    this.ctx.releaseBuffer(this.#buffer);
  }
}
