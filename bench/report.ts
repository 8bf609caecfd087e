// Turns a run's measurements into what people read: loss checks, ratios, console tables, the JSON
// summary line and the generated sections of BENCHMARKS.md.
import { FORMULAS } from './kernels.ts';
import { fitLine, relativeDiff, relativeNormDiff } from './stats.ts';
import { GRID_BATCH, GRID_EPOCHS, GRID_RATES, GRID_ROWS } from './grid.ts';
import type {
  BenchResult, BenchSummary, ImplName, LinearFit, LossCheck, Ratios, Runtime, ScalingPoint, TrainingResult, TrainingRun,
} from './types.ts';

/** Final losses of the implementations must agree to this relative difference. */
export const LOSS_AGREEMENT = 1e-3;
export const RATIO_BATCH = 256;

/** Per batch size: every implementation's final loss and parameters against the reference's. */
export function lossChecks(runs: readonly TrainingRun[]): LossCheck[] {
  const sizes = [...new Set(runs.map((r) => r.batchSize))].sort((a, b) => a - b);
  const checks: LossCheck[] = [];
  for (const batchSize of sizes) {
    const group = runs.filter((r) => r.batchSize === batchSize);
    // Plain JS is the reference when present: f64 arithmetic, no GPU in the way.
    const ref = group.find((r) => r.impl === 'plain-js') ?? group.find((r) => r.impl === 'webgpu-logreg') ?? (group[0] as TrainingRun);
    const others = group.filter((r) => r !== ref);
    const maxRelDiff = Math.max(0, ...others.map((r) => relativeDiff(r.finalLoss, ref.finalLoss)));
    const maxParamRelDiff = Math.max(0, ...others.map((r) => relativeNormDiff([...r.W, ...r.b], [...ref.W, ...ref.b])));
    const finite = group.every((r) => Number.isFinite(r.finalLoss));
    checks.push({ batchSize, reference: ref.impl, maxRelDiff, maxParamRelDiff, ok: finite && maxRelDiff <= LOSS_AGREEMENT });
  }
  return checks;
}

/** A training result without its parameters (what files and summaries keep). */
export function withoutParams(run: TrainingRun): TrainingResult {
  const { W: _W, b: _b, ...rest } = run;
  return rest;
}

function msAt(training: readonly TrainingResult[], impl: ImplName, batchSize: number): number | null {
  return training.find((t) => t.impl === impl && t.batchSize === batchSize)?.msPerEpoch ?? null;
}

/**
 * theirs / ours at batch 256 (> 1: webgpu-logreg is faster), ours given f32 X (or, with
 * 'webgpu-logreg-u8', bytes); null when either side was not run.
 */
export function ratios(training: readonly TrainingResult[], ours: ImplName = 'webgpu-logreg'): Ratios {
  const oursMs = msAt(training, ours, RATIO_BATCH);
  const vs = (impl: ImplName): number | null => {
    const theirs = msAt(training, impl, RATIO_BATCH);
    return oursMs === null || theirs === null ? null : theirs / oursMs;
  };
  return { vsTfjsWebgpu: vs('tfjs-webgpu'), vsTfjsWasm: vs('tfjs-wasm'), vsPlainJs: vs('plain-js') };
}

/** Least-squares ms/epoch against n·d·k over the scaling points. */
export function scalingFit(points: readonly ScalingPoint[]): LinearFit | null {
  const xs = points.map((p) => p.n * p.d * p.k);
  if (new Set(xs).size < 2) return null;
  return fitLine(xs, points.map((p) => p.msPerEpoch));
}

export function summary(r: BenchResult): BenchSummary {
  return {
    adapter: { vendor: r.adapter.vendor, architecture: r.adapter.architecture, device: r.adapter.device, description: r.adapter.description },
    runtime: r.runtime,
    dataset: r.dataset?.name ?? null,
    timing: r.kernels?.timing ?? null,
    kernels: (r.kernels?.results ?? []).map((k) => ({ name: k.name, ms: k.ms, gflops: k.gflops, gbps: k.gbps })),
    training: r.training.map((t) => ({ impl: t.impl, batchSize: t.batchSize, msPerEpoch: t.msPerEpoch, finalLoss: t.finalLoss })),
    ratios: r.ratios,
    ratiosU8: r.ratiosU8,
    lossAgreement: r.lossChecks.every((c) => c.ok),
    grid: r.grid === undefined || r.grid === null ? null : { ratio: r.grid.ratio, maxValLossDiff: r.grid.maxValLossDiff },
  };
}

// ---- formatting ----

function fixed(v: number | null | undefined, digits: number): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(digits);
}

/** A number with about three significant digits, not in exponent form. */
export function sig(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  const a = Math.abs(v);
  return v.toFixed(a >= 100 ? 0 : a >= 10 ? 1 : a >= 1 ? 2 : a >= 0.1 ? 3 : 4);
}

function batchLabel(t: { batchSize: number; full: boolean }): string {
  return t.full ? `full (${t.batchSize})` : String(t.batchSize);
}

function ratioText(v: number | null): string {
  return v === null ? 'not run' : `${sig(v)}×`;
}

export type Table = { head: string[]; rows: string[][]; align?: ('l' | 'r')[] };

export function textTable(t: Table): string {
  const widths = t.head.map((h, i) => Math.max(h.length, ...t.rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells.map((c, i) => ((t.align?.[i] ?? (i === 0 ? 'l' : 'r')) === 'l' ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join('  ');
  return [line(t.head), widths.map((w) => '-'.repeat(w)).join('  '), ...t.rows.map(line)].join('\n');
}

function markdownTable(t: Table): string {
  const align = t.head.map((_, i) => ((t.align?.[i] ?? (i === 0 ? 'l' : 'r')) === 'l' ? '---' : '---:'));
  const row = (cells: string[]): string => `| ${cells.join(' | ')} |`;
  return [row(t.head), row(align), ...t.rows.map(row)].join('\n');
}

function kernelTable(r: BenchResult): Table | null {
  if (r.kernels === null) return null;
  return {
    head: ['kernel', 'ms', 'GFLOP/s', 'GB/s', 'GPU ms', 'wall ms', 'passes'],
    rows: r.kernels.results.map((k) => [k.name, sig(k.ms), sig(k.gflops), sig(k.gbps), sig(k.gpuMs), sig(k.wallMs), String(k.passes)]),
  };
}

function trainingTable(r: BenchResult): Table {
  const ours = new Map(r.training.filter((t) => t.impl === 'webgpu-logreg').map((t) => [t.batchSize, t.msPerEpoch]));
  return {
    head: ['implementation', 'batch', 'steps', 'ms/epoch', 'theirs/ours', 'final loss', 'warm-up ms', 'fit() ms'],
    rows: r.training.map((t) => {
      const o = ours.get(t.batchSize);
      const ratio = t.impl.startsWith('webgpu-logreg') || o === undefined ? '' : `${sig(t.msPerEpoch / o)}×`;
      return [t.impl, batchLabel(t), String(t.steps), sig(t.msPerEpoch), ratio, fixed(t.finalLoss, 6), sig(t.warmupMs), sig(t.fitMs)];
    }),
  };
}

function lossTable(r: BenchResult): Table {
  return {
    head: ['batch', 'reference', 'max rel. loss diff', 'max rel. param diff', `agree (≤ ${LOSS_AGREEMENT})`],
    align: ['r', 'l', 'r', 'r', 'r'],
    rows: r.lossChecks.map((c) => [String(c.batchSize), c.reference, c.maxRelDiff.toExponential(2), c.maxParamRelDiff.toExponential(2), c.ok ? 'yes' : 'NO']),
  };
}

function scalingTable(r: BenchResult): Table | null {
  if (r.scaling === null) return null;
  const fit = r.scaling.fit;
  return {
    head: ['varies', 'n', 'd', 'k', 'n·d·k', 'ms/epoch', 'fitted ms'],
    rows: r.scaling.points.map((p) => [
      p.varies, String(p.n), String(p.d), String(p.k), String(p.n * p.d * p.k), sig(p.msPerEpoch),
      fit === null ? '–' : sig(fit.intercept + fit.slope * p.n * p.d * p.k),
    ]),
  };
}

function fitText(fit: LinearFit | null): string {
  if (fit === null) return 'fit: not enough distinct points';
  return `least-squares fit ms/epoch ≈ ${sig(fit.intercept)} ms + ${sig(fit.slope * 1e6)} ms per 10⁶·(n·d·k)` +
    ` (slope ${(fit.slope * 1e6).toExponential(3)} ns per unit of n·d·k, R² = ${fit.r2.toFixed(4)})`;
}

function adapterText(r: BenchResult): string {
  const a = r.adapter;
  const name = [a.vendor, a.architecture, a.device, a.description].filter((s) => s !== '').join(' / ') || 'unnamed adapter';
  return `${name}; timestamp-query ${a.timestampQuery ? 'yes' : 'no'}; maxStorageBufferBindingSize ${a.maxStorageBufferBindingSize}`;
}

function loadText(r: BenchResult): string {
  return `load average (1 min) ${r.loadAverage.start.toFixed(1)} at the start, ${r.loadAverage.end.toFixed(1)} at the end`;
}

function datasetText(r: BenchResult): string {
  if (r.dataset === null) return 'none loaded';
  const d = r.dataset;
  return `${d.name === 'synthetic' ? 'SYNTHETIC ' : ''}${d.name} ${d.n}×${d.d}, ${d.k} classes (${d.source})`;
}

function gridTable(r: BenchResult): Table | null {
  const g = r.grid;
  if (g === undefined || g === null) return null;
  return {
    head: ['rows', 'd', 'k', 'candidates', 'epochs', 'batch', 'grid ms', 'separate fits ms', 'grid/separate', 'max rel. val-loss diff'],
    rows: [[String(g.rows), String(g.d), String(g.k), String(g.candidates), String(g.epochs), String(g.batchSize), sig(g.gridMs), sig(g.separateMs), `${fixed(g.ratio, 3)}×`, g.maxValLossDiff.toExponential(2)]],
  };
}

function gridLine(r: BenchResult): string {
  const g = r.grid;
  if (g === undefined || g === null) return '';
  return `grid/separate ${fixed(g.ratio, 3)}× (target ≤ 0.35× on the development machine, ≤ 0.2× on a GPU); validation losses agree to ${g.maxValLossDiff.toExponential(2)}`;
}

/** What the console shows. */
export function formatConsole(r: BenchResult): string {
  const out: string[] = [];
  out.push(`webgpu-logreg benchmark · ${r.runtime} · ${r.date}${r.quick ? ' · QUICK (tiny shapes)' : ''}`);
  out.push(`machine: ${r.machine.cpuModel}, ${r.machine.cores} cores, ${r.machine.memoryGiB} GiB; ${r.machine.runtimeVersion}; ${loadText(r)}`);
  out.push(`adapter: ${adapterText(r)}`);
  out.push(`data: ${datasetText(r)}; learning rate ${r.learningRate}; run took ${Math.round(r.durationS)} s`);
  const kt = kernelTable(r);
  if (kt !== null && r.kernels !== null) {
    out.push('', `Kernels (median of ${r.kernels.results[0]?.runs ?? 0} runs after warm-up; ms = ${r.kernels.timing === 'timestamp' ? 'GPU time' : 'wall time'})`);
    out.push(`timing: ${r.kernels.timingNote}`, textTable(kt));
  }
  if (r.training.length > 0) {
    out.push('', 'Training: one epoch of softmax regression (theirs/ours > 1: webgpu-logreg is faster)', textTable(trainingTable(r)));
    out.push('', 'Final-loss agreement', textTable(lossTable(r)));
    out.push('', ratiosLine(r));
  }
  const st = scalingTable(r);
  if (st !== null && r.scaling !== null) out.push('', 'Scaling (webgpu-logreg, batch 256, one quantity varied at a time)', textTable(st), fitText(r.scaling.fit));
  const gt = gridTable(r);
  if (gt !== null) out.push('', 'Grid search (GridSearch over the learning rates vs the separate fits)', textTable(gt), gridLine(r));
  if (r.skipped.length > 0) out.push('', `Not run: ${r.skipped.join('; ')}`);
  return out.join('\n');
}

// ---- BENCHMARKS.md ----

export function blockMarkers(name: string): { begin: string; end: string } {
  return { begin: `<!-- bench:${name}:begin -->`, end: `<!-- bench:${name}:end -->` };
}

/** Replaces the block between a pair of markers, or appends it; text outside the markers is kept. */
export function replaceBlock(doc: string, name: string, body: string): string {
  const { begin, end } = blockMarkers(name);
  const block = `${begin}\n${body.trim()}\n${end}`;
  const i = doc.indexOf(begin);
  const j = doc.indexOf(end);
  if (i >= 0 && j > i) return doc.slice(0, i) + block + doc.slice(j + end.length);
  return `${doc.trimEnd()}\n\n${block}\n`;
}

const HEADER = `# Benchmarks

Produced by \`npm run bench\` (\`npm run bench -- --help\` lists the options). Each full run rewrites
the sections between its \`<!-- bench:… -->\` markers; text outside them is kept.
`;

export function methodSection(): string {
  const formulas = markdownTable({
    head: ['kernel', 'flops', 'bytes'],
    rows: FORMULAS.map((f) => [f.kernel, f.flops, f.bytes]),
    align: ['l', 'l', 'l'],
  });
  return `## How it measures

- **Kernels**: each public op (\`ops.matmul\` with bias, \`ops.gradient\`, \`ops.sigmoid\`,
  \`ops.softmax\`, \`ops.sgdStep\`) on random inputs: one warm-up call (it builds the pipelines),
  then the median of 10 calls (\`--runs\`). With the adapter's \`timestamp-query\`, every compute
  pass the op records gets timestamp writes and
  *ms* is the summed GPU time of those passes; the timestamps are used only if every run is > 0
  and ≤ that run's wall time, otherwise *ms* is the wall time of one call plus one sync (the
  output says which). GFLOP/s and GB/s count the minimum work and f32 traffic of the maths:

${formulas}

- **Training**: one epoch of softmax regression on Fashion-MNIST (60000×784, pixels scaled to
  [0, 1], 10 classes; read from \`/usr/share/datasets/fashion-mnist\` when installed, otherwise
  a synthetic set of the same shape, labelled SYNTHETIC). Every implementation runs the same
  algorithm: zero initial W and b, rows in file order (no shuffle), learning rate 0.1, batches of
  m rows with the last partial batch used, Ŷ = softmax(XW + b),
  W ← W − η·Xᵀ(Ŷ−Y)/m, b ← b − η·mean(Ŷ−Y). Implementations: **webgpu-logreg**
  (\`SoftmaxRegression.fit\`, one epoch; *ms/epoch* is the epoch time fit() reports in its
  History, *fit() ms* the whole call with upload and checks; **webgpu-logreg-u8** is the same
  call given the same pixels as bytes, \`{ data: Uint8Array, scale: 1/255 }\`, which the library
  keeps as bytes on the GPU; **webgpu-logreg-js** the bytes on a context of the \`'js'\` engine,
  plain JavaScript in float64 with no WebGPU), **TF.js webgpu** and **TF.js wasm**
  (tfjs-core 4.22 with explicit \`matMul\`/\`softmax\`/\`sub\`/\`mean\` ops, default backend settings,
  timed to the final readback of W and b; webgpu keeps X resident and slices batches on the GPU,
  wasm gets each batch as a tensor made from the host arrays, because its \`tf.slice\` of a
  60000-row tensor costs ~0.3 s a call), and **plain JS** (typed-array loops, f64 arithmetic),
  all in the same page on the same adapter. Each first runs a warm-up
  epoch on a slice with the same batch shapes (two full batches and the last partial one; for
  full batch, a full-batch epoch on the first 1024 rows), so shader compilation and JIT warm-up
  stay out of the timed epoch. *final loss* is the mean
  cross-entropy over all 60000 rows at the final parameters, computed by one float64 routine for
  all implementations; the losses must agree to a relative ${LOSS_AGREEMENT}. Ratios are theirs/ours
  in ms/epoch at batch ${RATIO_BATCH} (> 1: webgpu-logreg is faster), against ours given f32 X and
  against ours given bytes.
- **Grid search**: \`GridSearch\` over ${GRID_RATES.length} learning rates (${GRID_RATES.join(', ')}) for
  softmax regression on the first ${GRID_ROWS} rows (the next 2000 are the validation set),
  ${GRID_EPOCHS} epochs at batch ${GRID_BATCH}, against the ${GRID_RATES.length} separate \`fit()\` calls it replaces, in
  the same session one after the other, after a warm-up of both on a few rows; each side's wall
  time includes its uploads and per-epoch validation. The candidates' validation losses must
  equal the separate fits'.
- **Scaling**: webgpu-logreg epochs at batch 256 varying one quantity at a time around
  60000×784×10: n ∈ {7500, 15000, 30000, 60000}, d ∈ {98, 196, 392, 784} (the first d pixels),
  k ∈ {2, 10, 100} (labels mod k for k = 2); a least-squares line of ms/epoch against n·d·k.
- **Default run**: kernels, training at batch 64, 256, 1024 and full batch for all five
  implementations except TF.js webgpu at batch 64 (minutes on SwiftShader; run it with
  \`--impl tfjs-webgpu --batch 64\`), and the scaling sweep. \`--runtime node\` runs webgpu-logreg
  (f32 and bytes, through the \`webgpu\` package's Dawn) and plain JS only.
`;
}

function ratiosText(q: Ratios): string {
  return `TF.js webgpu ${ratioText(q.vsTfjsWebgpu)}, TF.js wasm ${ratioText(q.vsTfjsWasm)}, plain JS ${ratioText(q.vsPlainJs)}`;
}

function ratiosLine(r: BenchResult): string {
  return `Ratios at batch ${RATIO_BATCH}, theirs/ours: ours given f32 X ${ratiosText(r.ratios)}; ours given bytes ${ratiosText(r.ratiosU8)}`;
}

function targetsSection(r: BenchResult): string {
  const oursF32 = r.training.find((t) => t.impl === 'webgpu-logreg' && t.batchSize === RATIO_BATCH)?.msPerEpoch ?? null;
  const oursU8 = r.training.find((t) => t.impl === 'webgpu-logreg-u8' && t.batchSize === RATIO_BATCH)?.msPerEpoch ?? null;
  const wasm = r.training.find((t) => t.impl === 'tfjs-wasm' && t.batchSize === RATIO_BATCH)?.msPerEpoch ?? null;
  const mm = r.kernels?.results.find((k) => k.name.includes('1024³')) ?? null;
  const verdict = (ok: boolean | null): string => (ok === null ? 'not measured' : ok ? '**met**' : '**not met**');
  const storages = [['f32 X', oursF32, r.ratios], ['byte X', oursU8, r.ratiosU8]] as const;
  const rows: string[][] = [];
  for (const [label, ours, q] of storages) {
    rows.push(
      [`≥ 10× faster than TF.js webgpu per epoch at batch 256 (${label})`, ratioText(q.vsTfjsWebgpu), verdict(q.vsTfjsWebgpu === null ? null : q.vsTfjsWebgpu >= 10)],
      [`≤ 1400 ms/epoch at batch 256 (${label})`, ours === null ? 'not run' : `${sig(ours)} ms`, verdict(ours === null ? null : ours <= 1400)],
      [`faster than TF.js wasm at batch 256 (${label})`, wasm === null || ours === null ? 'not run' : `${sig(ours)} vs ${sig(wasm)} ms`, verdict(wasm === null || ours === null ? null : ours < wasm)],
      [`≤ 300 ms/epoch at batch 256 (${label})`, ours === null ? 'not run' : `${sig(ours)} ms`, verdict(ours === null ? null : ours <= 300)],
    );
  }
  rows.push(
    ['matmul 1024³ ≥ 3 GFLOP/s', mm === null ? 'not run' : `${sig(mm.gflops)} GFLOP/s`, verdict(mm === null ? null : mm.gflops >= 3)],
    ['identical final loss (relative ≤ 1e-3)', r.lossChecks.length === 0 ? 'not run' : r.lossChecks.every((c) => c.ok) ? 'all batch sizes agree' : 'disagreement', verdict(r.lossChecks.length === 0 ? null : r.lossChecks.every((c) => c.ok))],
  );
  return markdownTable({ head: ['target', 'measured', ''], rows, align: ['l', 'l', 'l'] });
}

const RUNTIME_TITLES: Record<Runtime, string> = {
  browser: 'Headless Chromium (`npm run bench`)',
  node: 'Node via Dawn (`npm run bench -- --runtime node`)',
};

export function runtimeSection(r: BenchResult): string {
  const m = r.machine;
  const parts: string[] = [`## ${RUNTIME_TITLES[r.runtime]}`, ''];
  parts.push(
    `- date: ${r.date}; the run took ${Math.round(r.durationS)} s`,
    `- command: \`${r.command}\``,
    `- machine: ${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB memory; ${m.os}; Node ${m.node}`,
    `- ${loadText(r)}${Math.max(r.loadAverage.start, r.loadAverage.end) > 0.5 * m.cores ? ': other processes shared the cores, so the timings are noisy' : ''}`,
    `- ${r.runtime === 'browser' ? 'browser' : 'WebGPU'}: ${m.runtimeVersion}`,
    `- adapter: ${adapterText(r)}`,
    `- data: ${datasetText(r)}`,
  );
  const kt = kernelTable(r);
  if (kt !== null && r.kernels !== null) {
    parts.push('', '### Kernels', '', `Timing: ${r.kernels.timingNote}.`, '', markdownTable(kt));
  }
  if (r.training.length > 0) {
    parts.push('', '### Training epoch', '', markdownTable(trainingTable(r)), '', markdownTable(lossTable(r)));
    parts.push('', `${ratiosLine(r)}.`);
  }
  const st = scalingTable(r);
  if (st !== null && r.scaling !== null) parts.push('', '### Scaling', '', markdownTable(st), '', `${fitText(r.scaling.fit)}.`);
  const gt = gridTable(r);
  if (gt !== null) parts.push('', '### Grid search', '', markdownTable(gt), '', `${gridLine(r)}.`);
  // The targets are stated for Fashion-MNIST's shape; other shapes would make the verdicts meaningless.
  const d = r.dataset;
  if (r.runtime === 'browser' && !r.quick && d !== null && d.n === 60000 && d.d === 784 && d.k === 10) {
    parts.push('', '### Targets', '', targetsSection(r));
  }
  if (r.skipped.length > 0) parts.push('', `Not run: ${r.skipped.join('; ')}.`);
  return parts.join('\n');
}

/** BENCHMARKS.md with this run's runtime section and the method section refreshed. */
export function renderBenchmarks(existing: string | null, r: BenchResult): string {
  let doc = existing ?? HEADER;
  doc = replaceBlock(doc, 'method', methodSection());
  doc = replaceBlock(doc, r.runtime, runtimeSection(r));
  return `${doc.trimEnd()}\n`;
}
