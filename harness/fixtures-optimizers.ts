// Fixtures for the optimizers with state: one fit, continued by warm-started fits on the same model,
// with the losses and parameters after each (the state must carry across them).
import type { FeaturesInput, FitOptions } from '../src/index.ts';
import { context, makeModel, type ModelRun, wireInput } from './fixtures-shared.ts';

export interface WarmRun extends ModelRun {
  /** Fits in a row on one model: the first as given, the others with warmStart, without init, for `laterEpochs` epochs. */
  fits: number;
  laterEpochs?: number;
  /** Options that replace the run's in fit i + 1 (say, another optimizer). */
  later?: Record<string, unknown>[];
  /** X's values are bytes: passed as { data: Uint8Array, scale }, the values byte·scale. */
  byteScale?: number;
}

export interface FitStep {
  loss: number[];
  stopReason: string;
  W: number[];
  b: number[];
}

export const optimizerFixtures = {
  async warmFits(a: WarmRun): Promise<FitStep[]> {
    const ctx = await context();
    const model = makeModel(ctx, a);
    try {
      const X: FeaturesInput = a.byteScale === undefined
        ? wireInput(a.X)
        : { data: Uint8Array.from(a.X.data), rows: a.X.rows, cols: a.X.cols, scale: a.byteScale };
      const out: FitStep[] = [];
      for (let i = 0; i < a.fits; i++) {
        const { init, ...rest } = a.fit;
        const fit = (i === 0 ? { ...a.fit } : { ...rest, warmStart: true, epochs: a.laterEpochs ?? rest.epochs, ...(a.later?.[i - 1] ?? {}) }) as FitOptions<FeaturesInput, number[]>;
        void init;
        if (a.validation !== undefined) fit.validation = { X: wireInput(a.validation.X), y: a.validation.y };
        const history = await model.fit(X, a.y, fit);
        const p = await model.getParams();
        out.push({ loss: history.loss, stopReason: history.stopReason, W: Array.from(p.W.data), b: Array.from(p.b) });
      }
      return out;
    } finally {
      model.destroy();
    }
  },
};
