// A grid search's candidates as the epoch loop's lanes (core/loop.ts's runLanes) on the 'js' engine:
// each candidate has its own float64 parameters and optimizer state and steps through the same
// batches at its own rate and λ (host-trainer.ts's epoch), as the GPU lanes do in one pass.
import { abortError } from '../core/abort.ts';
import { runLanes, type EpochMetrics, type Lanes, type LaneRunner, type LanesOutcome } from '../core/loop.ts';
import type { Objective } from '../core/objective.ts';
import { zeroState, type OptimizerState } from '../core/optimizer.ts';
import type { ResolvedFitOptions } from '../core/options.ts';
import { predictInto, setSums, type HostParams64, type HostSet } from '../cpu/host-step.ts';
import type { HostMatrix } from '../types.ts';
import { F32_MAX } from '../validate.ts';
import type { Theta } from './grid-lanes.ts';
import { distance } from './param-copies.ts';
import { copyParams, epoch, HostFit, yieldToEventLoop } from './host-trainer.ts';

export interface HostGridSetup {
  objective: Objective;
  train: HostSet;
  validation: HostSet;
  fitIntercept: boolean;
  /** The options every candidate shares (batches, optimizer, stopping). */
  options: ResolvedFitOptions;
  /** Each candidate's λ. */
  l2: readonly number[];
  nFeatures: number;
  nOutputs: number;
  threshold: number;
  classifier: boolean;
  /** Throws when the search was destroyed meanwhile. */
  assertAlive: () => void;
}

/** What the candidates' training gives: their histories, final parameters and (when asked) validation predictions. */
export interface GridTrained {
  outcome: LanesOutcome;
  final: Theta[];
  predictions: (HostMatrix | null)[];
}

interface HostLane {
  fit: HostFit;
  params: HostParams64;
  state: OptimizerState;
  best: HostParams64 | null;
  restored: boolean;
}

const within = (a: Float64Array): boolean => a.every((v) => Math.abs(v) <= F32_MAX);

class HostGridLanes implements LaneRunner<'async'> {
  readonly #s: HostGridSetup;
  readonly lanes: HostLane[];
  #live: boolean[];
  /** Each lane's parameters when ‖Δθ‖ was last taken (zeros: where every candidate starts). */
  #previous: HostParams64[];

  constructor(setup: HostGridSetup) {
    this.#s = setup;
    const { nFeatures: d, nOutputs: k } = setup;
    const zeros = (): HostParams64 => ({ W: new Float64Array(d * k), b: new Float64Array(k) });
    this.lanes = setup.l2.map((l2) => ({
      fit: new HostFit({
        objective: setup.objective, train: setup.train, validation: setup.validation, params: zeros(), fitIntercept: setup.fitIntercept,
        options: { ...setup.options, l2 }, threshold: setup.threshold, optimizerState: null, checkAlive: setup.assertAlive,
      }),
      params: zeros(), state: zeroState(setup.options.optimizer, d * k + k), best: null, restored: false,
    }));
    this.#live = this.lanes.map(() => true);
    this.#previous = this.lanes.map(() => zeros());
  }

  async runEpoch(order: Uint32Array, rates: readonly number[]): Promise<number[]> {
    await yieldToEventLoop();
    this.#s.assertAlive();
    const signal = this.#s.options.signal;
    if (signal?.aborted === true) throw abortError(signal);
    this.#live = rates.map((r) => r > 0);
    // A stopped lane (rate 0) would not move: it is skipped.
    return this.lanes.map((lane, g) => (this.#live[g] === true ? epoch(lane.fit, lane.params, lane.state, order, rates[g] as number, null) : Number.NaN));
  }

  async metrics(): Promise<EpochMetrics[]> {
    const { validation, classifier, threshold } = this.#s;
    return this.lanes.map((lane, g) => {
      if (this.#live[g] !== true) return {};
      const v = setSums(validation, lane.params, lane.fit.scratch, classifier, threshold);
      return { valLoss: v.lossSum / validation.rows, ...(classifier ? { valAccuracy: v.hits / validation.rows } : {}) };
    });
  }

  async moved(): Promise<number[]> {
    return this.lanes.map((lane, g) => {
      const was = this.#previous[g] as HostParams64;
      this.#previous[g] = copyParams(lane.params);
      return Math.hypot(distance(lane.params.W, was.W), distance(lane.params.b, was.b));
    });
  }

  gradientNorm(): Promise<number[]> {
    return Promise.reject(new Error('a grid search has no gradTol'));
  }

  /** Each lane's final parameters: its best epoch's when earlyStopping restored them. */
  finalParams(): HostParams64[] {
    return this.lanes.map((lane) => (lane.restored ? (lane.best as HostParams64) : lane.params));
  }

  async paramsFinite(): Promise<boolean[]> {
    return this.finalParams().map((p) => within(p.W) && within(p.b));
  }

  async keepBest(lanes: readonly number[]): Promise<void> {
    for (const g of lanes) {
      const lane = this.lanes[g] as HostLane;
      lane.best = copyParams(lane.params);
    }
  }

  async restoreBest(lanes: readonly number[]): Promise<void> {
    for (const g of lanes) (this.lanes[g] as HostLane).restored = true;
  }
}

/** Trains the candidates on the host; `predict`: also each surviving candidate's validation predictions (for R²). */
export async function trainGridOnHost(setup: HostGridSetup, lanes: Lanes, predict: boolean): Promise<GridTrained> {
  const runner = new HostGridLanes(setup);
  const outcome = await runLanes(setup.options, setup.train.rows, lanes, runner);
  const params = runner.finalParams();
  const predictions = params.map((p, g) => {
    if (!predict || outcome.diverged[g] === true) return null;
    const out = new Float32Array(setup.validation.rows * setup.nOutputs);
    predictInto(setup.validation, p, (runner.lanes[g] as HostLane).fit.scratch, false, out);
    return { data: out, rows: setup.validation.rows, cols: setup.nOutputs };
  });
  return { outcome, final: params.map((p) => ({ W: Float32Array.from(p.W), b: Float32Array.from(p.b) })), predictions };
}

