// Fixtures for GridSearch: a search and the separate fits it must equal, and its misuse.
import { GridSearch, LinearRegression, LogisticRegression, SoftmaxRegression, type FitOptions, type GpuContext, type History, type MatrixInput } from '../src/index.ts';
import type { WireError } from './wire.ts';
import { context, errorOf, makeModel, type ModelRun, wireInput } from './fixtures-shared.ts';

/** A search's run: the model and data of a ModelRun, its grid, and GridSearch.fit's options. */
export interface GridRun extends ModelRun {
  grid: Record<string, unknown>;
}

interface CandidateOut {
  learningRate: number;
  l2: number;
  validationLoss: number;
  validationAccuracy: number | null;
  validationR2: number | null;
  trainLoss: number;
  diverged: boolean;
  losses: number[];
  W: number[];
  b: number[];
  logs: number;
  stopReason: string;
}

function searchOf(ctx: GpuContext, a: ModelRun, grid: Record<string, unknown>): GridSearch<LogisticRegression | SoftmaxRegression | LinearRegression, never> {
  const o = a.options as never;
  if (a.model === 'logistic') return new GridSearch(ctx, LogisticRegression, o, grid) as never;
  if (a.model === 'softmax') return new GridSearch(ctx, SoftmaxRegression, o, grid) as never;
  return new GridSearch(ctx, LinearRegression, o, grid) as never;
}

export const gridFixtures = {
  /**
   * Runs the search, then a separate fit() for each candidate with its setting; returns both, with
   * every candidate's parameters (through bestModel(i)) and the GPU buffers left over after destroy().
   */
  async gridSearch(a: GridRun): Promise<{
    best: number; candidates: CandidateOut[];
    separate: ({ history: History; W: number[]; b: number[]; valLoss: number } | { error: string })[]; leaked: number; epochsLogged: number[];
  }> {
    const ctx = await context();
    const live = ctx.liveBuffers;
    const search = searchOf(ctx, a, a.grid);
    const validation = a.validation === undefined ? undefined : { X: wireInput(a.validation.X), y: a.validation.y };
    const epochsLogged: number[] = [];
    const result = await search.fit(wireInput(a.X), a.y as never, {
      ...(a.fit as object), ...(validation === undefined ? {} : { validation: validation as never }),
      onEpochEnd: (logs) => {
        epochsLogged.push(logs.length);
      },
    });
    const candidates: CandidateOut[] = [];
    for (const [i, c] of result.candidates.entries()) {
      if (c.diverged) {
        candidates.push({
          learningRate: c.learningRate, l2: c.l2, validationLoss: c.validationLoss, validationAccuracy: c.validationAccuracy ?? null, validationR2: c.validationR2 ?? null,
          trainLoss: c.trainLoss, diverged: true, losses: c.history.loss, W: [], b: [], logs: c.history.epochs, stopReason: c.history.stopReason,
        });
        continue;
      }
      const model = search.bestModel(i);
      try {
        const p = await model.getParams();
        candidates.push({
          learningRate: c.learningRate, l2: c.l2, validationLoss: c.validationLoss, validationAccuracy: c.validationAccuracy ?? null,
          validationR2: c.validationR2 ?? null, trainLoss: c.trainLoss, diverged: c.diverged, losses: c.history.loss, W: Array.from(p.W.data), b: Array.from(p.b), logs: c.history.epochs,
          stopReason: c.history.stopReason,
        });
      } finally {
        model.destroy();
      }
    }
    search.destroy();
    const separate = [];
    for (const c of result.candidates) {
      const model = makeModel(ctx, a);
      try {
        // fit() has no scoring: the rest of the search's options are fit()'s own.
        const { learningRate: schedule, scoring: _scoring, ...rest } = a.fit as Record<string, unknown>;
        const learningRate = schedule === undefined ? c.learningRate : { ...(schedule as object), initial: c.learningRate };
        const fit = { ...rest, learningRate, l2: c.l2, ...(validation === undefined ? {} : { validation }) } as FitOptions<MatrixInput, number[]>;
        try {
          const history = await model.fit(wireInput(a.X), a.y as never, fit);
          const p = await model.getParams();
          separate.push({ history, W: Array.from(p.W.data), b: Array.from(p.b), valLoss: history.valLoss?.at(-1) ?? Number.NaN });
        } catch (e) {
          separate.push({ error: (e as Error).message });
        }
      } finally {
        model.destroy();
      }
    }
    return { best: result.best, candidates, separate, leaked: ctx.liveBuffers - live, epochsLogged };
  },

  /**
   * A search aborted through its signal: after `afterEpochs` epochs (from onEpochEnd), or before it
   * starts (0). Returns the rejection, the epochs logged, whether a result exists afterwards, and the
   * buffers left once the search is destroyed.
   */
  async gridAbort(a: GridRun & { afterEpochs: number }): Promise<{ error: WireError['error'] | null; epochs: number; result: boolean; leaked: number }> {
    const ctx = await context();
    const live = ctx.liveBuffers;
    const search = searchOf(ctx, a, a.grid);
    const controller = new AbortController();
    if (a.afterEpochs === 0) controller.abort();
    let epochs = 0;
    const error = await errorOf(() => search.fit(wireInput(a.X), a.y as never, {
      ...(a.fit as object), validationFraction: 0.25, signal: controller.signal,
      onEpochEnd: () => {
        if (++epochs === a.afterEpochs) controller.abort();
      },
    }));
    const result = search.result !== null;
    search.destroy();
    return { error, epochs, result, leaked: ctx.liveBuffers - live };
  },

  /**
   * Each run's error from the constructor or, when that succeeds, from fit() (null: neither threw),
   * with the GPU buffers left afterwards and how many the failing fit created on its way.
   */
  async gridRefusals(runs: GridRun[]): Promise<{ error: WireError['error'] | null; leaked: number; created: number }[]> {
    const ctx = await context();
    const out = [];
    for (const a of runs) {
      const live = ctx.liveBuffers;
      let created = 0;
      const counted = ctx as unknown as { createStorage: (...args: unknown[]) => unknown };
      const original = counted.createStorage;
      let error: WireError['error'] | null = null;
      try {
        let search: ReturnType<typeof searchOf> | null = null;
        error = await errorOf(() => {
          search = searchOf(ctx, a, a.grid);
        });
        const built = search as ReturnType<typeof searchOf> | null;
        if (built !== null) {
          const validation = a.validation === undefined ? undefined : { X: wireInput(a.validation.X), y: a.validation.y };
          counted.createStorage = (...args: unknown[]) => {
            created++;
            return original.apply(ctx, args);
          };
          error = await errorOf(() => built.fit(wireInput(a.X), a.y as never, { ...(a.fit as object), ...(validation === undefined ? {} : { validation: validation as never }) }));
          counted.createStorage = original;
          built.destroy();
        }
      } finally {
        counted.createStorage = original;
      }
      out.push({ error, leaked: ctx.liveBuffers - live, created });
    }
    return out;
  },

  /**
   * A softmax search of 256 candidates whose parameters side by side exceed one buffer (d chosen from
   * the device's limits, X built here: it is too large for the wire): its error, the buffers it
   * created and those it left.
   */
  async gridTooLarge(): Promise<{ error: WireError['error'] | null; leaked: number; created: number; d: number }> {
    const ctx = await context();
    const limit = Math.min(ctx.limits.maxStorageBufferBindingSize, ctx.limits.maxBufferSize);
    const k = 2;
    const rates = Array.from({ length: 16 }, (_, i) => 0.01 * (i + 1));
    const l2 = Array.from({ length: 16 }, (_, i) => 1e-3 * i);
    const d = Math.ceil(limit / (rates.length * l2.length * k * 4)) + 1;
    const rows = 6;
    const X = { data: Float32Array.from({ length: rows * d }, (_, i) => ((i * 7) % 13) / 13), rows, cols: d };
    const [r] = await gridFixtures.gridRefusals([{
      model: 'softmax', options: { nFeatures: d, nClasses: k }, X: X as never, y: [0, 1, 0, 1, 0, 1], grid: { learningRate: rates, l2 },
      validation: { X: { data: Array.from(X.data.subarray(0, 2 * d)), rows: 2, cols: d }, y: [0, 1] }, fit: { epochs: 1, batchSize: 3 },
    }]);
    if (r === undefined) throw new Error('gridTooLarge: no result');
    return { ...r, d };
  },

  /** Each bad construction or fit call's error (null: it did not throw), and misuse of a destroyed search. */
  async gridErrors(a: GridRun & { grids: unknown[]; fits: unknown[] }): Promise<{ grids: (WireError['error'] | null)[]; fits: (WireError['error'] | null)[]; misuse: (WireError['error'] | null)[] }> {
    const ctx = await context();
    const grids = [];
    for (const g of a.grids) grids.push(await errorOf(() => searchOf(ctx, a, g as Record<string, unknown>)));
    const search = searchOf(ctx, a, a.grid);
    const misuse = [await errorOf(() => search.bestModel())];
    const fits = [];
    for (const f of a.fits) fits.push(await errorOf(() => search.fit(wireInput(a.X), a.y as never, f as never)));
    const validation = a.validation === undefined ? undefined : { X: wireInput(a.validation.X), y: a.validation.y };
    await search.fit(wireInput(a.X), a.y as never, { ...(a.fit as object), validation: validation as never });
    misuse.push(await errorOf(() => search.bestModel(99)));
    search.destroy();
    misuse.push(await errorOf(() => search.bestModel()));
    misuse.push(await errorOf(() => search.fit(wireInput(a.X), a.y as never, { validation: validation as never })));
    return { grids, fits, misuse };
  },
};
