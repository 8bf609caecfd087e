// Gradient descent on the GPU. The training set and the parameters stay resident for the whole fit;
// the context's step engine records each step's dispatches (no host work between steps), an
// epoch's steps go out in as few submits as possible, and the epoch loss (summed on the GPU) is
// the one readback. The epoch loop itself is core/loop.ts, shared with the float64 trainer.
import type { GpuContext } from '../context.ts';
import type { EpochMetrics } from '../core/loop.ts';
import { runEpochs } from '../core/loop.ts';
import { OBJECTIVES, type Objective } from '../core/objective.ts';
import type { History, ResolvedFitOptions } from '../core/options.ts';
import { batchSizes } from '../core/order.ts';
import { stepEngine } from '../engines/index.ts';
import type { ResidentX } from '../engines/training-set.ts';
import type { Dispatch } from '../kernels/kernel.ts';
import type { GpuMatrix } from '../matrix.ts';

/** Steps recorded into one command buffer: bounds its size when batches are tiny (stochastic GD). */
const MAX_STEPS_PER_SUBMIT = 2048;

export interface GpuTrainProblem {
  ctx: GpuContext;
  objective: Objective;
  /** Resident training features (n×d, f32 or bytes, in one buffer or in shards). */
  X: ResidentX;
  /** n×k encoded targets. */
  Y: GpuMatrix;
  /** Parameters, updated in place: d×k and 1×k. */
  W: GpuMatrix;
  b: GpuMatrix;
  fitIntercept: boolean;
  options: ResolvedFitOptions;
  /** The parameters' values at the start of the fit (W row-major d×k, b of length k). */
  initialW: Float32Array;
  initialB: Float32Array;
  /** The end-of-epoch metrics the options ask for, with the current parameters. */
  metrics: () => Promise<EpochMetrics>;
  /** ‖∇θ‖₂ of the regularized objective on the whole training set (called when gradTol > 0). */
  gradientNorm: () => Promise<number>;
  /** Throws when the fit must stop before its next epoch (the model was destroyed meanwhile). */
  checkAlive: () => void;
}

/** What trainOnGpu() resolves with: the history and the final parameters, as read back to check them. */
export interface GpuTrainResult {
  history: History;
  W: Float32Array;
  b: Float32Array;
}

/** Parameters as one host vector [W, b], for ‖Δθ‖. */
async function readTheta(p: GpuTrainProblem): Promise<Float32Array> {
  const [W, b] = await Promise.all([p.W.read(), p.b.read()]);
  const theta = new Float32Array(W.data.length + (p.fitIntercept ? b.data.length : 0));
  theta.set(W.data);
  if (p.fitIntercept) theta.set(b.data, W.data.length);
  return theta;
}

function distance(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += ((a[i] as number) - (b[i] as number)) ** 2;
  return Math.sqrt(s);
}

/**
 * Runs the epochs. A diverging fit (see core/loop.ts) throws a ValueError, a GPU error of the fit's
 * own work a GPUError, each as soon as the epoch that met it is read back.
 */
export async function trainOnGpu(p: GpuTrainProblem): Promise<GpuTrainResult> {
  const { ctx, options } = p;
  const n = p.X.rows;
  const sizes = batchSizes(n, options.batchSize);
  const prepared = ctx.capture('preparing training', () => stepEngine(ctx).prepare({
    ctx, spec: OBJECTIVES[p.objective], X: p.X, Y: p.Y, W: p.W, b: p.b, fitIntercept: p.fitIntercept,
    l2: options.l2, batchSize: options.batchSize, initialW: p.initialW, initialB: p.initialB,
  }));
  const program = prepared.value;
  try {
    // The training set's upload (possibly hundreds of MB) completes before the first epoch's clock
    // starts, so History.ms measures training alone.
    await ctx.device.queue.onSubmittedWorkDone();
    await prepared.check;
    let before: Float32Array | null = null;
    let final: Float32Array | null = null;
    const history = await runEpochs(options, n, {
      runEpoch: async (order, learningRate, snapshot) => {
        p.checkAlive();
        before = snapshot ? await readTheta(p) : null;
        p.checkAlive();
        const recorded = ctx.capture('a training epoch', () => {
          program.beginEpoch(order, learningRate);
          for (let start = 0; start < sizes.length; start += MAX_STEPS_PER_SUBMIT) {
            const steps: Dispatch[] = [];
            const end = Math.min(sizes.length, start + MAX_STEPS_PER_SUBMIT);
            for (let s = start; s < end; s++) steps.push(...program.step(sizes[s] as number));
            void ctx.submit(steps);
          }
        });
        const loss = await program.readEpochLoss();
        await recorded.check;
        return loss;
      },
      metrics: p.metrics,
      moved: async () => (before === null ? Number.POSITIVE_INFINITY : distance(await readTheta(p), before)),
      gradientNorm: p.gradientNorm,
      paramsFinite: async () => {
        final = await readTheta({ ...p, fitIntercept: true });
        return final.every((v) => Number.isFinite(v));
      },
    });
    const theta = final as Float32Array | null;
    if (theta === null) throw new Error('trainer: the loop ended without reading the parameters');
    const d = p.W.length;
    return { history, W: theta.slice(0, d), b: theta.slice(d) };
  } finally {
    program.destroy();
  }
}
