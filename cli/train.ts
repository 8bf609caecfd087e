// `npm run train`: trains a model on a dataset on the GPU (headless Chrome by default, or Node with
// the webgpu package), showing progress per epoch, then the epoch table, test accuracy, confusion
// matrix and adapter; `--json` adds a one-line summary at the end. Run with --help for the options.
import { writeFileSync } from 'node:fs';
import { resolveDataset } from './datasets.ts';
import type { JobEvent, JobResult, JobSpec } from './job.ts';
import {
  DEFAULT_TEST_FRACTION, DEFAULTS, defaultLearningRate, LBFGS_ITERATIONS, parseArgs, USAGE, UsageError, type CliOptions,
} from './options.ts';
import { commandMessage, describeInfo, Progress, resultLines, summary } from './report.ts';
import { runInChrome } from './run-chrome.ts';
import { runInNode } from './run-node.ts';

/** Errors whose message says what to do; others get their stack printed. */
const EXPLAINED = new Set(['ShapeError', 'ValueError', 'StateError', 'GPUError', 'DeviceLostError', 'WebGPUUnavailableError']);

/** Combines the options with the dataset's defaults into the job description. */
export function buildSpec(o: CliOptions): { spec: JobSpec; dataDir: string | null } {
  const { spec: dataset, dir, kind } = resolveDataset(o);
  if (kind !== 'csv' && (o.label !== null || !o.header || o.missing !== 'error')) throw new UsageError('--label, --no-header and --missing are for CSV datasets');
  if (kind === 'idx' && o.testFraction !== null) throw new UsageError('--test-fraction is for iris and CSV; IDX datasets have their own test set');
  const lbfgs = o.solver === 'lbfgs';
  if (lbfgs && (o.batchSize !== null || o.lr !== null || o.lrDecay !== null)) {
    throw new UsageError('--batch-size, --lr and --lr-decay do not apply to --solver lbfgs (full batch; a line search picks each step)');
  }
  const d = DEFAULTS[kind];
  return {
    spec: {
      dataset,
      model: o.model,
      solver: o.solver,
      epochs: o.epochs ?? (lbfgs ? LBFGS_ITERATIONS : d.epochs),
      batchSize: o.batchSize ?? d.batchSize,
      learningRate: o.lr ?? o.gridLr?.[0] ?? defaultLearningRate(d, o.model),
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
    dataDir: dir,
  };
}

async function main(argv: readonly string[]): Promise<number> {
  let o: CliOptions;
  let job: { spec: JobSpec; dataDir: string | null };
  try {
    o = parseArgs(argv);
    if (o.help) {
      console.log(USAGE);
      return 0;
    }
    job = buildSpec(o);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    console.error(`train: ${e.message}`);
    return 2;
  }
  const { spec, dataDir } = job;
  const tty = process.stdout.isTTY === true;
  const progress = new Progress(tty, (s) => process.stdout.write(s));
  const onEvent = (event: JobEvent): void => {
    if (event.type === 'status') console.log(event.message);
    else if (event.type === 'start') {
      for (const line of describeInfo(event.info, spec)) console.log(line);
      progress.start(spec.epochs);
    } else if (event.type === 'epoch') progress.epoch(event.log);
  };
  console.log(`train: ${o.dataset}, ${spec.model} regression, runtime ${o.runtime}`);
  let result: JobResult;
  try {
    result = await (o.runtime === 'node' ? runInNode : runInChrome)(spec, dataDir, onEvent);
  } catch (e) {
    progress.stop();
    const err = e instanceof Error ? e : new Error(String(e));
    console.error(`train: ${err.name}: ${commandMessage(err.name, err.message, spec)}`);
    // The library's own errors explain themselves; anything else is a bug, and its stack helps.
    if (!EXPLAINED.has(err.name) && err.stack !== undefined) console.error(err.stack);
    return 1;
  }
  progress.stop();
  for (const line of resultLines(result, tty)) console.log(line);
  if (o.save !== null && result.model !== null) {
    writeFileSync(o.save, `${JSON.stringify(result.model)}\n`);
    console.log(`saved            ${o.save}`);
  }
  if (o.json) console.log(JSON.stringify(summary(spec, result, o.runtime)));
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  },
);
