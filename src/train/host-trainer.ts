// The 'js' engine's trainer: the epoch loop (core/loop.ts) and L-BFGS (core/lbfgs.ts) that every
// trainer runs, answered in float64 on the host by cpu/host-step.ts's passes. It is asynchronous, as
// the GPU trainer is: it yields to the event loop before each epoch (and each L-BFGS evaluation), so
// an AbortSignal, timers and a page's rendering get their turn, and onEpochEnd's promises are awaited.
import { abortError, isAbortError } from '../core/abort.ts';
import { ROUNDOFF_F64, runLbfgs } from '../core/lbfgs.ts';
import { runEpochs, type EpochMetrics } from '../core/loop.ts';
import { isClassifier } from '../core/metrics.ts';
import { OBJECTIVES, type Objective } from '../core/objective.ts';
import {
  copyState, hypergradientStep, learnedRate, optimizerStep, regularized, zeroState, type LearnedRate, type OptimizerState,
} from '../core/optimizer.ts';
import type { History, ResolvedFitOptions } from '../core/options.ts';
import { isHypergradient } from '../core/schedule.ts';
import { accumulateGradient, RowScratch, setSums, type HostParams64, type HostSet } from '../cpu/host-step.ts';
import { F32_MAX } from '../validate.ts';
import { distance } from './param-copies.ts';

export interface HostTrainProblem {
  objective: Objective;
  /** The training rows, with their encoded targets and normalised weights (or none). */
  train: HostSet;
  validation: HostSet | null;
  /** Where the fit starts; not changed. */
  params: HostParams64;
  fitIntercept: boolean;
  options: ResolvedFitOptions;
  /** The logistic decision threshold, for accuracy. */
  threshold: number;
  /** The optimizer state a warm start continues (over [W row-major, b]), or null: zeros. */
  optimizerState: OptimizerState | null;
  /** Throws when the fit must stop before its next epoch (the model was destroyed meanwhile). */
  checkAlive: () => void;
  /**
   * Called before an aborted fit rejects, with the parameters (and optimizer state) of the last
   * finished epoch or accepted L-BFGS point; not called when there is none.
   */
  kept?: (params: HostParams64, state: OptimizerState | null) => void;
}

export interface HostTrainResult {
  history: History;
  params: HostParams64;
  /** The optimizer state at the end (null for SGD and L-BFGS, which keep none). */
  optimizerState: OptimizerState | null;
}

/** Lets other tasks run: setImmediate in Node, a MessageChannel turn in pages (setTimeout is clamped to 4 ms there). */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => {
    const g = globalThis as { setImmediate?: (f: () => void) => unknown };
    if (typeof g.setImmediate === 'function') {
      g.setImmediate(resolve);
    } else if (typeof MessageChannel === 'function') {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => {
        channel.port1.close();
        resolve();
      };
      channel.port2.postMessage(null);
    } else {
      setTimeout(resolve, 0);
    }
  });
}

export const copyParams = (p: HostParams64): HostParams64 => ({ W: p.W.slice(), b: p.b.slice() });

/** What every pass of one fit shares: the problem, its scratch and gradient buffers. */
export class HostFit {
  readonly scratch: RowScratch;
  readonly dW: Float64Array;
  readonly db: Float64Array;
  readonly classifier: boolean;
  constructor(readonly p: HostTrainProblem) {
    const k = p.params.b.length;
    this.scratch = new RowScratch(OBJECTIVES[p.objective], k, p.train.cols);
    this.dW = new Float64Array(p.params.W.length);
    this.db = new Float64Array(k);
    this.classifier = isClassifier(p.objective);
  }

  /** Mean gradient (in dW, db) and mean weighted loss of rows [start, start+count) of `order` (null: in order). */
  gradient(params: HostParams64, order: Uint32Array | null, start: number, count: number): number {
    this.dW.fill(0);
    this.db.fill(0);
    const lossSum = accumulateGradient(this.p.train, order, start, count, params, this.scratch, this.dW, this.db);
    for (let i = 0; i < this.dW.length; i++) this.dW[i] = (this.dW[i] as number) / count;
    for (let c = 0; c < this.db.length; c++) this.db[c] = (this.db[c] as number) / count;
    return lossSum / count;
  }

  metrics(params: HostParams64): EpochMetrics {
    const { validation, train, options, threshold } = this.p;
    const out: EpochMetrics = {};
    if (validation !== null) {
      const v = setSums(validation, params, this.scratch, this.classifier, threshold);
      out.valLoss = v.lossSum / validation.rows;
      if (this.classifier) out.valAccuracy = v.hits / validation.rows;
    }
    if (options.trainAccuracy && this.classifier) out.accuracy = setSums(train, params, this.scratch, true, threshold).hits / train.rows;
    return out;
  }

  /** ‖∇θ‖₂ of the regularized objective on the whole training set (db only when the bias is trained). */
  gradientNorm(params: HostParams64): number {
    this.gradient(params, null, 0, this.p.train.rows);
    const l2 = this.p.options.l2;
    let s = 0;
    for (let i = 0; i < this.dW.length; i++) s += regularized(params.W[i] as number, this.dW[i] as number, l2) ** 2;
    if (this.p.fitIntercept) for (const v of this.db) s += v * v;
    return Math.sqrt(s);
  }
}

/**
 * One pass over `order` in mini-batches, updating params and state in place; the epoch's mean loss.
 * With `rate` each step runs the hypergradient rate's optimizer on its own state (`state`, the
 * options' SGD's, then counts no steps), as cpu/train.ts does.
 */
export function epoch(f: HostFit, params: HostParams64, state: OptimizerState, order: Uint32Array, lr: number, rate: LearnedRate | null): number {
  const { options, fitIntercept } = f.p;
  const n = f.p.train.rows;
  const o = rate?.rule ?? options.optimizer;
  const s = rate?.state ?? state;
  let lossSum = 0;
  for (let start = 0; start < n; start += options.batchSize) {
    const mb = Math.min(options.batchSize, n - start);
    lossSum += f.gradient(params, order, start, mb) * mb;
    if (rate === null) s.steps++;
    optimizerStep(o, params.W, f.dW, options.l2, lr, s, 0, s.steps);
    if (fitIntercept) optimizerStep(o, params.b, f.db, 0, lr, s, params.W.length, s.steps);
    if (rate !== null) hypergradientStep(rate.rule, rate.state, fitIntercept ? [params.W, params.b] : [params.W]);
  }
  return lossSum / n;
}

/** Mini-batch gradient descent (or, with solver 'lbfgs', L-BFGS) on the host; resolves with the history and the final parameters. */
export async function trainOnHost(p: HostTrainProblem): Promise<HostTrainResult> {
  if (p.options.solver === 'lbfgs') return lbfgsOnHost(p);
  const f = new HostFit(p);
  const { options } = p;
  const signal = options.signal;
  const size = p.params.W.length + p.params.b.length;
  const params = copyParams(p.params);
  let state = p.optimizerState === null ? zeroState(options.optimizer, size) : copyState(p.optimizerState);
  let start = copyParams(params);
  let best = { params: copyParams(params), state: copyState(state) };
  const schedule = options.learningRate;
  const rate: LearnedRate | null = isHypergradient(schedule) ? learnedRate(schedule, size) : null;
  let finished = 0;
  const history = await runEpochs(options, p.train.rows, {
    runEpoch: async (order, learningRate, snapshot) => {
      await yieldToEventLoop();
      p.checkAlive();
      if (signal?.aborted === true) throw abortError(signal);
      if (snapshot) start = copyParams(params);
      const loss = epoch(f, params, state, order, learningRate, rate);
      finished++;
      return loss;
    },
    learnedRate: async () => rate?.state.alpha ?? Number.NaN,
    metrics: async () => f.metrics(params),
    moved: async () => Math.hypot(distance(params.W, start.W), p.fitIntercept ? distance(params.b, start.b) : 0),
    gradientNorm: async () => f.gradientNorm(params),
    // The model's parameters are read as float32: a value beyond its range is as diverged as Infinity.
    paramsFinite: async () => [params.W, params.b].every((a) => a.every((v) => Math.abs(v) <= F32_MAX)),
    keepBest: async () => {
      best = { params: copyParams(params), state: copyState(state) };
    },
    restoreBest: async () => {
      params.W.set(best.params.W);
      params.b.set(best.params.b);
      state = copyState(best.state);
    },
  }).catch((e: unknown) => {
    // Aborts land between epochs, so params are the last finished epoch's.
    if (isAbortError(e) && finished > 0) p.kept?.(copyParams(params), options.optimizer.kind === 'sgd' ? null : state);
    throw e;
  });
  return { history, params, optimizerState: options.optimizer.kind === 'sgd' ? null : state };
}

/** L-BFGS with the whole-set loss and gradient in float64 (the solver adds the L2 term). */
async function lbfgsOnHost(p: HostTrainProblem): Promise<HostTrainResult> {
  const f = new HostFit(p);
  const { options } = p;
  const k = p.params.b.length;
  const weights = p.params.W.length;
  const theta = new Float64Array(weights + (p.fitIntercept ? k : 0));
  theta.set(p.params.W);
  if (p.fitIntercept) theta.set(p.params.b, weights);
  const at = (t: Float64Array): HostParams64 => ({ W: t.slice(0, weights), b: p.fitIntercept ? t.slice(weights) : p.params.b.slice() });
  let last: HostParams64 | null = null;
  const n = p.train.rows;
  const result = await runLbfgs(options, { theta, weights, classes: OBJECTIVES[p.objective].activation === 'softmax' ? k : 0 }, {
    roundoff: ROUNDOFF_F64,
    evaluate: async (t) => {
      await yieldToEventLoop();
      p.checkAlive();
      if (options.signal?.aborted === true) throw abortError(options.signal);
      const loss = f.gradient(at(t), null, 0, n);
      const gradient = new Float64Array(t.length);
      gradient.set(f.dW);
      if (p.fitIntercept) gradient.set(f.db, weights);
      return { loss, gradient };
    },
    metrics: async (t) => {
      p.checkAlive();
      last = at(t);
      return f.metrics(last);
    },
  }).catch((e: unknown) => {
    const kept = last as HostParams64 | null;
    if (isAbortError(e) && kept !== null) p.kept?.(kept, null);
    throw e;
  });
  return { history: result.history, params: at(result.theta), optimizerState: null };
}
