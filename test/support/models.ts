// Runs the same fit on the GPU (through the harness page) and with the float64 trainer in Node.
import * as cpu from '../../src/cpu/index.ts';
import type { Objective } from '../../src/core/objective.ts';
import { resolveFitOptions } from '../../src/core/options.ts';
import { rowWeights } from '../../src/core/weights.ts';
import { binaryTargets, oneHotTargets, regressionTargets } from '../../src/models/targets.ts';
import type { History } from '../../src/core/options.ts';
import type { HostMatrix } from '../../src/types.ts';
import type { ModelRun } from '../../harness/fixtures.ts';
import type { GpuPage } from './gpu-page.ts';
import { randomMatrix, type Rng } from './random.ts';

export type ModelKind = ModelRun['model'];

export function objectiveOf(run: ModelRun): Objective {
  if (run.model === 'logistic') {
    const tanh = run.options.activation === 'tanh' ? 'tanh-' : '';
    return `logistic-${tanh}${run.options.loss === 'mse' ? 'mse' : 'bce'}` as Objective;
  }
  return run.model === 'softmax' ? 'softmax-ce' : 'linear-mse';
}

function outputsOf(run: ModelRun): number {
  if (run.model === 'logistic') return 1;
  if (run.model === 'softmax') return run.options.nClasses as number;
  return (run.options.nOutputs as number | undefined) ?? 1;
}

function encode(run: ModelRun, y: number[], rows: number): HostMatrix {
  if (run.model === 'logistic') return binaryTargets('y', y, rows, false);
  if (run.model === 'softmax') return oneHotTargets('y', y, rows, outputsOf(run));
  return regressionTargets('y', y, rows, outputsOf(run));
}

/**
 * The float64 trainer on the same data, options and (zero or given) initial parameters; `from`: a
 * warm start from that result, its parameters and optimizer state.
 */
export function cpuFit(run: ModelRun, from?: cpu.TrainResult): cpu.TrainResult {
  const k = outputsOf(run);
  const d = run.X.cols;
  const init = from === undefined
    ? run.fit.init as { W: { data: ArrayLike<number> }; b?: ArrayLike<number> } | undefined
    : { W: from.W, b: from.b.data };
  const { init: _ignored, ...fitOptions } = run.fit;
  const Y = encode(run, run.y, run.X.rows);
  // sampleWeight and classWeight combined as fit() does; the trainer normalises them.
  const classes = run.model === 'linear' ? null : run.model === 'logistic' ? 2 : k;
  const weights = rowWeights(run.fit, Y, classes, run.model);
  const validation = run.validation === undefined
    ? undefined
    : { X: run.validation.X, Y: encode(run, run.validation.y, run.validation.X.rows) };
  return cpu.train({
    objective: objectiveOf(run),
    X: run.X,
    Y,
    W: { data: init?.W.data ?? new Array<number>(d * k).fill(0), rows: d, cols: k },
    b: { data: init?.b ?? new Array<number>(k).fill(0), rows: 1, cols: k },
    ...(from?.optimizerState === undefined ? {} : { optimizerState: from.optimizerState }),
    fitIntercept: run.options.fitIntercept !== false,
    // The validation set travels beside the options here; earlyStopping checks that there is one.
    options: resolveFitOptions({ ...fitOptions, ...(run.validation === undefined ? {} : { validation: run.validation }) }, run.X.rows),
    ...(validation === undefined ? {} : { validation }),
    ...(weights === null ? {} : { sampleWeight: weights }),
  });
}

export interface Both {
  gpu: { history: History; W: number[]; b: number[]; score: number };
  cpu: cpu.TrainResult;
}

export async function fitBoth(page: GpuPage, run: ModelRun): Promise<Both> {
  const g = await page.call('fitModel', run);
  return { gpu: { history: g.history, W: g.W.data, b: g.b, score: g.score }, cpu: cpuFit(run) };
}

/** Features and a linear ground truth with noise, labelled for each kind of model. */
export function problem(rng: Rng, model: ModelKind, n: number, d: number, k: number): { X: ModelRun['X']; y: number[] } {
  const X = randomMatrix(rng, n, d, -2, 2);
  const truth = randomMatrix(rng, d, k, -1.5, 1.5);
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const scores = Array.from({ length: k }, (_, j) => {
      let s = 0.3 * (rng() - 0.5);
      for (let f = 0; f < d; f++) s += (X.data[i * d + f] as number) * (truth.data[f * k + j] as number);
      return s;
    });
    if (model === 'softmax') y.push(scores.indexOf(Math.max(...scores)));
    else if (model === 'logistic') y.push((scores[0] as number) > 0 ? 1 : 0);
    else y.push(scores[0] as number);
  }
  // Classifiers need two classes present: fit() refuses a y of one class.
  if (model === 'logistic' && (!y.includes(0) || !y.includes(1))) y[0] = 1 - (y[0] as number);
  if (model === 'softmax' && k > 1 && y.every((c) => c === y[0])) y[0] = ((y[0] as number) + 1) % k;
  return { X, y };
}

/**
 * ‖θ_e − θ_{e−1}‖ of each epoch of the float64 fit of `run` (θ_{−1}: its start, zeros here), from
 * a chain of one-epoch warm-started fits: what a `tol` is compared with.
 */
export function epochMoves(run: ModelRun, epochs: number): number[] {
  const moves: number[] = [];
  let prev: cpu.TrainResult | undefined;
  for (let e = 0; e < epochs; e++) {
    const next = cpuFit({ ...run, fit: { ...run.fit, epochs: 1, ...(e > 0 ? { warmStart: true } : {}) } }, prev);
    const after = [...next.W.data, ...next.b.data];
    const before = prev === undefined ? after.map(() => 0) : [...prev.W.data, ...prev.b.data];
    moves.push(Math.hypot(...after.map((v, i) => v - (before[i] as number))));
    prev = next;
  }
  return moves;
}

/** max over rows of ‖x‖², plus 1 for the bias column when it is trained: with a loss's curvature factor, a bound on its Hessian. */
export function maxRowNorm2(X: { data: ArrayLike<number>; rows: number; cols: number }, bias: boolean): number {
  let top = 0;
  for (let i = 0; i < X.rows; i++) {
    let s = bias ? 1 : 0;
    for (let f = 0; f < X.cols; f++) s += (X.data[i * X.cols + f] as number) ** 2;
    top = Math.max(top, s);
  }
  return top;
}
