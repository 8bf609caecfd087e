// The demo page: pick data and a model, press Start, and watch gradient descent run on the GPU. Each
// epoch is one fit({ epochs: 1, warmStart }) call, followed by a redraw and a wait for the next
// animation frame, so the page stays responsive and Pause/Reset take effect between epochs.
import { argmax, confusionMatrix, createContext, learningRateAt, type GpuContext, type HostMatrix, type LearningRateSchedule } from '../src/index.ts';
import { drawLineChart } from './charts.ts';
import { wireCompare, type CompareSetup } from './compare.ts';
import {
  fetchFashionMnist, prepareCsv, prepareImages, prepareIris, prepareToy, readIdxFiles,
  type ImageSource, type Prepared,
} from './datasets.ts';
import { DemoModel, LOSS_NAMES, scheduleOf, type ModelKind, type Schedule } from './model.ts';
import { onOutputChange, outputLossName, outputNote, readOutputChoice, syncOutputControls } from './output.ts';
import { drawConfusion, drawRegions, drawSamples, drawTemplates, drawWeightTable, gridPoints } from './plots.ts';
import { suggestedDegree, type ToyKind } from './toy-data.ts';

type State = 'loading' | 'ready' | 'training' | 'paused' | 'done' | 'no-webgpu';
type Mode = 'batch' | 'minibatch' | 'stochastic';

const TOY_KINDS: readonly string[] = ['blobs', 'blobs3', 'xor', 'circles'];
/** Grid cells per side for decision regions: enough for smooth shading after upscaling. */
const GRID = 60;
const SAMPLE_COUNT = 8;

/** Which figures go in which column for each kind of data, so the two columns come out about even. */
const LAYOUT: Record<Prepared['kind'] | 'none', [string[], string[]]> = {
  points: [['regions-figure', 'weights-figure'], ['charts', 'confusion-figure']],
  images: [['templates-figure', 'samples-figure'], ['charts', 'confusion-figure']],
  table: [['charts'], ['weights-figure', 'confusion-figure']],
  none: [['charts'], ['confusion-figure']],
};

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

function presetRate(preset: Preset, model: ModelKind): number {
  return model === 'linear' ? preset.linearLearningRate : preset.learningRate;
}

function byId<T extends HTMLElement>(id: string): T {
  const e = document.getElementById(id);
  if (e === null) throw new Error(`the page has no #${id}`);
  return e as T;
}

function svgById(id: string): SVGSVGElement {
  const e = document.getElementById(id);
  if (!(e instanceof SVGSVGElement)) throw new Error(`the page has no <svg id="${id}">`);
  return e;
}

function radioValue(name: string): string {
  return document.querySelector<HTMLInputElement>(`input[name="${name}"]:checked`)?.value ?? '';
}

function numberInput(id: string, what: string, check: (v: number) => boolean, rule: string): number {
  const raw = byId<HTMLInputElement>(id).value.trim();
  const v = Number(raw);
  if (raw === '' || !Number.isFinite(v) || !check(v)) throw new RangeError(`${what} must be ${rule}, got '${raw}'`);
  return v;
}

const isPositiveInt = (v: number): boolean => Number.isInteger(v) && v >= 1;

function nextFrame(): Promise<void> {
  return new Promise((ok) => requestAnimationFrame(() => ok()));
}

function percent(v: number): string {
  return Number.isFinite(v) ? `${(100 * v).toFixed(1)}%` : '–';
}

function fixed(v: number): string {
  if (!Number.isFinite(v)) return '–';
  return Math.abs(v) >= 100 ? v.toFixed(1) : v.toPrecision(4);
}

function setStat(id: string, value: number, text: string): void {
  const e = byId(id);
  e.textContent = text;
  e.dataset['value'] = String(value);
}

function describe(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  // The library's own error classes say what kind of problem it is; the page's input checks need no label.
  return e.name === 'Error' || e.name === 'RangeError' ? e.message : `${e.name}: ${e.message}`;
}

interface Curves {
  loss: number[];
  valLoss: number[];
  accuracy: number[];
  valAccuracy: number[];
}

interface Step {
  batchSize: number;
  learningRate: number;
  l2: number;
}

class Demo {
  readonly #ctx: GpuContext;
  #data: Prepared | null = null;
  #grid: HostMatrix | null = null;
  #model: DemoModel | null = null;
  #epoch = 0;
  #curves: Curves = { loss: [], valLoss: [], accuracy: [], valAccuracy: [] };
  #running = false;
  #loop: Promise<void> | null = null;
  #dataVersion = 0;
  #fashionUrls: Parameters<typeof fetchFashionMnist>[0] | null = null;
  #fashion: Promise<ImageSource> | null = null;
  #files: File[] = [];
  /** Set when new files are chosen: their preset is applied once they have been read. */
  #filePreset = false;
  /** The preset last applied and the rate it put in the field, so a model change can follow it. */
  #preset: { name: string; rate: number } | null = null;
  /** The schedule the decay field was last set up for, so a schedule change can swap its default. */
  #schedule: Schedule = 'constant';

  constructor(ctx: GpuContext) {
    this.#ctx = ctx;
  }

  async init(): Promise<void> {
    const a = this.#ctx.adapter;
    byId('gpu-info').textContent = `WebGPU · ${[a.vendor, a.architecture, a.description].filter((s) => s !== '').join(' · ') || 'adapter'}`;
    void this.#ctx.lost.then((info) => this.#say(`The GPU device was lost (${info.reason}): reload the page.`, true));
    await this.#findDatasets();
    // The page opens on the first data set: its preset is what the fields hold, and a model change follows it.
    this.#applyPreset(radioValue('dataset'));
    this.#wire();
    this.#syncControls();
    await this.#loadData();
  }

  async #findDatasets(): Promise<void> {
    try {
      const res = await fetch('datasets.json');
      const index = res.ok ? ((await res.json()) as { fashionMnist?: Parameters<typeof fetchFashionMnist>[0] }) : {};
      this.#fashionUrls = index.fashionMnist ?? null;
    } catch {
      this.#fashionUrls = null;
    }
    const tile = byId('tile-fashion');
    const input = tile.querySelector('input') as HTMLInputElement;
    input.disabled = this.#fashionUrls === null;
    tile.classList.toggle('disabled', input.disabled);
    if (input.disabled) tile.title = 'Fashion-MNIST was not found by the server (npm run demo serves /usr/share/datasets/fashion-mnist)';
  }

  #wire(): void {
    const onData = (): void => void this.#loadData();
    for (const r of document.querySelectorAll<HTMLInputElement>('input[name="dataset"]')) {
      r.addEventListener('change', () => {
        if (TOY_KINDS.includes(r.value)) byId<HTMLInputElement>('degree').value = String(suggestedDegree(r.value as ToyKind));
        this.#applyPreset(r.value);
        this.#syncControls();
        onData();
      });
    }
    for (const id of ['points', 'noise', 'degree', 'seed', 'train-size', 'test-size', 'csv-label']) byId(id).addEventListener('change', onData);
    byId<HTMLInputElement>('file-input').addEventListener('change', (ev) => {
      this.#files = [...((ev.target as HTMLInputElement).files ?? [])];
      const tile = document.querySelector<HTMLInputElement>('input[name="dataset"][value="file"]');
      if (tile !== null) tile.checked = true;
      this.#filePreset = true;
      this.#syncControls();
      onData();
    });
    for (const r of document.querySelectorAll<HTMLInputElement>('input[name="model"]')) {
      r.addEventListener('change', () => {
        this.#followPresetRate();
        this.#syncControls();
        void this.reset();
      });
    }
    // Another output is another model: start over, as a model change does.
    onOutputChange(() => {
      this.#syncControls();
      void this.reset();
    });
    for (const r of document.querySelectorAll<HTMLInputElement>('input[name="mode"]')) r.addEventListener('change', () => this.#syncControls());
    for (const id of ['schedule', 'learning-rate', 'decay', 'every', 'batch-size', 'l2', 'epochs']) {
      byId(id).addEventListener('input', () => this.#syncControls());
    }
    byId('schedule').addEventListener('input', () => this.#followSchedule());
    byId('epochs').addEventListener('input', () => this.#drawCurves());
    byId('start').addEventListener('click', () => void this.start());
    byId('pause').addEventListener('click', () => this.pause());
    byId('reset').addEventListener('click', () => void this.reset());
    wireCompare(() => this.#compareSetup(), () => this.#running || document.body.dataset['state'] === 'loading');
  }

  /** Loads a data set's preset, with the learning rate of the chosen model. */
  #applyPreset(name: string): void {
    const preset = PRESETS[name];
    if (preset === undefined) return;
    const rate = presetRate(preset, radioValue('model') as ModelKind);
    byId<HTMLInputElement>('learning-rate').value = String(rate);
    byId<HTMLInputElement>('epochs').value = String(preset.epochs);
    byId<HTMLInputElement>('batch-size').value = String(preset.batchSize);
    byId<HTMLInputElement>('l2').value = String(preset.l2);
    this.#preset = { name, rate };
  }

  /** After a model change: the preset's rate for the new model, unless the user typed a rate of their own. */
  #followPresetRate(): void {
    const field = byId<HTMLInputElement>('learning-rate');
    const preset = this.#preset === null ? undefined : PRESETS[this.#preset.name];
    if (this.#preset === null || preset === undefined || Number(field.value) !== this.#preset.rate) return;
    const rate = presetRate(preset, radioValue('model') as ModelKind);
    field.value = String(rate);
    this.#preset = { name: this.#preset.name, rate };
  }

  /** After a schedule change: the new schedule's default in its field, unless the user typed one. */
  #followSchedule(): void {
    const schedule = byId<HTMLSelectElement>('schedule').value as Schedule;
    const field = byId<HTMLInputElement>('decay');
    const before = this.#schedule === 'constant' ? undefined : SCHEDULE_FIELD[this.#schedule];
    if (schedule !== 'constant' && (before === undefined || Number(field.value) === before.initial)) {
      field.value = String(SCHEDULE_FIELD[schedule].initial);
    }
    this.#schedule = schedule;
    this.#syncControls();
  }

  /** Shows the options that apply, and says what the current settings mean. */
  #syncControls(): void {
    const dataset = radioValue('dataset');
    const group = TOY_KINDS.includes(dataset) ? 'toy' : dataset === 'fashion-mnist' ? 'images' : dataset === 'file' ? 'file' : '';
    for (const el of document.querySelectorAll<HTMLElement>('.options')) {
      const show = el.dataset['for'] === group || (group === 'file' && el.dataset['for'] === 'images' && this.#files.some((f) => !/\.(csv|txt)$/i.test(f.name)));
      el.hidden = !show;
    }
    const mode = radioValue('mode') as Mode;
    byId<HTMLInputElement>('batch-size').disabled = mode !== 'minibatch';
    const schedule = byId<HTMLSelectElement>('schedule').value as Schedule;
    for (const el of document.querySelectorAll<HTMLElement>('.schedule-param')) el.hidden = !(el.dataset['for'] ?? '').split(' ').includes(schedule);
    if (schedule !== 'constant') {
      byId('decay-label').textContent = SCHEDULE_FIELD[schedule].label;
      byId('decay-label').parentElement?.setAttribute('title', SCHEDULE_FIELD[schedule].title);
    }

    const k = this.#data?.nClasses ?? 2;
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
    const n = this.#data?.train.X.rows;
    try {
      const { batchSize, learningRate } = this.#readStep(0);
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

  /** The settings for epoch `epoch` (0-based), read now so changes apply from the next epoch. */
  #readStep(epoch: number): Step {
    const n = this.#data?.train.X.rows ?? 1;
    const mode = radioValue('mode') as Mode;
    const batchSize = mode === 'batch' ? n : mode === 'stochastic' ? 1 : numberInput('batch-size', 'batch size', isPositiveInt, 'a positive integer');
    const initial = numberInput('learning-rate', 'learning rate', (v) => v > 0, 'a number > 0');
    const l2 = numberInput('l2', 'L2 λ', (v) => v >= 0, 'a number ≥ 0');
    return { batchSize: Math.min(batchSize, n), learningRate: learningRateAt(this.#readSchedule(initial), epoch), l2 };
  }

  /** The schedule fields with `initial` as the first epoch's rate. */
  #readSchedule(initial: number): LearningRateSchedule {
    const schedule = byId<HTMLSelectElement>('schedule').value as Schedule;
    const field = schedule === 'constant' ? undefined : SCHEDULE_FIELD[schedule];
    const decay = field === undefined ? 0 : numberInput('decay', field.label, field.ok, field.rule);
    const every = schedule === 'step' ? numberInput('every', 'every', isPositiveInt, 'a positive integer') : 1;
    return scheduleOf(schedule, initial, decay, every);
  }

  /** What "Compare learning rates" trains with: the data and every setting but the rate (compare.ts). */
  #compareSetup(): CompareSetup | null {
    const data = this.#data;
    if (data === null) return null;
    const { batchSize, l2 } = this.#readStep(0);
    const schedule = this.#readSchedule(1);
    return {
      ctx: this.#ctx, kind: radioValue('model') as ModelKind, nClasses: data.nClasses, train: data.train, val: data.val,
      epochs: this.#readEpochs(), batchSize, l2, schedule: typeof schedule === 'object' ? schedule : null,
    };
  }

  #readEpochs(): number {
    return numberInput('epochs', 'epochs', isPositiveInt, 'a positive integer');
  }

  #setState(state: State): void {
    document.body.dataset['state'] = state;
    const start = byId<HTMLButtonElement>('start');
    start.textContent = state === 'paused' ? 'Resume' : state === 'done' ? 'Restart' : 'Start';
    start.disabled = state === 'loading' || state === 'training' || this.#data === null;
    byId<HTMLButtonElement>('pause').disabled = state !== 'training';
    byId<HTMLButtonElement>('reset').disabled = state === 'loading';
  }

  #say(text: string, error = false): void {
    const m = byId('message');
    m.textContent = text;
    m.classList.toggle('error', error);
  }

  async #prepare(): Promise<Prepared | null> {
    const dataset = radioValue('dataset');
    const seed = numberInput('seed', 'seed', Number.isInteger, 'an integer');
    if (TOY_KINDS.includes(dataset)) {
      return prepareToy({
        kind: dataset as ToyKind,
        points: numberInput('points', 'points', (v) => Number.isInteger(v) && v >= 8 && v <= 20000, 'an integer from 8 to 20000'),
        noise: numberInput('noise', 'noise', (v) => v >= 0, 'a number ≥ 0'),
        degree: numberInput('degree', 'degree', (v) => Number.isInteger(v) && v >= 1 && v <= 8, 'an integer from 1 to 8'),
        seed,
      });
    }
    if (dataset === 'iris') return prepareIris(seed);
    const nTrain = numberInput('train-size', 'train size', (v) => Number.isInteger(v) && v >= 10, 'an integer ≥ 10');
    const nTest = numberInput('test-size', 'test size', (v) => Number.isInteger(v) && v >= 10, 'an integer ≥ 10');
    if (dataset === 'fashion-mnist') {
      if (this.#fashionUrls === null) throw new Error('Fashion-MNIST is not available from this server');
      this.#say('Loading Fashion-MNIST (30 MB, decompressed in the page)…');
      this.#fashion ??= fetchFashionMnist(this.#fashionUrls);
      try {
        return prepareImages(await this.#fashion, nTrain, nTest, seed);
      } catch (e) {
        this.#fashion = null;
        throw e;
      }
    }
    if (this.#files.length === 0) return null;
    const first = this.#files[0] as File;
    if (this.#files.length === 1 && /\.(csv|txt)$/i.test(first.name)) {
      return prepareCsv(first.name, await first.text(), byId<HTMLInputElement>('csv-label').value, seed, 100_000);
    }
    return prepareImages(await readIdxFiles(this.#files), nTrain, nTest, seed);
  }

  async #loadData(): Promise<void> {
    const version = ++this.#dataVersion;
    // Synchronously, so nothing sees the old data as ready while the new data loads.
    this.#setState('loading');
    await this.#stop();
    this.#data = null;
    this.#say('');
    try {
      const data = await this.#prepare();
      if (version !== this.#dataVersion) return;
      this.#data = data;
      this.#grid = data?.points === undefined ? null : data.points.featurize({ data: gridPoints(data.points.view, GRID), rows: GRID * GRID, cols: 2 });
      if (data !== null && radioValue('dataset') === 'file' && this.#filePreset) {
        this.#applyPreset(data.kind === 'images' ? 'file-images' : 'file-table');
        this.#filePreset = false;
      }
      if (data === null) this.#say('Choose a CSV file, or IDX image and label files.');
      else this.#say('');
    } catch (e) {
      if (version !== this.#dataVersion) return;
      this.#data = null;
      this.#say(describe(e), true);
    }
    if (version !== this.#dataVersion) return;
    byId('data-note').textContent = this.#data?.note ?? '';
    const view = this.#data?.kind ?? 'none';
    byId('app').dataset['view'] = view;
    for (const fig of document.querySelectorAll<HTMLElement>('.figures [data-for]')) fig.hidden = !(fig.dataset['for'] ?? '').split(' ').includes(view);
    LAYOUT[view].forEach((ids, column) => {
      const target = byId(column === 0 ? 'column-a' : 'column-b');
      for (const id of ids) target.append(byId(id));
    });
    this.#syncControls();
    this.#setState('ready');
    await this.#render();
  }

  async start(): Promise<void> {
    if (this.#data === null || this.#running) return;
    let epochs: number;
    try {
      epochs = this.#readEpochs();
      this.#readStep(this.#epoch);
    } catch (e) {
      this.#say(describe(e), true);
      return;
    }
    if (this.#epoch >= epochs) await this.reset();
    const data = this.#data;
    try {
      this.#model ??= new DemoModel(this.#ctx, radioValue('model') as ModelKind, data.train.X.cols, data.nClasses, readOutputChoice());
    } catch (e) {
      this.#say(describe(e), true);
      return;
    }
    this.#say('');
    this.#running = true;
    this.#setState('training');
    if (this.#epoch === 0) {
      // The first epoch can take seconds (Fashion-MNIST on a CPU adapter) and also uploads the data
      // and compiles the kernels: say it is under way, or the page looks idle until it ends.
      this.#say(`Epoch 1 of ${epochs} is running (the first also uploads the data and compiles the kernels)…`);
    }
    this.#drawCurves();
    this.#loop = this.#train(data, this.#model);
  }

  async #train(data: Prepared, model: DemoModel): Promise<void> {
    try {
      while (this.#running && this.#epoch < this.#readEpochs()) {
        const step = this.#readStep(this.#epoch);
        const r = await model.trainEpoch(data.train, data.val, { ...step, seed: this.#epoch + 1, warm: this.#epoch > 0 });
        if (this.#epoch === 0) this.#say('');
        this.#epoch++;
        this.#curves.loss.push(r.loss);
        this.#curves.valLoss.push(r.valLoss);
        this.#curves.accuracy.push(r.accuracy);
        this.#curves.valAccuracy.push(r.valAccuracy);
        setStat('stat-lr', step.learningRate, fixed(step.learningRate));
        setStat('stat-ms', r.ms, r.ms.toFixed(0));
        await this.#render();
        await nextFrame();
      }
    } catch (e) {
      this.#say(this.#stoppedMessage(e), true);
    } finally {
      this.#running = false;
      let done = false;
      try {
        done = this.#epoch >= this.#readEpochs();
      } catch {
        done = false;
      }
      if (document.body.dataset['state'] !== 'loading') this.#setState(done ? 'done' : this.#epoch > 0 ? 'paused' : 'ready');
    }
  }

  /**
   * Why training stopped, with epochs counted as the page counts them (from 1). Each fit() call
   * runs one epoch, which fit() calls epoch 0, so its "in epoch 0" is the page's epoch under way.
   */
  #stoppedMessage(e: unknown): string {
    const epoch = this.#epoch + 1;
    const text = describe(e).replace(/\bin epoch (\d+)\b/g, (_, n: string) => `in epoch ${epoch + Number(n)}`);
    if (!(e instanceof Error) || e.name !== 'ValueError' || !text.includes('training diverged')) return `Training stopped in epoch ${epoch}: ${text}`;
    let lower = '';
    try {
      lower = ` (e.g. ${Number((this.#readStep(this.#epoch).learningRate / 10).toPrecision(2))})`;
    } catch {
      lower = '';
    }
    return `Training stopped in epoch ${epoch}: ${text}. Lower the learning rate${lower} and press ${this.#epoch > 0 ? 'Resume, or Reset to start over' : 'Start'}.`;
  }

  /** Stops after the epoch under way. */
  pause(): void {
    this.#running = false;
  }

  /** Stops training and forgets the model and its curves (the data stays). */
  async reset(): Promise<void> {
    await this.#stop();
    if (this.#data !== null && document.body.dataset['state'] !== 'loading') {
      this.#setState('ready');
      await this.#render();
    }
  }

  /** Waits for the epoch under way, then drops the model and its curves. */
  async #stop(): Promise<void> {
    this.#running = false;
    await this.#loop;
    this.#loop = null;
    this.#model?.destroy();
    this.#model = null;
    this.#epoch = 0;
    this.#curves = { loss: [], valLoss: [], accuracy: [], valAccuracy: [] };
    for (const id of ['stat-lr', 'stat-ms']) setStat(id, Number.NaN, '–');
  }

  /** The stats and the two charts: cheap, so also redrawn when the planned epochs change. */
  #drawCurves(): void {
    const c = this.#curves;
    const last = (a: number[]): number => (a.length === 0 ? Number.NaN : (a[a.length - 1] as number));
    setStat('stat-epoch', this.#epoch, String(this.#epoch));
    setStat('stat-loss', last(c.loss), fixed(last(c.loss)));
    setStat('stat-val-loss', last(c.valLoss), fixed(last(c.valLoss)));
    setStat('stat-accuracy', last(c.accuracy), percent(last(c.accuracy)));
    setStat('stat-val-accuracy', last(c.valAccuracy), percent(last(c.valAccuracy)));
    let epochs = this.#epoch;
    try {
      epochs = Math.max(epochs, this.#readEpochs());
    } catch {
      // An unreadable epochs field only affects the x range.
    }
    const empty = document.body.dataset['state'] === 'training' ? `epoch ${this.#epoch + 1} is running…` : 'press Start to train';
    drawLineChart(svgById('loss-chart'), [
      { name: 'train', label: 'train', values: c.loss, color: '#4e79a7' },
      { name: 'validation', label: 'validation', values: c.valLoss, color: '#f28e2b', dashed: true },
    ], { epochs, format: (v) => (v >= 10 ? v.toFixed(0) : v.toFixed(2)), empty });
    // Accuracy from 50% up while it stays there (the interesting range), else from 0.
    const lowest = Math.min(...c.accuracy.filter(Number.isFinite), ...c.valAccuracy.filter(Number.isFinite));
    drawLineChart(svgById('accuracy-chart'), [
      { name: 'train', label: 'train', values: c.accuracy, color: '#4e79a7' },
      { name: 'validation', label: 'validation', values: c.valAccuracy, color: '#f28e2b', dashed: true },
    ], { epochs, format: (v) => `${Math.round(100 * v)}%`, yRange: [lowest >= 0.5 ? 0.5 : 0, 1], empty });
  }

  async #render(): Promise<void> {
    this.#drawCurves();
    const data = this.#data;
    if (data === null) return;
    const model = this.#model;
    const k = data.nClasses;
    const valScores = model === null ? null : await model.scores(data.val.X);
    const predicted = valScores === null ? null : argmax(valScores);
    const counts = predicted === null ? new Array<number>(k * k).fill(0) : confusionMatrix(data.val.y, predicted, k).flat();
    drawConfusion(byId('confusion'), counts, k, data.classNames);

    if (data.points !== undefined && this.#grid !== null) {
      const gridScores = model === null ? null : await model.scores(this.#grid);
      drawRegions(byId<HTMLCanvasElement>('regions'), data.points.view, GRID, gridScores?.data ?? null, k, [
        { X: data.points.train, y: data.train.y, hollow: false },
        { X: data.points.val, y: data.val.y, hollow: true },
      ]);
    }
    const params = model === null ? null : await model.params();
    // Logistic regression has one output (class 1 against class 0), the others one per class.
    const outputs = params?.outputs ?? (radioValue('model') === 'logistic' ? 1 : k);
    const outputNames = outputs === k ? data.classNames : [`${data.classNames[1] ?? '1'} vs ${data.classNames[0] ?? '0'}`];
    if (data.kind === 'images' && data.image !== undefined) {
      const { rows, cols } = data.image;
      const W = params?.W ?? new Float32Array(rows * cols * outputs);
      drawTemplates(byId('templates'), W, outputs, rows, cols, outputNames);
      const samples = Array.from({ length: Math.min(SAMPLE_COUNT, data.val.y.length) }, (_, i) => ({
        pixels: data.val.X.data.subarray(i * rows * cols, (i + 1) * rows * cols),
        label: data.val.y[i] as number,
        probs: valScores === null ? new Float32Array(k) : valScores.data.slice(i * k, (i + 1) * k),
      }));
      drawSamples(byId('samples'), samples, rows, cols, data.classNames);
    } else {
      drawWeightTable(byId('weights'), params?.W ?? new Float32Array(data.train.X.cols * outputs), params?.b ?? new Float32Array(outputs), data.featureNames, outputNames.slice(0, outputs));
    }
  }
}

function showNoWebGpu(reason: string): void {
  document.body.dataset['state'] = 'no-webgpu';
  byId('app').hidden = true;
  byId('gpu-info').textContent = 'no WebGPU';
  byId('no-webgpu-reason').textContent = reason;
  byId('no-webgpu').hidden = false;
}

async function main(): Promise<void> {
  // A browser may expose navigator.gpu yet find no adapter (Chromium without --enable-unsafe-webgpu
  // does exactly that): createContext reports both the same way, and so does the page.
  let ctx: GpuContext;
  try {
    ctx = await createContext();
  } catch (e) {
    showNoWebGpu(describe(e));
    return;
  }
  await new Demo(ctx).init();
}

main().catch((e: unknown) => {
  const m = document.getElementById('message');
  if (m !== null) {
    m.textContent = `The demo failed to start: ${describe(e)}`;
    m.classList.add('error');
  }
  console.error(e);
});
