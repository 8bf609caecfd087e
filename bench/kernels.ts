// Kernel timings through the public ops: each op is called once per run and synced once; the
// median of the measured runs (after warm-up) is reported with GFLOP/s and GB/s from the formulas
// below (the minimum work and traffic of the maths, not what a given kernel happens to do).
import type * as Lib from '../src/index.ts';
import { mulberry32 } from './data.ts';
import { median } from './stats.ts';
import { measureWall, PassTimer, type Measurement } from './timer.ts';
import type { KernelOptions, KernelReport, KernelResult, TimingMethod } from './types.ts';

const WARMUP_RUNS = 1;
export const MIN_RUNS = 10;

/** What each kernel's GFLOP/s and GB/s are computed from (f32 = 4 bytes). */
export const FORMULAS: readonly { kernel: string; flops: string; bytes: string }[] = [
  { kernel: 'matmul+bias (m×d)·(d×k) + b', flops: '2·m·d·k + m·k', bytes: '4·(m·d + d·k + k + m·k)' },
  { kernel: 'gradient Xᵀ(Ŷ−Y)/m, mean(Ŷ−Y)', flops: '2·m·d·k + 2·m·k + d·k + k', bytes: '4·(m·d + 2·m·k + d·k + k)' },
  { kernel: 'sigmoid of N values', flops: '4·N (negate, exp, add, divide)', bytes: '8·N' },
  { kernel: 'softmax of r×c', flops: '5·r·c (max, subtract, exp, sum, divide)', bytes: '8·r·c' },
  { kernel: 'sgd step W (d×k) and b (k)', flops: '2·(d·k + k)', bytes: '12·(d·k + k)' },
];

interface Prepared {
  /** Enqueues the op once; returns a function that frees what it produced. */
  call(): () => void;
  destroy(): void;
}

interface KernelCase {
  name: string;
  flops: number;
  bytes: number;
  prepare(lib: typeof Lib, ctx: Lib.GpuContext, rng: () => number): Prepared;
}

function randomMatrix(rng: () => number, rows: number, cols: number, lo: number, hi: number): Lib.HostMatrix {
  const data = new Float32Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = lo + (hi - lo) * rng();
  return { data, rows, cols };
}

function oneHotMatrix(rng: () => number, rows: number, k: number): Lib.HostMatrix {
  const data = new Float32Array(rows * k);
  for (let i = 0; i < rows; i++) data[i * k + Math.floor(rng() * k)] = 1;
  return { data, rows, cols: k };
}

function destroyAll(ms: readonly Lib.GpuMatrix[]): void {
  for (const m of ms) m.destroy();
}

function matmulCase(m: number, d: number, k: number, label = ''): KernelCase {
  return {
    name: `matmul+bias ${m}×${d}·${d}×${k}${label}`,
    flops: 2 * m * d * k + m * k,
    bytes: 4 * (m * d + d * k + k + m * k),
    prepare(lib, ctx, rng) {
      const X = ctx.upload(randomMatrix(rng, m, d, 0, 1), 'X');
      const W = ctx.upload(randomMatrix(rng, d, k, -0.1, 0.1), 'W');
      const b = ctx.upload(randomMatrix(rng, 1, k, -0.1, 0.1), 'b');
      return {
        call: () => {
          const Z = lib.ops.matmul(ctx, X, W, b);
          return () => Z.destroy();
        },
        destroy: () => destroyAll([X, W, b]),
      };
    },
  };
}

function gradientCase(m: number, d: number, k: number): KernelCase {
  return {
    name: `gradient m=${m} d=${d} k=${k}`,
    flops: 2 * m * d * k + 2 * m * k + d * k + k,
    bytes: 4 * (m * d + 2 * m * k + d * k + k),
    prepare(lib, ctx, rng) {
      const X = ctx.upload(randomMatrix(rng, m, d, 0, 1), 'X');
      const Yhat = ctx.upload(randomMatrix(rng, m, k, 0, 1), 'Yhat');
      const Y = ctx.upload(oneHotMatrix(rng, m, k), 'Y');
      return {
        call: () => {
          const g = lib.ops.gradient(ctx, X, Yhat, Y);
          return () => destroyAll([g.dW, g.db]);
        },
        destroy: () => destroyAll([X, Yhat, Y]),
      };
    },
  };
}

/** An elementwise (sigmoid) or row-wise (softmax) op on a random rows×cols matrix of logits. */
function activationCase(op: 'sigmoid' | 'softmax', rows: number, cols: number, label: string, flopsPerValue: number): KernelCase {
  const n = rows * cols;
  return {
    name: `${op} ${label}`,
    flops: flopsPerValue * n,
    bytes: 8 * n,
    prepare(lib, ctx, rng) {
      const Z = ctx.upload(randomMatrix(rng, rows, cols, -6, 6), 'Z');
      return {
        call: () => {
          const S = lib.ops[op](ctx, Z);
          return () => S.destroy();
        },
        destroy: () => Z.destroy(),
      };
    },
  };
}

/** Negate, exp, add, divide per value. */
function sigmoidCase(rows: number, cols: number, label: string): KernelCase {
  return activationCase('sigmoid', rows, cols, label, 4);
}

/** Max, subtract, exp, sum, divide per value. */
function softmaxCase(rows: number, cols: number): KernelCase {
  return activationCase('softmax', rows, cols, `${rows}×${cols}`, 5);
}

function sgdCase(d: number, k: number): KernelCase {
  return {
    name: `sgd step ${d}×${k} + bias`,
    flops: 2 * (d * k + k),
    bytes: 12 * (d * k + k),
    prepare(lib, ctx, rng) {
      const W = ctx.upload(randomMatrix(rng, d, k, -0.1, 0.1), 'W');
      const dW = ctx.upload(randomMatrix(rng, d, k, -1e-3, 1e-3), 'dW');
      const b = ctx.upload(randomMatrix(rng, 1, k, -0.1, 0.1), 'b');
      const db = ctx.upload(randomMatrix(rng, 1, k, -1e-3, 1e-3), 'db');
      return {
        call: () => {
          lib.ops.sgdStep(ctx, W, dW, 1e-3, 0, { b, db });
          return () => undefined;
        },
        destroy: () => destroyAll([W, dW, b, db]),
      };
    },
  };
}

/** The shapes the benchmark reports; quick mode uses tiny ones that are not multiples of tiles. */
export function kernelCases(quick: boolean): KernelCase[] {
  if (quick) {
    return [
      matmulCase(37, 29, 5), matmulCase(130, 29, 5), matmulCase(33, 33, 33),
      gradientCase(37, 29, 5), gradientCase(130, 29, 5),
      sigmoidCase(64, 67, '64×67'), softmaxCase(500, 5), sgdCase(29, 5),
    ];
  }
  return [
    matmulCase(256, 784, 10), matmulCase(4096, 784, 10), matmulCase(60000, 784, 10), matmulCase(1024, 1024, 1024, ' (1024³)'),
    gradientCase(256, 784, 10), gradientCase(60000, 784, 10),
    sigmoidCase(1024, 1024, '2^20'), softmaxCase(65536, 10), sgdCase(784, 10),
  ];
}

interface Samples {
  wall: number[];
  gpu: (number | null)[];
  passes: number;
}

async function sample(kc: KernelCase, lib: typeof Lib, ctx: Lib.GpuContext, timer: PassTimer | null, runs: number): Promise<Samples> {
  const prepared = kc.prepare(lib, ctx, mulberry32(0x5eed));
  const measure = (body: () => void): Promise<Measurement> => (timer === null ? measureWall(ctx.device, body) : timer.measure(body));
  const out: Samples = { wall: [], gpu: [], passes: 0 };
  try {
    for (let r = 0; r < WARMUP_RUNS + runs; r++) {
      let free: () => void = () => undefined;
      const m = await measure(() => {
        free = prepared.call();
      });
      free();
      // A GPU error raised by the op surfaces here rather than as a silently fast kernel.
      ctx.assertUsable();
      if (r < WARMUP_RUNS) continue;
      out.wall.push(m.wallMs);
      out.gpu.push(m.gpuMs);
      out.passes = m.passes;
    }
  } finally {
    prepared.destroy();
  }
  return out;
}

/** Why timestamps cannot be trusted for these samples, or null when they look sane. */
export function timestampProblem(name: string, s: Samples): string | null {
  for (let i = 0; i < s.gpu.length; i++) {
    const gpu = s.gpu[i];
    const wall = s.wall[i] as number;
    if (gpu === null || gpu === undefined) return `${name}: a run returned no timestamps`;
    if (!(gpu > 0)) return `${name}: GPU time ${gpu} ms is not positive`;
    // The passes ran between the call and the sync, so they cannot take longer than that.
    if (gpu > wall * 1.02 + 0.05) return `${name}: GPU time ${gpu.toFixed(3)} ms exceeds the wall time ${wall.toFixed(3)} ms`;
  }
  return null;
}

function result(kc: KernelCase, s: Samples, timing: TimingMethod): KernelResult {
  const wallMs = median(s.wall);
  const gpu = s.gpu.filter((v): v is number => v !== null);
  const gpuMs = gpu.length === s.gpu.length && gpu.length > 0 ? median(gpu) : null;
  const ms = timing === 'timestamp' && gpuMs !== null ? gpuMs : wallMs;
  return {
    name: kc.name, ms, flops: kc.flops, bytes: kc.bytes,
    gflops: kc.flops / (ms * 1e6), gbps: kc.bytes / (ms * 1e6),
    gpuMs, wallMs, runs: s.wall.length, passes: s.passes,
  };
}

/** Runs every kernel case; the timing method is decided once for all of them. */
export async function runKernels(
  lib: typeof Lib, ctx: Lib.GpuContext, options: KernelOptions, progress: (line: string) => void,
): Promise<KernelReport> {
  if (!Number.isInteger(options.runs) || options.runs < MIN_RUNS) throw new RangeError(`runs must be an integer ≥ ${MIN_RUNS}, got ${options.runs}`);
  const hasTimestamps = ctx.device.features.has('timestamp-query');
  if (options.timing === 'timestamp' && !hasTimestamps) throw new Error("timing 'timestamp' asked for, but the device has no 'timestamp-query'");
  const timer = options.timing === 'wall' ? null : PassTimer.install(ctx.device);
  const cases = kernelCases(options.quick);
  const samples: Samples[] = [];
  try {
    for (const kc of cases) {
      const s = await sample(kc, lib, ctx, timer, options.runs);
      samples.push(s);
      progress(`kernel ${kc.name}: wall ${median(s.wall).toFixed(3)} ms${timer === null ? '' : `, GPU ${s.gpu.every((g) => g !== null) ? median(s.gpu as number[]).toFixed(3) : 'n/a'} ms`}`);
    }
  } finally {
    timer?.uninstall();
  }
  let timing: TimingMethod = 'wall';
  let timingNote: string;
  if (timer === null) {
    timingNote = options.timing === 'wall' ? 'wall time with one sync per call (asked for with --timing wall)' : "wall time with one sync per call (the adapter has no 'timestamp-query')";
  } else {
    const problems = cases.map((kc, i) => timestampProblem(kc.name, samples[i] as Samples)).filter((p): p is string => p !== null);
    if (problems.length === 0) {
      timing = 'timestamp';
      timingNote = 'GPU time from timestamp queries: the sum of the compute passes each call recorded (checked ≤ wall time for every run)';
    } else if (options.timing === 'timestamp') {
      throw new Error(`timestamps failed the sanity check: ${problems.join('; ')}`);
    } else {
      timingNote = `wall time with one sync per call; timestamp queries were rejected: ${problems.join('; ')}`;
    }
  }
  return { timing, timingNote, results: cases.map((kc, i) => result(kc, samples[i] as Samples, timing)) };
}
