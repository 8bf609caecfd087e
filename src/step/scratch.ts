// Buffers a fit's step program or meter allocates, released together when it ends.
import type { GpuContext } from '../gpu/context.ts';

/** Buffers and their owner-tracked lifetime for one fit. */
export class Scratch {
  readonly buffers: GPUBuffer[] = [];
  constructor(readonly ctx: GpuContext) {}
  storage(floats: number, label: string): GPUBuffer {
    return this.keep(this.ctx.createStorage(floats, label));
  }
  keep(b: GPUBuffer): GPUBuffer {
    this.buffers.push(b);
    return b;
  }
  release(): void {
    for (const b of this.buffers) this.ctx.releaseBuffer(b);
    this.buffers.length = 0;
  }
}
