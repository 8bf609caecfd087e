// L-BFGS on the GPU: the solver (core/lbfgs.ts, shared with the float64 trainer) runs on the host,
// and each objective evaluation is one full-batch pass of the context's step engine (the same
// kernels SGD uses, batch = n, over the resident training set) in its gradient-only form
// (StepProgram.evaluate, the optimizer 'gradient'): θ in, the mean loss and gradient out, with no
// update. One evaluation writes θ and reads back the mean loss and the padded gradient together.
import { abortError, isAbortError } from '../core/abort.ts';
import { ROUNDOFF_F32, runLbfgs } from '../core/lbfgs.ts';
import { OBJECTIVES } from '../core/objective.ts';
import type { StepProgram } from '../step/engine.ts';
import { stepEngine } from '../step/index.ts';
import type { GpuMatrix } from '../matrix.ts';
import type { GpuTrainProblem, GpuTrainResult } from './trainer.ts';

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
    // l2 = 0 in the step: the solver adds the L2 term in float64. The gradient-only step leaves θ,
    // which its kernels copy to the W and b they bind: scratch ones, so the model's stay those of
    // accepted points.
    const prepared = ctx.capture('preparing training', () => stepEngine(ctx).prepare({
      ctx, spec: OBJECTIVES[p.objective], X: p.X, Y: p.Y, sampleWeight: p.sampleWeight ?? null, W: stepped.W, b: stepped.b,
      fitIntercept: p.fitIntercept, l2: 0, batchSize: n, initialW: p.initialW, initialB: p.initialB, optimizer: { kind: 'gradient' },
    }));
    const steps = prepared.value;
    program = steps;
    await ctx.device.queue.onSubmittedWorkDone();
    await prepared.check;
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
        const { loss, dW, db } = await steps.evaluate(q.W, q.b);
        const gradient = new Float64Array(theta.length);
        gradient.set(dW);
        if (p.fitIntercept) gradient.set(db, weights);
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
    // L-BFGS keeps no optimizer state: a later warm start's optimizer starts anew from its result.
    p.keepState?.(null);
    return { history: result.history, W: final.W, b: Float32Array.from(final.b) };
  } finally {
    program?.destroy();
    for (const m of made) m.destroy();
  }
}
