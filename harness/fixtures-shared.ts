// What the harness page's fixtures share: the page's contexts, wire conversions, model building
// and error capture.
import { createContext, LinearRegression, LogisticRegression, ops, SoftmaxRegression, type GpuContext, type GpuMatrix, type MatrixInput } from '../src/index.ts';
import type { WireArg, WireError, WireMatrix } from './wire.ts';
import type { EngineChoice } from '../src/index.ts';

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
export function plainContext(): Promise<GpuContext> {
  plainContextPromise ??= createContext({ poisonOutputs: true, subgroups: false, engine: pageEngine() });
  return plainContextPromise;
}

export function toWire(m: { data: Float32Array; rows: number; cols: number }): WireMatrix {
  return { data: Array.from(m.data), rows: m.rows, cols: m.cols };
}

export function upload(ctx: GpuContext, name: string, m: WireMatrix): GpuMatrix {
  return ctx.upload({ data: Float32Array.from(m.data), rows: m.rows, cols: m.cols }, name);
}

/** Reads every matrix back, then frees them all. */
export async function readAll(...ms: GpuMatrix[]): Promise<WireMatrix[]> {
  try {
    return (await Promise.all(ms.map((m) => m.read()))).map(toWire);
  } finally {
    for (const m of ms) m.destroy();
  }
}

export async function withUploads<T>(
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

export function need(m: Record<string, GpuMatrix>, name: string): GpuMatrix {
  const v = m[name];
  if (v === undefined) throw new Error(`fixture input ${name} missing`);
  return v;
}

/** JSON has no NaN/Infinity: tests send them as { $number: 'NaN' } and they are restored here. */
export function decodeNumbers(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(decodeNumbers);
  if (typeof value !== 'object' || value === null) return value;
  if ('$number' in value) return Number(value.$number);
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, decodeNumbers(v)]));
}

/** `{ $input: WireMatrix }` arguments become host matrices with Float32Array data. */
export function decodeMatrices(value: unknown): unknown {
  if (typeof value === 'object' && value !== null && '$input' in value) return wireInput(value.$input as WireMatrix);
  return value;
}

export function isMatrixArg(arg: unknown): arg is WireArg {
  return typeof arg === 'object' && arg !== null && '$matrix' in arg;
}

export function destroyResult(result: unknown): void {
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

export type AnyModel = ReturnType<typeof makeModel>;

/** predictProba for the classifiers, predict for linear regression, as a plain array. */
export async function modelOutputs(model: AnyModel, X: MatrixInput): Promise<number[]> {
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
