// Fixtures that fit, predict, save and rebuild estimators on the page's context.
import { LinearRegression, SoftmaxRegression, type FitOptions, type GpuContext, type History, type MatrixInput } from '../src/index.ts';
import type { WireError, WireMatrix } from './wire.ts';
import { context, decodeMatrices, decodeNumbers, makeModel, type ModelRun, plainContext, toWire, wireInput } from './fixtures-shared.ts';

export const modelFixtures = {
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
  /** decisionFunction and predictLogProba (classifiers) of a model with the given parameters, as plain arrays. */
  async logits(a: { model: ModelRun['model']; options: Record<string, unknown>; W: WireMatrix; b: number[]; X: WireMatrix }) {
    const ctx = await context();
    const model = makeModel(ctx, { ...a, y: [], fit: {} });
    try {
      model.setParams({ W: wireInput(a.W), b: a.b });
      const X = wireInput(a.X);
      const z = await model.decisionFunction(X);
      const logProba = model instanceof LinearRegression ? null : await model.predictLogProba(X);
      return {
        z: Array.from(z instanceof Float32Array ? z : z.data),
        zShape: z instanceof Float32Array ? [z.length] : [z.rows, z.cols],
        logProba: logProba === null ? null : toWire(logProba),
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
};
