// The `npm run train` command as a function: argv and output streams in, an exit code out (0 done,
// 1 the run failed, 2 a usage error). cli/train.ts calls it for the terminal; tests call it in
// process. Everything that can be checked without training (flags, the dataset's path, --save's
// path) is checked before a browser or a worker starts.
import type { BrowserContext } from 'puppeteer';
import { resolveDataset } from './datasets.ts';
import type { JobEvent, JobResult, JobSpec } from './job.ts';
import {
  DEFAULT_TEST_FRACTION, DEFAULTS, defaultLearningRate, LBFGS_ITERATIONS, parseArgs, USAGE, UsageError, type CliOptions,
} from './options.ts';
import { commandMessage, describeInfo, Progress, resultLines, summary } from './report.ts';
import { runInChrome, type ChromeRunOptions } from './run-chrome.ts';
import { runInNode } from './run-node.ts';
import { checkSavePath, writeModel } from './save.ts';

/** Errors whose message says what to do; others get their stack printed. */
const EXPLAINED = new Set(['ShapeError', 'ValueError', 'StateError', 'GPUError', 'DeviceLostError', 'WebGPUUnavailableError']);

/** Where the command writes: any stream with write(), and whether stdout is a terminal. */
export interface CommandIO {
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
  /** stdout is a terminal: a progress bar redrawn in place and the epoch table at the end. */
  tty?: boolean;
  /** --runtime chrome: called with the page server's base URL before the page opens (for tests). */
  onServe?: (url: string) => Promise<void>;
  /** --runtime chrome: the browser context to open the page in instead of launching a browser (for tests). */
  context?: BrowserContext;
}

/** Combines the options with the dataset's defaults into the job description and the files it reads. */
export function buildSpec(o: CliOptions): { spec: JobSpec; files: Record<string, string> } {
  const { spec: dataset, files, kind } = resolveDataset(o);
  if (kind !== 'csv' && (o.label !== null || !o.header || o.missing !== 'error')) throw new UsageError('--label, --no-header and --missing are for CSV datasets');
  if (kind === 'idx' && o.testFraction !== null) throw new UsageError('--test-fraction is for iris and CSV; IDX datasets have their own test set');
  const lbfgs = o.solver === 'lbfgs';
  if (lbfgs && (o.batchSize !== null || o.lr !== null || o.lrDecay !== null)) {
    throw new UsageError('--batch-size, --lr and --lr-decay do not apply to --solver lbfgs (full batch; a line search picks each step)');
  }
  if (o.save !== null) checkSavePath(o.save);
  const d = DEFAULTS[kind];
  return {
    spec: {
      dataset,
      model: o.model,
      solver: o.solver,
      optimizer: o.optimizer,
      epochs: o.epochs ?? (lbfgs ? LBFGS_ITERATIONS : d.epochs),
      batchSize: o.batchSize ?? d.batchSize,
      learningRate: o.lr ?? o.gridLr?.[0] ?? defaultLearningRate(d, o.model, o.optimizer),
      gridLearningRates: o.gridLr,
      lrDecay: o.lrDecay ?? d.lrDecay,
      l2: o.l2,
      seed: o.seed,
      limit: o.limit,
      testFraction: o.testFraction ?? DEFAULT_TEST_FRACTION,
      validationFraction: o.validation,
      standardize: o.standardize ?? d.standardize,
      save: o.save !== null,
    },
    files,
  };
}

/** The test hooks of `io` that runInChrome takes, those given. */
function chromeOptions(io: CommandIO): ChromeRunOptions {
  return {
    ...(io.onServe === undefined ? {} : { onServe: io.onServe }),
    ...(io.context === undefined ? {} : { context: io.context }),
  };
}

/** Runs the command and resolves with its exit code; what goes wrong is written to io.stderr. */
export async function main(argv: readonly string[], io: CommandIO): Promise<number> {
  const say = (s: string): void => void io.stdout.write(`${s}\n`);
  const complain = (s: string): void => void io.stderr.write(`${s}\n`);
  let o: CliOptions;
  let job: { spec: JobSpec; files: Record<string, string> };
  try {
    o = parseArgs(argv);
    if (o.help) {
      say(USAGE);
      return 0;
    }
    job = buildSpec(o);
  } catch (e) {
    if (!(e instanceof UsageError)) {
      complain(`train: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      return 1;
    }
    complain(`train: ${e.message}`);
    return 2;
  }
  const { spec, files } = job;
  const tty = io.tty === true;
  const progress = new Progress(tty, (s) => void io.stdout.write(s));
  const onEvent = (event: JobEvent): void => {
    if (event.type === 'status') say(event.message);
    else if (event.type === 'start') {
      for (const line of describeInfo(event.info, spec)) say(line);
      progress.start(spec.epochs);
    } else if (event.type === 'epoch') progress.epoch(event.log);
  };
  say(`train: ${o.dataset}, ${spec.model} regression, runtime ${o.runtime}`);
  let result: JobResult;
  try {
    result = await (o.runtime === 'node'
      ? runInNode(spec, files, onEvent)
      : runInChrome(spec, files, onEvent, chromeOptions(io)));
  } catch (e) {
    progress.stop();
    const err = e instanceof Error ? e : new Error(String(e));
    complain(`train: ${err.name}: ${commandMessage(err.name, err.message, spec)}`);
    // The library's own errors explain themselves; anything else is a bug, and its stack helps.
    if (!EXPLAINED.has(err.name) && err.stack !== undefined) complain(err.stack);
    return 1;
  }
  progress.stop();
  for (const line of resultLines(result, tty)) say(line);
  let code = 0;
  if (o.save !== null && result.model !== null) {
    const saved = writeModel(o.save, `${JSON.stringify(result.model)}\n`);
    if (saved.failure === null) say(`saved            ${saved.path}`);
    else {
      complain(`train: could not write the model to ${o.save}: ${saved.failure}; it is in ${saved.path} instead`);
      code = 1;
    }
  }
  if (o.json) say(JSON.stringify(summary(spec, result, o.runtime)));
  return code;
}
