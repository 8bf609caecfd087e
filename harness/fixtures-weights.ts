// Fixtures for weighted fits: sampleWeight given as each accepted array type (typed arrays cannot
// cross the wire, so they are made here), on f32 or byte features, in one buffer or in shards.
import type { FitOptions, History, MatrixInput } from '../src/index.ts';
import { context, makeModel, type ModelRun, wireInput } from './fixtures-shared.ts';

/** How X and sampleWeight reach fit(): the weights' array type, X as f32 or bytes (data holds byte values then). */
export interface WeightedRun extends ModelRun {
  weightType?: 'array' | 'Float32Array' | 'Float64Array';
  bytes?: { scale: number };
}

function typed(w: unknown, type: WeightedRun['weightType']): unknown {
  if (!Array.isArray(w) || type === undefined || type === 'array') return w;
  return type === 'Float32Array' ? Float32Array.from(w as number[]) : Float64Array.from(w as number[]);
}

export const weightFixtures = {
  /** Fits a fresh model as told and returns its history and parameters (then destroys it). */
  async fitWeighted(a: WeightedRun): Promise<{ history: History; W: number[]; b: number[] }> {
    const ctx = await context();
    const model = makeModel(ctx, a);
    try {
      const fit = { ...(a.fit as FitOptions<MatrixInput, number[]>) };
      if (a.fit.sampleWeight !== undefined) fit.sampleWeight = typed(a.fit.sampleWeight, a.weightType) as number[];
      const X = a.bytes === undefined ? wireInput(a.X) : { data: Uint8Array.from(a.X.data), rows: a.X.rows, cols: a.X.cols, scale: a.bytes.scale };
      const history = await model.fit(X, a.y, fit);
      const p = await model.getParams();
      return { history, W: Array.from(p.W.data), b: Array.from(p.b) };
    } finally {
      model.destroy();
    }
  },
};
