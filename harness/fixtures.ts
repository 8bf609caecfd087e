// Runs in the harness page: each fixture uploads plain arrays, runs library code on the page's
// WebGPU device and returns plain arrays, so Node-side tests can compare with the float64 reference.
import {
  createContext, LinearRegression, LogisticRegression, ops, SoftmaxRegression,
  type FitOptions, type GpuContext, type GpuMatrix, type History, type MatrixInput,
} from '../src/index.ts';
import { SHADERS, shaderSource, type KernelName } from '../src/kernels/shaders.ts';
import { reflectShader } from '../src/kernels/reflect.ts';
import type { LossKind } from '../src/types.ts';
import { BUFFER_USAGE } from '../src/webgpu-constants.ts';
import type { WireArg, WireError, WireMatrix } from './wire.ts';
import type { ContextOptions, EngineChoice, ModelJSON } from '../src/index.ts';
import { hardeningFixtures } from './fixtures-hardening.ts';

let contextPromise: Promise<GpuContext> | null = null;
let plainContextPromise: Promise<GpuContext> | null = null;

/** The step engine the page's contexts run, from the page URL (?engine=gpu|cpu; default: the adapter's choice). */
export function pageEngine(): EngineChoice {
  const e = new URLSearchParams(globalThis.location?.search ?? '').get('engine');
  return e === 'gpu' || e === 'cpu' ? e : 'auto';
}

/** One context for the page, with op outputs poisoned so unwritten elements read back as NaN. */
export function context(): Promise<GpuContext> {
  contextPromise ??= createContext({ poisonOutputs: true, engine: pageEngine() });
  return contextPromise;
}

/** The same without subgroup operations, so the kernels' plain build is tested on this adapter too. */
function plainContext(): Promise<GpuContext> {
  plainContextPromise ??= createContext({ poisonOutputs: true, subgroups: false, engine: pageEngine() });
  return plainContextPromise;
}

export function toWire(m: { data: Float32Array; rows: number; cols: number }): WireMatrix {
  return { data: Array.from(m.data), rows: m.rows, cols: m.cols };
}

function upload(ctx: GpuContext, name: string, m: WireMatrix): GpuMatrix {
  return ctx.upload({ data: Float32Array.from(m.data), rows: m.rows, cols: m.cols }, name);
}

/** Reads every matrix back, then frees them all. */
async function readAll(...ms: GpuMatrix[]): Promise<WireMatrix[]> {
  try {
    return (await Promise.all(ms.map((m) => m.read()))).map(toWire);
  } finally {
    for (const m of ms) m.destroy();
  }
}

async function withUploads<T>(
  inputs: Record<string, WireMatrix | undefined>,
  body: (ctx: GpuContext, m: Record<string, GpuMatrix>) => Promise<T>,
): Promise<T> {
  const ctx = await context();
  const uploaded: Record<string, GpuMatrix> = {};
  try {
    for (const [name, value] of Object.entries(inputs)) if (value !== undefined) uploaded[name] = upload(ctx, name, value);
    return await body(ctx, uploaded);
  } finally {
    for (const m of Object.values(uploaded)) m.destroy();
  }
}

function need(m: Record<string, GpuMatrix>, name: string): GpuMatrix {
  const v = m[name];
  if (v === undefined) throw new Error(`fixture input ${name} missing`);
  return v;
}

/** Fills `out` with a probe shader that copies each uniform field to a storage array. */
/** Kernels as the plain (no-subgroup) build: the uniform structs and bindings are the same in both. */
function plainSource(kernel: KernelName): string {
  return shaderSource(kernel, { subgroups: false });
}

function uniformProbeSource(kernel: KernelName): { source: string; fields: { name: string; type: string }[] } | null {
  const layout = reflectShader(plainSource(kernel)).uniforms;
  if (layout === null) return null;
  const struct = new RegExp(`struct\\s+${layout.structName}\\s*\\{[^}]*\\}`).exec(plainSource(kernel));
  if (struct === null) throw new Error(`${kernel}: struct ${layout.structName} not found in source`);
  const copies = layout.fields.map((f, i) => `  out[${i}] = f32(params.${f.name});`).join('\n');
  const source = `${struct[0]}
@group(0) @binding(0) var<uniform> params: ${layout.structName};
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@compute @workgroup_size(1)
fn main() {
${copies}
}`;
  return { source, fields: layout.fields.map((f) => ({ name: f.name, type: f.type })) };
}

const fixtures = {
  ...hardeningFixtures,
  async adapter() {
    const ctx = await context();
    const offered = (await navigator.gpu.requestAdapter())?.features.has('subgroups') === true;
    return {
      ...ctx.adapter, maxStorageBufferBindingSize: ctx.limits.maxStorageBufferBindingSize,
      subgroupsOffered: offered, subgroups: ctx.subgroups, plainSubgroups: (await plainContext()).subgroups,
      engine: ctx.engine, plainEngine: (await plainContext()).engine, requestedEngine: pageEngine(),
    };
  },

  /** The engine a new context resolves `engine` to on this adapter, or the error createContext throws. */
  async engineChoice(a: { engine: unknown }): Promise<{ engine: string | null; cpuAdapter: boolean; error: WireError['error'] | null }> {
    let engine: string | null = null;
    let cpuAdapter = false;
    const error = await errorOf(async () => {
      const ctx = await createContext(a.engine === undefined ? {} : ({ engine: a.engine } as ContextOptions));
      engine = ctx.engine;
      cpuAdapter = ctx.adapter.cpu;
      ctx.destroy();
    });
    return { engine, cpuAdapter, error };
  },

  async matmul(a: { X: WireMatrix; W: WireMatrix; b?: WireMatrix }): Promise<WireMatrix> {
    return withUploads({ X: a.X, W: a.W, b: a.b }, async (ctx, m) => {
      const [Z] = await readAll(ops.matmul(ctx, need(m, 'X'), need(m, 'W'), m.b));
      return Z as WireMatrix;
    });
  },

  async sigmoid(a: { Z: WireMatrix }): Promise<WireMatrix> {
    return withUploads({ Z: a.Z }, async (ctx, m) => (await readAll(ops.sigmoid(ctx, need(m, 'Z'))))[0] as WireMatrix);
  },

  async softmax(a: { Z: WireMatrix }): Promise<WireMatrix> {
    return withUploads({ Z: a.Z }, async (ctx, m) => (await readAll(ops.softmax(ctx, need(m, 'Z'))))[0] as WireMatrix);
  },

  async gradient(a: { X: WireMatrix; Yhat: WireMatrix; Y: WireMatrix }): Promise<{ dW: WireMatrix; db: WireMatrix }> {
    return withUploads(a, async (ctx, m) => {
      const g = ops.gradient(ctx, need(m, 'X'), need(m, 'Yhat'), need(m, 'Y'));
      const [dW, db] = await readAll(g.dW, g.db);
      return { dW: dW as WireMatrix, db: db as WireMatrix };
    });
  },

  async loss(a: { kind: LossKind; Z: WireMatrix; Y: WireMatrix }): Promise<number> {
    return withUploads({ Z: a.Z, Y: a.Y }, async (ctx, m) => {
      const [out] = await readAll(ops.loss(ctx, a.kind, need(m, 'Z'), need(m, 'Y')));
      return (out as WireMatrix).data[0] as number;
    });
  },

  async sgdStep(a: { W: WireMatrix; dW: WireMatrix; learningRate: number; l2?: number; b?: WireMatrix; db?: WireMatrix }) {
    return withUploads({ W: a.W, dW: a.dW, b: a.b, db: a.db }, async (ctx, m) => {
      const bias = m.b !== undefined && m.db !== undefined ? { b: m.b, db: m.db } : undefined;
      ops.sgdStep(ctx, need(m, 'W'), need(m, 'dW'), a.learningRate, a.l2, bias);
      const [W, b] = await Promise.all([need(m, 'W').read(), m.b?.read()]);
      return { W: toWire(W), b: b === undefined ? undefined : toWire(b) };
    });
  },

  /** For every kernel: pack distinct values with the reflected layout and read back what the GPU sees. */
  async uniformLayouts() {
    const ctx = await context();
    const report: { kernel: string; fields: { name: string; sent: number; seen: number }[] }[] = [];
    for (const kernel of Object.keys(SHADERS) as KernelName[]) {
      const probe = uniformProbeSource(kernel);
      if (probe === null) continue;
      const values: Record<string, number> = {};
      probe.fields.forEach((f, i) => {
        values[f.name] = f.type === 'f32' ? 0.25 + 1.5 * i : 1000 + 17 * i;
      });
      const bytes = ctx.kernel(kernel).uniformBytes(values);
      const module = ctx.device.createShaderModule({ code: probe.source });
      const pipeline = ctx.device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' } });
      const uniform = ctx.createUniform(bytes, 'probe.params');
      const out = ctx.createStorage(probe.fields.length, 'probe.out', Number.NaN);
      const bindGroup = ctx.device.createBindGroup({
        layout: pipeline.getBindGroupLayout(0),
        entries: [
          { binding: 0, resource: { buffer: uniform } },
          { binding: 1, resource: { buffer: out } },
        ],
      });
      ctx.submit([{ pipeline, bindGroup, workgroups: [1, 1, 1] }], [uniform]);
      const seen = await ctx.readBuffer(out, probe.fields.length);
      ctx.releaseBuffer(out);
      report.push({
        kernel,
        fields: probe.fields.map((f, i) => ({ name: f.name, sent: values[f.name] as number, seen: seen[i] as number })),
      });
    }
    return report;
  },

  /** The reflected layouts themselves, and packUniforms' checks, for tests to inspect. */
  reflectedLayouts() {
    return (Object.keys(SHADERS) as KernelName[]).map((kernel) => {
      const info = reflectShader(plainSource(kernel));
      return {
        kernel,
        uniforms: info.uniforms,
        entries: [...info.entries.values()].map((e) => ({ name: e.name, bindings: [...e.bindings.keys()] })),
      };
    });
  },

  /** Runs a named op with arguments and reports the error it throws (or null). */
  async opError(a: { op: string; args: unknown[] }): Promise<WireError | null> {
    const ctx = await context();
    try {
      await runOpForError(ctx, a.op, a.args);
      return null;
    } catch (e) {
      const err = e as Error;
      return { error: { name: err.name, message: err.message } };
    }
  },

  /** Builds a model, fits it, and returns its history and parameters (then destroys it). */
  async fitModel(a: ModelRun): Promise<{ history: History; W: WireMatrix; b: number[]; score: number }> {
    const ctx = await (a.subgroups === false ? plainContext() : context());
    const model = makeModel(ctx, a);
    try {
      const fit = { ...(a.fit as FitOptions<MatrixInput, number[]>) };
      if (a.validation !== undefined) fit.validation = { X: wireInput(a.validation.X), y: a.validation.y };
      const history = await model.fit(wireInput(a.X), a.y, fit);
      const p = await model.getParams();
      const score = await model.score(wireInput(a.X), a.y);
      return { history, W: toWire(p.W), b: Array.from(p.b), score };
    } finally {
      model.destroy();
    }
  },

  /**
   * Fits a model on good data, then makes each bad call and records its error; finally checks that
   * the model's parameters and predictions are what they were before the bad calls.
   */
  async modelErrors(a: ModelRun & { calls: { method: string; args: unknown[] }[] }) {
    const ctx = await context();
    const model = makeModel(ctx, a);
    try {
      await model.fit(wireInput(a.X), a.y, a.fit as FitOptions<MatrixInput, number[]>);
      const before = JSON.stringify(model.toJSON());
      const liveBefore = ctx.liveBuffers;
      const errors: ({ name: string; message: string } | null)[] = [];
      for (const call of a.calls) {
        try {
          const method = (model as unknown as Record<string, (...x: unknown[]) => unknown>)[call.method];
          if (method === undefined) throw new Error(`no method ${call.method}`);
          await method.apply(model, call.args.map(decodeNumbers).map(decodeMatrices));
          errors.push(null);
        } catch (e) {
          errors.push({ name: (e as Error).name, message: (e as Error).message });
        }
      }
      const after = JSON.stringify(model.toJSON());
      const params = await model.getParams();
      const predictionsWork = (await model.score(wireInput(a.X), a.y)) >= 0;
      return {
        errors,
        unchanged: before === after && JSON.stringify(Array.from(params.W.data)) === JSON.stringify(JSON.parse(before).W),
        predictionsWork,
        leakedBuffers: ctx.liveBuffers - liveBefore,
      };
    } finally {
      model.destroy();
    }
  },

  /** toJSON → fromJSON gives a model with identical parameters and predictions. */
  async roundTrip(a: ModelRun) {
    const ctx = await context();
    const model = makeModel(ctx, a);
    const X = wireInput(a.X);
    try {
      await model.fit(X, a.y, a.fit as FitOptions<MatrixInput, number[]>);
      const json = JSON.parse(JSON.stringify(model.toJSON()));
      const Cls = model.constructor as unknown as { fromJSON(c: GpuContext, j: unknown): typeof model };
      const copy = Cls.fromJSON(ctx, json);
      try {
        const [p1, p2] = await Promise.all([model.getParams(), copy.getParams()]);
        const [s1, s2] = [await model.score(X, a.y), await copy.score(X, a.y)];
        const [l1, l2] = [await model.loss(X, a.y), await copy.loss(X, a.y)];
        return { sameParams: JSON.stringify([...p1.W.data, ...p1.b]) === JSON.stringify([...p2.W.data, ...p2.b]), s1, s2, l1, l2, json };
      } finally {
        copy.destroy();
      }
    } finally {
      model.destroy();
    }
  },

  /** predictProba / predict / score / loss of a model with the given parameters, for the reference to check. */
  async predictions(a: { model: ModelRun['model']; options: Record<string, unknown>; W: WireMatrix; b: number[]; X: WireMatrix; y: number[] }) {
    const ctx = await context();
    const model = makeModel(ctx, { ...a, fit: {} });
    try {
      model.setParams({ W: wireInput(a.W), b: a.b });
      const X = wireInput(a.X);
      const proba = model instanceof LinearRegression ? await model.predict(X) : await model.predictProba(X);
      const predicted = await model.predict(X);
      return {
        proba: Array.from(proba instanceof Float32Array ? proba : proba.data),
        predicted: Array.from(predicted instanceof Int32Array ? predicted : predicted.data),
        score: await model.score(X, a.y),
        loss: await model.loss(X, a.y),
      };
    } finally {
      model.destroy();
    }
  },

  async constructModel(a: { model: ModelRun['model']; options: Record<string, unknown> }): Promise<WireError | null> {
    const ctx = await context();
    try {
      makeModel(ctx, { ...a, X: { data: [], rows: 0, cols: 0 }, y: [], fit: {} }).destroy();
      return null;
    } catch (e) {
      return { error: { name: (e as Error).name, message: (e as Error).message } };
    }
  },

  async useAfterDestroy(): Promise<WireError | null> {
    const ctx = await context();
    const model = new SoftmaxRegression(ctx, { nFeatures: 2, nClasses: 2 });
    model.destroy();
    model.destroy();
    try {
      await model.predict([[1, 2]]);
      return null;
    } catch (e) {
      return { error: { name: (e as Error).name, message: (e as Error).message } };
    }
  },

  /**
   * Trains the same model on the same byte-valued data stored different ways (f32 or u8, one buffer
   * or shards of at most shardBytes) and returns each variant's parameters, history and predictions.
   */
  async fitStorageVariants(a: ModelRun & { scale: number; variants: { storage: 'f32' | 'u8'; shardBytes?: number }[] }) {
    const ctx = await context();
    const bytes = Uint8Array.from(a.X.data);
    const asF32 = { data: Float32Array.from(bytes, (v) => v * a.scale), rows: a.X.rows, cols: a.X.cols };
    const asU8 = { data: bytes, rows: a.X.rows, cols: a.X.cols, scale: a.scale };
    const out = [];
    for (const v of a.variants) {
      const model = makeModel(ctx, a);
      try {
        const X = v.storage === 'u8' ? asU8 : asF32;
        const fit = { ...(a.fit as FitOptions<MatrixInput, number[]>), ...(v.shardBytes === undefined ? {} : { shardBytes: v.shardBytes }) };
        const history = await model.fit(X, a.y, fit);
        const p = await model.getParams();
        const predicted = await model.predict(X);
        out.push({
          W: Array.from(p.W.data), b: Array.from(p.b), loss: history.loss,
          predicted: Array.from(predicted instanceof Int32Array ? predicted : predicted.data),
        });
      } finally {
        model.destroy();
      }
    }
    return out;
  },

  async liveBuffers(): Promise<number> {
    return (await context()).liveBuffers;
  },

  bufferUsageConstants() {
    return { ours: BUFFER_USAGE, browser: { STORAGE: GPUBufferUsage.STORAGE, UNIFORM: GPUBufferUsage.UNIFORM, MAP_READ: GPUBufferUsage.MAP_READ } };
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

/** JSON has no NaN/Infinity: tests send them as { $number: 'NaN' } and they are restored here. */
function decodeNumbers(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(decodeNumbers);
  if (typeof value !== 'object' || value === null) return value;
  if ('$number' in value) return Number(value.$number);
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, decodeNumbers(v)]));
}

/** `{ $input: WireMatrix }` arguments become host matrices with Float32Array data. */
function decodeMatrices(value: unknown): unknown {
  if (typeof value === 'object' && value !== null && '$input' in value) return wireInput(value.$input as WireMatrix);
  return value;
}

function isMatrixArg(arg: unknown): arg is WireArg {
  return typeof arg === 'object' && arg !== null && '$matrix' in arg;
}

/** Op calls that should fail: `{ $matrix }` arguments are uploaded first so shape errors come from the op. */
async function runOpForError(ctx: GpuContext, op: string, args: unknown[]): Promise<void> {
  const uploaded: GpuMatrix[] = [];
  const resolved = args.map(decodeNumbers).map((arg) => {
    if (!isMatrixArg(arg)) return arg;
    const m = upload(ctx, 'arg', arg.$matrix);
    if (arg.destroyed === true) m.destroy();
    else uploaded.push(m);
    return m;
  });
  try {
    if (op === 'upload') {
      ctx.upload(resolved[0] as never, 'X').destroy();
      return;
    }
    const fn = (ops as unknown as Record<string, (...a: unknown[]) => unknown>)[op];
    if (fn === undefined) throw new Error(`no op ${op}`);
    destroyResult(fn(ctx, ...resolved));
  } finally {
    for (const m of uploaded) m.destroy();
  }
}

function destroyResult(result: unknown): void {
  if (typeof result !== 'object' || result === null) return;
  if ('destroy' in result && typeof result.destroy === 'function') {
    (result as GpuMatrix).destroy();
    return;
  }
  for (const v of Object.values(result)) destroyResult(v);
}

export interface ModelRun {
  model: 'logistic' | 'softmax' | 'linear';
  options: Record<string, unknown>;
  X: WireMatrix;
  y: number[];
  fit: Record<string, unknown>;
  validation?: { X: WireMatrix; y: number[] };
  /** false: fit on a context made with { subgroups: false } (the kernels' plain build). */
  subgroups?: false;
}

export function wireInput(m: WireMatrix): MatrixInput {
  return { data: Float32Array.from(m.data), rows: m.rows, cols: m.cols };
}

export function makeModel(ctx: GpuContext, a: ModelRun): LogisticRegression | SoftmaxRegression | LinearRegression {
  const o = a.options as never;
  if (a.model === 'logistic') return new LogisticRegression(ctx, o);
  if (a.model === 'softmax') return new SoftmaxRegression(ctx, o);
  return new LinearRegression(ctx, o);
}

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

type AnyModel = ReturnType<typeof makeModel>;

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

/** predictProba for the classifiers, predict for linear regression, as a plain array. */
async function modelOutputs(model: AnyModel, X: MatrixInput): Promise<number[]> {
  if (model instanceof LinearRegression) return Array.from((await model.predict(X)).data);
  const p = await model.predictProba(X);
  return Array.from(p instanceof Float32Array ? p : p.data);
}

/** σ([0, 2]) on `ctx` equals [0.5, 0.880797…]: the context still computes. */
export async function sigmoidOfZero(ctx: GpuContext): Promise<boolean> {
  const Z = ctx.upload([[0, 2]]);
  try {
    const [out] = await readAll(ops.sigmoid(ctx, Z));
    return out?.data[0] === 0.5 && Math.abs((out.data[1] as number) - 0.8807970779778823) < 1e-6;
  } finally {
    Z.destroy();
  }
}

/** What `work` threw (or rejected with), reduced to name and message; null when it succeeded. */
export async function errorOf(work: Promise<unknown> | (() => unknown)): Promise<WireError['error'] | null> {
  try {
    await (typeof work === 'function' ? work() : work);
    return null;
  } catch (e) {
    return e instanceof Error ? { name: e.name, message: e.message } : { name: typeof e, message: String(e) };
  }
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
    const Cls = MODEL_CLASSES[member as keyof typeof MODEL_CLASSES];
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

export type Fixtures = typeof fixtures;

(globalThis as unknown as { fixtures: Fixtures }).fixtures = fixtures;
