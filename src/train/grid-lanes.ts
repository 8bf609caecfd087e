// A grid search's candidates as the lanes of the one epoch loop (core/loop.ts): each epoch runs all
// candidates' steps in one pass over X (the step kernels' groups), each at its own rate, 0 once it
// has stopped; the loop's per-lane questions (losses, validation metrics, ‖Δθ‖, finiteness, the
// best epoch's parameters) are answered from the stacked parameters, read back as one block: a
// grid's parameters are small beside one pass over its training set.
import type { GpuContext } from '../gpu/context.ts';
import { abortError } from '../core/abort.ts';
import type { EpochMetrics, EpochRun, LaneRunner } from '../core/loop.ts';
import type { StepProgram } from '../step/engine.ts';
import type { SetMeter } from '../step/set-meter.ts';
import type { ErrorCheck } from '../gpu/error-scopes.ts';
import type { GpuMatrix } from '../matrix.ts';
import type { HostMatrix } from '../types.ts';
import { evaluate, type ModelView, type PassData } from './evaluate.ts';
import { distance } from './param-copies.ts';
import { MAX_STEPS_PER_SUBMIT, recordSteps } from './trainer.ts';

/** Steps per submit when the search has an AbortSignal, as for fit(): the signal is looked at between submits. */
const ABORTABLE_STEPS_PER_SUBMIT = 32;

/** One candidate's parameters on the host. */
export interface Theta {
  W: Float32Array;
  b: Float32Array;
}

/** A candidate's own d×k and 1×k copies of its parameters, and the view that evaluates them. */
export interface GridLane {
  W: GpuMatrix;
  b: GpuMatrix;
  view: ModelView;
}

export interface GridLaneSetup {
  ctx: GpuContext;
  program: StepProgram;
  /** Each step's rows in an epoch. */
  sizes: readonly number[];
  l2: readonly number[];
  /** The candidates' parameters stacked: (count·d)×k and count×k. */
  W: GpuMatrix;
  b: GpuMatrix;
  lanes: readonly GridLane[];
  /** Every candidate's validation sums in one pass, or null: block by block per candidate. */
  meter: SetMeter | null;
  validation: PassData & { Y: HostMatrix };
  classifier: boolean;
  signal: AbortSignal | undefined;
  /** Throws when the search was destroyed meanwhile. */
  assertAlive: () => void;
}

export class GridLanes implements LaneRunner<'async'> {
  readonly #s: GridLaneSetup;
  /** Which lanes trained the last epoch (rate > 0). */
  #live: boolean[];
  /** Each lane's parameters when ‖Δθ‖ was last taken (zeros: where every candidate starts). */
  #previous: Theta[] | null = null;
  readonly #best: (Theta | null)[];
  /** Lanes whose final parameters are their best epoch's (earlyStopping's restoreBest). */
  readonly #restored = new Set<number>();
  /** Each candidate's final parameters, once paramsFinite() read them. */
  final: Theta[] = [];

  constructor(setup: GridLaneSetup) {
    this.#s = setup;
    this.#live = setup.lanes.map(() => true);
    this.#best = setup.lanes.map(() => null);
  }

  async runEpoch(order: Uint32Array, rates: readonly number[]): Promise<(number | EpochRun)[]> {
    const { ctx, program, sizes, signal } = this.#s;
    this.#s.assertAlive();
    this.#live = rates.map((r) => r > 0);
    const perSubmit = signal === undefined ? MAX_STEPS_PER_SUBMIT : ABORTABLE_STEPS_PER_SUBMIT;
    const begin = (): void => program.beginGroupEpoch(order, rates, this.#s.l2);
    const checks: ErrorCheck[] = [];
    let inFlight: Promise<void> | null = null;
    for (let start = 0; start < sizes.length; start += perSubmit) {
      checks.push(recordSteps(ctx, program, sizes, begin, start, start + perSubmit, 'a grid search epoch'));
      if (signal === undefined) continue;
      // One submit runs while the next is queued, as fit() does: the signal is seen within two.
      const done = ctx.device.queue.onSubmittedWorkDone();
      if (inFlight !== null) await inFlight;
      inFlight = done;
      if (signal.aborted) {
        await Promise.all(checks);
        throw abortError(signal);
      }
    }
    const losses = await program.readGroupLosses();
    await Promise.all(checks);
    this.#s.assertAlive();
    this.#copyToLanes();
    return Array.from(losses);
  }

  /** The training candidates' parameters into their own matrices, for the evaluations that read them. */
  #copyToLanes(): void {
    const { ctx, W, b, lanes } = this.#s;
    const { d, k } = this.#shape();
    ctx.capture('copying the candidates\' parameters', () => {
      const encoder = ctx.device.createCommandEncoder();
      lanes.forEach((lane, g) => {
        if (!this.#live[g]) return;
        encoder.copyBufferToBuffer(W.buffer, g * d * k * 4, lane.W.buffer, 0, d * k * 4);
        encoder.copyBufferToBuffer(b.buffer, g * k * 4, lane.b.buffer, 0, k * 4);
      });
      ctx.device.queue.submit([encoder.finish()]);
    });
  }

  #shape(): { d: number; k: number } {
    return { d: this.#s.W.rows / this.#s.lanes.length, k: this.#s.W.cols };
  }

  async metrics(): Promise<EpochMetrics[]> {
    const { meter, validation, classifier, lanes } = this.#s;
    const nVal = validation.X.rows;
    const sums = meter === null ? null : await meter.measure();
    const out: EpochMetrics[] = [];
    for (const [g, lane] of lanes.entries()) {
      if (!this.#live[g]) {
        out.push({});
        continue;
      }
      const own = sums?.[g];
      const v = own === undefined ? await evaluate(lane.view, validation) : { loss: own.lossSum / nVal, ...(classifier ? { accuracy: own.hits / nVal } : {}) };
      out.push({ valLoss: v.loss, ...(v.accuracy === undefined ? {} : { valAccuracy: v.accuracy }) });
    }
    return out;
  }

  /** Every candidate's parameters as they are now. */
  async #read(): Promise<Theta[]> {
    const { d, k } = this.#shape();
    const [W, b] = await Promise.all([this.#s.W.read(), this.#s.b.read()]);
    return this.#s.lanes.map((_, g) => ({ W: W.data.slice(g * d * k, (g + 1) * d * k), b: b.data.slice(g * k, (g + 1) * k) }));
  }

  async moved(): Promise<number[]> {
    const now = await this.#read();
    const before = this.#previous ?? now.map((t) => ({ W: new Float32Array(t.W.length), b: new Float32Array(t.b.length) }));
    this.#previous = now;
    return now.map((t, g) => {
      const was = before[g] as Theta;
      return Math.hypot(distance(t.W, was.W), distance(t.b, was.b));
    });
  }

  gradientNorm(): Promise<number[]> {
    return Promise.reject(new Error('a grid search has no gradTol'));
  }

  async paramsFinite(): Promise<boolean[]> {
    const now = await this.#read();
    this.final = now.map((t, g) => (this.#restored.has(g) ? (this.#best[g] as Theta) : t));
    return this.final.map((t) => t.W.every(Number.isFinite) && t.b.every(Number.isFinite));
  }

  async keepBest(lanes: readonly number[]): Promise<void> {
    const now = await this.#read();
    for (const g of lanes) this.#best[g] = now[g] as Theta;
  }

  /**
   * The lanes end with their best epoch's parameters. They train on at rate 0, whose steps write the
   * stacked parameters again, so the best ones are put into the candidates' own matrices (which the
   * search's R² reads) and taken for the final ones.
   */
  async restoreBest(lanes: readonly number[]): Promise<void> {
    const { ctx } = this.#s;
    await ctx.capture('restoring the candidates\' best parameters', () => {
      for (const g of lanes) {
        const best = this.#best[g] as Theta;
        const lane = this.#s.lanes[g] as GridLane;
        ctx.device.queue.writeBuffer(lane.W.buffer, 0, best.W.buffer, best.W.byteOffset, best.W.byteLength);
        ctx.device.queue.writeBuffer(lane.b.buffer, 0, best.b.buffer, best.b.byteOffset, best.b.byteLength);
        this.#restored.add(g);
      }
    }).check;
  }
}
