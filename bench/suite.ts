// One benchmark session on one WebGPU device: the same code runs in the page (with the TF.js
// trainers added) and in Node. The driver calls its methods one phase at a time.
import type * as Lib from '../src/index.ts';
import { firstRows, loadFashionMnist, reshapeData, syntheticData, type ByteSource, type TrainingData } from './data.ts';
import { meanCrossEntropy } from './evaluate.ts';
import { runGrid } from './grid.ts';
import { runKernels } from './kernels.ts';
import { libraryTrainer, type LibModule } from './ours.ts';
import { plainJsTrainer } from './plain.ts';
import { batches, type EpochTrainer } from './trainer.ts';
import type {
  AdapterReport, DatasetInfo, DataSpec, GridReport, ImplName, KernelOptions, KernelReport, Runtime, ScalingPoint, TrainingRun, TrainOptions,
} from './types.ts';

/** What the driver can ask of a session (page and Node alike). All arguments and results are JSON. */
export interface BenchApi {
  open(): Promise<AdapterReport>;
  loadData(spec: DataSpec): Promise<DatasetInfo>;
  kernels(options: KernelOptions): Promise<KernelReport>;
  train(options: TrainOptions): Promise<TrainingRun>;
  scale(point: Omit<ScalingPoint, 'msPerEpoch'> & { learningRate: number }): Promise<ScalingPoint>;
  impls(): Promise<ImplName[]>;
  /** The grid-search case (bench/grid.ts). */
  grid(): Promise<GridReport>;
}

export interface SessionEnv {
  lib: LibModule;
  gpu: GPU;
  runtime: Runtime;
  /** Reads Fashion-MNIST's files by name. */
  source: ByteSource;
  /** Trainers beyond the library and plain JS (TF.js, in the page). */
  extraTrainers: EpochTrainer[];
  progress: (line: string) => void;
}

/** Rows of full-batch warm-ups: enough to build every pipeline without a second full epoch. */
export const FULL_BATCH_WARMUP_ROWS = 1024;

/**
 * The warm-up epoch's rows and batch size: two full batches and the final partial one, so every
 * batch shape of the timed epoch occurs; a full-batch epoch warms up on its first 1024 rows.
 */
export function warmupPlan(n: number, batchSize: number): { rows: number; batchSize: number } {
  if (batchSize >= n) {
    const rows = Math.min(n, FULL_BATCH_WARMUP_ROWS);
    return { rows, batchSize: rows };
  }
  return { rows: Math.min(n, 2 * batchSize + (n % batchSize)), batchSize };
}

interface Opened {
  ctx: Lib.GpuContext;
  adapter: AdapterReport;
}

/**
 * A device on `gpu`'s adapter with what the benchmark needs: timestamps when offered, subgroups when
 * offered (as createContext() would ask for them: the step kernels use them) and the same limits
 * createContext() asks for on its own (the adapter's whole storage range).
 */
export async function requestBenchDevice(gpu: GPU, options?: GPURequestAdapterOptions): Promise<{ device: GPUDevice; adapter: AdapterReport }> {
  const adapter = await gpu.requestAdapter(options);
  if (adapter === null) throw new Error('WebGPU found no adapter');
  const timestampQuery = adapter.features.has('timestamp-query');
  const requiredFeatures: GPUFeatureName[] = [...(timestampQuery ? ['timestamp-query' as const] : []), ...(adapter.features.has('subgroups') ? ['subgroups' as const] : [])];
  const device = await adapter.requestDevice({
    requiredFeatures,
    requiredLimits: {
      maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
      maxBufferSize: adapter.limits.maxBufferSize,
    },
  });
  const info = adapter.info;
  return {
    device,
    adapter: {
      vendor: info.vendor, architecture: info.architecture, device: info.device, description: info.description,
      timestampQuery, features: [...adapter.features].map(String).sort(),
      maxStorageBufferBindingSize: device.limits.maxStorageBufferBindingSize, maxBufferSize: device.limits.maxBufferSize,
    },
  };
}

async function openDevice(env: SessionEnv): Promise<Opened> {
  const { device, adapter } = await requestBenchDevice(env.gpu);
  return { ctx: await env.lib.createContext({ device }), adapter };
}

export function createBenchApi(env: SessionEnv): BenchApi {
  let opened: Opened | null = null;
  /** A context of the 'js' engine, for webgpu-logreg-js. */
  let jsCtx: Lib.GpuContext | null = null;
  let data: TrainingData | null = null;
  const trainers = new Map<ImplName, EpochTrainer>();

  const need = (): Opened => {
    if (opened === null) throw new Error('bench session not open: call open() first');
    return opened;
  };
  const needData = (): TrainingData => {
    if (data === null) throw new Error('no training data: call loadData() first');
    return data;
  };

  /** A warm-up epoch on a slice with the same batch shapes, then the timed epoch on all rows. */
  async function timedEpoch(trainer: EpochTrainer, d: TrainingData, batchSize: number, learningRate: number) {
    const warm = warmupPlan(d.info.n, batchSize);
    const w0 = performance.now();
    await trainer.epoch(firstRows(d, warm.rows), warm.batchSize, learningRate);
    const warmupMs = performance.now() - w0;
    return { warmupMs, outcome: await trainer.epoch(d, batchSize, learningRate) };
  }

  return {
    async open() {
      opened ??= await openDevice(env);
      trainers.clear();
      jsCtx ??= await env.lib.createContext({ engine: 'js' });
      const ours = [libraryTrainer(env.lib, opened.ctx, 'f32'), libraryTrainer(env.lib, opened.ctx, 'u8'), libraryTrainer(env.lib, jsCtx, 'u8')];
      for (const t of [...ours, plainJsTrainer, ...env.extraTrainers]) trainers.set(t.impl, t);
      return opened.adapter;
    },

    async impls() {
      return [...trainers.keys()];
    },

    async loadData(spec) {
      data = spec.kind === 'fashion-mnist' ? await loadFashionMnist(env.source, spec.location) : syntheticData(spec.n, spec.d, spec.k, spec.seed);
      return data.info;
    },

    async kernels(options) {
      const { ctx } = need();
      return runKernels(env.lib, ctx, options, env.progress);
    },

    async train(options) {
      need();
      const d = needData();
      const trainer = trainers.get(options.impl);
      if (trainer === undefined) throw new Error(`implementation ${options.impl} is not available in the ${env.runtime} runtime`);
      const { n } = d.info;
      const batchSize = options.batch === 'full' ? n : Math.min(options.batch, n);
      const { warmupMs, outcome } = await timedEpoch(trainer, d, batchSize, options.learningRate);
      const finalLoss = meanCrossEntropy(d, outcome.W, outcome.b);
      const run: TrainingRun = {
        impl: trainer.impl, batchSize, full: batchSize === n, steps: batches(n, batchSize).length,
        msPerEpoch: outcome.ms, finalLoss, warmupMs, W: Array.from(outcome.W), b: Array.from(outcome.b),
      };
      if (outcome.fitMs !== undefined) run.fitMs = outcome.fitMs;
      if (outcome.reportedEpochLoss !== undefined) run.reportedEpochLoss = outcome.reportedEpochLoss;
      env.progress(`train ${trainer.impl} batch ${options.batch}: ${outcome.ms.toFixed(1)} ms/epoch, loss ${finalLoss.toFixed(6)}`);
      return run;
    },

    async grid() {
      const { ctx } = need();
      return runGrid(env.lib, ctx, needData(), env.progress);
    },

    async scale(point) {
      const { ctx } = need();
      const d = reshapeData(needData(), point.n, point.d, point.k);
      const { outcome } = await timedEpoch(libraryTrainer(env.lib, ctx), d, point.batchSize, point.learningRate);
      const loss = outcome.reportedEpochLoss;
      if (loss === undefined || !Number.isFinite(loss)) throw new Error(`scaling ${point.n}×${point.d}×${point.k}: the epoch loss is ${String(loss)}`);
      env.progress(`scale n=${point.n} d=${point.d} k=${point.k}: ${outcome.ms.toFixed(1)} ms/epoch`);
      return { n: point.n, d: point.d, k: point.k, batchSize: point.batchSize, varies: point.varies, msPerEpoch: outcome.ms };
    },
  };
}
