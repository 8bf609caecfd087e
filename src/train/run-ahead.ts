// Epochs queued back to back with one readback for all of them. When nothing needs an epoch's
// numbers on the host before the next epoch starts (no callback, no per-epoch metrics, no gradient
// test, no abort signal, a planned schedule: not a function, not a learned rate), the GPU trainer
// queues a run of epochs, each summing its loss into its own slot, and reads the losses once:
// small problems are then bound by their arithmetic, not by a host round trip per epoch. The loop
// still sees one epoch at a time and decides exactly as before; with `tol` each epoch's parameters
// are kept, so a stop inside a run puts back the parameters of the epoch that stopped.
import type { GpuContext } from '../gpu/context.ts';
import type { EpochRun } from '../core/loop.ts';
import type { ResolvedFitOptions } from '../core/options.ts';
import { epochOrder } from '../core/order.ts';
import { isHypergradient, learningRateAt } from '../core/schedule.ts';
import type { StepProgram } from '../step/engine.ts';
import { EPOCH_SLOTS } from '../step/step-state.ts';
import type { ErrorCheck } from '../gpu/error-scopes.ts';
import type { GpuMatrix } from '../matrix.ts';
import { ParamCopies } from './param-copies.ts';

/** A run stops growing once it takes this long: it bounds how late a destroy() or GPU error is seen. */
const RUN_MS = 25;
/** Most bytes of parameter copies kept for `tol` (one per epoch of a run, plus the run's start). */
const SNAPSHOT_BYTES = 32 * 2 ** 20;

/** Epochs a run may hold: EPOCH_SLOTS, or fewer when `tol` keeps a copy of `params` floats per epoch. */
function longestRun(options: ResolvedFitOptions, params: number): number {
  return options.tol > 0 ? Math.min(EPOCH_SLOTS, Math.floor(SNAPSHOT_BYTES / (params * 4)) - 1) : EPOCH_SLOTS;
}

/**
 * Whether a fit may queue epochs ahead: when the loop needs nothing from the host between them
 * (`measures`: the fit reports metrics each epoch) and, with `tol`, a copy of the `params`
 * parameters per epoch fits.
 */
export function canRunAhead(options: ResolvedFitOptions, measures: boolean, params: number): boolean {
  return options.onEpochEnd === undefined && !measures && options.gradTol === 0 && options.earlyStopping === null
    && options.signal === undefined && typeof options.learningRate !== 'function' && !isHypergradient(options.learningRate)
    && longestRun(options, params) >= 1;
}

/** Queues one epoch (its order, rate and loss slot) and returns the checks of the work it submitted. */
export type RecordEpoch = (order: Uint32Array, learningRate: number, slot: number) => ErrorCheck[];

/** One epoch of a run: its loss, its share of the run's time, and how far it moved the parameters. */
interface Ran extends EpochRun {
  moved: number;
}

/** Answers the loop's epochs from runs of epochs queued ahead. */
export class RunAhead {
  readonly #queue: Ran[] = [];
  /** W and b after each epoch of a run (slot 0: at its start), with `tol`. */
  readonly #snapshots: ParamCopies | null;
  readonly #longest: number;
  /** Epochs the loop has been given, and the epoch the current run started at, with its length. */
  #given = 0;
  #runStart = 0;
  #runLength = 0;
  #next = 1;
  #moved = Number.POSITIVE_INFINITY;

  constructor(
    readonly ctx: GpuContext, readonly program: StepProgram, readonly options: ResolvedFitOptions, readonly n: number,
    W: GpuMatrix, b: GpuMatrix, readonly record: RecordEpoch,
  ) {
    // A snapshot holds the optimizer's state too.
    this.#longest = longestRun(options, W.length + b.length + (program.optimizerState?.floats ?? 0));
    this.#snapshots = options.tol > 0 ? new ParamCopies(ctx, W, b, this.#longest + 1, 'train.snapshots', program.optimizerState) : null;
  }

  /** The next epoch's result; `order` and `learningRate` are the loop's for it. */
  async epoch(order: Uint32Array, learningRate: number): Promise<EpochRun> {
    if (this.#queue.length === 0) await this.#run(order, learningRate);
    const ran = this.#queue.shift() as Ran;
    this.#given++;
    this.#moved = ran.moved;
    return { loss: ran.loss, ms: ran.ms };
  }

  /** ‖Δθ‖ of the last epoch given (Infinity without `tol`, which is when nothing asks). */
  moved(): number {
    return this.#moved;
  }

  /**
   * Called when the loop stops: when the GPU ran past the last epoch given (a `tol` stop inside a
   * run), puts back that epoch's parameters.
   */
  async settle(): Promise<void> {
    const ahead = this.#runStart + this.#runLength - this.#given;
    if (ahead > 0 && this.#snapshots !== null) await this.#snapshots.restore(this.#given - this.#runStart);
  }

  destroy(): void {
    this.#snapshots?.destroy();
  }

  /** The plans of the run's epochs, cut before one whose rate the schedule refuses (the loop then reports it). */
  #plan(first: Uint32Array, firstRate: number): { order: Uint32Array; learningRate: number }[] {
    const o = this.options;
    const start = this.#given;
    const length = Math.min(this.#next, this.#longest, o.epochs - start);
    const plan = [{ order: first, learningRate: firstRate }];
    for (let e = start + 1; e < start + length; e++) {
      let learningRate: number;
      try {
        learningRate = learningRateAt(o.learningRate, e);
      } catch {
        break;
      }
      plan.push({ order: epochOrder(this.n, e, o.shuffle, o.seed), learningRate });
    }
    return plan;
  }

  async #run(first: Uint32Array, firstRate: number): Promise<void> {
    const plan = this.#plan(first, firstRate);
    const t0 = performance.now();
    const checks: ErrorCheck[] = [];
    if (this.#snapshots !== null) checks.push(this.#snapshots.take(0));
    plan.forEach((epoch, slot) => {
      checks.push(...this.record(epoch.order, epoch.learningRate, slot));
      if (this.#snapshots !== null) checks.push(this.#snapshots.take(slot + 1));
    });
    const losses = await this.program.readEpochLosses(plan.length);
    const moved = this.#snapshots === null ? null : await this.#snapshots.distances(plan.length);
    await Promise.all(checks);
    const ms = (performance.now() - t0) / plan.length;
    this.#runStart = this.#given;
    this.#runLength = plan.length;
    losses.forEach((loss, i) => this.#queue.push({ loss, ms, moved: moved?.[i] ?? Number.POSITIVE_INFINITY }));
    // Runs double while they stay short, so a long fit soon needs few readbacks and a slow one keeps one an epoch.
    this.#next = ms * plan.length * 2 <= RUN_MS ? plan.length * 2 : Math.max(1, Math.floor(RUN_MS / ms));
  }
}
