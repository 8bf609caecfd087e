// A matrix that lives in a GPU buffer; the host sees it only through read().
import { StateError } from './errors.ts';
import type { HostMatrix } from './types.ts';

/**
 * What a matrix needs of the GpuContext that owns it: reading its buffer back and freeing it. (A
 * narrow interface, so this file does not import the context, which imports it.)
 */
export interface MatrixOwner {
  readBuffer(buffer: GPUBuffer, floats: number): Promise<Float32Array>;
  releaseBuffer(buffer: GPUBuffer): void;
}

/**
 * A row-major rows×cols f32 matrix in a GPU storage buffer, owned by a GpuContext. Made by
 * ctx.upload(), ctx.zeros() and the ops; read it back with read(), free it with destroy().
 */
export class GpuMatrix {
  #buffer: GPUBuffer | null;

  /** Use GpuContext.upload() or an op to create one. */
  constructor(
    readonly context: MatrixOwner,
    buffer: GPUBuffer,
    readonly rows: number,
    readonly cols: number,
  ) {
    this.#buffer = buffer;
  }

  /** rows × cols: the number of values. */
  get length(): number {
    return this.rows * this.cols;
  }

  /** True once destroy() was called (or its context destroyed it). */
  get destroyed(): boolean {
    return this.#buffer === null;
  }

  /** The backing buffer; throws once the matrix is destroyed. */
  get buffer(): GPUBuffer {
    if (this.#buffer === null) throw new StateError(`a ${this.rows}×${this.cols} GPU matrix was used after destroy()`);
    return this.#buffer;
  }

  /** Copies the matrix back to host memory. */
  async read(): Promise<HostMatrix> {
    const data = await this.context.readBuffer(this.buffer, this.length);
    return { data, rows: this.rows, cols: this.cols };
  }

  /** Frees the GPU buffer; calling it again does nothing. */
  destroy(): void {
    if (this.#buffer === null) return;
    this.context.releaseBuffer(this.#buffer);
    this.#buffer = null;
  }
}
