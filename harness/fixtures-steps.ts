// Runs one training step of the page context's step engine a dispatch at a time and reads what
// each dispatch left behind, so a test can say which kernel of a step went wrong.
import type { GpuContext } from '../src/index.ts';
import { OBJECTIVES, type Objective } from '../src/core/objective.ts';
import { stepEngine } from '../src/engines/index.ts';
import { uploadTrainingSet } from '../src/engines/training-set.ts';
import { EPOCH_SLOTS } from '../src/engines/step-state.ts';
import type { WireMatrix } from './wire.ts';

export interface StepRun {
  objective: Objective;
  X: WireMatrix;
  /** Encoded targets, n×k. */
  Y: WireMatrix;
  W: WireMatrix;
  b: number[];
  fitIntercept: boolean;
  batchSize: number;
  /** Rows of the epoch's order this step takes (batchSize, or fewer for the last step). */
  rows: number;
  order: number[];
  learningRate: number;
  l2: number;
  /** Keep X as bytes (X values must then be whole numbers 0..255, meaning byte · xScale). */
  bytes?: { scale: number };
  /** Learn the rate (the step then ignores learningRate); each snapshot then has α as `rate`. */
  hypergradient?: { initial: number; beta: number };
}

export interface StepSnapshot {
  /** The pipeline's label: kernel.entry. */
  kernel: string;
  G: number[];
  /** The batch rows' losses, then the epoch loss. */
  losses: number[];
  W: number[];
  b: number[];
  /** With `hypergradient`: the learned rate α. */
  rate?: number;
}

const f32 = (m: WireMatrix) => ({ data: Float32Array.from(m.data), rows: m.rows, cols: m.cols });

export function stepFixtures(context: () => Promise<GpuContext>) {
  return {
    async stepDispatches(a: StepRun): Promise<{ engine: string; kPad: number; snapshots: StepSnapshot[] }> {
      const ctx = await context();
      const X = a.bytes === undefined ? f32(a.X) : { data: Uint8Array.from(a.X.data), rows: a.X.rows, cols: a.X.cols, scale: a.bytes.scale };
      const resident = uploadTrainingSet(ctx, X);
      const Y = ctx.upload(f32(a.Y), 'Y');
      const W = ctx.upload(f32(a.W), 'W');
      const b = ctx.upload({ data: Float32Array.from(a.b), rows: 1, cols: a.b.length }, 'b');
      const program = stepEngine(ctx).prepare({
        ctx, spec: OBJECTIVES[a.objective], X: resident, Y, W, b, fitIntercept: a.fitIntercept, l2: a.l2, batchSize: a.batchSize,
        initialW: Float32Array.from(a.W.data), initialB: Float32Array.from(a.b),
        ...(a.hypergradient === undefined ? {} : { hypergradient: a.hypergradient }),
      });
      try {
        const { G, losses, kPad } = program.buffers;
        // Poisoned, so an element a kernel should write and does not shows as NaN.
        ctx.device.queue.writeBuffer(G, 0, new Float32Array(a.batchSize * kPad).fill(Number.NaN));
        ctx.device.queue.writeBuffer(losses, 0, new Float32Array(a.batchSize).fill(Number.NaN));
        program.beginEpoch(Uint32Array.from(a.order), a.learningRate);
        const snapshots: StepSnapshot[] = [];
        for (const d of program.step(a.rows)) {
          ctx.submit([d]);
          const [g, l, w, bb] = await Promise.all([
            ctx.readBuffer(G, a.batchSize * kPad), ctx.readBuffer(losses, a.batchSize + EPOCH_SLOTS + (a.hypergradient === undefined ? 0 : 1)), W.read(), b.read(),
          ]);
          snapshots.push({
            kernel: d.pipeline.label, G: Array.from(g), losses: Array.from(l.subarray(0, a.batchSize + 1)), W: Array.from(w.data), b: Array.from(bb.data),
            ...(a.hypergradient === undefined ? {} : { rate: l[a.batchSize + EPOCH_SLOTS] as number }),
          });
        }
        return { engine: ctx.engine, kPad, snapshots };
      } finally {
        program.destroy();
        resident.destroy();
        for (const m of [Y, W, b]) m.destroy();
      }
    },
  };
}
