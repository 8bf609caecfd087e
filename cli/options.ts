// Command-line options of `npm run train`, parsed (node:util's parseArgs) and checked before anything
// starts, with the per-dataset defaults the README documents. Numbers are decimal only: Number()
// alone would take '0x10', ' 3' and 'Infinity'.
import { parseArgs as parseFlags, type ParseArgsOptionsConfig } from 'node:util';
import { suggestedRate } from '../src/core/optimizer.ts';
import { MAX_GRID_CANDIDATES } from '../src/models/grid-options.ts';
import { F32_MAX, F32_MIN_NORMAL } from '../src/validate.ts';
import type { CliOptimizer, ModelKind } from './job.ts';

export type Runtime = 'chrome' | 'node';

export interface CliOptions {
  /** 'iris', 'fashion-mnist', a .csv file or a directory of IDX files. */
  dataset: string;
  /** Where Fashion-MNIST's files are (default /usr/share/datasets/fashion-mnist). */
  data: string | null;
  model: ModelKind;
  /** 'lbfgs': full-batch L-BFGS, epochs counting its iterations. */
  solver: 'sgd' | 'lbfgs';
  /** How each gradient step updates the parameters (the library's optimizer option, with its defaults). */
  optimizer: CliOptimizer;
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

/** The default learning rate for a dataset kind, a model and an optimizer (suggestedRate's rule from SGD's). */
export function defaultLearningRate(d: DatasetDefaults, model: ModelKind, optimizer: CliOptimizer = 'sgd'): number {
  return suggestedRate(model === 'linear' ? d.linearLr : d.lr, optimizer);
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
  --optimizer O      sgd (default), momentum or nesterov (momentum 0.9; the default rate is a tenth of
                     sgd's), or adam (betas 0.9, 0.999; a fifth of sgd's rate); not with --solver lbfgs
  --epochs N         passes over the training set
  --batch-size B     rows per gradient step
  --lr X             learning rate (of the first epoch, with --lr-decay)
  --grid-lr A,B,...  try these learning rates in one grid search (every one trained in the same pass
                     over the data), print the table of candidates and keep the one with the best
                     validation accuracy (R² for linear); needs a validation share (--validation);
                     not with --lr or --solver lbfgs
  --lr-decay D       multiply the rate by D after every epoch (1: constant)
  --l2 X             L2 penalty (l2/2)·‖W‖² (default 0)
  --seed S           seed of the splits and the batch order (default 0)
  --runtime R        chrome (default: headless Chrome) or node (the webgpu package, Dawn)
  --save FILE        write the trained model (and its preprocessing) as JSON; FILE is checked before
                     training, and if writing fails at the end the model goes to a temporary file (named)
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

Numbers are decimal (0.05, 5e-2); rates and --l2 must fit in float32.

Defaults by dataset (epochs, batch size, rate, decay; --model linear starts at the smaller rate shown):
  iris           ${fmt(DEFAULTS.iris)}
  fashion-mnist  ${fmt(DEFAULTS.idx)}  (and IDX directories)
  CSV            ${fmt(DEFAULTS.csv)}`;

function fmt(d: DatasetDefaults): string {
  return `--epochs ${d.epochs} --batch-size ${d.batchSize} --lr ${d.lr} (linear ${d.linearLr}) --lr-decay ${d.lrDecay}`;
}

/** A decimal number as people write one: no hex, no 'Infinity', no spaces, no trailing 'e'. */
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
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

/** A decimal number for which `ok` holds; with `float32`, also one the GPU can hold. */
function number(flag: string, v: string, ok: (n: number) => boolean, what: string, float32 = false): number {
  const n = Number(v);
  if (!DECIMAL.test(v) || !Number.isFinite(n)) throw new UsageError(`${flag} needs ${what} written in decimal (such as 0.05 or 5e-2), got '${v}'`);
  if (!ok(n)) throw new UsageError(`${flag} needs ${what}, got '${v}'`);
  if (float32 && Math.abs(n) > F32_MAX) throw new UsageError(`${flag} needs ${what} within float32 (at most 3.4e38), got '${v}'`);
  return n;
}

function oneOf<T extends string>(flag: string, v: string, choices: readonly T[]): T {
  if (!(choices as readonly string[]).includes(v)) throw new UsageError(`${flag} must be one of ${choices.join(', ')}, got '${v}'`);
  return v as T;
}

/**
 * A learning rate: a decimal number > 0 that the GPU takes as it is, a normal float32. The library
 * refuses anything else too, but only once the browser or worker has started and the data is read.
 */
function rate(flag: string, v: string, what = 'a number > 0'): number {
  const n = number(flag, v, (x) => x > 0, what, true);
  if (n < F32_MIN_NORMAL) throw new UsageError(`${flag} needs ${what} of at least 1.18e-38 (the smallest normal float32: the GPU would use 0), got '${v}'`);
  return n;
}

/** A comma-separated list of rates > 0, at most as many as one GridSearch trains. */
function rateList(flag: string, v: string): number[] {
  const parts = v.split(',');
  if (parts.some((p) => p.trim() === '')) throw new UsageError(`${flag} needs comma-separated numbers > 0, got '${v}'`);
  if (parts.length > MAX_GRID_CANDIDATES) throw new UsageError(`${flag} has ${parts.length} rates, over the grid search's limit of ${MAX_GRID_CANDIDATES}`);
  return parts.map((p) => rate(flag, p.trim(), 'comma-separated numbers > 0'));
}

/** The flags node:util's parseArgs reads; every one but the booleans takes a value. */
const FLAGS = {
  dataset: { type: 'string' }, data: { type: 'string' }, model: { type: 'string' }, solver: { type: 'string' },
  optimizer: { type: 'string' }, epochs: { type: 'string' }, 'batch-size': { type: 'string' }, lr: { type: 'string' }, 'grid-lr': { type: 'string' },
  'lr-decay': { type: 'string' }, l2: { type: 'string' }, seed: { type: 'string' }, runtime: { type: 'string' },
  save: { type: 'string' }, limit: { type: 'string' }, label: { type: 'string' }, missing: { type: 'string' },
  'test-fraction': { type: 'string' }, validation: { type: 'string' },
  json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' }, 'no-header': { type: 'boolean' },
  standardize: { type: 'boolean' }, 'no-standardize': { type: 'boolean' },
} as const satisfies ParseArgsOptionsConfig;

/**
 * `--seed -3` as `--seed=-3`: parseArgs reads a value that starts with '-' only inline, and a
 * negative number is a value here, not a flag.
 */
function joinNegativeNumbers(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const next = argv[i + 1];
    const name = arg.startsWith('--') ? arg.slice(2) : '';
    const takesValue = name in FLAGS && FLAGS[name as keyof typeof FLAGS].type === 'string';
    if (takesValue && next !== undefined && /^-[\d.]/.test(next)) {
      out.push(`${arg}=${next}`);
      i++;
    } else out.push(arg);
  }
  return out;
}

/** parseArgs's errors, said the way this command's other usage errors are. */
function usageFromParseError(e: unknown): UsageError {
  const err = e as { code?: string; message?: string };
  const quoted = /'([^']*)'/.exec(err.message ?? '')?.[1] ?? '';
  const flag = quoted.split(' ')[0] ?? quoted;
  if (err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return new UsageError(`unknown option ${flag} (see --help)`);
  if (err.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') return new UsageError(`unexpected argument '${quoted}' (options start with --; see --help)`);
  if (err.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    if (/does not take an argument/.test(err.message ?? '')) return new UsageError(`${flag} takes no value`);
    return new UsageError(`${flag} needs a value`);
  }
  return new UsageError(err.message ?? String(e));
}

// The return type is parseArgs's, inferred from FLAGS: each value typed as its flag's type.
function read(argv: readonly string[]) {
  try {
    const { values, tokens } = parseFlags({ args: joinNegativeNumbers(argv), options: FLAGS, strict: true, allowPositionals: false, tokens: true });
    // Of --standardize and --no-standardize, the last one given wins.
    const last = tokens.filter((t) => t.kind === 'option' && (t.name === 'standardize' || t.name === 'no-standardize')).at(-1);
    const standardize = last === undefined ? null : last.kind === 'option' && last.name === 'standardize';
    return { values, standardize };
  } catch (e) {
    throw usageFromParseError(e);
  }
}

/** Parses argv (without node and the script); throws UsageError naming the bad option. */
export function parseArgs(argv: readonly string[]): CliOptions {
  const { values: v, standardize } = read(argv);
  const opt = <T>(value: string | undefined, parse: (s: string) => T, fallback: T): T => (value === undefined ? fallback : parse(value));
  const o: CliOptions = {
    dataset: v.dataset ?? 'iris',
    data: v.data ?? null,
    model: opt(v.model, (s) => oneOf('--model', s, ['softmax', 'logistic', 'linear'] as const), 'softmax'),
    solver: opt(v.solver, (s) => oneOf('--solver', s, ['sgd', 'lbfgs'] as const), 'sgd'),
    optimizer: opt(v.optimizer, (s) => oneOf('--optimizer', s, ['sgd', 'momentum', 'nesterov', 'adam'] as const), 'sgd'),
    epochs: opt(v.epochs, (s) => positiveInt('--epochs', s), null),
    batchSize: opt(v['batch-size'], (s) => positiveInt('--batch-size', s), null),
    lr: opt(v.lr, (s) => rate('--lr', s), null),
    gridLr: opt(v['grid-lr'], (s) => rateList('--grid-lr', s), null),
    lrDecay: opt(v['lr-decay'], (s) => number('--lr-decay', s, (n) => n > 0 && n <= 1, 'a number in (0, 1]'), null),
    l2: opt(v.l2, (s) => number('--l2', s, (n) => n >= 0, 'a number ≥ 0', true), 0),
    seed: opt(v.seed, (s) => integer('--seed', s), 0),
    runtime: opt(v.runtime, (s) => oneOf('--runtime', s, ['chrome', 'node'] as const), 'chrome'),
    save: v.save ?? null,
    json: v.json ?? false,
    limit: opt(v.limit, (s) => positiveInt('--limit', s), null),
    label: opt<string | number | null>(v.label, (s) => (/^-?\d+$/.test(s) ? Number(s) : s), null),
    header: !(v['no-header'] ?? false),
    missing: opt(v.missing, (s) => oneOf('--missing', s, ['error', 'drop-rows'] as const), 'error'),
    testFraction: opt(v['test-fraction'], (s) => number('--test-fraction', s, (n) => n > 0 && n < 1, 'a number between 0 and 1'), null),
    validation: opt(v.validation, (s) => number('--validation', s, (n) => n >= 0 && n < 1, 'a number in [0, 1)'), DEFAULT_VALIDATION_FRACTION),
    standardize,
    help: v.help ?? false,
  };
  if (o.save === '') throw new UsageError('--save needs a file name');
  // '' would otherwise mean the working directory (--dataset, --data) or reach the CSV reader once the browser is up (--label).
  for (const [flag, value] of [['--dataset', v.dataset], ['--data', v.data], ['--label', v.label]] as const) {
    if (value === '') throw new UsageError(`${flag} needs a value`);
  }
  if (o.gridLr !== null && o.lr !== null) throw new UsageError('--grid-lr tries several rates: leave out --lr');
  if (o.gridLr !== null && o.solver === 'lbfgs') {
    throw new UsageError('--grid-lr searches the learning rates of --solver sgd; --solver lbfgs has no learning rate (a line search picks each step): leave out one of them');
  }
  if (o.optimizer !== 'sgd' && o.solver === 'lbfgs') {
    throw new UsageError(`--optimizer ${o.optimizer} steps --solver sgd; --solver lbfgs picks its own steps: leave out one of them`);
  }
  if (o.gridLr !== null && o.validation === 0) throw new UsageError('--grid-lr scores the rates on a validation share: --validation must be > 0');
  return o;
}
