// A child process for test/node-runtime.test.ts: runs the built library (dist/index.js; Node cannot
// load the sources' .wgsl imports) on Dawn, the `webgpu` package, and prints one JSON line of results.
// Started with --expose-gc: it collects garbage after every epoch, so a device whose GPU object was
// collected would crash or hang the run.
import { create } from 'webgpu';
import {
  createContext, DeviceLostError, GPUError, LinearRegression, LogisticRegression, SoftmaxRegression,
  type AdapterDescription, type FitOptions, type GpuContext, type History, type MatrixInput,
} from '../../dist/index.js';
import { BUFFER_USAGE } from '../../src/gpu/webgpu-constants.ts';
import type { ModelRun } from '../../harness/fixtures.ts';

export interface FitJob {
  kind: 'fit';
  runs: ModelRun[];
}

export interface ErrorsJob {
  kind: 'errors';
}

export interface FitResult {
  history: History;
  W: number[];
  b: number[];
  score: number;
  /** ctx.liveBuffers once the model is destroyed. */
  liveAfterDestroy: number;
}

export interface FitOutput {
  adapter: AdapterDescription;
  results: FitResult[];
}

export interface CaughtError {
  name: string;
  message: string;
  isLibraryClass: boolean;
}

export interface ErrorsOutput {
  /** What reading a matrix threw after the app's own invalid call on the device (null: nothing). */
  afterAppError: CaughtError | null;
  /** What the app's own 'uncapturederror' listener heard. */
  appErrors: string[];
  /** The library's own invalid work: reading back a buffer that lacks COPY_SRC. */
  validation: CaughtError | null;
  /** Reading a matrix after that failed read (null: it worked). */
  afterValidation: CaughtError | null;
  loss: CaughtError | null;
  lostReason: string;
}

const collect = (globalThis as { gc?: () => void }).gc;
if (collect === undefined) throw new Error('run the worker with node --expose-gc');
const gc: () => void = collect;

function input(m: ModelRun['X']): MatrixInput {
  return { data: Float32Array.from(m.data), rows: m.rows, cols: m.cols };
}

// The GPU object goes straight into createContext and is not kept here: the context must keep it alive.
function openContext(): Promise<GpuContext> {
  return createContext({ gpu: create([]) });
}

async function fit(ctx: GpuContext, run: ModelRun): Promise<FitResult> {
  const o = run.options as never;
  const model = run.model === 'logistic' ? new LogisticRegression(ctx, o) : run.model === 'softmax' ? new SoftmaxRegression(ctx, o) : new LinearRegression(ctx, o);
  try {
    const options = { ...(run.fit as FitOptions<MatrixInput, number[]>), onEpochEnd: () => gc() };
    const history = await model.fit(input(run.X), run.y, options);
    gc();
    const p = await model.getParams();
    const score = await model.score(input(run.X), run.y);
    return { history, W: Array.from(p.W.data), b: Array.from(p.b), score, liveAfterDestroy: -1 };
  } finally {
    model.destroy();
  }
}

async function fitAll(job: FitJob): Promise<FitOutput> {
  const ctx = await openContext();
  gc();
  try {
    const results: FitResult[] = [];
    for (const run of job.runs) results.push({ ...(await fit(ctx, run)), liveAfterDestroy: ctx.liveBuffers });
    return { adapter: ctx.adapter, results };
  } finally {
    ctx.destroy();
  }
}

function caught(e: unknown, cls: typeof GPUError | typeof DeviceLostError): CaughtError {
  const err = e as Error;
  return { name: err.name, message: err.message, isLibraryClass: err instanceof cls };
}

/** What `work` threw, or null. */
async function errorOf(work: () => Promise<unknown>, cls: typeof GPUError | typeof DeviceLostError): Promise<CaughtError | null> {
  try {
    await work();
    return null;
  } catch (e) {
    return caught(e, cls);
  }
}

/**
 * Another owner's invalid call on the device is none of the library's business; the library's own
 * invalid work rejects the call that did it, and only that call; device loss then fails every call.
 */
async function errors(): Promise<ErrorsOutput> {
  const out: ErrorsOutput = { afterAppError: null, appErrors: [], validation: null, afterValidation: null, loss: null, lostReason: '' };
  const ctx = await openContext();
  try {
    ctx.device.addEventListener('uncapturederror', (event) => {
      out.appErrors.push((event as GPUUncapturedErrorEvent).error.message);
    });
    const A = ctx.upload([[1, 2], [3, 4]], 'A');
    // MAP_READ may only be combined with COPY_DST: Dawn reports this, uncaptured, to the app.
    ctx.device.createBuffer({ size: 16, usage: BUFFER_USAGE.MAP_READ | BUFFER_USAGE.STORAGE });
    out.afterAppError = await errorOf(() => A.read(), GPUError);
    const noCopySource = ctx.device.createBuffer({ size: 16, usage: BUFFER_USAGE.STORAGE });
    out.validation = await errorOf(() => ctx.readBuffer(noCopySource, 4), GPUError);
    out.afterValidation = await errorOf(() => A.read(), GPUError);
    ctx.device.destroy();
    out.lostReason = (await ctx.lost).reason;
    try {
      ctx.upload([[1]], 'B');
    } catch (e) {
      out.loss = caught(e, DeviceLostError);
    }
    return out;
  } finally {
    ctx.destroy();
  }
}

async function main(): Promise<void> {
  let text = '';
  for await (const chunk of process.stdin) text += String(chunk);
  const job = JSON.parse(text) as FitJob | ErrorsJob;
  const result = job.kind === 'fit' ? await fitAll(job) : await errors();
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

await main();
