// The L-BFGS measurement's page: SoftmaxRegression.fit with solver 'lbfgs' on data the driver names,
// timed in the page. The driver (bench/lbfgs.ts) calls globalThis.lbfgsBench.
import * as lib from '../src/index.ts';
import { loadFashionMnist } from './data.ts';

interface LbfgsFit {
  /** Rows, columns and classes, and the features as f32 (values) or bytes (each worth 1/255). */
  n: number;
  d: number;
  k: number;
  storage: 'f32' | 'u8';
  epochs: number;
  l2: number;
}

export interface LbfgsRun {
  adapter: string;
  /** The whole fit() call, upload and checks included. */
  fitMs: number;
  history: lib.History;
  /** The fitted parameters, for the driver's float64 objective. */
  W: number[];
  b: number[];
}

let data: { X: Float32Array; bytes: Uint8Array; labels: Uint8Array } | null = null;

async function fit(ctx: lib.GpuContext, o: LbfgsFit, adapter: string): Promise<LbfgsRun> {
  if (data === null) throw new Error('no data loaded');
  const model = new lib.SoftmaxRegression(ctx, { nFeatures: o.d, nClasses: o.k });
  try {
    const X = o.storage === 'u8' ? { data: data.bytes, rows: o.n, cols: o.d, scale: 1 / 255 } : { data: data.X, rows: o.n, cols: o.d };
    const t0 = performance.now();
    const history = await model.fit(X, data.labels, { solver: 'lbfgs', epochs: o.epochs, l2: o.l2 });
    const fitMs = performance.now() - t0;
    const p = await model.getParams();
    return { adapter, fitMs, history, W: Array.from(p.W.data), b: Array.from(p.b) };
  } finally {
    model.destroy();
  }
}

(globalThis as unknown as { lbfgsBench: unknown }).lbfgsBench = {
  async loadFashion(): Promise<number> {
    const d = await loadFashionMnist(async (name) => new Uint8Array(await (await fetch(`/datasets/fashion-mnist/${name}`)).arrayBuffer()), 'served');
    data = { X: d.X, bytes: d.bytes, labels: d.labels };
    return d.labels.length;
  },
  setData(a: { X: number[]; labels: number[] }): number {
    data = { X: Float32Array.from(a.X), bytes: Uint8Array.from(a.X), labels: Uint8Array.from(a.labels) };
    return data.labels.length;
  },
  async fit(o: LbfgsFit): Promise<LbfgsRun> {
    const ctx = await lib.createContext();
    try {
      const a = ctx.adapter;
      return await fit(ctx, o, `${a.vendor} / ${a.architecture} / ${a.description}`);
    } finally {
      ctx.destroy();
    }
  },
};
