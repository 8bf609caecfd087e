// Gradient descent on the GPU. The training set and the parameters stay resident for the whole fit;
// the context's step engine records each step's dispatches (no host work between steps), an
// epoch's steps go out in as few submits as possible, and the epoch loss (summed on the GPU) is
// the one readback. The epoch loop itself is core/loop.ts, shared with the float64 trainer.
import type { GpuContext } from '../gpu/context.ts';
import { abortError, isAbortError } from '../core/abort.ts';
import type { EpochMetrics } from '../core/loop.ts';
import { runEpochs } from '../core/loop.ts';
import { OBJECTIVES, type Objective } from '../core/objective.ts';
import type { History, ResolvedFitOptions } from '../core/options.ts';
import { batchSizes } from '../core/order.ts';
import { stepOptimizer } from '../core/optimizer.ts';
import { stepEngine } from '../step/index.ts';
import type { ResidentX } from '../step/training-set.ts';
import type { ErrorCheck } from '../gpu/error-scopes.ts';
import type { Dispatch } from '../gpu/kernel.ts';
import type { BufferRegion, StepProgram } from '../step/engine.ts';
import type { GpuMatrix } from '../matrix.ts';
import { distance, ParamCopies } from './param-copies.ts';
import { canRunAhead, RunAhead } from './run-ahead.ts';

/** Steps recorded into one command buffer: bounds its size when batches are tiny (stochastic GD). */
export const MAX_STEPS_PER_SUBMIT = 2048;
/**
 * Steps per submit when the fit has an AbortSignal: the signal is looked at between submits, so
 * this bounds the work an abort waits for (one chunk in flight, one queued).
 */
const ABORTABLE_STEPS_PER_SUBMIT = 32;

export interface GpuTrainProblem {
  ctx: GpuContext;
  objective: Objective;
  /** Resident training features (n×d, f32 or bytes, in one buffer or in shards). */
  X: ResidentX;
  /** n×k encoded targets. */
  Y: GpuMatrix;
  /** The rows' weights normalised to mean 1 (n×1); absent or null: unweighted. */
  sampleWeight?: GpuMatrix | null;
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
  /** Whether the fit reports metrics after each epoch (validation, training accuracy). */
  measures: boolean;
  /**
   * The sets those metrics are measured on, resident for the step kernels' forward; when absent, or
   * when a set cannot be measured in one pass, metrics() measures instead.
   */
  metered?: MeteredSets;
  /** Throws when the fit must stop before its next epoch (the model was destroyed meanwhile). */
  checkAlive: () => void;
  /**
   * Called before an aborted fit rejects, with the parameters of the last finished epoch now back in
   * W and b; not called when no epoch finished (the model then goes back to its pre-fit parameters).
   */
  kept?: (W: Float32Array, b: Float32Array) => void;
  /** The optimizer state a warm start continues (what `keepState` was last given), or null: zeros. */
  optimizerState?: KeptOptimizerState | null;
  /**
   * Given the optimizer's state when the fit ends with parameters the model keeps (it finished, or
   * was aborted after an epoch): a new buffer the model then owns, or null after an SGD fit, which
   * keeps none (a later warm start must not continue an older fit's state).
   */
  keepState?: (state: KeptOptimizerState | null) => void;
}

/** The optimizer's state as a fit left it, for the next fit with warmStart; `key` says which optimizer and layout it fits. */
export interface KeptOptimizerState {
  key: string;
  buffer: GPUBuffer;
}

/** The sets a fit measures after each epoch, uploaded once in the training layout. */
export interface MeteredSets {
  /** Measure the training set (its accuracy is reported). */
  train: boolean;
  validation: { X: ResidentX; Y: GpuMatrix } | null;
  /** The logistic models' decision threshold, for accuracy. */
  threshold: number;
  /** Report accuracies (hits per row), not just losses. */
  classifier: boolean;
}

/**
 * The epoch metrics from meters over the resident sets (kept in `owned` to be freed with the fit),
 * or null when a set needs the block-by-block passes of metrics().
 */
function meteredMetrics(program: StepProgram, p: GpuTrainProblem, owned: { destroy(): void }[]): (() => Promise<EpochMetrics>) | null {
  const m = p.metered;
  if (m === undefined) return null;
  const train = m.train ? program.meter(p.X, p.Y, m.threshold) : null;
  const val = m.validation === null ? null : program.meter(m.validation.X, m.validation.Y, m.threshold);
  if ((m.train && train === null) || (m.validation !== null && val === null)) {
    train?.destroy();
    val?.destroy();
    return null;
  }
  for (const meter of [train, val]) if (meter !== null) owned.push(meter);
  const valRows = m.validation?.X.rows ?? 0;
  return async () => {
    const [[v], [t]] = await Promise.all([val?.measure() ?? [], train?.measure() ?? []]);
    const out: EpochMetrics = {};
    if (v !== undefined) {
      out.valLoss = v.lossSum / valRows;
      if (m.classifier) out.valAccuracy = v.hits / valRows;
    }
    if (t !== undefined && m.classifier) out.accuracy = t.hits / p.X.rows;
    return out;
  };
}

/** What trainOnGpu() resolves with: the history and the final parameters, as read back to check them. */
export interface GpuTrainResult {
  history: History;
  W: Float32Array;
  b: Float32Array;
}

/**
 * Queues steps start … upTo−1 of an epoch (`sizes`: each step's rows) in one submit, `begin` (the
 * epoch's order, rates and loss slots) before the first; returns the submit's error check.
 */
export function recordSteps(
  ctx: GpuContext, program: StepProgram, sizes: readonly number[], begin: () => void, start: number, upTo: number, what = 'a training epoch',
): ErrorCheck {
  return ctx.capture(what, () => {
    if (start === 0) begin();
    const steps: Dispatch[] = [];
    for (let s = start; s < Math.min(upTo, sizes.length); s++) steps.push(...program.step(sizes[s] as number));
    void ctx.submit(steps);
  }).check;
}

/** A whole epoch's steps in submits of at most `perSubmit` steps; their error checks. */
export function recordEpoch(
  ctx: GpuContext, program: StepProgram, sizes: readonly number[], begin: () => void, perSubmit: number, what?: string,
): ErrorCheck[] {
  const checks: ErrorCheck[] = [];
  for (let start = 0; start < sizes.length; start += perSubmit) checks.push(recordSteps(ctx, program, sizes, begin, start, start + perSubmit, what));
  return checks;
}

/** Parameters as one host vector [W, b], for ‖Δθ‖. */
async function readTheta(p: GpuTrainProblem): Promise<Float32Array> {
  const [W, b] = await Promise.all([p.W.read(), p.b.read()]);
  const theta = new Float32Array(W.data.length + (p.fitIntercept ? b.data.length : 0));
  theta.set(W.data);
  if (p.fitIntercept) theta.set(b.data, W.data.length);
  return theta;
}

/** Which optimizer and state layout a kept state belongs to: a warm start continues only its own. */
function stateKey(p: GpuTrainProblem): string {
  return JSON.stringify([p.options.optimizer, stepEngine(p.ctx).name, p.X.cols, p.W.cols]);
}

/** The kept state a warm start continues: the model's, when it was left by this optimizer on this layout. */
function continuedState(p: GpuTrainProblem, key: string): GPUBuffer | null {
  const kept = p.optimizerState ?? null;
  return p.options.warmStart && kept !== null && kept.key === key ? kept.buffer : null;
}

/** Copies the fit's optimizer state out of its scratch for the model to keep. */
async function keepOptimizerState(p: GpuTrainProblem, state: BufferRegion | null): Promise<void> {
  if (p.keepState === undefined) return;
  if (state === null) {
    p.keepState(null);
    return;
  }
  const { ctx } = p;
  const buffer = ctx.createStorage(state.floats, 'optimizerState');
  try {
    await ctx.capture('keeping the optimizer state', () => {
      const encoder = ctx.device.createCommandEncoder();
      encoder.copyBufferToBuffer(state.buffer, state.offset * 4, buffer, 0, state.floats * 4);
      ctx.device.queue.submit([encoder.finish()]);
    }).check;
  } catch (e) {
    ctx.releaseBuffer(buffer);
    throw e;
  }
  p.keepState({ key: stateKey(p), buffer });
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
    ctx, spec: OBJECTIVES[p.objective], X: p.X, Y: p.Y, sampleWeight: p.sampleWeight ?? null, W: p.W, b: p.b, fitIntercept: p.fitIntercept,
    l2: options.l2, batchSize: options.batchSize, initialW: p.initialW, initialB: p.initialB, optimizer: stepOptimizer(options),
    optimizerState: continuedState(p, stateKey(p)),
  }));
  const program = prepared.value;
  const state = program.optimizerState;
  const signal = options.signal;
  const copies: { destroy(): void }[] = [];
  try {
    // lastEpoch holds the parameters at the start of the running epoch (those of the last finished
    // one), for an abort in mid-epoch; best holds the best validation epoch's, for earlyStopping.
    const lastEpoch = signal === undefined ? null : new ParamCopies(ctx, p.W, p.b, 1, 'train.lastEpoch', state);
    if (lastEpoch !== null) copies.push(lastEpoch);
    const best = options.earlyStopping?.restoreBest === true ? new ParamCopies(ctx, p.W, p.b, 1, 'train.best', state) : null;
    if (best !== null) copies.push(best);
    const perSubmit = signal === undefined ? MAX_STEPS_PER_SUBMIT : ABORTABLE_STEPS_PER_SUBMIT;
    const meters = ctx.capture('preparing the epoch metrics', () => meteredMetrics(program, p, copies));
    const metrics = meters.value ?? p.metrics;
    await meters.check;
    // The training set's upload (possibly hundreds of MB) completes before the first epoch's clock
    // starts, so History.ms measures training alone.
    await ctx.device.queue.onSubmittedWorkDone();
    await prepared.check;
    const ahead = canRunAhead(options, p.measures, p.W.length + p.b.length + (state?.floats ?? 0))
      ? new RunAhead(ctx, program, options, n, p.W, p.b, (order, learningRate, slot) =>
        recordEpoch(ctx, program, sizes, () => program.beginEpoch(order, learningRate, slot), perSubmit))
      : null;
    if (ahead !== null) copies.push(ahead);
    let before: Float32Array | null = null;
    let final: Float32Array | null = null;
    let finished = 0;
    const history = await runEpochs(options, n, {
      runEpoch: async (order, learningRate, snapshot) => {
        p.checkAlive();
        if (ahead !== null) return ahead.epoch(order, learningRate);
        before = snapshot ? await readTheta(p) : null;
        p.checkAlive();
        const checks = lastEpoch === null ? [] : [lastEpoch.take()];
        let inFlight: Promise<void> | null = null;
        for (let start = 0; start < sizes.length; start += perSubmit) {
          checks.push(recordSteps(ctx, program, sizes, () => program.beginEpoch(order, learningRate), start, start + perSubmit));
          if (signal === undefined) continue;
          // One chunk runs while the next is queued: the GPU stays busy and the signal (set by
          // events the awaits let run) is seen within two chunks.
          const done = ctx.device.queue.onSubmittedWorkDone();
          if (inFlight !== null) await inFlight;
          inFlight = done;
          if (signal.aborted && lastEpoch !== null) {
            await Promise.all(checks);
            await lastEpoch.restore();
            throw abortError(signal);
          }
        }
        const loss = await program.readEpochLoss();
        await Promise.all(checks);
        finished++;
        return loss;
      },
      metrics,
      moved: async () => {
        if (ahead !== null) return ahead.moved();
        return before === null ? Number.POSITIVE_INFINITY : distance(await readTheta(p), before);
      },
      gradientNorm: p.gradientNorm,
      paramsFinite: async () => {
        await ahead?.settle();
        final = await readTheta({ ...p, fitIntercept: true });
        return final.every((v) => Number.isFinite(v));
      },
      keepBest: async () => best?.take(),
      restoreBest: async () => best?.restore(),
      learnedRate: async () => program.learnedRate(),
    }).catch(async (e: unknown) => {
      if (isAbortError(e) && finished > 0 && p.kept !== undefined) {
        const theta = await readTheta({ ...p, fitIntercept: true });
        p.kept(theta.slice(0, p.W.length), theta.slice(p.W.length));
        await keepOptimizerState(p, state);
      }
      throw e;
    });
    await keepOptimizerState(p, state);
    const theta = final as Float32Array | null;
    if (theta === null) throw new Error('trainer: the loop ended without reading the parameters');
    const d = p.W.length;
    return { history, W: theta.slice(0, d), b: theta.slice(d) };
  } finally {
    for (const c of copies) c.destroy();
    program.destroy();
  }
}
