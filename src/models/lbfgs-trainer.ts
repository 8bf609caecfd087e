// L-BFGS on the GPU: the solver (core/lbfgs.ts, shared with the float64 trainer) runs on the host,
// and each objective evaluation is one full-batch training step of the context's step engine (the
// same kernels SGD uses, batch = n, over the resident training set), which reads θ from the
// engine's padded parameters and leaves θ − η·∇ in a scratch W and b. With η a large power of two
// the subtraction cannot hide the gradient: ∇ = (θ − (θ − η∇))/η comes back to within float32
// rounding of η∇ (or of θ/η, whichever is larger). One evaluation reads back the mean loss and
// (d+1)·k floats.
import { abortError, isAbortError } from '../core/abort.ts';
import { ROUNDOFF_F32, runLbfgs } from '../core/lbfgs.ts';
import { OBJECTIVES } from '../core/objective.ts';
import type { StepProgram } from '../engines/engine.ts';
import { stepEngine } from '../engines/index.ts';
import { CHUNK, paddedParams } from '../kernels/step-layout.ts';
import type { GpuMatrix } from '../matrix.ts';
import type { GpuTrainProblem, GpuTrainResult } from './trainer.ts';

/**
 * The step's learning rate during an evaluation: a power of two, so η·∇ is exact, large enough that
 * θ's rounding (|θ|·2⁻²⁴/η) is far below any gradient that matters, small enough that η·∇ stays
 * within float32 for gradients up to 10³¹.
 */
export const GRADIENT_RATE = 2 ** 24;

/** Runs L-BFGS; resolves like trainOnGpu (the history and the final parameters, also left in p.W and p.b). */
export async function trainLbfgsOnGpu(p: GpuTrainProblem): Promise<GpuTrainResult> {
  const { ctx, options } = p;
  const n = p.X.rows;
  const d = p.X.cols;
  const k = p.W.cols;
  const weights = d * k;
  const made: GpuMatrix[] = [];
  const scratch = (rows: number, label: string): GpuMatrix => {
    const m = ctx.zeros(rows, k, label);
    made.push(m);
    return m;
  };
  let program: StepProgram | null = null;
  try {
    const stepped = { W: scratch(d, 'lbfgs.W'), b: scratch(1, 'lbfgs.b') };
    // l2 = 0 in the step: the solver adds the L2 term in float64.
    const prepared = ctx.capture('preparing training', () => stepEngine(ctx).prepare({
      ctx, spec: OBJECTIVES[p.objective], X: p.X, Y: p.Y, sampleWeight: p.sampleWeight ?? null, W: stepped.W, b: stepped.b,
      fitIntercept: p.fitIntercept, l2: 0, batchSize: n, initialW: p.initialW, initialB: p.initialB,
    }));
    const steps = prepared.value;
    program = steps;
    await ctx.device.queue.onSubmittedWorkDone();
    await prepared.check;
    const order = Uint32Array.from({ length: n }, (_, i) => i);
    const dPad = p.X.chunks * CHUNK;
    const asF32 = (theta: Float64Array): { W: Float32Array; b: Float32Array } => ({
      W: Float32Array.from(theta.subarray(0, weights)),
      b: p.fitIntercept ? Float32Array.from(theta.subarray(weights)) : p.initialB,
    });
    let last: { W: Float32Array; b: Float32Array } | null = null;
    const setModel = async (q: { W: Float32Array; b: Float32Array }): Promise<void> => {
      await ctx.capture('writing parameters', () => {
        ctx.device.queue.writeBuffer(p.W.buffer, 0, q.W.buffer, q.W.byteOffset, q.W.byteLength);
        ctx.device.queue.writeBuffer(p.b.buffer, 0, q.b.buffer, q.b.byteOffset, q.b.byteLength);
      }).check;
    };
    const classes = OBJECTIVES[p.objective].activation === 'softmax' ? k : 0;
    const result = await runLbfgs(options, { theta: new Float64Array([...p.initialW, ...(p.fitIntercept ? p.initialB : [])]), weights, classes }, {
      roundoff: ROUNDOFF_F32,
      evaluate: async (theta) => {
        p.checkAlive();
        if (options.signal?.aborted === true) throw abortError(options.signal);
        const q = asF32(theta);
        const Wp = paddedParams(q.W, q.b, d, dPad, k);
        const run = ctx.capture('an L-BFGS evaluation', () => {
          ctx.device.queue.writeBuffer(steps.buffers.Wp, 0, Wp.buffer, Wp.byteOffset, Wp.byteLength);
          steps.beginEpoch(order, GRADIENT_RATE);
          void ctx.submit(steps.step(n));
        });
        const [loss, W, b] = await Promise.all([steps.readEpochLoss(), ctx.readBuffer(stepped.W.buffer, weights), ctx.readBuffer(stepped.b.buffer, k)]);
        await run.check;
        const gradient = new Float64Array(theta.length);
        for (let i = 0; i < weights; i++) gradient[i] = ((q.W[i] as number) - (W[i] as number)) / GRADIENT_RATE;
        if (p.fitIntercept) for (let j = 0; j < k; j++) gradient[weights + j] = ((q.b[j] as number) - (b[j] as number)) / GRADIENT_RATE;
        return { loss, gradient };
      },
      metrics: async (theta) => {
        // The model's W and b follow the accepted points: the metrics read them, and an abort keeps them.
        p.checkAlive();
        const q = asF32(theta);
        await setModel(q);
        last = q;
        return p.metrics();
      },
    }).catch((e: unknown) => {
      const kept = last as { W: Float32Array; b: Float32Array } | null;
      if (isAbortError(e) && kept !== null && p.kept !== undefined) p.kept(kept.W, kept.b);
      throw e;
    });
    p.checkAlive();
    const final = asF32(result.theta);
    await setModel(final);
    return { history: result.history, W: final.W, b: Float32Array.from(final.b) };
  } finally {
    program?.destroy();
    for (const m of made) m.destroy();
  }
}
