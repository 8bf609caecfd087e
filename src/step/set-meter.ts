// A fit's whole-set loss and hits, measured with the parameters the step kernels hold (Wp): the
// set's rows, resident in the training layout, go through batch_logits (every row in one dispatch,
// through an identity walk) into padded logits, and the loss kernel reduces those to two floats.
// The set is uploaded once per fit, no prediction comes back, and the logits come from the step
// kernels' register-blocked forward rather than the generic matmul.
import type { GpuContext } from '../gpu/context.ts';
import type { ObjectiveSpec } from '../core/objective.ts';
import { batchLogitsDispatch, batchLogitsUniforms } from '../kernels/batch-logits.ts';
import { lossDispatches, lossGroups, lossUniforms } from '../kernels/loss.ts';
import { groupColumns, type StepGroups } from '../kernels/step-layout.ts';
import type { GpuMatrix } from '../matrix.ts';
import { Scratch } from './scratch.ts';
import type { ResidentX } from './training-set.ts';

/** Sums over a set's rows with the current parameters. */
export interface SetSums {
  lossSum: number;
  hits: number;
}

export interface SetMeter {
  /** The set's summed loss and hits with the parameters as they are now: one per group (a plain fit has one). */
  measure(): Promise<SetSums[]>;
  destroy(): void;
}

/** What a meter needs of the fit: its objective, outputs, bias and the padded parameter copy. */
export interface MeteredFit {
  ctx: GpuContext;
  spec: ObjectiveSpec;
  k: number;
  kPad: number;
  fitIntercept: boolean;
  /** (dPad+1)×kPad padded W with the bias as its last row (the step kernels' working copy). */
  Wp: GPUBuffer;
  /** A grid search's candidates side by side in Wp, each measured on its own k columns. */
  groups?: StepGroups;
}

/** Whether one pass covers X: one buffer, and its padded logits fit one binding. */
export function canMeter(fit: MeteredFit, X: ResidentX): boolean {
  const limit = Math.min(fit.ctx.limits.maxStorageBufferBindingSize, fit.ctx.limits.maxBufferSize);
  return X.shards.length === 1 && X.rows * fit.kPad * 4 <= limit;
}

/**
 * A meter of the set (X, encoded targets Y) for `fit`; null when X is sharded or its logits would
 * not fit one binding (the caller then measures block by block). `threshold` is the logistic
 * models' decision threshold, for the hits.
 */
export function setMeter(fit: MeteredFit, X: ResidentX, Y: GpuMatrix, threshold: number): SetMeter | null {
  const only = X.shards[0];
  if (only === undefined || !canMeter(fit, X)) return null;
  const { ctx, k, kPad } = fit;
  const n = X.rows;
  const scratch = new Scratch(ctx);
  try {
    // Rows 0..n−1 in order, then the cursor at 0: the whole set is one batch.
    const walk = scratch.storage(n + 1, 'meter.walk');
    ctx.device.queue.writeBuffer(walk, 0, Uint32Array.from({ length: n + 1 }, (_, i) => (i < n ? i : 0)));
    const Z = scratch.storage(n * kPad, 'meter.Z');
    // One forward pass computes every group's logits (each X row read once); each group's loss is
    // then reduced from its own columns.
    const shape = {
      n, d: X.cols, k: groupColumns(k, fit.groups), kPad, rows: n, hasBias: fit.fitIntercept, storage: X.storage, chunks: X.chunks, xScale: X.scale,
    };
    const logits = scratch.keep(batchLogitsUniforms(ctx, shape));
    const partial = scratch.storage(2 * lossGroups(n), 'meter.partial');
    const count = fit.groups?.count ?? 1;
    const outs = Array.from({ length: count }, () => scratch.storage(2, 'meter.out'));
    const dispatches = [batchLogitsDispatch(ctx, logits, shape, { walk, X: only.matrix.buffer, Wp: fit.Wp, Z })];
    outs.forEach((out, g) => {
      const zOffset = g * (fit.groups?.stride ?? 0);
      const params = scratch.keep(lossUniforms(ctx, fit.spec, { m: n, k, scale: 1, threshold, zStride: kPad, zOffset }));
      dispatches.push(...lossDispatches(ctx, fit.spec, params, n, { Z, Y: Y.buffer, partial, out }));
    });
    return {
      async measure() {
        const check = ctx.submit(dispatches);
        const sums = await Promise.all(outs.map((out) => ctx.readBuffer(out, 2)));
        await check;
        return sums.map(([lossSum, hits]) => ({ lossSum: lossSum as number, hits: hits as number }));
      },
      destroy: () => scratch.release(),
    };
  } catch (e) {
    scratch.release();
    throw e;
  }
}
