// A model's parameters on the host in float64, and its passes and fits in plain JavaScript: the
// backend of the 'js' engine (a context with no WebGPU). float64, like the reference trainer, so a
// 'js' fit is the reference's own arithmetic (up to summation order) and checked against it tightly.
import { OBJECTIVES } from '../core/objective.ts';
import type { OptimizerState } from '../core/optimizer.ts';
import { isClassifier } from '../core/metrics.ts';
import { predictInto, RowScratch, setSums, type HostParams64, type HostSet } from '../cpu/host-step.ts';
import type { CheckedFeatures } from '../step/training-set.ts';
import { ShapeError } from '../errors.ts';
import type { HostMatrix } from '../types.ts';
import type { BackendFit, BackendFitResult, HostParams, ModelBackend, ModelShape } from './backend.ts';
import type { PassData, RowOutput } from './evaluate.ts';
import { checkIntact } from './features.ts';
import { trainOnHost } from './host-trainer.ts';

/** Checked features and targets as the host passes read them. */
export function hostSet(X: CheckedFeatures, Y: HostMatrix | null, weights: Float32Array | null = null): HostSet {
  const scale = 'scale' in X ? X.scale : 1;
  return { X: X.data, scale, rows: X.rows, cols: X.cols, Y: Y === null ? null : Y.data, weights };
}

/** The pass's arrays must still hold their values (a transferred buffer would read as zeros or NaN). */
function checkPassIntact(d: PassData): void {
  checkIntact(d.names.X, d.X, d.names.during);
  if (d.Y !== null) checkIntact(d.names.Y, d.Y, d.names.during);
}

/** The largest W (in float64 bytes) the 'js' engine allocates: 1 GiB, what one GPU storage binding holds on most adapters. */
const MAX_PARAM_BYTES = 2 ** 30;

const toF32 = (p: HostParams64): HostParams => ({ W: Float32Array.from(p.W), b: Float32Array.from(p.b) });

export class HostBackend implements ModelBackend {
  #params: HostParams64;
  /** The optimizer state the last fit left (with the optimizer it belongs to), which a warmStart fit continues. */
  #optimizerState: { key: string; state: OptimizerState } | null = null;

  constructor(modelName: string, nFeatures: number, nOutputs: number) {
    // A huge nFeatures fails as a ShapeError, not as a RangeError or an out-of-memory array.
    const bytes = nFeatures * nOutputs * 8;
    if (bytes > MAX_PARAM_BYTES) {
      throw new ShapeError(`${modelName}: W (nFeatures = ${nFeatures} × ${nOutputs} outputs) needs ${bytes} bytes in float64, over the 'js' engine's limit of ${MAX_PARAM_BYTES}`);
    }
    this.#params = { W: new Float64Array(nFeatures * nOutputs), b: new Float64Array(nOutputs) };
  }

  write(p: HostParams): void {
    this.#params = { W: Float64Array.from(p.W), b: Float64Array.from(p.b) };
  }

  async read(): Promise<HostParams> {
    return toF32(this.#params);
  }

  // A fit changes the parameters only when it ends (or is aborted): a failed one left them as they were.
  revert(): void {}

  async predictRows(shape: ModelShape, d: PassData, output: RowOutput): Promise<HostMatrix> {
    checkPassIntact(d);
    const out = new Float32Array(d.X.rows * shape.nOutputs);
    predictInto(hostSet(d.X, null, null), this.#params, new RowScratch(OBJECTIVES[shape.objective], shape.nOutputs, shape.nFeatures), output === 'logits', out);
    return { data: out, rows: d.X.rows, cols: shape.nOutputs };
  }

  async evaluate(shape: ModelShape, d: PassData & { Y: HostMatrix }): Promise<{ loss: number; accuracy?: number }> {
    checkPassIntact(d);
    const classifier = isClassifier(shape.objective);
    const s = setSums(hostSet(d.X, d.Y, null), this.#params, new RowScratch(OBJECTIVES[shape.objective], shape.nOutputs, shape.nFeatures), classifier, shape.threshold);
    const n = d.X.rows;
    return classifier ? { loss: s.lossSum / n, accuracy: s.hits / n } : { loss: s.lossSum / n };
  }

  forgetOptimizerState(): void {
    this.#optimizerState = null;
  }

  release(): void {
    this.#optimizerState = null;
  }

  async fit(job: BackendFit): Promise<BackendFitResult> {
    const { shape, options } = job;
    const key = JSON.stringify(options.optimizer);
    const continued = options.warmStart && this.#optimizerState?.key === key ? this.#optimizerState.state : null;
    const start: HostParams64 = job.start === null ? this.#params : { W: Float64Array.from(job.start.W), b: Float64Array.from(job.start.b) };
    const train: PassData = { X: job.X, Y: job.Y, names: { X: 'X', Y: 'y', during: 'fit()' } };
    const keep = (params: HostParams64, state: OptimizerState | null): void => {
      this.#params = params;
      this.#optimizerState = state === null ? null : { key, state };
    };
    const result = await trainOnHost({
      objective: shape.objective, train: hostSet(job.X, job.Y, job.weights),
      validation: job.validation === null ? null : hostSet(job.validation.X, job.validation.Y, null),
      params: start, fitIntercept: shape.fitIntercept, options, threshold: shape.threshold, optimizerState: continued,
      checkAlive: () => {
        job.checkAlive();
        // The caller's arrays are read again each epoch: they must still hold their values.
        checkPassIntact(train);
        if (job.validation !== null) checkPassIntact(job.validation);
      },
      kept: (params, state) => {
        keep(params, state);
        job.kept(toF32(params));
      },
    });
    keep(result.params, result.optimizerState);
    return { history: result.history, ...toF32(result.params) };
  }
}
