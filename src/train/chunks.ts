// Row blocks of a feature matrix small enough for one storage binding, so prediction and evaluation
// work on datasets of any size, and byte matrices turn into f32 one block at a time.
import type { GpuContext } from '../gpu/context.ts';
import type { HostMatrix } from '../types.ts';
import { isCheckedBytes, type CheckedFeatures } from '../step/training-set.ts';

/** Rows per block so that neither the block (cols wide) nor its outputs (k wide) exceed one binding. */
export function blockRows(ctx: GpuContext, cols: number, k: number): number {
  const limit = Math.min(ctx.limits.maxStorageBufferBindingSize, ctx.limits.maxBufferSize);
  return Math.max(1, Math.floor(limit / (4 * Math.max(cols, k))));
}

/** The f32 rows start .. start+rows of X (bytes scaled to their values). */
export function sliceRows(X: CheckedFeatures, start: number, rows: number): HostMatrix {
  const from = start * X.cols;
  const to = (start + rows) * X.cols;
  if (isCheckedBytes(X)) {
    const scale = X.scale;
    return { data: Float32Array.from(X.data.subarray(from, to), (v) => v * scale), rows, cols: X.cols };
  }
  return { data: X.data.subarray(from, to), rows, cols: X.cols };
}
