// Command-line options of `npm run train`, parsed and checked before anything starts, with the
// per-dataset defaults the README documents.
import type { ModelKind } from './job.ts';

export type Runtime = 'chrome' | 'node';

export interface CliOptions {
  /** 'iris', 'fashion-mnist', a .csv file or a directory of IDX files. */
  dataset: string;
  /** Where Fashion-MNIST's files are (default /usr/share/datasets/fashion-mnist). */
  data: string | null;
  model: ModelKind;
  /** 'lbfgs': full-batch L-BFGS, epochs counting its iterations. */
  solver: 'sgd' | 'lbfgs';
  epochs: number | null;
  batchSize: number | null;
  lr: number | null;
  /** --grid-lr: the learning rates GridSearch tries (null: one plain fit). */
  gridLr: number[] | null;
  lrDecay: number | null;
  l2: number;
  seed: number;
  runtime: Runtime;
  save: string | null;
  json: boolean;
  limit: number | null;
  label: string | number | null;
  header: boolean;
  /** CSV: what an empty cell does (parseCsv's `missing`). */
  missing: 'error' | 'drop-rows';
  testFraction: number | null;
  validation: number;
  standardize: boolean | null;
  help: boolean;
}

/** Training settings that depend on the dataset; any of them can be overridden on the command line. */
export interface DatasetDefaults {
  epochs: number;
  batchSize: number;
  /** Learning rate of softmax and logistic regression. */
  lr: number;
  /**
   * Learning rate of linear regression. Its squared loss curves as steeply as the features'
   * covariance (its Hessian is XᵀX/n), 2–4× more than cross-entropy's, and gradient descent
   * diverges once the rate passes 2 / (its largest eigenvalue): about 173 for standardized
   * Fashion-MNIST, whose pixels move together, so 0.1 diverges in the first epoch there; 2.9 for
   * Iris. For a CSV of d standardized features the eigenvalue is at most d.
   */
  linearLr: number;
  lrDecay: number;
  standardize: boolean;
}

export const DEFAULTS: Record<'iris' | 'idx' | 'csv', DatasetDefaults> = {
  iris: { epochs: 50, batchSize: 16, lr: 0.5, linearLr: 0.1, lrDecay: 1, standardize: true },
  // Fashion-MNIST: standardized per pixel; the decaying rate settles the last epochs' noise, which
  // is worth about half a point of test accuracy over a constant one.
  idx: { epochs: 10, batchSize: 128, lr: 0.1, linearLr: 0.005, lrDecay: 0.7, standardize: true },
  csv: { epochs: 30, batchSize: 32, lr: 0.1, linearLr: 0.01, lrDecay: 1, standardize: true },
};

/** The default learning rate for a dataset kind and a model. */
export function defaultLearningRate(d: DatasetDefaults, model: ModelKind): number {
  return model === 'linear' ? d.linearLr : d.lr;
}

export const DEFAULT_TEST_FRACTION = 0.2;
/** --solver lbfgs's default --epochs (its iterations). */
export const LBFGS_ITERATIONS = 100;
export const DEFAULT_VALIDATION_FRACTION = 0.1;

export class UsageError extends Error {
  override name = 'UsageError';
}

export const USAGE = `Usage: npm run train -- [options]

  --dataset D        iris (default: embedded, 150 rows), fashion-mnist, a .csv file, or a directory
                     holding train-/t10k- (or test-) images-idx3-ubyte and labels-idx1-ubyte files (.gz or not)
  --data DIR         where the Fashion-MNIST files are (default /usr/share/datasets/fashion-mnist)
  --model M          softmax (default), logistic (0/1 labels; iris: virginica vs. rest) or linear
  --solver S         sgd (default: mini-batch gradient descent) or lbfgs (full-batch L-BFGS; --epochs
                     counts its iterations, default ${LBFGS_ITERATIONS}; --batch-size, --lr and --lr-decay do not apply)
  --epochs N         passes over the training set
  --batch-size B     rows per gradient step
  --lr X             learning rate (of the first epoch, with --lr-decay)
  --grid-lr A,B,...  try these learning rates in one grid search (every one trained in the same pass
                     over the data), print the table of candidates and keep the one with the best
                     validation accuracy (R² for linear); needs a validation share (--validation)
  --lr-decay D       multiply the rate by D after every epoch (1: constant)
  --l2 X             L2 penalty (l2/2)·‖W‖² (default 0)
  --seed S           seed of the splits and the batch order (default 0)
  --runtime R        chrome (default: headless Chrome) or node (the webgpu package, Dawn)
  --save FILE        write the trained model (and its preprocessing) as JSON
  --json             end the output with one line of JSON summary
  --limit N          use at most N training and N test rows
  --label COL        CSV label column: header name or 0-based index (default: the last column)
  --no-header        the CSV has no header line
  --missing M        CSV: error (default) on an empty cell, or drop-rows to leave such rows out
  --test-fraction F  share of rows held out for testing, for iris and CSV (default ${DEFAULT_TEST_FRACTION})
  --validation F     share of the training rows held out for validation (default ${DEFAULT_VALIDATION_FRACTION}; 0: none)
  --standardize, --no-standardize
                     scale each feature to zero mean and unit variance on the training rows (default: on)
  --help             this text

Defaults by dataset (epochs, batch size, rate, decay; --model linear starts at the smaller rate shown):
  iris           ${fmt(DEFAULTS.iris)}
  fashion-mnist  ${fmt(DEFAULTS.idx)}  (and IDX directories)
  CSV            ${fmt(DEFAULTS.csv)}`;

function fmt(d: DatasetDefaults): string {
  return `--epochs ${d.epochs} --batch-size ${d.batchSize} --lr ${d.lr} (linear ${d.linearLr}) --lr-decay ${d.lrDecay}`;
}

function positiveInt(flag: string, v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(n) || n < 1) throw new UsageError(`${flag} needs a positive integer, got '${v}'`);
  return n;
}

function integer(flag: string, v: string): number {
  const n = Number(v);
  if (!/^-?\d+$/.test(v) || !Number.isSafeInteger(n)) throw new UsageError(`${flag} needs an integer, got '${v}'`);
  return n;
}

function number(flag: string, v: string, ok: (n: number) => boolean, what: string): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || !ok(n)) throw new UsageError(`${flag} needs ${what}, got '${v}'`);
  return n;
}

function oneOf<T extends string>(flag: string, v: string, choices: readonly T[]): T {
  if (!(choices as readonly string[]).includes(v)) throw new UsageError(`${flag} must be one of ${choices.join(', ')}, got '${v}'`);
  return v as T;
}

/** A comma-separated list of rates > 0. */
function rateList(flag: string, v: string): number[] {
  const parts = v.split(',');
  if (parts.some((p) => p.trim() === '')) throw new UsageError(`${flag} needs comma-separated numbers > 0, got '${v}'`);
  return parts.map((p) => number(flag, p.trim(), (n) => n > 0, 'comma-separated numbers > 0'));
}

const FLAGS_WITHOUT_VALUE = new Set(['--json', '--help', '-h', '--no-header', '--standardize', '--no-standardize']);

/** Parses argv (without node and the script); throws UsageError naming the bad option. */
export function parseArgs(argv: readonly string[]): CliOptions {
  const o: CliOptions = {
    dataset: 'iris', data: null, model: 'softmax', solver: 'sgd', epochs: null, batchSize: null, lr: null, gridLr: null, lrDecay: null, l2: 0,
    seed: 0,
    runtime: 'chrome', save: null, json: false, limit: null, label: null, header: true, missing: 'error', testFraction: null,
    validation: DEFAULT_VALIDATION_FRACTION, standardize: null, help: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const eq = arg.indexOf('=');
    const flag = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    if (FLAGS_WITHOUT_VALUE.has(flag)) {
      if (flag !== arg) throw new UsageError(`${flag} takes no value`);
      if (flag === '--json') o.json = true;
      else if (flag === '--no-header') o.header = false;
      else if (flag === '--standardize') o.standardize = true;
      else if (flag === '--no-standardize') o.standardize = false;
      else o.help = true;
      continue;
    }
    if (!flag.startsWith('-')) throw new UsageError(`unexpected argument '${arg}' (options start with --; see --help)`);
    let value: string;
    if (flag !== arg) value = arg.slice(eq + 1);
    else {
      const next = argv[i + 1];
      if (next === undefined) throw new UsageError(`${flag} needs a value`);
      value = next;
      i++;
    }
    switch (flag) {
      case '--dataset': o.dataset = value; break;
      case '--data': o.data = value; break;
      case '--model': o.model = oneOf(flag, value, ['softmax', 'logistic', 'linear'] as const); break;
      case '--solver': o.solver = oneOf(flag, value, ['sgd', 'lbfgs'] as const); break;
      case '--epochs': o.epochs = positiveInt(flag, value); break;
      case '--batch-size': o.batchSize = positiveInt(flag, value); break;
      case '--lr': o.lr = number(flag, value, (n) => n > 0, 'a number > 0'); break;
      case '--grid-lr': o.gridLr = rateList(flag, value); break;
      case '--lr-decay': o.lrDecay = number(flag, value, (n) => n > 0 && n <= 1, 'a number in (0, 1]'); break;
      case '--l2': o.l2 = number(flag, value, (n) => n >= 0, 'a number ≥ 0'); break;
      case '--seed': o.seed = integer(flag, value); break;
      case '--runtime': o.runtime = oneOf(flag, value, ['chrome', 'node'] as const); break;
      case '--save': o.save = value; break;
      case '--limit': o.limit = positiveInt(flag, value); break;
      case '--label': o.label = /^-?\d+$/.test(value) ? Number(value) : value; break;
      case '--missing': o.missing = oneOf(flag, value, ['error', 'drop-rows'] as const); break;
      case '--test-fraction': o.testFraction = number(flag, value, (n) => n > 0 && n < 1, 'a number between 0 and 1'); break;
      case '--validation': o.validation = number(flag, value, (n) => n >= 0 && n < 1, 'a number in [0, 1)'); break;
      default: throw new UsageError(`unknown option ${flag} (see --help)`);
    }
  }
  if (o.gridLr !== null && o.lr !== null) throw new UsageError('--grid-lr tries several rates: leave out --lr');
  if (o.gridLr !== null && o.validation === 0) throw new UsageError('--grid-lr scores the rates on a validation share: --validation must be > 0');
  return o;
}
