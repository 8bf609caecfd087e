// Fixtures for failure handling, run in the harness page: divergence at the last step, GPU errors
// kept to the call that caused them (destroy() during fit, another owner's errors on a shared
// device), overlapping read-only calls, async epoch callbacks, byte inputs at every entry point,
// and arrays detached while a fit runs. Merged into the page's fixtures by fixtures.ts.
import {
  createContext, GPUError, LinearRegression, ops,
  type FitOptions, type GpuContext, type MatrixInput,
} from '../src/index.ts';
import { BUFFER_USAGE } from '../src/gpu/webgpu-constants.ts';
import { context, errorOf, makeModel, pageEngine, sigmoidOfZero, wireInput, type ModelRun } from './fixtures-shared.ts';
import type { WireError } from './wire.ts';

type Model = ReturnType<typeof makeModel>;
type Caught = WireError['error'] | null;

/** A fresh context on the page's engine, so a fixture that breaks things breaks nothing else. */
function freshContext(device?: GPUDevice): Promise<GpuContext> {
  return createContext(device === undefined ? { engine: pageEngine() } : { device, engine: pageEngine() });
}

function fitOptions(run: ModelRun): FitOptions<MatrixInput, number[]> {
  return run.fit as FitOptions<MatrixInput, number[]>;
}

/** Every output of the model as one flat array: predictProba for classifiers, predict for regression. */
async function outputs(model: Model, X: unknown): Promise<number[]> {
  const input = X as MatrixInput;
  if (model instanceof LinearRegression) return Array.from((await model.predict(input)).data);
  const p = await model.predictProba(input);
  return Array.from(p instanceof Float32Array ? p : p.data);
}

async function paramsOf(model: Model): Promise<number[]> {
  const p = await model.getParams();
  return [...p.W.data, ...p.b];
}

/** The error a promise rejects with, with its cause (for wrapped callback errors). */
async function rejection(work: Promise<unknown>): Promise<{ name: string; message: string; causeIs: unknown; isGPUError: boolean } | null> {
  try {
    await work;
    return null;
  } catch (e) {
    const err = e as Error & { cause?: unknown };
    return { name: err.name, message: err.message, causeIs: err.cause, isGPUError: e instanceof GPUError };
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A copy of a run's X whose data are the given typed array of the same values. */
function withData(run: ModelRun, data: ArrayLike<number>, extra: Record<string, unknown> = {}): unknown {
  return { data, rows: run.X.rows, cols: run.X.cols, ...extra };
}

export const hardeningFixtures = {
  /**
   * Fits `run` (a fit that should succeed), saves the model, then fits `diverging` on it. Reports the
   * second fit's error, whether the model kept the saved parameters, and whether its toJSON() comes
   * back through fromJSON().
   */
  async divergence(a: { run: ModelRun; diverging: ModelRun['fit'] }) {
    const ctx = await context();
    const model = makeModel(ctx, a.run);
    const X = wireInput(a.run.X);
    try {
      await model.fit(X, a.run.y, fitOptions(a.run));
      const saved = JSON.stringify(model.toJSON());
      const error = await errorOf(model.fit(X, a.run.y, a.diverging as FitOptions<MatrixInput, number[]>));
      const json = model.toJSON();
      const Cls = model.constructor as unknown as { fromJSON(c: GpuContext, j: unknown): Model };
      let restored: Caught = null;
      try {
        Cls.fromJSON(ctx, JSON.parse(JSON.stringify(json))).destroy();
      } catch (e) {
        restored = { name: (e as Error).name, message: (e as Error).message };
      }
      const out = await outputs(model, X);
      return {
        error, unchanged: JSON.stringify(json) === saved, fromJSONError: restored,
        finite: [...json.W, ...json.b, ...out].every((v) => Number.isFinite(v)),
      };
    } finally {
      model.destroy();
    }
  },

  /**
   * Fits `victim` and `other` at once on a fresh context and destroys the victim during its fit:
   * right after fit() is called, from onEpochEnd after epoch 1, or from a timer. Reports the
   * victim's error, the other fit's parameters beside those of the same fit run alone, and how the
   * context behaves afterwards.
   */
  async destroyDuringFit(a: { victim: ModelRun; other: ModelRun; when: 'now' | 'callback' | 'timer'; delayMs?: number }) {
    const ctx = await freshContext();
    try {
      const victim = makeModel(ctx, a.victim);
      const other = makeModel(ctx, a.other);
      const fit = fitOptions(a.victim);
      const onEpochEnd = a.when === 'callback' ? (log: { epoch: number }) => void (log.epoch === 1 && victim.destroy()) : undefined;
      const running = victim.fit(wireInput(a.victim.X), a.victim.y, { ...fit, ...(onEpochEnd === undefined ? {} : { onEpochEnd }) });
      if (a.when === 'now') victim.destroy();
      if (a.when === 'timer') setTimeout(() => victim.destroy(), a.delayMs ?? 0);
      const [victimError] = await Promise.all([errorOf(running), other.fit(wireInput(a.other.X), a.other.y, fitOptions(a.other))]);
      const together = await paramsOf(other);
      other.destroy();
      const afterward = {
        usedAfter: await errorOf(victim.predict(wireInput(a.victim.X) as never)),
        destroyed: victim.destroyed,
        liveBuffers: ctx.liveBuffers,
      };
      const alone = makeModel(ctx, a.other);
      await alone.fit(wireInput(a.other.X), a.other.y, fitOptions(a.other));
      const apart = await paramsOf(alone);
      alone.destroy();
      return { victimError, together, apart, ...afterward, contextWorks: await sigmoidOfZero(ctx), liveAtEnd: ctx.liveBuffers };
    } finally {
      ctx.destroy();
    }
  },

  /**
   * The app's own WebGPU calls on a device it shares with the library, and the library's own GPU
   * errors, each reported to its owner only: the app's invalid calls (also while a fit runs) reach
   * the app's 'uncapturederror' listener and change nothing for the library; the library's own
   * failed read, submit and op reject the call that made them and leave the context working.
   */
  async sharedDevice(a: { run: ModelRun }) {
    const adapter = await navigator.gpu.requestAdapter();
    if (adapter === null) throw new Error('no adapter');
    const device = await adapter.requestDevice();
    const appErrors: string[] = [];
    device.addEventListener('uncapturederror', (event) => {
      // An app that handles its errors: the browser does not log them then.
      event.preventDefault();
      appErrors.push((event as GPUUncapturedErrorEvent).error.message);
    });
    const invalid = () => device.createBuffer({ size: 4, usage: 0 });
    const ctx = await freshContext(device);
    const X = wireInput(a.run.X);
    const fitTwice = async (disturb: boolean) => {
      const model = makeModel(ctx, a.run);
      const timer = disturb ? setInterval(invalid, 1) : undefined;
      try {
        const onEpochEnd = disturb ? () => void invalid() : undefined;
        await model.fit(X, a.run.y, { ...fitOptions(a.run), ...(onEpochEnd === undefined ? {} : { onEpochEnd }) });
        return { params: await paramsOf(model), outputs: await outputs(model, X) };
      } finally {
        clearInterval(timer);
        model.destroy();
      }
    };
    try {
      const quiet = await fitTwice(false);
      invalid();
      const disturbed = await fitTwice(true);
      const appErrorsSeen = appErrors.length;
      // The library's own errors. A buffer without COPY_SRC cannot be read back:
      const noCopy = device.createBuffer({ size: 16, usage: BUFFER_USAGE.STORAGE });
      const readError = await rejection(ctx.readBuffer(noCopy, 4));
      noCopy.destroy();
      // An op whose input buffer was destroyed behind the library's back, beside a healthy one:
      const broken = ctx.upload([[1, 2]]);
      const healthy = ctx.upload([[0, 2]]);
      broken.buffer.destroy();
      const Zbroken = ops.sigmoid(ctx, broken);
      const Zhealthy = ops.sigmoid(ctx, healthy);
      const [opError, healthyRead] = await Promise.all([rejection(Zbroken.read()), Zhealthy.read()]);
      const secondRead = await errorOf(Zbroken.read());
      // A submit of a dispatch bound to a destroyed buffer:
      const params = ctx.createUniform(ctx.kernel('sigmoid').uniformBytes({ n: 2 }), 'probe.params');
      const dead = ctx.createStorage(4, 'probe.dead');
      const out = ctx.createStorage(4, 'probe.out');
      const dispatch = ctx.kernel('sigmoid').dispatch('main', { params, Z: dead, Yhat: out }, [1, 1, 1]);
      dead.destroy();
      const submitError = await rejection(ctx.submit([dispatch]));
      for (const b of [params, dead, out]) ctx.releaseBuffer(b);
      for (const m of [broken, healthy, Zbroken, Zhealthy]) m.destroy();
      const afterErrors = await fitTwice(false);
      const contextWorks = await sigmoidOfZero(ctx);
      const liveBuffers = ctx.liveBuffers;
      ctx.destroy();
      // The device is the app's: still usable after the context is gone.
      const probe = device.createBuffer({ size: 16, usage: BUFFER_USAGE.STORAGE });
      probe.destroy();
      // Uncaptured errors are delivered as events a little later: give a leaked one time to arrive.
      await device.queue.onSubmittedWorkDone();
      await sleep(50);
      return {
        // Messages only the app's own calls cause: errors arrive late, so counts at one moment prove little.
        quiet, disturbed, afterErrors, appErrorsSeen, appMessages: [...new Set(appErrors)],
        readError, opError, healthyRead: Array.from(healthyRead.data), secondRead, submitError,
        contextWorks, liveBuffers,
      };
    } finally {
      ctx.destroy();
      device.destroy();
    }
  },

  /**
   * Read-only calls on one fitted model, one after another and all at once; while they run, fit()
   * and setParams() are refused (their messages name what runs) and toJSON() answers; destroy()
   * during them lets them finish first.
   */
  async concurrentReads(a: { run: ModelRun }) {
    const ctx = await context();
    const liveBefore = ctx.liveBuffers;
    const model = makeModel(ctx, a.run);
    const X = wireInput(a.run.X);
    const reads = (): Promise<unknown>[] => [
      model.predict(X), outputs(model, X), model.score(X, a.run.y), model.loss(X, a.run.y), model.getParams(),
    ];
    const plain = (values: unknown[]): string =>
      JSON.stringify(values, (_k, v: unknown) => (ArrayBuffer.isView(v) ? Array.from(v as Float32Array) : v));
    try {
      await model.fit(X, a.run.y, fitOptions(a.run));
      const sequential: unknown[] = [];
      for (const read of reads()) sequential.push(await read);
      const pending = [...reads(), ...reads()];
      const fitRefused = await errorOf(model.fit(X, a.run.y, fitOptions(a.run)));
      const json = model.toJSON();
      const setParamsRefused = await errorOf(() => model.setParams({ W: { data: json.W, rows: json.nFeatures, cols: json.nOutputs }, b: json.b }));
      const jsonDuring = json.W.length;
      const together = await Promise.all(pending);
      const refit = await errorOf(model.fit(X, a.run.y, fitOptions(a.run)));
      const last = reads();
      model.destroy();
      const afterDestroy = await Promise.all(last);
      return {
        sequential: plain(sequential), together: plain(together.slice(0, 5)), togetherAgain: plain(together.slice(5)),
        afterDestroy: plain(afterDestroy), fitRefused, setParamsRefused, jsonDuring, refit,
        usedAfter: await errorOf(model.getParams()), leakedBuffers: ctx.liveBuffers - liveBefore,
      };
    } finally {
      model.destroy();
    }
  },

  /**
   * onEpochEnd returning promises: the order in which the schedule (run at each epoch's start) and
   * the callback's start and end happen, and what fit() does when the callback's promise rejects
   * (or it throws) after `failAfter` epochs.
   */
  async asyncCallbacks(a: { run: ModelRun; failAfter: number }) {
    const ctx = await context();
    const model = makeModel(ctx, a.run);
    const X = wireInput(a.run.X);
    let unhandled = 0;
    const onUnhandled = () => void unhandled++;
    globalThis.addEventListener('unhandledrejection', onUnhandled);
    try {
      const events: string[] = [];
      const rate = a.run.fit.learningRate as number;
      const history = await model.fit(X, a.run.y, {
        ...fitOptions(a.run),
        learningRate: (epoch: number) => {
          events.push(`rate ${epoch}`);
          return rate;
        },
        onEpochEnd: async ({ epoch }) => {
          events.push(`start ${epoch}`);
          await sleep(15);
          events.push(`end ${epoch}`);
        },
      });
      const saved = JSON.stringify(model.toJSON());
      const boom = new Error('boom');
      const failures = [
        { kind: 'rejects', callback: async ({ epoch }: { epoch: number }) => (epoch === a.failAfter ? Promise.reject(boom) : sleep(1)) },
        { kind: 'throws', callback: ({ epoch }: { epoch: number }) => {
          if (epoch === a.failAfter) throw boom;
        } },
        { kind: 'rejects a string', callback: async ({ epoch }: { epoch: number }) => {
          await sleep(1);
          if (epoch === a.failAfter) throw 'not an Error';
        } },
      ];
      const failed = [];
      for (const f of failures) {
        const e = await rejection(model.fit(X, a.run.y, { ...fitOptions(a.run), onEpochEnd: f.callback }));
        failed.push({
          kind: f.kind, name: e?.name, message: e?.message, causeIsBoom: e?.causeIs === boom,
          cause: e?.causeIs instanceof Error ? e.causeIs.message : e?.causeIs, unchanged: JSON.stringify(model.toJSON()) === saved,
        });
      }
      const refit = await errorOf(model.fit(X, a.run.y, fitOptions(a.run)));
      await sleep(20);
      return { events, epochs: history.epochs, failed, refit, unhandled };
    } finally {
      globalThis.removeEventListener('unhandledrejection', onUnhandled);
      model.destroy();
    }
  },

  /**
   * The same byte features given as Uint8Array, Uint8ClampedArray (ImageData's type) and as the f32
   * values byte·scale, at every entry point; then calls with a misspelt key or a scale on data that
   * is not bytes, each of which must fail and leave the model as it was.
   */
  async byteInputs(a: { run: ModelRun; scale: number; bad: { method: string; X: { kind: string; key: string } }[] }) {
    const ctx = await context();
    const { run, scale } = a;
    const u8 = withData(run, Uint8Array.from(run.X.data), { scale });
    const clamped = withData(run, Uint8ClampedArray.from(run.X.data), { scale });
    const f32 = withData(run, Float32Array.from(run.X.data, (v) => Math.fround(v * scale)));
    const unscaled = withData(run, Uint8ClampedArray.from(run.X.data));
    const variants = { u8, clamped, f32 };
    const fitted: Record<string, { params: number[]; loss: number[]; valLoss: number[] }> = {};
    const models: Model[] = [];
    try {
      for (const [name, X] of Object.entries(variants)) {
        const model = makeModel(ctx, run);
        models.push(model);
        const other = name === 'clamped' ? u8 : clamped;
        const h = await model.fit(X as MatrixInput, run.y, { ...fitOptions(run), validation: { X: other as MatrixInput, y: run.y } });
        fitted[name] = { params: await paramsOf(model), loss: h.loss, valLoss: h.valLoss ?? [] };
      }
      const model = models[0] as Model;
      const answers = async (X: unknown) => {
        const input = X as MatrixInput;
        const predicted = await model.predict(input);
        return {
          outputs: await outputs(model, X),
          predicted: Array.from(predicted instanceof Int32Array ? predicted : predicted.data),
          score: await model.score(input, run.y),
          loss: await model.loss(input, run.y),
        };
      };
      const answered = { u8: await answers(u8), clamped: await answers(clamped), f32: await answers(f32), unscaled: await answers(unscaled) };
      const before = JSON.stringify(model.toJSON());
      const errors: Caught[] = [];
      for (const b of a.bad) {
        const source = b.X.kind === 'Float32Array' ? Float32Array.from(run.X.data) : b.X.kind === 'array' ? Array.from(run.X.data) : Uint8ClampedArray.from(run.X.data);
        const X = withData(run, source, { [b.X.key]: scale }) as MatrixInput;
        const call = (): Promise<unknown> => {
          if (b.method === 'validation') return model.fit(wireInput(run.X), run.y, { ...fitOptions(run), validation: { X, y: run.y } });
          if (b.method === 'fit') return model.fit(X, run.y, fitOptions(run));
          if (b.method === 'score') return model.score(X, run.y);
          if (b.method === 'loss') return model.loss(X, run.y);
          if (b.method === 'predictProba' && !(model instanceof LinearRegression)) return model.predictProba(X);
          return model.predict(X);
        };
        errors.push(await errorOf(call()));
      }
      return { fitted, answered, errors, unchanged: JSON.stringify(model.toJSON()) === before };
    } finally {
      for (const m of models) m.destroy();
    }
  },

  /**
   * Transfers (detaches) the ArrayBuffer of an array fit() was given, from onEpochEnd after epoch 0:
   * validation.X, or X when trainAccuracy needs it each epoch, both with small shards (so each
   * epoch's metrics read them block by block from the host), then the same two with the sets
   * resident for the whole fit, and X when nothing reads it after the upload. Reports what each fit
   * did and whether the model kept its parameters.
   */
  async detachDuringFit(a: { run: ModelRun; scale: number }) {
    const ctx = await context();
    const model = makeModel(ctx, a.run);
    const { run } = a;
    try {
      await model.fit(wireInput(run.X), run.y, fitOptions(run));
      const saved = JSON.stringify(model.toJSON());
      const detachAfterEpoch0 = (data: ArrayBufferView) => (log: { epoch: number }) => {
        if (log.epoch === 0) structuredClone(data.buffer, { transfer: [data.buffer as ArrayBuffer] });
      };
      // Shards of 64 bytes hold a row or two: the sets cannot be measured in one pass.
      const fitValidation = (shardBytes: number | undefined) => {
        const valX = Float32Array.from(run.X.data);
        return errorOf(model.fit(wireInput(run.X), run.y, {
          ...fitOptions(run), ...(shardBytes === undefined ? {} : { shardBytes }),
          validation: { X: { data: valX, rows: run.X.rows, cols: run.X.cols }, y: run.y }, onEpochEnd: detachAfterEpoch0(valX),
        })).then((error) => ({ error, detached: valX.length === 0 }));
      };
      const fitTrainAccuracy = (shardBytes: number | undefined) => {
        const bytes = Uint8Array.from(run.X.data);
        return errorOf(model.fit({ data: bytes, rows: run.X.rows, cols: run.X.cols, scale: a.scale } as MatrixInput, run.y, {
          ...fitOptions(run), ...(shardBytes === undefined ? {} : { shardBytes }), trainAccuracy: true, onEpochEnd: detachAfterEpoch0(bytes),
        })).then((error) => ({ error, detached: bytes.length === 0 }));
      };
      const validation = await fitValidation(64);
      const trainAccuracy = await fitTrainAccuracy(64);
      const unchanged = JSON.stringify(model.toJSON()) === saved;
      const residentSets = [await fitValidation(undefined), await fitTrainAccuracy(undefined)];
      const resident = Float32Array.from(run.X.data);
      const residentFit = await errorOf(model.fit({ data: resident, rows: run.X.rows, cols: run.X.cols }, run.y, {
        ...fitOptions(run), onEpochEnd: detachAfterEpoch0(resident),
      }));
      return {
        validation: validation.error, trainAccuracy: trainAccuracy.error, unchanged, residentFit,
        residentSets: residentSets.map((r) => r.error),
        detached: [validation, trainAccuracy, ...residentSets].every((r) => r.detached) && resident.length === 0,
      };
    } finally {
      model.destroy();
    }
  },
};
