// Fixtures that stop a fit from outside: an AbortController made here in the page (signals and
// callbacks cannot cross the wire), aborted before fit(), at an epoch's end, or in mid-epoch.
import type { FitOptions, MatrixInput } from '../src/index.ts';
import { context, makeModel, type ModelRun, wireInput } from './fixtures-shared.ts';

/** When the fixture aborts: before fit() is called, in onEpochEnd of `epoch`, or just after it (in the next epoch's steps). */
export type AbortWhen = 'before' | 'epochEnd' | 'midEpoch';

export const stoppingFixtures = {
  /**
   * Fits once without a signal (the parameters "before"), then fits again with one and aborts it as
   * told; returns the rejection, the parameters after it (GPU and toJSON's host copy), and those of
   * an unaborted fit of `epoch + 1` epochs on a fresh model, which an abort after that epoch must equal.
   */
  async fitAborted(a: ModelRun & { when: AbortWhen; epoch: number; reason?: string }) {
    const ctx = await context();
    const model = makeModel(ctx, a);
    const reference = makeModel(ctx, a);
    const X = wireInput(a.X);
    const fit = a.fit as FitOptions<MatrixInput, number[]>;
    try {
      // solver 'lbfgs' has no seed: its first fit differs from the aborted one by its length alone.
      await model.fit(X, a.y, { ...fit, epochs: 1, ...(fit.solver === 'lbfgs' ? {} : { seed: 99 }) });
      const before = await model.getParams();
      const liveBefore = ctx.liveBuffers;
      const controller = new AbortController();
      const abort = (): void => (a.reason === undefined ? controller.abort() : controller.abort(a.reason));
      if (a.when === 'before') abort();
      const ended: number[] = [];
      let error: { name: string; message: string; isReason: boolean; isDOMException: boolean } | null = null;
      try {
        await model.fit(X, a.y, {
          ...fit, signal: controller.signal,
          onEpochEnd: ({ epoch }) => {
            ended.push(epoch);
            if (epoch !== a.epoch) return;
            if (a.when === 'epochEnd') abort();
            // A timer fires while the next epoch awaits its first chunks: an abort in mid-epoch.
            if (a.when === 'midEpoch') setTimeout(abort, 0);
          },
        });
      } catch (e) {
        const err = e as Error;
        error = { name: err.name, message: err.message, isReason: e === controller.signal.reason, isDOMException: e instanceof DOMException };
      }
      const after = await model.getParams();
      const json = model.toJSON();
      const liveAfter = ctx.liveBuffers;
      await reference.fit(X, a.y, { ...fit, epochs: a.epoch + 1 });
      const expected = await reference.getParams();
      // Still usable: it scores and trains again.
      const score = await model.score(X, a.y);
      const again = await model.fit(X, a.y, { ...fit, epochs: 1 });
      return {
        error, ended, score, refitEpochs: again.epochs, leakedBuffers: liveAfter - liveBefore,
        before: [...before.W.data, ...before.b], after: [...after.W.data, ...after.b], json: [...json.W, ...json.b],
        expected: [...expected.W.data, ...expected.b],
      };
    } finally {
      model.destroy();
      reference.destroy();
    }
  },
  /**
   * Fits the run twice on fresh models: with an onEpochEnd that does nothing (so every epoch is read
   * back before the next is queued) and without (epochs queued ahead in runs). Returns each fit's
   * history and parameters, or its error, and the buffers left alive after both.
   */
  async fitPacedAndAhead(a: ModelRun) {
    const ctx = await context();
    const liveBefore = ctx.liveBuffers;
    const fitOnce = async (paced: boolean) => {
      const model = makeModel(ctx, a);
      try {
        const fit = { ...(a.fit as FitOptions<MatrixInput, number[]>) };
        if (paced) fit.onEpochEnd = () => undefined;
        const history = await model.fit(wireInput(a.X), a.y, fit);
        const p = await model.getParams();
        return { history, theta: [...p.W.data, ...p.b], error: null };
      } catch (e) {
        return { history: null, theta: null, error: { name: (e as Error).name, message: (e as Error).message } };
      } finally {
        model.destroy();
      }
    };
    const paced = await fitOnce(true);
    const ahead = await fitOnce(false);
    return { paced, ahead, leakedBuffers: ctx.liveBuffers - liveBefore };
  },
};
