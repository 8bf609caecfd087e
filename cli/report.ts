// What `npm run train` prints: per-epoch progress (a redrawn bar on a terminal, then a table of the
// epochs; elsewhere one line per epoch as it ends, and no table repeating them), the test results,
// the confusion matrix and the JSON summary.
import type { EpochLog } from '../src/index.ts';
import type { JobInfo, JobResult, JobSpec } from './job.ts';
import type { Runtime } from './options.ts';

/** The `--json` line: exactly these keys, for scripts and CI. */
export interface Summary {
  dataset: string;
  model: string;
  epochs: number;
  batchSize: number;
  learningRate: number;
  trainAccuracy: number | null;
  testAccuracy: number | null;
  finalLoss: number;
  msPerEpoch: number;
  runtime: Runtime;
  adapter: string;
}

export function summary(spec: JobSpec, result: JobResult, runtime: Runtime): Summary {
  return {
    dataset: result.info.dataset,
    model: spec.model,
    epochs: result.history.epochs,
    batchSize: spec.solver === 'lbfgs' ? result.info.nTrain : Math.min(spec.batchSize, result.info.nTrain),
    // L-BFGS has no rate: its last step's length stands in.
    learningRate: spec.solver === 'lbfgs' ? (result.history.learningRate.at(-1) ?? 0) : spec.learningRate,
    trainAccuracy: result.trainAccuracy,
    testAccuracy: result.testAccuracy,
    finalLoss: result.finalLoss,
    msPerEpoch: Math.round(result.msPerEpoch * 10) / 10,
    runtime,
    adapter: result.info.adapter,
  };
}

/**
 * A number with `digits` decimals; a diverging loss (1e22…) in exponent form instead of 27 digits.
 * Logs that crossed from the page or the worker went through JSON, which turns NaN and ±Infinity
 * into null: those print as not finite rather than throwing and losing the epoch's line.
 */
const fixed = (v: number | null | undefined, digits: number): string => {
  if (v === undefined) return '—';
  if (v === null) return 'not finite';
  if (!Number.isFinite(v)) return String(v);
  return Math.abs(v) >= 1e6 ? v.toExponential(3) : v.toFixed(digits);
};

const rateText = (v: number): string => Number(v.toPrecision(4)).toString();

/**
 * The library's option names as this command's flags: a library error about `learningRate` is about
 * --lr here. Longer names first, so `learningRate.decay` is not read as `learningRate`.
 */
const FLAG_NAMES: [RegExp, (...m: string[]) => string][] = [
  [/\bgrid\.learningRate\[(\d+)\]/g, (_, i) => `--grid-lr's value ${Number(i) + 1}`],
  [/\bgrid\.l2\[\d+\]/g, () => '--l2'],
  [/\blearningRate\.decay\b/g, () => '--lr-decay'],
  [/\blearningRate\b/g, () => '--lr'],
  [/\bl2\b/g, () => '--l2'],
  [/\bbatchSize\b/g, () => '--batch-size'],
  [/\bvalidationFraction\b/g, () => '--validation'],
  [/\btestFraction\b/g, () => '--test-fraction'],
  [/\bmissing: 'drop-rows'/g, () => '--missing drop-rows'],
];

/** Renames the library's option names in `message` to the flags that set them. */
export function flagTerms(message: string): string {
  return FLAG_NAMES.reduce((m, [pattern, flag]) => m.replace(pattern, flag), message);
}

/**
 * A library error's message told the way this command counts and is driven: fit() numbers epochs
 * from 0 ("in epoch 0" is the first), the progress lines and the table from 1; options are named by
 * their flags; and a run that diverged is re-run with a flag, not a fit() option, so the advice
 * names the flag and a rate to try.
 */
export function commandMessage(name: string, message: string, spec: Pick<JobSpec, 'epochs' | 'learningRate'>): string {
  const renumbered = message.replace(/\bin epoch (\d+)\b/g, (_, e: string) => `in epoch ${Number(e) + 1}/${spec.epochs}`);
  if (name !== 'ValueError' || !renumbered.includes('training diverged')) return flagTerms(renumbered);
  const told = flagTerms(renumbered.replace(/try a smaller learningRate \(it was ([^)]*)\)/, 'the rate was $1'));
  return `${told}. Run again with a smaller --lr, e.g. --lr ${Number((spec.learningRate / 10).toPrecision(3))} (this run started at --lr ${spec.learningRate})`;
}

function seconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(2)} s` : `${(ms / 1000).toFixed(1)} s`;
}

export function describeInfo(info: JobInfo, spec: JobSpec): string[] {
  const classes = info.classNames.length > 0 ? `, ${info.classNames.length} classes` : '';
  const rate = spec.lrDecay === 1 ? `${spec.learningRate}` : `${spec.learningRate} × ${spec.lrDecay}^epoch`;
  return [
    `dataset   ${info.dataset}: ${info.nTrain} train / ${info.nValidation} validation / ${info.nTest} test rows, ${info.nFeatures} features${classes}`,
    `features  ${info.preprocessing}`,
    spec.solver === 'lbfgs'
      ? `model     ${spec.model}, L-BFGS, at most ${spec.epochs} iterations (full batch; rate: each step's length), l2 ${spec.l2}`
      : `model     ${spec.model}, ${spec.epochs} epochs, batch ${spec.batchSize}, ${spec.optimizer}, learning rate ${rate}, l2 ${spec.l2}, seed ${spec.seed}`,
    `adapter   ${info.adapter}`,
  ];
}

/** One epoch as a plain line (the non-terminal progress output): everything a table row holds. */
export function epochLine(log: EpochLog, total: number): string {
  const parts = [`epoch ${log.epoch + 1}/${total}`, `loss ${fixed(log.loss, 4)}`];
  if (log.accuracy !== undefined) parts.push(`train acc ${fixed(log.accuracy, 4)}`);
  if (log.valLoss !== undefined) parts.push(`validation loss ${fixed(log.valLoss, 4)}`);
  if (log.valAccuracy !== undefined) parts.push(`validation acc ${fixed(log.valAccuracy, 4)}`);
  parts.push(`rate ${rateText(log.learningRate)}`, `${Math.round(log.ms)} ms`);
  return parts.join('  ');
}

/** A bar of `width` cells, `done` of `total` filled. */
export function bar(done: number, total: number, width = 24): string {
  const filled = Math.round((Math.min(done, total) / Math.max(1, total)) * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}

/** Lays out rows of cells in right-aligned columns. */
export function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, j) => Math.max(h.length, ...rows.map((r) => (r[j] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, j) => c.padStart(widths[j] as number)).join('  ');
  return [line(header), ...rows.map(line)];
}

export function epochTable(epochs: readonly EpochLog[]): string[] {
  const hasAcc = epochs.some((e) => e.accuracy !== undefined);
  const hasVal = epochs.some((e) => e.valLoss !== undefined);
  const header = ['epoch', 'loss', ...(hasAcc ? ['train acc'] : []), ...(hasVal ? ['validation loss'] : []), ...(hasVal && hasAcc ? ['validation acc'] : []), 'rate', 'ms'];
  const rows = epochs.map((e) => [
    String(e.epoch + 1),
    fixed(e.loss, 4),
    ...(hasAcc ? [fixed(e.accuracy, 4)] : []),
    ...(hasVal ? [fixed(e.valLoss, 4)] : []),
    ...(hasVal && hasAcc ? [fixed(e.valAccuracy, 4)] : []),
    rateText(e.learningRate),
    String(Math.round(e.ms)),
  ]);
  return table(header, rows);
}

/** The grid search's candidates, the kept one marked. */
export function gridTable(grid: NonNullable<JobResult['grid']>, classifier: boolean): string[] {
  const rows = grid.rows.map((r, i) => [
    rateText(r.learningRate),
    r.diverged ? 'diverged' : fixed(r.trainLoss, 4),
    r.diverged ? '—' : fixed(r.validationLoss, 4),
    r.diverged ? '—' : fixed(r.validationScore, 4),
    i === grid.best ? '← kept' : '',
  ]);
  return [`grid search: ${grid.rows.length} learning rates trained in one pass over the data`, ...table(['rate', 'train loss', 'validation loss', classifier ? 'validation acc' : 'validation R²', ''], rows)];
}

/** Rows are the true classes, columns the predicted ones (by index; the names label the rows). */
export function confusionTable(matrix: number[][], classNames: readonly string[]): string[] {
  const k = matrix.length;
  const labels = matrix.map((_, i) => `${i} ${classNames[i] ?? ''}`.trimEnd());
  const corner = 'true \\ predicted';
  const first = Math.max(corner.length, ...labels.map((l) => l.length));
  const counts = table(
    Array.from({ length: k }, (_, j) => String(j)),
    matrix.map((row) => row.map(String)),
  );
  // Names read better left-aligned, counts right-aligned.
  return counts.map((line, i) => `${(i === 0 ? corner : (labels[i - 1] as string)).padEnd(first)}  ${line}`);
}

/**
 * Everything after training. `withTable`: the epoch table, for a terminal, whose progress bar kept
 * only the last epoch on screen; without a terminal every epoch already has its line.
 */
export function resultLines(result: JobResult, withTable: boolean): string[] {
  const out = withTable ? ['', ...epochTable(result.epochs), ''] : [''];
  if (result.grid !== null) out.push(...gridTable(result.grid, result.info.classNames.length > 0), '');
  out.push(`mean epoch time  ${seconds(result.msPerEpoch)} (${Math.round(result.msPerEpoch)} ms)`);
  out.push(`final loss       ${result.finalLoss.toFixed(4)}`);
  if (result.trainAccuracy !== null) out.push(`train accuracy   ${result.trainAccuracy.toFixed(4)}`);
  if (result.testAccuracy !== null) out.push(`test accuracy    ${result.testAccuracy.toFixed(4)}  (${result.info.nTest} rows)`);
  if (result.testR2 !== null) out.push(`test R²          ${result.testR2.toFixed(4)}  (${result.info.nTest} rows)`);
  if (result.confusion !== null) out.push('', 'confusion matrix (test set):', ...confusionTable(result.confusion, result.info.classNames));
  out.push('', `adapter          ${result.info.adapter}`);
  return out;
}

/** Progress output: a bar redrawn in place on a terminal, one line per epoch elsewhere. */
export class Progress {
  readonly #tty: boolean;
  readonly #write: (s: string) => void;
  #total = 0;
  #done = 0;
  #last = '';
  #epochStart = Date.now();
  #timer: ReturnType<typeof setInterval> | null = null;

  constructor(tty: boolean, write: (s: string) => void) {
    this.#tty = tty;
    this.#write = write;
  }

  start(total: number): void {
    this.#total = total;
    this.#epochStart = Date.now();
    if (!this.#tty) return;
    this.#draw();
    // The elapsed time of the running epoch ticks, so a slow epoch does not look like a hang.
    this.#timer = setInterval(() => this.#draw(), 250);
  }

  epoch(log: EpochLog): void {
    this.#done = log.epoch + 1;
    this.#epochStart = Date.now();
    if (this.#tty) {
      this.#last = `loss ${fixed(log.loss, 4)}${log.valAccuracy === undefined ? '' : `  validation acc ${fixed(log.valAccuracy, 4)}`}  ${Math.round(log.ms)} ms/epoch`;
      this.#draw();
    } else {
      this.#write(`${epochLine(log, this.#total)}\n`);
    }
  }

  /**
   * The clock of the running epoch. Until the first epoch ends it also runs the start-up (the model
   * built, the training set uploaded, the kernels compiled), which fit() does not report apart, so
   * that time is labelled as both rather than passed off as epoch 1's.
   */
  #running(): string {
    if (this.#done >= this.#total) return '';
    const what = this.#done === 0 ? 'start-up and epoch 1' : `epoch ${this.#done + 1}`;
    return `  ${what}: ${seconds(Date.now() - this.#epochStart)}`;
  }

  #draw(): void {
    this.#write(`\r\x1b[2K${bar(this.#done, this.#total)} ${this.#done}/${this.#total}  ${this.#last}${this.#running()}`);
  }

  stop(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
    if (this.#tty && this.#total > 0) {
      this.#draw();
      this.#write('\n');
    }
  }
}
