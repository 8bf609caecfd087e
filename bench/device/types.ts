// What the device benchmark's parts write and its report reads. Every part (the Node runner's and
// the PyTorch reference's) writes one JSON file of shape PartFile, so a part that crashes or times
// out costs only its own rows; torch_reference.py writes the same shape by hand.
import type { AdapterReport } from '../types.ts';

/** The parts, in the order run.sh runs them. */
export const PARTS = ['prepare', 'probe', 'library', 'torch', 'reference', 'tfjs'] as const;
export type PartName = (typeof PARTS)[number];

/** How the features reach an implementation: f32 values, or the bytes with scale 1/255. */
export type XForm = 'f32' | 'bytes';

/** The problem every part trains, fixed by `prepare` in the exchange's meta.json. */
export interface RunConfig {
  n: number;
  d: number;
  k: number;
  /** Seed of the synthetic data (bench/data.ts syntheticData). */
  dataSeed: number;
  batchSize: number;
  learningRate: number;
  /** Epochs run before the timed ones; every implementation runs them too, so parameters match. */
  warmupEpochs: number;
  timedEpochs: number;
  /** fit()'s shuffle seed: epoch e visits rows in epochOrder(n, e, true, shuffleSeed). */
  shuffleSeed: number;
  quick: boolean;
  local: boolean;
}

/** One implementation × X form: its epoch times and where it ended. */
export interface DeviceRow {
  /** 'webgpu-logreg', 'tfjs-webgpu', 'torch-eager', 'torch-cuda-graph' or 'js-f64'. */
  impl: string;
  /** The library's ctx.engine for its rows; null for the others. */
  engine: string | null;
  /** The engine asked of createContext() (library rows). */
  engineRequested?: string;
  x: XForm;
  /** Every epoch's milliseconds, warm-up epochs first. */
  epochsMs: number[];
  /** Median of the timed epochs. */
  msPerEpoch: number;
  /** How the epochs were timed ('fit() History.ms', 'CUDA events', ...). */
  timing: string;
  /** Mean cross-entropy over all rows at the final parameters, in float64. */
  finalLoss: number | null;
  /** The loss the implementation itself reported for its last epoch, when it does. */
  reportedLoss?: number | null;
  /** Final parameters (W d×k row-major, then b), for the report's parameter comparison. */
  params?: number[];
  /** Compute dispatches and queue submits counted in the last epoch (WebGPU rows). */
  dispatchesPerEpoch?: number;
  submitsPerEpoch?: number;
  /** Whole-call wall time (library: the fit() call with upload and setup). */
  wallMs?: number;
  /** false when the row did not train the library's data and orders (its loss is not comparable). */
  comparable?: boolean;
  note?: string;
}

/** Per-dispatch cost through Dawn: N single-workgroup dispatches in one pass, one submit. */
export interface DispatchCost {
  /** Microseconds per dispatch of a kernel with no bindings. */
  emptyUs: number;
  /** Microseconds per dispatch of a kernel writing one word of a storage buffer all dispatches share (a barrier each). */
  chainedUs: number;
  /** Milliseconds of the smaller batch: the fixed cost of encode + submit + wait. */
  fixedMs: number;
  counts: [number, number];
}

export interface Bandwidth {
  /** Bytes read plus bytes written per second, in GB/s (10⁹). */
  gbps: number;
  bytes: number;
  how: string;
}

export interface Failure {
  part: string;
  what: string;
  error: string;
}

export interface PartFile {
  part: PartName;
  durationS: number;
  failures: Failure[];
  rows: DeviceRow[];
  notes?: string[];
  config?: RunConfig;
  adapter?: AdapterReport;
  runtime?: string;
  dispatchCost?: DispatchCost;
  /** Device-to-device copy bandwidth: WebGPU copyBufferToBuffer (probe) or torch (torch part). */
  bandwidth?: Bandwidth;
  /** torch part: library versions and the CUDA device. */
  torch?: Record<string, string | number | boolean>;
  /** Set when the part could not run here at all (e.g. PyTorch not installed): a note, not a failure, in --local runs. */
  skipped?: string;
}
