// Command-line options of `npm run bench`, checked up front so a typo fails before Chrome starts.
import { MIN_RUNS } from './kernels.ts';
import { IMPLS, type BatchChoice, type ImplName, type Runtime, type TimingMethod } from './types.ts';

export const PHASES = ['kernels', 'training', 'scaling', 'grid'] as const;
export type Phase = (typeof PHASES)[number];

export interface BenchArgs {
  runtime: Runtime;
  json: boolean;
  quick: boolean;
  /** Implementations asked for with --impl (null: the default set). */
  impls: ImplName[] | null;
  /** Batch sizes asked for with --batch (null: the default set). */
  batches: BatchChoice[] | null;
  phases: Phase[];
  learningRate: number;
  runs: number;
  timing: 'auto' | TimingMethod;
  /** Use synthetic data even when Fashion-MNIST is installed. */
  synthetic: boolean;
  /** Shape of the synthetic set (quick mode and --synthetic). */
  shape: { n: number; d: number; k: number } | null;
  seed: number;
  /** Write bench/results/<date>.json and refresh BENCHMARKS.md: 'auto' does so for full runs only. */
  write: 'auto' | 'yes' | 'no';
  help: boolean;
}

export const USAGE = `npm run bench [-- options]

Runs the kernel timings, the training comparison and the scaling sweep in headless Chrome (or in
Node with --runtime node), prints tables, writes bench/results/<date>.json and refreshes
BENCHMARKS.md.

  --json                 end the output with one JSON summary line
  --runtime browser|node browser (default): this library, TF.js webgpu, TF.js wasm and plain JS
                         in one page; node: this library (via the webgpu package) and plain JS
  --impl a,b             implementations: ${IMPLS.join(', ')}
                         (default: all the runtime has)
  --batch a,b            batch sizes, numbers or "full" (default: 64,256,1024,full; tfjs-webgpu
                         skips 64 unless --impl or --batch names it, as it takes minutes there)
  --skip a,b             phases to leave out: ${PHASES.join(', ')}
  --only a,b             run only these phases
  --lr x                 learning rate (default 0.1)
  --runs n               measured runs per kernel, ≥ ${MIN_RUNS} (default 10)
  --timing auto|timestamp|wall   kernel timing (default auto: timestamps when sane)
  --synthetic            synthetic data even if Fashion-MNIST is installed
  --shape n,d,k          synthetic shape (default 60000,784,10; quick: 300,20,3)
  --seed n               synthetic data seed (default 1)
  --quick                tiny shapes and synthetic data, to check the plumbing; writes nothing
  --write / --no-write   force writing results and BENCHMARKS.md on or off
  --help`;

function list(flag: string, value: string | undefined): string[] {
  if (value === undefined || value === '' || value.startsWith('--')) throw new Error(`${flag} needs a value`);
  return value.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

function positiveInt(flag: string, s: string): number {
  const v = Number(s);
  if (!Number.isInteger(v) || v < 1) throw new Error(`${flag}: ${JSON.stringify(s)} is not a positive integer`);
  return v;
}

function parseBatch(s: string): BatchChoice {
  return s === 'full' ? 'full' : positiveInt('--batch', s);
}

function parseImpl(s: string): ImplName {
  if (!(IMPLS as readonly string[]).includes(s)) throw new Error(`--impl: unknown implementation ${JSON.stringify(s)} (known: ${IMPLS.join(', ')})`);
  return s as ImplName;
}

function parsePhase(flag: string, s: string): Phase {
  if (!(PHASES as readonly string[]).includes(s)) throw new Error(`${flag}: unknown phase ${JSON.stringify(s)} (known: ${PHASES.join(', ')})`);
  return s as Phase;
}

export function parseArgs(argv: readonly string[]): BenchArgs {
  const a: BenchArgs = {
    runtime: 'browser', json: false, quick: false, impls: null, batches: null, phases: [...PHASES],
    learningRate: 0.1, runs: 10, timing: 'auto', synthetic: false, shape: null, seed: 1, write: 'auto', help: false,
  };
  let only: Phase[] | null = null;
  const skip: Phase[] = [];
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i] as string;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new Error(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--json': a.json = true; break;
      case '--quick': a.quick = true; break;
      case '--synthetic': a.synthetic = true; break;
      case '--write': a.write = 'yes'; break;
      case '--no-write': a.write = 'no'; break;
      case '--help': case '-h': a.help = true; break;
      case '--runtime': {
        const v = value();
        if (v !== 'browser' && v !== 'node') throw new Error(`--runtime must be browser or node, got ${JSON.stringify(v)}`);
        a.runtime = v;
        break;
      }
      case '--impl': a.impls = list(flag, value()).map(parseImpl); break;
      case '--batch': a.batches = list(flag, value()).map(parseBatch); break;
      case '--skip': skip.push(...list(flag, value()).map((s) => parsePhase(flag, s))); break;
      case '--only': only = list(flag, value()).map((s) => parsePhase(flag, s)); break;
      case '--lr': {
        const v = Number(value());
        if (!Number.isFinite(v) || v <= 0) throw new Error(`--lr must be a positive number, got ${argv[i]}`);
        a.learningRate = v;
        break;
      }
      case '--runs': {
        const v = positiveInt(flag, value());
        if (v < MIN_RUNS) throw new Error(`--runs must be at least ${MIN_RUNS}, got ${v}`);
        a.runs = v;
        break;
      }
      case '--timing': {
        const v = value();
        if (v !== 'auto' && v !== 'timestamp' && v !== 'wall') throw new Error(`--timing must be auto, timestamp or wall, got ${JSON.stringify(v)}`);
        a.timing = v;
        break;
      }
      case '--shape': {
        const parts = list(flag, value()).map((s) => positiveInt(flag, s));
        if (parts.length !== 3) throw new Error(`--shape needs n,d,k, got ${argv[i]}`);
        const [n, d, k] = parts as [number, number, number];
        if (k > 256) throw new Error(`--shape: k = ${k} is over 256 classes`);
        a.shape = { n, d, k };
        break;
      }
      case '--seed': {
        const v = Number(value());
        if (!Number.isInteger(v) || v < 0) throw new Error(`--seed must be a non-negative integer, got ${argv[i]}`);
        a.seed = v;
        break;
      }
      default:
        throw new Error(`unknown option ${JSON.stringify(flag)}\n\n${USAGE}`);
    }
  }
  a.phases = (only ?? [...PHASES]).filter((p) => !skip.includes(p));
  if (a.runtime === 'node' && a.impls !== null) {
    const browserOnly = a.impls.filter((i) => i === 'tfjs-webgpu' || i === 'tfjs-wasm');
    if (browserOnly.length > 0) throw new Error(`--runtime node runs webgpu-logreg and plain-js only; ${browserOnly.join(', ')} need the browser`);
  }
  return a;
}

/** Whether this run covers everything a committed BENCHMARKS.md should show. */
export function isFullRun(a: BenchArgs): boolean {
  return !a.quick && a.impls === null && a.batches === null && a.phases.length === PHASES.length && !a.synthetic && a.shape === null;
}
