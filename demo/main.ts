// The demo page: pick data and a model, press Start, and watch gradient descent run on the GPU. Each
// epoch is one fit({ epochs: 1, warmStart }) call, followed by a redraw and a wait for the next
// animation frame, so the page stays responsive and Pause/Reset take effect between epochs. The
// form is in controls.ts, the drawing in render.ts.
import { createContext, type GpuContext, type HostMatrix } from '../src/index.ts';
import { wireCompare, type CompareSetup } from './compare.ts';
import { Form, TOY_KINDS } from './controls.ts';
import {
  fetchFashionMnist, prepareCsv, prepareImages, prepareIris, prepareToy, readIdxFiles,
  type ImageSource, type Prepared,
} from './datasets.ts';
import { byId, describe, fixed, nextFrame, numberInput, radioValue, setStat } from './dom.ts';
import { DemoModel, type ModelKind, type OptimizerName } from './model.ts';
import { onOutputChange, readOutputChoice } from './output.ts';
import { gridPoints } from './plots.ts';
import { drawCurves, drawFigures, emptyCurves, GRID, layOut, type Curves } from './render.ts';
import { suggestedDegree, type ToyKind } from './toy-data.ts';

/** The optimizer's name as the learning-rate stat shows it ("learning rate Adam"), as its menu names it. */
const OPTIMIZER_LABELS: Record<OptimizerName, string> = { sgd: 'SGD', momentum: 'momentum', nesterov: 'Nesterov', adam: 'Adam' };

type State = 'loading' | 'ready' | 'training' | 'paused' | 'done' | 'no-webgpu';

class Demo {
  readonly #ctx: GpuContext;
  #data: Prepared | null = null;
  #grid: HostMatrix | null = null;
  #model: DemoModel | null = null;
  #epoch = 0;
  #curves: Curves = emptyCurves();
  #running = false;
  #loop: Promise<void> | null = null;
  #dataVersion = 0;
  #fashionUrls: Parameters<typeof fetchFashionMnist>[0] | null = null;
  #fashion: Promise<ImageSource> | null = null;
  #files: File[] = [];
  /** Set when new files are chosen: their preset is applied once they have been read. */
  #filePreset = false;
  readonly #form = new Form({ data: () => this.#data, files: () => this.#files });

  constructor(ctx: GpuContext) {
    this.#ctx = ctx;
  }

  async init(): Promise<void> {
    const a = this.#ctx.adapter;
    // Without WebGPU the library trains in plain JavaScript (engine 'js'): the demo runs there too, slower.
    byId('gpu-info').textContent = this.#ctx.engine === 'js'
      ? "no WebGPU · plain JavaScript (engine 'js')"
      : `WebGPU · ${[a.vendor, a.architecture, a.description].filter((s) => s !== '').join(' · ') || 'adapter'}`;
    void this.#ctx.lost.then((info) => this.#say(`The GPU device was lost (${info.reason}): reload the page.`, true));
    await this.#findDatasets();
    // The page opens on the first data set: its preset is what the fields hold, and a model change follows it.
    this.#form.applyPreset(radioValue('dataset'));
    this.#wire();
    this.#form.sync();
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
    const form = this.#form;
    const onData = (): void => void this.#loadData();
    for (const r of document.querySelectorAll<HTMLInputElement>('input[name="dataset"]')) {
      r.addEventListener('change', () => {
        if (TOY_KINDS.includes(r.value)) byId<HTMLInputElement>('degree').value = String(suggestedDegree(r.value as ToyKind));
        form.applyPreset(r.value);
        form.sync();
        onData();
      });
    }
    for (const id of ['points', 'noise', 'degree', 'seed', 'train-size', 'test-size', 'csv-label']) byId(id).addEventListener('change', onData);
    byId<HTMLInputElement>('file-input').addEventListener('change', (ev) => {
      this.#files = [...((ev.target as HTMLInputElement).files ?? [])];
      const tile = document.querySelector<HTMLInputElement>('input[name="dataset"][value="file"]');
      if (tile !== null) tile.checked = true;
      this.#filePreset = true;
      form.sync();
      onData();
    });
    for (const r of document.querySelectorAll<HTMLInputElement>('input[name="model"]')) {
      r.addEventListener('change', () => {
        form.followPresetRate();
        form.sync();
        void this.reset();
      });
    }
    // Another output is another model: start over, as a model change does.
    onOutputChange(() => {
      form.sync();
      void this.reset();
    });
    // The optimizer may change while it trains, as the rate may: the next epoch goes on from the
    // current parameters with the new optimizer's state fresh (model.ts).
    byId('optimizer').addEventListener('change', () => {
      form.followPresetRate();
      form.sync();
    });
    for (const r of document.querySelectorAll<HTMLInputElement>('input[name="mode"]')) r.addEventListener('change', () => form.sync());
    for (const id of ['schedule', 'learning-rate', 'decay', 'every', 'batch-size', 'l2', 'epochs']) {
      byId(id).addEventListener('input', () => form.sync());
    }
    byId('schedule').addEventListener('input', () => form.followSchedule());
    byId('epochs').addEventListener('input', () => this.#drawCurves());
    byId('start').addEventListener('click', () => void this.start());
    byId('pause').addEventListener('click', () => this.pause());
    byId('reset').addEventListener('click', () => void this.reset());
    wireCompare(() => this.#compareSetup(), () => this.#running || document.body.dataset['state'] === 'loading');
  }

  /** What "Compare learning rates" trains with: the data and every setting but the rate (compare.ts). */
  #compareSetup(): CompareSetup | null {
    const data = this.#data;
    if (data === null) return null;
    const { batchSize, l2, optimizer } = this.#form.readStep(0);
    const schedule = this.#form.readSchedule(1);
    return {
      ctx: this.#ctx, kind: radioValue('model') as ModelKind, nClasses: data.nClasses, train: data.train, val: data.val,
      epochs: this.#form.readEpochs(), batchSize, l2, optimizer, schedule: typeof schedule === 'object' ? schedule : null,
    };
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
        this.#form.applyPreset(data.kind === 'images' ? 'file-images' : 'file-table');
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
    layOut(this.#data);
    this.#form.sync();
    this.#setState('ready');
    await this.#render();
  }

  async start(): Promise<void> {
    if (this.#data === null || this.#running) return;
    let epochs: number;
    try {
      epochs = this.#form.readEpochs();
      this.#form.readStep(this.#epoch);
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
      while (this.#running && this.#epoch < this.#form.readEpochs()) {
        const step = this.#form.readStep(this.#epoch);
        const r = await model.trainEpoch(data.train, data.val, { ...step, seed: this.#epoch + 1, warm: this.#epoch > 0 });
        if (this.#epoch === 0) this.#say('');
        this.#epoch++;
        this.#curves.loss.push(r.loss);
        this.#curves.valLoss.push(r.valLoss);
        this.#curves.accuracy.push(r.accuracy);
        this.#curves.valAccuracy.push(r.valAccuracy);
        setStat('stat-lr', step.learningRate, fixed(step.learningRate));
        setStat('stat-optimizer', step.optimizer, OPTIMIZER_LABELS[step.optimizer]);
        setStat('stat-ms', r.ms, r.ms.toFixed(0));
        await this.#render();
        await nextFrame();
      }
    } catch (e) {
      this.#say(this.#stoppedMessage(e), true);
    } finally {
      this.#running = false;
      const done = this.#epoch >= (this.#plannedEpochs() ?? Number.POSITIVE_INFINITY);
      if (document.body.dataset['state'] !== 'loading') this.#setState(done ? 'done' : this.#epoch > 0 ? 'paused' : 'ready');
    }
  }

  /** The epochs field, or null while it does not hold a positive integer. */
  #plannedEpochs(): number | null {
    try {
      return this.#form.readEpochs();
    } catch {
      return null;
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
      lower = ` (e.g. ${Number((this.#form.readStep(this.#epoch).learningRate / 10).toPrecision(2))})`;
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
    this.#curves = emptyCurves();
    for (const id of ['stat-lr', 'stat-ms']) setStat(id, Number.NaN, '–');
    setStat('stat-optimizer', '', '');
  }

  /** The stats and the two charts: cheap, so also redrawn when the planned epochs change. */
  #drawCurves(): void {
    drawCurves(this.#curves, this.#epoch, this.#plannedEpochs());
  }

  async #render(): Promise<void> {
    this.#drawCurves();
    if (this.#data !== null) await drawFigures(this.#data, this.#grid, this.#model);
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
  // does exactly that): createContext falls back to the 'js' engine for both. What still fails (a
  // device that cannot be created) is reported here.
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
