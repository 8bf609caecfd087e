// Runs one training step of the page context's step engine a dispatch at a time and reads what
// each dispatch left behind, so a test can say which kernel of a step went wrong.
import type { GpuContext } from '../src/index.ts';
import { OBJECTIVES, type Objective } from '../src/core/objective.ts';
import { stepEngine } from '../src/step/index.ts';
import { uploadTrainingSet } from '../src/step/training-set.ts';
import { groupStride } from '../src/kernels/step-layout.ts';
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

/** Full-batch steps of a grid search's lanes (GROUPS parameter sets side by side) with the hypergradient rate. */
export interface LaneRun {
  objective: Objective;
  X: WireMatrix;
  /** Encoded targets, n×k, shared by every lane. */
  Y: WireMatrix;
  /** Each lane's W stacked, (lanes·d)×k, and b, lanes·k values (zeros without an intercept). */
  W: WireMatrix;
  b: number[];
  lanes: number;
  fitIntercept: boolean;
  /** Each lane's λ. */
  l2: number[];
  steps: number;
  hypergradient: { initial: number; beta: number };
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
        ...(a.hypergradient === undefined ? {} : { optimizer: { kind: 'hypergradient', ...a.hypergradient } }),
      });
      try {
        const { G, losses, kPad, rates } = program.buffers;
        // Poisoned, so an element a kernel should write and does not shows as NaN.
        ctx.device.queue.writeBuffer(G, 0, new Float32Array(a.batchSize * kPad).fill(Number.NaN));
        ctx.device.queue.writeBuffer(losses, 0, new Float32Array(a.batchSize).fill(Number.NaN));
        program.beginEpoch(Uint32Array.from(a.order), a.learningRate);
        const snapshots: StepSnapshot[] = [];
        for (const d of program.step(a.rows)) {
          ctx.submit([d]);
          const [g, l, w, bb, r] = await Promise.all([
            ctx.readBuffer(G, a.batchSize * kPad), ctx.readBuffer(losses, a.batchSize + 1), W.read(), b.read(),
            rates === null ? null : ctx.readBuffer(rates.buffer, 1, rates.offset * 4),
          ]);
          snapshots.push({
            kernel: d.pipeline.label, G: Array.from(g), losses: Array.from(l), W: Array.from(w.data), b: Array.from(bb.data),
            ...(r === null ? {} : { rate: r[0] as number }),
          });
        }
        return { engine: ctx.engine, kPad, snapshots };
      } finally {
        program.destroy();
        resident.destroy();
        for (const m of [Y, W, b]) m.destroy();
      }
    },

    /** Runs the lanes' steps over the rows in order; each lane's α after every step, and W and b at the end. */
    async laneSteps(a: LaneRun): Promise<{ engine: string; rates: number[][]; W: number[]; b: number[] }> {
      const ctx = await context();
      const n = a.X.rows;
      const k = a.Y.cols;
      const resident = uploadTrainingSet(ctx, f32(a.X));
      const Y = ctx.upload(f32(a.Y), 'Y');
      const W = ctx.upload(f32(a.W), 'W');
      const b = ctx.upload({ data: Float32Array.from(a.b), rows: a.lanes, cols: k }, 'b');
      const program = stepEngine(ctx).prepare({
        ctx, spec: OBJECTIVES[a.objective], X: resident, Y, W, b, fitIntercept: a.fitIntercept, l2: a.l2[0] as number, batchSize: n,
        initialW: Float32Array.from(a.W.data), initialB: Float32Array.from(a.b), groups: { count: a.lanes, stride: groupStride(k) },
        optimizer: { kind: 'hypergradient', ...a.hypergradient },
      });
      try {
        const { rates } = program.buffers;
        if (rates === null) throw new Error('a hypergradient program keeps no rates');
        const order = Uint32Array.from({ length: n }, (_, i) => i);
        const seen: number[][] = [];
        for (let s = 0; s < a.steps; s++) {
          // The epoch's rates are far off: a lane that stepped at one instead of its α would show.
          program.beginGroupEpoch(order, new Array<number>(a.lanes).fill(7.5), a.l2);
          await ctx.submit(program.step(n));
          const r = await ctx.readBuffer(rates.buffer, rates.floats, rates.offset * 4);
          seen.push(Array.from({ length: a.lanes }, (_, l) => r[4 * l] as number));
        }
        const [w, bb] = await Promise.all([W.read(), b.read()]);
        return { engine: ctx.engine, rates: seen, W: Array.from(w.data), b: Array.from(bb.data) };
      } finally {
        program.destroy();
        resident.destroy();
        for (const m of [Y, W, b]) m.destroy();
      }
    },
  };
}
