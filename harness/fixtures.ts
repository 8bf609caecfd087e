// Runs in the harness page: each fixture uploads plain arrays, runs library code on the page's
// WebGPU device and returns plain arrays, so Node-side tests can compare with the float64 reference.
import {
  createContext, LinearRegression, LogisticRegression, ops, SoftmaxRegression,
  type FitOptions, type GpuContext, type GpuMatrix, type History, type MatrixInput,
} from '../src/index.ts';
import { SHADERS, type KernelName } from '../src/kernels/shaders.ts';
import { reflectShader } from '../src/kernels/reflect.ts';
import type { LossKind } from '../src/types.ts';
import { BUFFER_USAGE } from '../src/webgpu-constants.ts';
import type { WireArg, WireError, WireMatrix } from './wire.ts';

let contextPromise: Promise<GpuContext> | null = null;

/** One context for the page, with op outputs poisoned so unwritten elements read back as NaN. */
function context(): Promise<GpuContext> {
  contextPromise ??= createContext({ poisonOutputs: true });
  return contextPromise;
}

function toWire(m: { data: Float32Array; rows: number; cols: number }): WireMatrix {
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
function uniformProbeSource(kernel: KernelName): { source: string; fields: { name: string; type: string }[] } | null {
  const layout = reflectShader(SHADERS[kernel]).uniforms;
  if (layout === null) return null;
  const struct = new RegExp(`struct\\s+${layout.structName}\\s*\\{[^}]*\\}`).exec(SHADERS[kernel]);
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
  async adapter() {
    const ctx = await context();
    return { ...ctx.adapter, maxStorageBufferBindingSize: ctx.limits.maxStorageBufferBindingSize };
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
      const info = reflectShader(SHADERS[kernel]);
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
    const ctx = await context();
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

  async liveBuffers(): Promise<number> {
    return (await context()).liveBuffers;
  },

  bufferUsageConstants() {
    return { ours: BUFFER_USAGE, browser: { STORAGE: GPUBufferUsage.STORAGE, UNIFORM: GPUBufferUsage.UNIFORM, MAP_READ: GPUBufferUsage.MAP_READ } };
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
}

function wireInput(m: WireMatrix): MatrixInput {
  return { data: Float32Array.from(m.data), rows: m.rows, cols: m.cols };
}

function makeModel(ctx: GpuContext, a: ModelRun): LogisticRegression | SoftmaxRegression | LinearRegression {
  const o = a.options as never;
  if (a.model === 'logistic') return new LogisticRegression(ctx, o);
  if (a.model === 'softmax') return new SoftmaxRegression(ctx, o);
  return new LinearRegression(ctx, o);
}

export type Fixtures = typeof fixtures;

(globalThis as unknown as { fixtures: Fixtures }).fixtures = fixtures;
