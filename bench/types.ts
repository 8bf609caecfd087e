// What the benchmark measures and reports: shared by the page, the Node runtime and the driver.
// Everything here is JSON-safe, because results cross the page ↔ Node boundary and land in files.

/** The implementations that can train an epoch. */
export const IMPLS = ['webgpu-logreg', 'webgpu-logreg-u8', 'webgpu-logreg-js', 'tfjs-webgpu', 'tfjs-wasm', 'plain-js'] as const;
export type ImplName = (typeof IMPLS)[number];

/** The implementations that need a browser (TF.js is bundled into the page only). */
export const BROWSER_ONLY_IMPLS: readonly ImplName[] = ['tfjs-webgpu', 'tfjs-wasm'];

export type Runtime = 'browser' | 'node';

/** A batch size, or 'full' for one step over all rows. */
export type BatchChoice = number | 'full';

export type TimingMethod = 'timestamp' | 'wall';

export interface AdapterReport {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** Whether the adapter offers 'timestamp-query' (and the benchmark's device enabled it). */
  timestampQuery: boolean;
  features: string[];
  maxStorageBufferBindingSize: number;
  maxBufferSize: number;
}

export type DataSpec =
  | { kind: 'fashion-mnist'; location: string }
  | { kind: 'synthetic'; n: number; d: number; k: number; seed: number };

export interface DatasetInfo {
  name: 'fashion-mnist' | 'synthetic';
  n: number;
  d: number;
  k: number;
  /** How it was made: file names, or the generator and seed. */
  source: string;
}

export interface KernelOptions {
  /** Tiny shapes, for checking the plumbing. */
  quick: boolean;
  /** Measured runs per kernel (after warm-up); at least 10. */
  runs: number;
  /** 'auto': timestamp queries when the adapter has them and they pass the sanity check. */
  timing: 'auto' | TimingMethod;
}

export interface KernelResult {
  name: string;
  /** Median over the measured runs of the chosen timing method. */
  ms: number;
  gflops: number;
  gbps: number;
  flops: number;
  bytes: number;
  /** Median GPU time from timestamp queries (summed over the op's compute passes), when measured. */
  gpuMs: number | null;
  /** Median wall time of one call plus one sync. */
  wallMs: number;
  runs: number;
  /** Compute passes the op recorded per call (seen through the timestamp hooks; 0 when not hooked). */
  passes: number;
}

export interface KernelReport {
  timing: TimingMethod;
  /** Why this timing method was used (e.g. why timestamps were rejected). */
  timingNote: string;
  results: KernelResult[];
}

export interface TrainOptions {
  impl: ImplName;
  batch: BatchChoice;
  learningRate: number;
}

export interface TrainingResult {
  impl: ImplName;
  batchSize: number;
  full: boolean;
  steps: number;
  msPerEpoch: number;
  /** Mean cross-entropy over every training row at the final parameters, evaluated in float64. */
  finalLoss: number;
  /** Milliseconds of the warm-up epoch on a slice with the same batch shapes (compilation etc.). */
  warmupMs: number;
  /** webgpu-logreg: wall time of the whole fit() call (upload, checks, setup, epoch, readback). */
  fitMs?: number;
  /** webgpu-logreg: the epoch loss fit() reports (each row's loss when its batch was processed). */
  reportedEpochLoss?: number;
}

/** A training result together with its final parameters (the driver compares them, then drops them). */
export interface TrainingRun extends TrainingResult {
  W: number[];
  b: number[];
}

export interface ScalingPoint {
  n: number;
  d: number;
  k: number;
  batchSize: number;
  msPerEpoch: number;
  /** Which quantity this point varies ('center' is the shared 60000×784×10 point). */
  varies: 'n' | 'd' | 'k' | 'center';
}

export interface LinearFit {
  slope: number;
  intercept: number;
  r2: number;
}

export interface LossCheck {
  batchSize: number;
  reference: ImplName;
  /** Largest |loss − reference| / |reference| over the other implementations. */
  maxRelDiff: number;
  /** Largest ‖θ − θ_ref‖ / ‖θ_ref‖ over the other implementations. */
  maxParamRelDiff: number;
  ok: boolean;
}

export interface MachineInfo {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  /** Chromium's version string (browser runtime) or the `webgpu` package's Dawn (node runtime). */
  runtimeVersion: string;
}

/** The grid-search case: one GridSearch over several learning rates against the separate fits. */
export interface GridReport {
  rows: number;
  validationRows: number;
  d: number;
  k: number;
  candidates: number;
  epochs: number;
  batchSize: number;
  /** Wall time of GridSearch.fit(), and of the separate fit() calls together (each with its upload and validation). */
  gridMs: number;
  separateMs: number;
  /** gridMs / separateMs. */
  ratio: number;
  /** Largest relative difference between a candidate's validation loss and its separate fit's. */
  maxValLossDiff: number;
}

export interface BenchResult {
  date: string;
  command: string;
  runtime: Runtime;
  quick: boolean;
  machine: MachineInfo;
  adapter: AdapterReport;
  dataset: DatasetInfo | null;
  learningRate: number;
  kernels: KernelReport | null;
  training: TrainingResult[];
  lossChecks: LossCheck[];
  /** Against webgpu-logreg given f32 X, like every other implementation. */
  ratios: Ratios;
  /** Against webgpu-logreg given the pixels as bytes (its u8 storage). */
  ratiosU8: Ratios;
  scaling: { points: ScalingPoint[]; fit: LinearFit | null } | null;
  /** The grid-search case (absent from results written before it existed). */
  grid?: GridReport | null;
  /** Implementations or batch sizes not run, and why. */
  skipped: string[];
  /** Wall time of the whole run, browser start-up included. */
  durationS: number;
  /** 1-minute load average when the run started and ended: other work on the machine skews timings. */
  loadAverage: { start: number; end: number };
}

/** theirs / ours in ms per epoch at batch 256: > 1 means webgpu-logreg is faster. */
export interface Ratios {
  vsTfjsWebgpu: number | null;
  vsTfjsWasm: number | null;
  vsPlainJs: number | null;
}

/** The one-line JSON summary printed last with --json. */
export interface BenchSummary {
  adapter: { vendor: string; architecture: string; device: string; description: string };
  runtime: Runtime;
  dataset: string | null;
  timing: TimingMethod | null;
  kernels: { name: string; ms: number; gflops: number; gbps: number }[];
  training: { impl: ImplName; batchSize: number; msPerEpoch: number; finalLoss: number }[];
  ratios: Ratios;
  ratiosU8: Ratios;
  lossAgreement: boolean;
  /** The grid-search case: grid time over the separate fits' time, and how far the validation losses differ. */
  grid: { ratio: number; maxValLossDiff: number } | null;
}
