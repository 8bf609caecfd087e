// The demo's form: the presets that picking a data set loads, the defaults that follow the model,
// the optimizer and the schedule, which options show for which data, and the settings read from
// the fields for each epoch (read then, so changes made while it trains apply from the next epoch).
import { suggestedRate } from '../src/core/optimizer.ts';
import { learningRateAt, type LearningRateSchedule } from '../src/index.ts';
import type { Prepared } from './datasets.ts';
import { byId, describe, isPositiveInt, numberInput, radioValue } from './dom.ts';
import { LOSS_NAMES, OPTIMIZER_NAMES, scheduleOf, type ModelKind, type OptimizerName, type Schedule } from './model.ts';
import { outputLossName, outputNote, readOutputChoice, syncOutputControls } from './output.ts';

type Mode = 'batch' | 'minibatch' | 'stochastic';

export const TOY_KINDS: readonly string[] = ['blobs', 'blobs3', 'xor', 'circles'];

interface Preset {
  /** The rate of logistic and softmax regression. */
  learningRate: number;
  /**
   * The rate of linear regression. Least squares curves as steeply as the features' second-moment
   * matrix (2–4× more than cross-entropy), and gradient descent diverges past 2 / its largest
   * eigenvalue: about 110 for Fashion-MNIST's pixels in [0, 1], so its classifier rate 0.03 gives
   * NaN in the first epoch; up to 13 for the toy sets at degree 6.
   */
  linearLearningRate: number;
  epochs: number;
  batchSize: number;
  l2: number;
}

/** Settings that train each data set well in a reasonable time; picking a data set (or a model) loads them. */
const PRESETS: Record<string, Preset> = {
  blobs: { learningRate: 0.5, linearLearningRate: 0.1, epochs: 40, batchSize: 32, l2: 0 },
  blobs3: { learningRate: 0.5, linearLearningRate: 0.1, epochs: 40, batchSize: 32, l2: 0 },
  xor: { learningRate: 0.5, linearLearningRate: 0.1, epochs: 60, batchSize: 32, l2: 0 },
  circles: { learningRate: 0.5, linearLearningRate: 0.1, epochs: 60, batchSize: 32, l2: 0 },
  iris: { learningRate: 0.3, linearLearningRate: 0.1, epochs: 100, batchSize: 16, l2: 0 },
  // 784 inputs in [0, 1] make ‖x‖² large: a small rate keeps the steps from overshooting, a little L2 smooths the templates.
  'fashion-mnist': { learningRate: 0.03, linearLearningRate: 0.005, epochs: 15, batchSize: 32, l2: 0.0005 },
  // A chosen file gets one of these once it is read, by what it turned out to hold.
  'file-images': { learningRate: 0.03, linearLearningRate: 0.005, epochs: 20, batchSize: 32, l2: 0.0005 },
  'file-table': { learningRate: 0.3, linearLearningRate: 0.05, epochs: 60, batchSize: 16, l2: 0 },
};

/**
 * The schedule's second field does not mean the same under each schedule: step and exponential
 * multiply the rate by it, inverse time divides by (1 + it·epoch). So it carries a label, a hint,
 * a default and a rule per schedule.
 */
const SCHEDULE_FIELD: Record<Exclude<Schedule, 'constant'>, { label: string; title: string; initial: number; ok: (v: number) => boolean; rule: string }> = {
  step: { label: '× factor', title: 'every N epochs the rate is multiplied by this factor', initial: 0.5, ok: (v) => v > 0, rule: 'a number > 0' },
  exponential: { label: '× per epoch', title: 'after every epoch the rate is multiplied by this factor', initial: 0.9, ok: (v) => v > 0, rule: 'a number > 0' },
  'inverse-time': { label: 'decay k', title: 'the rate is η₀ / (1 + k·epoch)', initial: 0.1, ok: (v) => v >= 0, rule: 'a number ≥ 0' },
};

/** A preset's rate for a model and an optimizer, by the train command's rule (suggestedRate). */
function presetRate(preset: Preset, model: ModelKind, optimizer: OptimizerName): number {
  const sgd = model === 'linear' ? preset.linearLearningRate : preset.learningRate;
  // Rounded so the field shows 0.03, not 0.030000000000000002.
  return Number(suggestedRate(sgd, optimizer).toPrecision(6));
}

/** The settings of one epoch. */
export interface Step {
  batchSize: number;
  learningRate: number;
  l2: number;
  optimizer: OptimizerName;
}

/** What the form needs to know about the page: the data loaded (its rows and classes) and the files chosen. */
export interface FormSource {
  data(): Prepared | null;
  files(): readonly File[];
}

export function readOptimizer(): OptimizerName {
  const value = byId<HTMLSelectElement>('optimizer').value;
  const name = OPTIMIZER_NAMES.find((o) => o === value);
  if (name === undefined) throw new RangeError(`optimizer must be one of ${OPTIMIZER_NAMES.join(', ')}, got '${value}'`);
  return name;
}

export class Form {
  readonly #source: FormSource;
  /** The preset last applied and the rate it put in the field, so a model or optimizer change can follow it. */
  #preset: { name: string; rate: number } | null = null;
  /** The schedule the decay field was last set up for, so a schedule change can swap its default. */
  #schedule: Schedule = 'constant';

  constructor(source: FormSource) {
    this.#source = source;
  }

  /** Loads a data set's preset, with the learning rate of the chosen model and optimizer. */
  applyPreset(name: string): void {
    const preset = PRESETS[name];
    if (preset === undefined) return;
    const rate = presetRate(preset, radioValue('model') as ModelKind, readOptimizer());
    byId<HTMLInputElement>('learning-rate').value = String(rate);
    byId<HTMLInputElement>('epochs').value = String(preset.epochs);
    byId<HTMLInputElement>('batch-size').value = String(preset.batchSize);
    byId<HTMLInputElement>('l2').value = String(preset.l2);
    this.#preset = { name, rate };
  }

  /** After a model or optimizer change: the preset's rate for the new pair, unless the user typed a rate of their own. */
  followPresetRate(): void {
    const field = byId<HTMLInputElement>('learning-rate');
    const preset = this.#preset === null ? undefined : PRESETS[this.#preset.name];
    if (this.#preset === null || preset === undefined || Number(field.value) !== this.#preset.rate) return;
    const rate = presetRate(preset, radioValue('model') as ModelKind, readOptimizer());
    field.value = String(rate);
    this.#preset = { name: this.#preset.name, rate };
  }

  /** After a schedule change: the new schedule's default in its field, unless the user typed one. */
  followSchedule(): void {
    const schedule = byId<HTMLSelectElement>('schedule').value as Schedule;
    const field = byId<HTMLInputElement>('decay');
    const before = this.#schedule === 'constant' ? undefined : SCHEDULE_FIELD[this.#schedule];
    if (schedule !== 'constant' && (before === undefined || Number(field.value) === before.initial)) {
      field.value = String(SCHEDULE_FIELD[schedule].initial);
    }
    this.#schedule = schedule;
    this.sync();
  }

  /** Shows the options that apply, and says what the current settings mean. */
  sync(): void {
    const dataset = radioValue('dataset');
    const group = TOY_KINDS.includes(dataset) ? 'toy' : dataset === 'fashion-mnist' ? 'images' : dataset === 'file' ? 'file' : '';
    const images = this.#source.files().some((f) => !/\.(csv|txt)$/i.test(f.name));
    for (const el of document.querySelectorAll<HTMLElement>('.options')) {
      el.hidden = !(el.dataset['for'] === group || (group === 'file' && el.dataset['for'] === 'images' && images));
    }
    const mode = radioValue('mode') as Mode;
    byId<HTMLInputElement>('batch-size').disabled = mode !== 'minibatch';
    const schedule = byId<HTMLSelectElement>('schedule').value as Schedule;
    for (const el of document.querySelectorAll<HTMLElement>('.schedule-param')) el.hidden = !(el.dataset['for'] ?? '').split(' ').includes(schedule);
    if (schedule !== 'constant') {
      byId('decay-label').textContent = SCHEDULE_FIELD[schedule].label;
      byId('decay-label').parentElement?.setAttribute('title', SCHEDULE_FIELD[schedule].title);
    }

    const k = this.#source.data()?.nClasses ?? 2;
    const logistic = document.querySelector<HTMLInputElement>('input[name="model"][value="logistic"]') as HTMLInputElement;
    logistic.disabled = k !== 2;
    byId('model-logistic-label').title = k === 2 ? '' : `logistic regression separates 2 classes; this data has ${k}`;
    if (logistic.disabled && logistic.checked) {
      (document.querySelector<HTMLInputElement>('input[name="model"][value="softmax"]') as HTMLInputElement).checked = true;
    }
    const model = radioValue('model') as ModelKind;
    syncOutputControls(model === 'logistic');
    byId('model-note').textContent =
      model === 'logistic' ? outputNote(readOutputChoice())
      : model === 'softmax' ? 'P(class c) = softmax(x·W + b)_c, trained on cross-entropy.'
      : 'ŷ = x·W + b fitted to one-hot labels by least squares; the class is the largest output.';
    byId('loss-name').textContent = model === 'logistic' ? outputLossName(readOutputChoice()) : LOSS_NAMES[model];
    byId('schedule-note').textContent = this.#describeSchedule();
  }

  #describeSchedule(): string {
    const n = this.#source.data()?.train.X.rows;
    try {
      const { batchSize, learningRate } = this.readStep(0);
      const steps = n === undefined ? '' : `${n} rows → ${Math.ceil(n / Math.min(batchSize, n))} step${n <= batchSize ? '' : 's'} per epoch. `;
      const schedule = byId<HTMLSelectElement>('schedule').value as Schedule;
      const d = byId<HTMLInputElement>('decay').value;
      const every = byId<HTMLInputElement>('every').value;
      const rule =
        schedule === 'step' ? `η = ${learningRate}·${d}^⌊epoch/${every}⌋`
        : schedule === 'exponential' ? `η = ${learningRate}·${d}^epoch`
        : schedule === 'inverse-time' ? `η = ${learningRate}/(1 + ${d}·epoch)`
        : `η = ${learningRate}`;
      return steps + rule;
    } catch (e) {
      return describe(e);
    }
  }

  readEpochs(): number {
    return numberInput('epochs', 'epochs', isPositiveInt, 'a positive integer');
  }

  /** The settings for epoch `epoch` (0-based), read now so changes apply from the next epoch. */
  readStep(epoch: number): Step {
    const n = this.#source.data()?.train.X.rows ?? 1;
    const mode = radioValue('mode') as Mode;
    const batchSize = mode === 'batch' ? n : mode === 'stochastic' ? 1 : numberInput('batch-size', 'batch size', isPositiveInt, 'a positive integer');
    const initial = numberInput('learning-rate', 'learning rate', (v) => v > 0, 'a number > 0');
    const l2 = numberInput('l2', 'L2 λ', (v) => v >= 0, 'a number ≥ 0');
    return { batchSize: Math.min(batchSize, n), learningRate: learningRateAt(this.readSchedule(initial), epoch), l2, optimizer: readOptimizer() };
  }

  /** The schedule fields with `initial` as the first epoch's rate. */
  readSchedule(initial: number): LearningRateSchedule {
    const schedule = byId<HTMLSelectElement>('schedule').value as Schedule;
    const field = schedule === 'constant' ? undefined : SCHEDULE_FIELD[schedule];
    const decay = field === undefined ? 0 : numberInput('decay', field.label, field.ok, field.rule);
    const every = schedule === 'step' ? numberInput('every', 'every', isPositiveInt, 'a positive integer') : 1;
    return scheduleOf(schedule, initial, decay, every);
  }
}
