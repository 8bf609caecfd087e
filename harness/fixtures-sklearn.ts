// The scikit-learn conformance fits: one model fitted by a sequence of fit() calls (a warm-started
// path over C, or refits), with what a user reads after each: parameters, history, and on the
// training rows predictProba, decisionFunction, predict and score.
import { LinearRegression, type FitOptions, type History, type MatrixInput } from '../src/index.ts';
import { context, makeModel, type ModelRun, wireInput } from './fixtures-shared.ts';

/** One model, fitted once per entry of `fits` in order; the model's options and data come from the run. */
export interface SequenceRun extends Omit<ModelRun, 'fit'> {
  fits: Record<string, unknown>[];
}

export interface Fitted {
  history: History;
  W: number[];
  b: number[];
  /** P(y = 1) per row (logistic), row-major n×k probabilities (softmax), the predictions (linear). */
  proba: number[];
  /** The logits (row-major for softmax), or the predictions (linear). */
  decision: number[];
  predict: number[];
  score: number;
}

function plain(v: Float32Array | Int32Array | { data: Float32Array }): number[] {
  return Array.from(v instanceof Float32Array || v instanceof Int32Array ? v : v.data);
}

export const sklearnFixtures = {
  async fitSequence(a: SequenceRun): Promise<Fitted[]> {
    const ctx = await context();
    const model = makeModel(ctx, { ...a, fit: {} });
    const X = wireInput(a.X);
    try {
      const out: Fitted[] = [];
      for (const fit of a.fits) {
        const history = await model.fit(X, a.y, fit as FitOptions<MatrixInput, number[]>);
        const p = await model.getParams();
        const decision = await model.decisionFunction(X);
        const predicted = await model.predict(X);
        const proba = model instanceof LinearRegression ? null : await model.predictProba(X);
        out.push({
          history, W: Array.from(p.W.data), b: Array.from(p.b),
          proba: proba === null ? plain(predicted) : plain(proba),
          decision: plain(decision),
          predict: plain(predicted),
          score: await model.score(X, a.y),
        });
      }
      return out;
    } finally {
      model.destroy();
    }
  },
};
