// The training job behind `npm run train`, independent of where it runs: the page in headless Chrome
// and the Node worker both call runJob() with the library, a function that reads a data file's bytes
// and a sink for progress events. The library is passed in rather than imported because Node loads
// the built bundle (its shaders inlined) while the page bundles the sources.
import type * as Lib from '../src/index.ts';
import type { AnyEstimator, EpochLog, GpuContext, History, HostMatrix, IdxFiles, ModelJSON, StandardizerJSON } from '../src/index.ts';

export type Library = typeof Lib;

/** URL path under which the train command's static server serves the dataset's files (by their names). */
export const DATA_PATH = '/datasets/data';
export type ModelKind = 'softmax' | 'logistic' | 'linear';

export type DatasetSpec =
  | { kind: 'iris' }
  | { kind: 'idx'; name: string; files: IdxFiles; fashion: boolean }
  | { kind: 'csv'; name: string; file: string; label: string | number; header: boolean; missing: 'error' | 'drop-rows' };

/** The library's optimizer names the command takes (each with its defaults). */
export type CliOptimizer = 'sgd' | 'momentum' | 'nesterov' | 'adam';

/** Everything the job needs to know, JSON-safe so it can cross into the page or the worker. */
export interface JobSpec {
  dataset: DatasetSpec;
  model: ModelKind;
  /** 'lbfgs': full batch, epochs are iterations, and batchSize, learningRate, lrDecay and seed's shuffle do not apply. */
  solver: 'sgd' | 'lbfgs';
  /** The optimizer of solver 'sgd' (with the library's defaults). */
  optimizer: CliOptimizer;
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** Rates for a grid search (GridSearch): the best by validation score is the model (null: one fit). */
  gridLearningRates: number[] | null;
  /** The rate is multiplied by this after every epoch (1: constant). */
  lrDecay: number;
  l2: number;
  seed: number;
  /** At most this many training and this many test rows (null: all). */
  limit: number | null;
  /** Share of the rows held out for testing, where the dataset has no test set of its own. */
  testFraction: number;
  /** Share of the training rows held out for validation (0: none). */
  validationFraction: number;
  standardize: boolean;
  /** Return the fitted model's JSON. */
  save: boolean;
}

export interface JobInfo {
  dataset: string;
  nTrain: number;
  nValidation: number;
  nTest: number;
  nFeatures: number;
  /** Class names (classifiers); empty for regression. */
  classNames: string[];
  preprocessing: string;
  adapter: string;
}

/**
 * How inputs were transformed before training; saved with the model so it can be applied again. A
 * standardization is the library's own StandardizerJSON (standardizerFromJSON reads it), fitted on
 * the values as the files hold them.
 */
export type Preprocessing =
  | { kind: 'none' }
  | { kind: 'scale'; factor: number }
  | StandardizerJSON;

/** One grid-search candidate, as the command prints it. */
export interface GridRow {
  learningRate: number;
  validationLoss: number;
  /** Validation accuracy (classifiers) or R² (linear regression). */
  validationScore: number | null;
  trainLoss: number;
  diverged: boolean;
}

export interface JobResult {
  info: JobInfo;
  /** With gridLearningRates: every candidate, and the index of the one kept. */
  grid: { rows: GridRow[]; best: number } | null;
  history: History;
  epochs: EpochLog[];
  trainAccuracy: number | null;
  testAccuracy: number | null;
  /** R² on the test set (linear regression). */
  testR2: number | null;
  finalLoss: number;
  msPerEpoch: number;
  /** Rows: true class, columns: predicted class (classifiers). */
  confusion: number[][] | null;
  model: (ModelJSON & { preprocessing: Preprocessing }) | null;
}

export type JobEvent =
  | { type: 'status'; message: string }
  | { type: 'start'; info: JobInfo }
  | { type: 'epoch'; log: EpochLog }
  | { type: 'done'; result: JobResult }
  | { type: 'error'; error: { name: string; message: string; stack?: string } };

export interface JobRuntime {
  lib: Library;
  /** Bytes of a data file named in the spec. */
  read: (file: string) => Promise<Uint8Array>;
  /** The WebGPU entry point (Node: create([]) from the webgpu package); default navigator.gpu. */
  gpu?: GPU;
  emit: (event: JobEvent) => void;
}

interface Labelled {
  X: HostMatrix;
  y: Float32Array | Int32Array;
}

interface PreparedData {
  name: string;
  train: Labelled;
  validation: Labelled | null;
  test: Labelled;
  classNames: string[];
  preprocessing: Preprocessing;
}

/** The first `limit` rows (all when limit is null). */
function head(d: Labelled, limit: number | null): Labelled {
  if (limit === null || limit >= d.X.rows) return d;
  return { X: { data: d.X.data.subarray(0, limit * d.X.cols), rows: limit, cols: d.X.cols }, y: d.y.subarray(0, limit) };
}

/**
 * The CSV as the model needs it: class labels for a classifier, numbers for linear regression. A
 * text label column under --model linear is said in the command's terms (the reader's own message
 * suggests an option of parseCsv the command user cannot pass).
 */
function readCsv(lib: Library, text: string, ds: Extract<DatasetSpec, { kind: 'csv' }>, model: ModelKind): ReturnType<Library['parseCsv']> {
  const options = { label: ds.label, header: ds.header, missing: ds.missing };
  if (model !== 'linear') return lib.parseCsv(text, { ...options, classes: true });
  try {
    return lib.parseCsv(text, { ...options, classes: false });
  } catch (e) {
    let asClasses: ReturnType<Library['parseCsv']>;
    try {
      asClasses = lib.parseCsv(text, { ...options, classes: true });
    } catch {
      throw e;
    }
    // Read as classes it parses, as numbers it does not: the label column holds text.
    const example = asClasses.classes?.find((c) => typeof c === 'string') ?? asClasses.classes?.[0];
    throw new lib.ValueError(
      `--model linear needs numeric labels; column '${asClasses.labelName}' holds text (such as '${String(example)}'): use --model softmax (or logistic for two classes)`,
    );
  }
}

/**
 * trainTestSplit, with a share that leaves no rows to train on refused in the command's terms:
 * `flag` is the option that set `fraction`, `part` what the held-out rows are for.
 */
function splitOff(
  lib: Library, X: HostMatrix, y: Float32Array | Int32Array, fraction: number, seed: number, flag: string, part: string,
): ReturnType<Library['trainTestSplit']> {
  const held = Math.ceil(X.rows * fraction);
  if (held >= X.rows) {
    throw new lib.ValueError(`${flag} ${fraction} holds out ${held} of the ${X.rows} rows for ${part}, leaving none to train on: give a smaller ${flag}`);
  }
  try {
    return lib.trainTestSplit(X, y, { testFraction: fraction, seed });
  } catch (e) {
    if (e instanceof Error) e.message = e.message.replaceAll('testFraction', flag);
    throw e;
  }
}

/** Loads the dataset, splits off test and validation sets, and scales features. */
async function prepare(spec: JobSpec, rt: JobRuntime): Promise<PreparedData> {
  const { lib } = rt;
  const ds = spec.dataset;
  let name: string;
  let train: Labelled;
  let test: Labelled;
  let classNames: string[];
  let scaled: { kind: 'scale'; factor: number } | undefined;
  if (ds.kind === 'idx') {
    name = ds.name;
    rt.emit({ type: 'status', message: `reading ${ds.name} (IDX files)` });
    const loaded = await lib.loadIdxDataset(rt.read, ds.files, {
      ...(spec.limit === null ? {} : { limit: spec.limit }),
      // Standardizing undoes any scale, so the bytes stay as they are: the saved standardizer then
      // applies to the files' values directly, with no second step to remember.
      ...(spec.standardize ? { scale: 1 } : {}),
      ...(ds.fashion ? { classNames: lib.FASHION_MNIST_CLASS_NAMES } : {}),
    });
    train = loaded.train;
    test = loaded.test;
    classNames = [...loaded.train.classNames];
    if (loaded.scale !== 1) scaled = { kind: 'scale', factor: loaded.scale };
  } else {
    let X: HostMatrix;
    let y: Float32Array | Int32Array;
    if (ds.kind === 'iris') {
      name = spec.model === 'logistic' ? 'iris (virginica vs. rest)' : 'iris';
      const iris = spec.model === 'logistic' ? lib.loadIrisBinary() : lib.loadIris();
      ({ X, y } = iris);
      classNames = [...iris.classNames];
    } else {
      name = ds.name;
      rt.emit({ type: 'status', message: `reading ${ds.name} (CSV)` });
      // Classifiers read the labels as classes (names such as 'setosa', or numbers such as 1..k, become
      // indices 0..k−1); linear regression reads them as numeric targets.
      const table = readCsv(lib, new TextDecoder().decode(await rt.read(ds.file)), ds, spec.model);
      ({ X, y } = table);
      classNames = (table.classes ?? []).map(String);
      if (table.droppedLines.length > 0) {
        const shown = table.droppedLines.slice(0, 5).join(', ');
        const more = table.droppedLines.length > 5 ? ', …' : '';
        rt.emit({ type: 'status', message: `dropped ${table.droppedLines.length} rows with an empty cell (lines ${shown}${more})` });
      }
    }
    const split = splitOff(lib, X, y, spec.testFraction, spec.seed, '--test-fraction', 'testing');
    train = head({ X: split.XTrain, y: split.yTrain }, spec.limit);
    test = head({ X: split.XTest, y: split.yTest }, spec.limit);
  }
  if (spec.model === 'logistic' && classNames.length > 2) {
    throw new lib.ValueError(`logistic regression needs 0/1 labels, but ${name} has ${classNames.length} classes: use --model softmax`);
  }
  if (spec.model !== 'linear' && classNames.length < 2) {
    const one = classNames.length === 1 ? ` (every label is '${classNames[0] ?? ''}')` : '';
    throw new lib.ValueError(`--model ${spec.model} needs at least two classes, but ${name} has ${classNames.length}${one}`);
  }
  let validation: Labelled | null = null;
  if (spec.validationFraction > 0) {
    const v = splitOff(lib, train.X, train.y, spec.validationFraction, spec.seed + 1, '--validation', 'validation');
    train = { X: v.XTrain, y: v.yTrain };
    validation = { X: v.XTest, y: v.yTest };
  }
  let preprocessing: Preprocessing = scaled ?? { kind: 'none' };
  if (spec.standardize) {
    // Fitted on the training rows only, so nothing about the test set leaks into training.
    const s = lib.fitStandardizer(train.X);
    train = { X: s.transform(train.X), y: train.y };
    if (validation !== null) validation = { X: s.transform(validation.X), y: validation.y };
    test = { X: s.transform(test.X), y: test.y };
    preprocessing = s.toJSON();
  }
  return { name, train, validation, test, classNames: spec.model === 'linear' ? [] : classNames, preprocessing };
}

function describeFactor(f: number): string {
  return f === 1 / 255 ? '1/255' : String(f);
}

function describePreprocessing(p: Preprocessing): string {
  if (p.kind === 'none') return 'none';
  if (p.kind === 'scale') return `values × ${describeFactor(p.factor)}`;
  return 'standardized (training-set mean and std)';
}

function describeAdapter(ctx: GpuContext): string {
  const a = ctx.adapter;
  const parts = [a.vendor, a.architecture, a.device, a.description].filter((s) => s !== '');
  return parts.length === 0 ? 'unknown adapter' : [...new Set(parts)].join(' / ');
}

function createModel(lib: Library, ctx: GpuContext, kind: ModelKind, nFeatures: number, nClasses: number): AnyEstimator {
  if (kind === 'softmax') return new lib.SoftmaxRegression(ctx, { nFeatures, nClasses });
  if (kind === 'logistic') return new lib.LogisticRegression(ctx, { nFeatures });
  return new lib.LinearRegression(ctx, { nFeatures });
}

/** A classifier's predictions are its labels; prepare() made the model a classifier before this is called. */
async function predictLabels(model: AnyEstimator, X: HostMatrix): Promise<Int32Array> {
  const predicted = await model.predict(X);
  if (!(predicted instanceof Int32Array)) throw new Error(`${model.modelName} does not predict class labels`);
  return predicted;
}

function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
}

/**
 * The grid search over spec.gridLearningRates: every rate trained in one pass over the data. Each
 * epoch's progress line is the candidate leading on the validation set then; the model kept is the
 * best by validation accuracy (R² for linear regression) at the end.
 */
async function gridSearch(
  lib: Library, ctx: GpuContext, spec: JobSpec, data: PreparedData, k: number, rt: JobRuntime,
): Promise<{ model: AnyEstimator; history: History; epochs: EpochLog[]; grid: { rows: GridRow[]; best: number } }> {
  const rates = spec.gridLearningRates ?? [];
  if (data.validation === null) throw new lib.ValueError('--grid-lr needs a validation share to score the rates (--validation > 0)');
  const nFeatures = data.train.X.cols;
  const grid = { learningRate: rates, l2: [spec.l2] };
  const search = spec.model === 'softmax'
    ? new lib.GridSearch(ctx, lib.SoftmaxRegression, { nFeatures, nClasses: k }, grid)
    : spec.model === 'logistic' ? new lib.GridSearch(ctx, lib.LogisticRegression, { nFeatures }, grid) : new lib.GridSearch(ctx, lib.LinearRegression, { nFeatures }, grid);
  try {
    const result = await search.fit(data.train.X, data.train.y as never, {
      epochs: spec.epochs,
      batchSize: spec.batchSize,
      optimizer: spec.optimizer,
      ...(spec.lrDecay === 1 ? {} : { learningRate: { kind: 'exponential', initial: 1, decay: spec.lrDecay } }),
      seed: spec.seed,
      validation: data.validation as never,
      // One line an epoch: the candidate leading on the validation set so far.
      onEpochEnd: (logs) => {
        const score = (l: EpochLog): number => l.valAccuracy ?? -(l.valLoss ?? Number.POSITIVE_INFINITY);
        const lead = logs.reduce<EpochLog | undefined>((a, l) => (a === undefined || score(l) > score(a) ? l : a), undefined);
        if (lead !== undefined) rt.emit({ type: 'epoch', log: lead });
      },
    });
    const best = result.candidates[result.best];
    if (best === undefined) throw new Error('grid search: no best candidate');
    const rows = result.candidates.map((c) => ({
      learningRate: c.learningRate, validationLoss: c.validationLoss, validationScore: c.validationAccuracy ?? c.validationR2 ?? null,
      trainLoss: c.trainLoss, diverged: c.diverged,
    }));
    const epochs = best.history.loss.map((loss, e): EpochLog => ({
      epoch: e, loss, learningRate: best.history.learningRate[e] as number, ms: best.history.ms[e] as number,
      ...(best.history.valLoss === undefined ? {} : { valLoss: best.history.valLoss[e] as number }),
      ...(best.history.valAccuracy === undefined ? {} : { valAccuracy: best.history.valAccuracy[e] as number }),
    }));
    return { model: search.bestModel() as AnyEstimator, history: best.history, epochs, grid: { rows, best: result.best } };
  } finally {
    search.destroy();
  }
}

/** Loads the data, trains on the GPU, evaluates on the test set. Progress goes to rt.emit. */
export async function runJob(spec: JobSpec, rt: JobRuntime): Promise<JobResult> {
  const { lib } = rt;
  const data = await prepare(spec, rt);
  const ctx = await lib.createContext(rt.gpu === undefined ? {} : { gpu: rt.gpu });
  try {
    const classifier = spec.model !== 'linear';
    const info: JobInfo = {
      dataset: data.name,
      nTrain: data.train.X.rows,
      nValidation: data.validation?.X.rows ?? 0,
      nTest: data.test.X.rows,
      nFeatures: data.train.X.cols,
      classNames: data.classNames,
      preprocessing: describePreprocessing(data.preprocessing),
      adapter: describeAdapter(ctx),
    };
    rt.emit({ type: 'start', info });
    const k = Math.max(2, data.classNames.length);
    const epochs: EpochLog[] = [];
    const searched = spec.gridLearningRates === null ? null : await gridSearch(lib, ctx, spec, data, k, rt);
    const model = searched?.model ?? createModel(lib, ctx, spec.model, info.nFeatures, k);
    try {
      const steps = spec.solver === 'lbfgs' ? { solver: 'lbfgs' as const } : {
        batchSize: spec.batchSize,
        optimizer: spec.optimizer,
        learningRate: spec.lrDecay === 1 ? spec.learningRate : { kind: 'exponential' as const, initial: spec.learningRate, decay: spec.lrDecay },
        seed: spec.seed,
      };
      const history = searched !== null ? searched.history : await model.fit(data.train.X, data.train.y, {
        ...steps,
        epochs: spec.epochs,
        l2: spec.l2,
        // Each epoch reports the validation set's loss and accuracy; the training set's accuracy,
        // a forward pass over every training row, is measured once at the end unless there is no
        // validation set to watch.
        trainAccuracy: classifier && data.validation === null,
        ...(data.validation === null ? {} : { validation: data.validation }),
        onEpochEnd: (log: EpochLog) => {
          epochs.push(log);
          rt.emit({ type: 'epoch', log });
        },
      });
      if (searched !== null) epochs.push(...searched.epochs);
      const trainAccuracy = history.accuracy?.at(-1) ?? (classifier ? await model.score(data.train.X, data.train.y) : null);
      let confusion: number[][] | null = null;
      let testAccuracy: number | null = null;
      let testR2: number | null = null;
      if (classifier) {
        const predicted = await predictLabels(model, data.test.X);
        confusion = lib.confusionMatrix(data.test.y, predicted, k);
        testAccuracy = confusion.reduce((s, row, i) => s + (row[i] as number), 0) / data.test.X.rows;
      } else {
        testR2 = await model.score(data.test.X, data.test.y);
      }
      return {
        info,
        grid: searched?.grid ?? null,
        history,
        epochs,
        trainAccuracy,
        testAccuracy,
        testR2,
        finalLoss: history.loss.at(-1) ?? Number.NaN,
        msPerEpoch: mean(history.ms),
        confusion,
        model: spec.save ? { ...model.toJSON(), preprocessing: data.preprocessing } : null,
      };
    } finally {
      model.destroy();
    }
  } finally {
    ctx.destroy();
  }
}

/** An error as plain data, for the trip out of the page or the worker. */
export function errorEvent(e: unknown): JobEvent {
  const err = e instanceof Error ? e : new Error(String(e));
  return { type: 'error', error: { name: err.name, message: err.message, ...(err.stack === undefined ? {} : { stack: err.stack }) } };
}
