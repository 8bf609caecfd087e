// Fixtures that misuse the library on purpose: bad calls, device loss, leaks, churn, concurrency.
import { createContext, LinearRegression, LogisticRegression, ops, SoftmaxRegression, type FitOptions, type GpuContext, type GpuMatrix, type MatrixInput } from '../src/index.ts';
import type { WireError, WireMatrix } from './wire.ts';
import type { ContextOptions, ModelJSON } from '../src/index.ts';
import { type AnyModel, context, destroyResult, errorOf, makeModel, modelOutputs, type ModelRun, readAll, sigmoidOfZero, upload, wireInput } from './fixtures-shared.ts';

/** A call meant to fail, as data: `call` names what to call, `args` may hold the tags decodeBadArg knows. */
export interface BadCall {
  call: string;
  args: unknown[];
}

export interface BadCallsRun {
  X: WireMatrix;
  yBinary: number[];
  yClasses: number[];
  yReal: number[];
  cases: BadCall[];
}

/** What bad calls are made against: fitted models, a second live context and a destroyed one. */
interface BadCallEnv {
  ctx: GpuContext;
  foreign: GpuContext;
  dead: GpuContext;
  /** logistic, softmax and linear (fitted), destroyed (after destroy()), onDeadContext. */
  models: Record<string, AnyModel>;
  deadMatrix: GpuMatrix;
  json: Record<string, ModelJSON>;
}

const MODEL_CLASSES = { LogisticRegression, SoftmaxRegression, LinearRegression } as const;

async function badCallEnv(ctx: GpuContext, a: BadCallsRun): Promise<BadCallEnv> {
  const X = wireInput(a.X);
  const fit = { epochs: 3, batchSize: 4, learningRate: 0.1, seed: 1 };
  const logistic = new LogisticRegression(ctx, { nFeatures: a.X.cols });
  const softmax = new SoftmaxRegression(ctx, { nFeatures: a.X.cols, nClasses: 3 });
  const linear = new LinearRegression(ctx, { nFeatures: a.X.cols });
  await logistic.fit(X, a.yBinary, fit);
  await softmax.fit(X, a.yClasses, fit);
  await linear.fit(X, a.yReal, fit);
  const destroyed = new SoftmaxRegression(ctx, { nFeatures: a.X.cols, nClasses: 3 });
  destroyed.destroy();
  const foreign = await createContext();
  const dead = await createContext();
  const onDeadContext = new SoftmaxRegression(dead, { nFeatures: a.X.cols, nClasses: 3 });
  const deadMatrix = dead.upload([[1, 2], [3, 4]]);
  dead.destroy();
  return {
    ctx, foreign, dead, deadMatrix,
    models: { logistic, softmax, linear, destroyed, onDeadContext },
    json: { logistic: logistic.toJSON(), softmax: softmax.toJSON(), linear: linear.toJSON() },
  };
}

function disposeBadCallEnv(env: BadCallEnv): void {
  for (const m of Object.values(env.models)) m.destroy();
  env.deadMatrix.destroy();
  env.foreign.destroy();
  env.dead.destroy();
}

/** Parameters and predictions of the fitted models, as one string to compare before and after. */
async function modelSnapshot(env: BadCallEnv, X: WireMatrix): Promise<string> {
  const parts: unknown[] = [];
  for (const key of ['logistic', 'softmax', 'linear']) {
    const model = env.models[key] as AnyModel;
    parts.push(model.toJSON(), await modelOutputs(model, wireInput(X)));
  }
  return JSON.stringify(parts);
}

async function runBadCall(env: BadCallEnv, c: BadCall): Promise<WireError['error'] | null> {
  const made: { destroy(): void }[] = [];
  try {
    const args = c.args.map((v) => decodeBadArg(env, v, made));
    // A call that wrongly succeeds must not leak what it made either.
    return await errorOf(async () => destroyResult(await invokeBadCall(env, c.call, args)));
  } finally {
    for (const m of made) m.destroy();
  }
}

function callMember(target: object, member: string | undefined, args: unknown[]): unknown {
  const fn = member === undefined ? undefined : (target as Record<string, unknown>)[member];
  if (typeof fn !== 'function') throw new Error(`badCalls: no function ${String(member)}`);
  return (fn as (...x: unknown[]) => unknown).apply(target, args);
}

/** createContext, upload (on the page's context), read, ops.<op>, new.<Model>, <Model>.fromJSON, <model>.<method>. */
async function invokeBadCall(env: BadCallEnv, call: string, args: unknown[]): Promise<unknown> {
  const [head, member] = call.split('.') as [string, string | undefined];
  if (call === 'createContext') return createContext(args[0] as ContextOptions);
  if (call === 'upload') return env.ctx.upload(args[0] as MatrixInput);
  if (call === 'read') return (args[0] as GpuMatrix).read();
  if (head === 'ops') return callMember(ops, member, args);
  if (head === 'new' && member !== undefined && member in MODEL_CLASSES) {
    // The explicit (ctx, options) form: the three classes' constructors, overloaded, do not unite.
    const Cls = MODEL_CLASSES[member as keyof typeof MODEL_CLASSES] as new (ctx: GpuContext, options: never) => unknown;
    return new Cls(args[0] as GpuContext, args[1] as never);
  }
  if (head in MODEL_CLASSES && member === 'fromJSON') {
    return MODEL_CLASSES[head as keyof typeof MODEL_CLASSES].fromJSON(args[0] as GpuContext, args[1]);
  }
  const model = env.models[head];
  if (model !== undefined) return callMember(model, member, args);
  throw new Error(`badCalls: unknown call ${call}`);
}

function typedArray(kind: unknown, values: number[]): ArrayBufferView {
  switch (kind) {
    case 'Float32Array':
      return Float32Array.from(values);
    case 'Float64Array':
      return Float64Array.from(values);
    case 'Int32Array':
      return Int32Array.from(values);
    case 'BigInt64Array':
      return BigInt64Array.from(values, (x) => BigInt(x));
    default:
      throw new Error(`badCalls: no typed array ${String(kind)}`);
  }
}

/**
 * Rebuilds what JSON cannot carry: { $number } NaN/±Infinity, { $ctx: main|foreign|dead },
 * { $device } (the page context's device), { $matrix, on?: 'foreign', destroyed? } GPU matrices,
 * { $deadMatrix } (a matrix of the destroyed context), { $typed, values } typed arrays,
 * { $sparse: length, values } arrays with holes, { $json: model, set? } a fitted model's toJSON()
 * with fields replaced, { $fn: 'nan' } a function returning NaN.
 */
function decodeBadArg(env: BadCallEnv, v: unknown, made: { destroy(): void }[]): unknown {
  if (Array.isArray(v)) return v.map((x) => decodeBadArg(env, x, made));
  if (typeof v !== 'object' || v === null) return v;
  const o = v as Record<string, unknown>;
  if ('$number' in o) return Number(o.$number);
  if ('$ctx' in o) return o.$ctx === 'foreign' ? env.foreign : o.$ctx === 'dead' ? env.dead : env.ctx;
  if ('$device' in o) return env.ctx.device;
  if ('$deadMatrix' in o) return env.deadMatrix;
  if ('$matrix' in o) {
    const m = upload(o.on === 'foreign' ? env.foreign : env.ctx, 'arg', o.$matrix as WireMatrix);
    made.push(m);
    if (o.destroyed === true) m.destroy();
    return m;
  }
  if ('$typed' in o) return typedArray(o.$typed, decodeBadArg(env, o.values, made) as number[]);
  if ('$sparse' in o) {
    const arr: unknown[] = new Array<unknown>(o.$sparse as number);
    for (const [i, x] of Object.entries(o.values as Record<string, unknown>)) arr[Number(i)] = decodeBadArg(env, x, made);
    return arr;
  }
  if ('$json' in o) return { ...env.json[o.$json as string], ...(decodeBadArg(env, o.set ?? {}, made) as object) };
  if ('$fn' in o) return () => Number.NaN;
  return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, decodeBadArg(env, x, made)]));
}

/** performance.memory.usedJSHeapSize where Chrome provides it (coarse unless precise memory info is on). */
function jsHeap(): number | null {
  const memory = (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory;
  return memory === undefined ? null : memory.usedJSHeapSize;
}

export const robustnessFixtures = {
  async liveBuffers(): Promise<number> {
    return (await context()).liveBuffers;
  },
  /**
   * Makes each call in `cases` (every one meant to fail) against fitted models, a second context,
   * a destroyed context and matrices set up here; records what each throws; then checks that the
   * models' parameters and predictions, the live-buffer count and both contexts are as before.
   */
  async badCalls(a: BadCallsRun) {
    const ctx = await context();
    const env = await badCallEnv(ctx, a);
    try {
      const before = await modelSnapshot(env, a.X);
      const liveBefore = ctx.liveBuffers;
      const errors: (WireError['error'] | null)[] = [];
      for (const c of a.cases) errors.push(await runBadCall(env, c));
      return {
        errors,
        unchanged: (await modelSnapshot(env, a.X)) === before,
        leakedBuffers: ctx.liveBuffers - liveBefore,
        contextWorks: await sigmoidOfZero(ctx),
        foreignContextWorks: await sigmoidOfZero(env.foreign),
      };
    } finally {
      disposeBadCallEnv(env);
    }
  },
  /**
   * Fits a model and saves it with toJSON(), then fits again on a fresh context and destroys the
   * device mid-fit (from onEpochEnd, or from a timer `delayMs` after the fit starts). Reports what
   * the second fit threw, how the lost context and model behave, and a copy restored from the
   * model's toJSON() on a new context.
   */
  async deviceLoss(a: ModelRun & { loseAfterEpoch?: number; delayMs?: number }) {
    const ctx = await createContext();
    const model = makeModel(ctx, a);
    const X = wireInput(a.X);
    const fit = a.fit as FitOptions<MatrixInput, number[]>;
    await model.fit(X, a.y, fit);
    const saved = JSON.stringify(model.toJSON());
    const probaBefore = await modelOutputs(model, X);
    const onEpochEnd = (log: { epoch: number }) => {
      if (log.epoch === a.loseAfterEpoch) ctx.device.destroy();
    };
    const running = model.fit(X, a.y, { ...fit, epochs: (fit.epochs ?? 10) * 50, onEpochEnd });
    if (a.delayMs !== undefined) setTimeout(() => ctx.device.destroy(), a.delayMs);
    const fitError = await errorOf(running);
    const lost = await ctx.lost;
    const afterLoss = {
      upload: await errorOf(async () => ctx.upload([[1]]).destroy()),
      predict: await errorOf(model.predict(X)),
      newModel: await errorOf(async () => makeModel(ctx, a).destroy()),
      op: await errorOf(async () => ops.sigmoid(ctx, ctx.zeros(1, 1)).destroy()),
    };
    const jsonAfter = JSON.stringify(model.toJSON());
    model.destroy();
    model.destroy();
    const liveAfterDestroy = ctx.liveBuffers;
    ctx.destroy();
    const fresh = await createContext();
    try {
      const Cls = model.constructor as unknown as { fromJSON(c: GpuContext, j: unknown): typeof model };
      const restored = Cls.fromJSON(fresh, JSON.parse(saved));
      const probaRestored = await modelOutputs(restored, X);
      const params = await restored.getParams();
      restored.destroy();
      return {
        fitError, lostReason: lost.reason, afterLoss, liveAfterDestroy,
        jsonUnchanged: jsonAfter === saved, saved: JSON.parse(saved) as { W: number[]; b: number[] },
        probaBefore, probaRestored, restoredW: Array.from(params.W.data), restoredB: Array.from(params.b),
        freshLive: fresh.liveBuffers,
      };
    } finally {
      fresh.destroy();
    }
  },
  /** A matrix read pending when the device is destroyed. */
  async readDuringLoss(): Promise<WireError['error'] | null> {
    const ctx = await createContext();
    const m = ctx.upload({ data: new Float32Array(1 << 16), rows: 256, cols: 256 });
    const pending = m.read();
    ctx.device.destroy();
    try {
      return await errorOf(pending);
    } finally {
      ctx.destroy();
    }
  },
  /**
   * Creates, fits and destroys `models` models (cycling through the three kinds) on one new
   * context; reports its live-buffer count at each stage and performance.memory where Chrome has it.
   */
  async modelChurn(a: { models: number; X: WireMatrix; yBinary: number[]; yClasses: number[]; yReal: number[] }) {
    const ctx = await createContext();
    try {
      const X = wireInput(a.X);
      const start = ctx.liveBuffers;
      const heapStart = jsHeap();
      let worstLive = start;
      for (let i = 0; i < a.models; i++) {
        const kind = (['logistic', 'softmax', 'linear'] as const)[i % 3] as ModelRun['model'];
        const options: Record<string, unknown> = { nFeatures: a.X.cols };
        if (kind === 'softmax') options.nClasses = 3;
        const model = makeModel(ctx, { model: kind, options, X: a.X, y: [], fit: {} });
        const y = kind === 'logistic' ? a.yBinary : kind === 'softmax' ? a.yClasses : a.yReal;
        await model.fit(X, y, { epochs: 2, batchSize: 4, learningRate: 0.1, seed: i });
        await model.predict(X);
        worstLive = Math.max(worstLive, ctx.liveBuffers);
        model.destroy();
        model.destroy();
      }
      const end = ctx.liveBuffers;
      const survivor = new SoftmaxRegression(ctx, { nFeatures: a.X.cols, nClasses: 3 });
      const withSurvivor = ctx.liveBuffers;
      ctx.destroy();
      const afterContextDestroy = ctx.liveBuffers;
      survivor.destroy();
      ctx.destroy();
      return { start, end, worstLive, withSurvivor, afterContextDestroy, afterAll: ctx.liveBuffers, heapStart, heapEnd: jsHeap() };
    } finally {
      ctx.destroy();
    }
  },
  /** Fits the runs all at once on the page's context (Promise.all), then one after the other. */
  async concurrentFits(a: { runs: ModelRun[] }) {
    const ctx = await context();
    const liveBefore = ctx.liveBuffers;
    const fitOne = async (run: ModelRun, during?: (m: ReturnType<typeof makeModel>) => Promise<unknown>) => {
      const model = makeModel(ctx, run);
      try {
        const fitting = model.fit(wireInput(run.X), run.y, run.fit as FitOptions<MatrixInput, number[]>);
        const interleaved = during === undefined ? null : await during(model);
        const history = await fitting;
        const p = await model.getParams();
        return { W: Array.from(p.W.data), b: Array.from(p.b), loss: history.loss, interleaved };
      } finally {
        model.destroy();
      }
    };
    // While they fit: one model is asked to predict mid-fit, and another caller uses the same context.
    const busy = async (m: ReturnType<typeof makeModel>) => errorOf(m.predict(wireInput(a.runs[0]?.X as WireMatrix)));
    const fitting = Promise.all(a.runs.map((r, i) => fitOne(r, i === 0 ? busy : undefined)));
    const Z = ctx.upload([[0, 2], [-2, 1e4]]);
    const op = await readAll(ops.sigmoid(ctx, Z)).finally(() => Z.destroy());
    const together = await fitting;
    const apart = [];
    for (const r of a.runs) apart.push(await fitOne(r));
    return { together, apart, op: op[0]?.data ?? [], leakedBuffers: ctx.liveBuffers - liveBefore };
  },
};
