// The fits every runtime runs (test/runtimes.test.ts): Chromium and Firefox load this file's
// transpiled text into a page, Node (Dawn) and Deno import it from test/runtimes/main.ts. It takes
// the library as an argument (each runtime imports dist/index.js its own way), so it imports only
// types and its JavaScript has no imports at all.
import type * as Library from '../../dist/index.js';
import type { EngineName, FitOptions, GpuContext, History, MatrixInput, ModelParams } from '../../dist/index.js';

export interface CaseMatrix {
  data: number[];
  rows: number;
  cols: number;
}

/** One fit: a model, its data and fit() options (plain JSON, as it crosses into pages and processes). */
export interface RuntimeCase {
  name: string;
  model: 'logistic' | 'softmax' | 'linear';
  options: Record<string, unknown>;
  X: CaseMatrix;
  y: number[];
  fit: Record<string, unknown>;
  /** Present: a GridSearch over this grid, scored on `validation`, instead of one fit(). */
  grid?: { learningRate?: number[]; l2?: number[] };
  validation?: { X: CaseMatrix; y: number[] };
}

export interface RuntimeJob {
  engines: EngineName[];
  cases: RuntimeCase[];
}

/** One case's outcome: a fit's losses and parameters, or each grid candidate's losses. */
export interface CaseResult {
  name: string;
  /** Per epoch (per iteration for L-BFGS); one list per grid candidate. */
  losses: number[][];
  /** W then b, after the fit (a search: the best candidate's). */
  params: number[];
  /** Wall time of the case, pipeline compilation included. */
  ms: number;
}

export interface RuntimeOutput {
  adapter: string;
  /** The engine each context resolved to, and the results of every case on it. */
  engines: { engine: EngineName; results: CaseResult[] }[];
  ms: number;
}

type Lib = typeof Library;

function matrix(m: CaseMatrix): MatrixInput {
  return { data: Float32Array.from(m.data), rows: m.rows, cols: m.cols };
}

type AnyModel = Library.LogisticRegression | Library.SoftmaxRegression | Library.LinearRegression;

/** The class of `kind`, in its explicit (ctx, options) form (the three overloaded constructors do not unite). */
function estimator(lib: Lib, kind: RuntimeCase['model']): new (ctx: GpuContext, options: never) => AnyModel {
  return kind === 'logistic' ? lib.LogisticRegression : kind === 'softmax' ? lib.SoftmaxRegression : lib.LinearRegression;
}

async function params(model: { getParams(): Promise<ModelParams> }): Promise<number[]> {
  const p = await model.getParams();
  return [...p.W.data, ...p.b];
}

async function fitOne(lib: Lib, ctx: GpuContext, c: RuntimeCase): Promise<Omit<CaseResult, 'ms'>> {
  const Model = estimator(lib, c.model);
  const model = new Model(ctx, c.options as never);
  try {
    const history: History = await model.fit(matrix(c.X), c.y as never, c.fit as FitOptions<MatrixInput, never>);
    return { name: c.name, losses: [history.loss], params: await params(model) };
  } finally {
    model.destroy();
  }
}

async function search(lib: Lib, ctx: GpuContext, c: RuntimeCase): Promise<Omit<CaseResult, 'ms'>> {
  if (c.validation === undefined || c.grid === undefined) throw new Error(`${c.name}: a search needs a grid and a validation set`);
  const s = new lib.GridSearch(ctx, estimator(lib, c.model) as never, c.options as never, c.grid);
  try {
    const validation = { X: matrix(c.validation.X), y: c.validation.y };
    const result = await s.fit(matrix(c.X), c.y as never, { ...c.fit, validation } as never);
    const best = s.bestModel();
    try {
      return { name: c.name, losses: result.candidates.map((k) => k.history.loss), params: await params(best) };
    } finally {
      best.destroy();
    }
  } finally {
    s.destroy();
  }
}

/** Runs every case on a context of each engine in turn; `gpu`: the GPU object where there is no navigator.gpu (Node). */
export async function runJob(lib: Lib, job: RuntimeJob, gpu?: GPU): Promise<RuntimeOutput> {
  const start = Date.now();
  const engines: RuntimeOutput['engines'] = [];
  let adapter = '';
  for (const engine of job.engines) {
    const ctx = await lib.createContext({ engine, ...(gpu === undefined ? {} : { gpu }) });
    try {
      adapter = [ctx.adapter.vendor, ctx.adapter.architecture, ctx.adapter.description].filter((s) => s !== '').join(' ');
      const results: CaseResult[] = [];
      for (const c of job.cases) {
        const t0 = Date.now();
        const r = c.grid === undefined ? await fitOne(lib, ctx, c) : await search(lib, ctx, c);
        results.push({ ...r, ms: Date.now() - t0 });
      }
      engines.push({ engine: ctx.engine, results });
    } finally {
      ctx.destroy();
    }
  }
  return { adapter, engines, ms: Date.now() - start };
}
