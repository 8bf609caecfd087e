// One interface over the three estimators for the page: train one epoch at a time (so the page can
// draw, pause or reset between epochs) and score rows as an n×k matrix of class scores.
import {
  argmax, LinearRegression, LogisticRegression, oneHot, SoftmaxRegression,
  type GpuContext, type HostMatrix, type LearningRateSchedule,
} from '../src/index.ts';
import type { OutputChoice } from './output.ts';

export type ModelKind = 'logistic' | 'softmax' | 'linear';

/** The optimizers the page offers: the fit option's names (momentum and Nesterov with μ = 0.9, Adam with PyTorch's betas). */
export const OPTIMIZER_NAMES = ['sgd', 'momentum', 'nesterov', 'adam'] as const;
export type OptimizerName = (typeof OPTIMIZER_NAMES)[number];

export interface Part {
  X: HostMatrix;
  y: Int32Array;
}

export interface EpochStep {
  batchSize: number;
  learningRate: number;
  l2: number;
  optimizer: OptimizerName;
  /** Varies the batch order from epoch to epoch (each fit call is its own first epoch). */
  seed: number;
  /** Continue from the current parameters; false for the first epoch. */
  warm: boolean;
}

export interface EpochResult {
  loss: number;
  valLoss: number;
  accuracy: number;
  valAccuracy: number;
  /** Wall time of the fit call, uploads and evaluation included. */
  ms: number;
}

/** What the loss curve measures for each model. */
export const LOSS_NAMES: Record<ModelKind, string> = {
  logistic: 'binary cross-entropy',
  softmax: 'cross-entropy',
  linear: '½·mean squared error',
};

export function accuracyOf(predicted: Int32Array, truth: Int32Array): number {
  let hits = 0;
  for (let i = 0; i < truth.length; i++) if (predicted[i] === truth[i]) hits++;
  return truth.length === 0 ? Number.NaN : hits / truth.length;
}

export type Schedule = 'constant' | 'step' | 'exponential' | 'inverse-time';

/** Learning rate for `epoch` (from 0): the formulas of the library's schedules, evaluated by the page because each fit call runs one epoch. */
/** The demo's schedule controls as the library's schedule, so the page runs the library's formulas. */
export function scheduleOf(kind: Schedule, initial: number, decay: number, every: number): LearningRateSchedule {
  switch (kind) {
    case 'step':
      return { kind: 'step', initial, factor: decay, every };
    case 'exponential':
      return { kind: 'exponential', initial, decay };
    case 'inverse-time':
      return { kind: 'inverse-time', initial, decay };
    case 'constant':
      return initial;
  }
}

export class DemoModel {
  readonly kind: ModelKind;
  readonly nClasses: number;
  readonly #model: LogisticRegression | SoftmaxRegression | LinearRegression;
  /** One-hot targets for linear regression (least squares on indicator columns, class = argmax). */
  #targets = new WeakMap<Int32Array, HostMatrix>();

  /** `output`: the logistic model's activation and loss (sigmoid and cross-entropy when left out). */
  constructor(ctx: GpuContext, kind: ModelKind, nFeatures: number, nClasses: number, output?: OutputChoice) {
    if (kind === 'logistic' && nClasses !== 2) throw new RangeError(`logistic regression needs 2 classes; this data has ${nClasses}`);
    this.kind = kind;
    this.nClasses = nClasses;
    this.#model =
      kind === 'logistic' ? new LogisticRegression(ctx, { nFeatures, ...output })
      : kind === 'softmax' ? new SoftmaxRegression(ctx, { nFeatures, nClasses })
      : new LinearRegression(ctx, { nFeatures, nOutputs: nClasses });
  }

  #linearTargets(y: Int32Array): HostMatrix {
    let t = this.#targets.get(y);
    if (t === undefined) {
      t = oneHot(y, this.nClasses);
      this.#targets.set(y, t);
    }
    return t;
  }

  async trainEpoch(train: Part, val: Part, step: EpochStep): Promise<EpochResult> {
    const t0 = performance.now();
    // A warm start continues the optimizer's state only when the last fit used the same optimizer
    // (an SGD fit leaves none): a change mid-run starts the new one afresh at the current parameters.
    const fit = {
      epochs: 1,
      batchSize: step.batchSize,
      learningRate: step.learningRate,
      l2: step.l2,
      optimizer: step.optimizer,
      seed: step.seed,
      warmStart: step.warm,
    };
    const m = this.#model;
    if (m instanceof LinearRegression) {
      const h = await m.fit(train.X, this.#linearTargets(train.y), { ...fit, validation: { X: val.X, y: this.#linearTargets(val.y) } });
      const [pTrain, pVal] = [argmax(await m.predict(train.X)), argmax(await m.predict(val.X))];
      return {
        loss: h.loss[0] as number,
        valLoss: h.valLoss?.[0] ?? Number.NaN,
        accuracy: accuracyOf(pTrain, train.y),
        valAccuracy: accuracyOf(pVal, val.y),
        ms: performance.now() - t0,
      };
    }
    const h = await m.fit(train.X, train.y, { ...fit, trainAccuracy: true, validation: { X: val.X, y: val.y } });
    return {
      loss: h.loss[0] as number,
      valLoss: h.valLoss?.[0] ?? Number.NaN,
      accuracy: h.accuracy?.[0] ?? Number.NaN,
      valAccuracy: h.valAccuracy?.[0] ?? Number.NaN,
      ms: performance.now() - t0,
    };
  }

  /** n×k class scores: probabilities for the classifiers, raw least-squares outputs for linear. */
  async scores(X: HostMatrix): Promise<HostMatrix> {
    const m = this.#model;
    if (m instanceof LogisticRegression) {
      const p = await m.predictProba(X);
      const data = new Float32Array(2 * p.length);
      p.forEach((v, i) => {
        data[2 * i] = 1 - v;
        data[2 * i + 1] = v;
      });
      return { data, rows: p.length, cols: 2 };
    }
    return m instanceof SoftmaxRegression ? m.predictProba(X) : m.predict(X);
  }

  /** W (nFeatures×outputs, row-major) and b. */
  async params(): Promise<{ W: Float32Array; b: Float32Array; outputs: number }> {
    const p = await this.#model.getParams();
    return { W: p.W.data, b: p.b, outputs: p.W.cols };
  }

  destroy(): void {
    this.#model.destroy();
  }
}
