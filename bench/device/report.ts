// Merges the parts' files into what people read: one table (ms per epoch, theirs/ours, final losses
// side by side, the floor), a few lines of context, and the summary as the last line of stdout.
// Anything missing (a part that failed, timed out or never ran) is named, never silently dropped.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sig, textTable, type Table } from '../report.ts';
import { relativeDiff, relativeNormDiff } from '../stats.ts';
import type { AdapterReport } from '../types.ts';
import { PARTS, type Bandwidth, type DeviceRow, type DispatchCost, type PartFile, type PartName, type RunConfig, type XForm } from './types.ts';

/** Final losses must agree to this relative difference (as in the main benchmark). */
export const LOSS_AGREEMENT = 1e-3;

export interface FloorRow {
  /** Minimum bytes of X an epoch reads (every row once) over the measured bandwidth, in ms. */
  bandwidthMs: number | null;
  /** Dispatches counted in one epoch × the chained per-dispatch cost, in ms (WebGPU rows). */
  dispatchMs: number | null;
  /** The larger of the two: no epoch can be faster. */
  floorMs: number | null;
  /** ms/epoch ÷ floor. */
  overFloor: number | null;
}

export interface SummaryRow {
  impl: string;
  engine: string | null;
  x: string;
  msPerEpoch: number;
  epochsMs: number[];
  finalLoss: number | null;
  /** |loss − reference loss| / reference loss; null for the reference itself and incomparable rows. */
  lossRelDiff: number | null;
  paramRelDiff: number | null;
  /** theirs / ours: this row's ms over the library's (engine 'gpu', same X form); > 1: ours is faster. */
  vsOursGpu: number | null;
  vsOursCpu: number | null;
  dispatchesPerEpoch: number | null;
  floor: FloorRow;
  comparable: boolean;
  timing: string;
}

/** A row a complete run has but this one does not, and why. */
export interface MissingRow {
  impl: string;
  engine: string | null;
  x: XForm;
  /** One word for the table: skipped, FAILED, timed out, not run, not measured. */
  status: string;
  why: string;
}

export interface DeviceSummary {
  ok: boolean;
  local: boolean;
  failures: string[];
  notes: string[];
  statuses: Record<string, string>;
  adapter: Pick<AdapterReport, 'vendor' | 'architecture' | 'device' | 'description'> | null;
  runtime: string | null;
  config: RunConfig | null;
  /** engine asked of createContext() → ctx.engine, from the library's rows. */
  engines: Record<string, string>;
  rows: SummaryRow[];
  missing: MissingRow[];
  loss: { reference: string | null; maxRelDiff: number | null; libraryF32VsBytes: number | null; ok: boolean };
  dispatchCost: DispatchCost | null;
  bandwidth: Bandwidth | null;
  torch: Record<string, string | number | boolean> | null;
}

function label(r: { impl: string; engine: string | null; x: string }): string {
  return `${r.impl}${r.engine === null ? '' : ` engine ${r.engine}`} X ${r.x}`;
}

/** Every row of a complete run, the part that makes it, and the words its failure entry contains. */
const EXPECTED: readonly { impl: string; engine: string | null; x: XForm; part: PartName; what: string }[] = [
  ...(['gpu', 'cpu'] as const).flatMap((engine) => (['f32', 'bytes'] as const).map((x) => ({
    impl: 'webgpu-logreg', engine, x, part: 'library' as const, what: `engine ${engine}, X ${x}`,
  }))),
  { impl: 'tfjs-webgpu', engine: null, x: 'f32', part: 'tfjs', what: 'TF.js' },
  ...(['eager', 'CUDA graph'] as const).flatMap((how) => (['f32', 'bytes'] as const).map((x) => ({
    impl: how === 'eager' ? 'torch-eager' : 'torch-cuda-graph', engine: null, x, part: 'torch' as const, what: `${how} X ${x}`,
  }))),
  { impl: 'js-f64', engine: null, x: 'f32', part: 'reference', what: 'plain JS' },
];

function missingRows(rows: readonly DeviceRow[], byName: ReadonlyMap<string, PartFile>, statuses: Record<string, string>): MissingRow[] {
  const out: MissingRow[] = [];
  for (const e of EXPECTED) {
    if (rows.some((r) => r.impl === e.impl && r.x === e.x && (e.engine === null || (r.engineRequested ?? r.engine) === e.engine))) continue;
    const p = byName.get(e.part);
    const code = statuses[e.part];
    // This row's own failure, else one of the part's that belongs to no row (e.g. opening the device).
    const failure = p?.failures.find((f) => f.what.includes(e.what)) ?? p?.failures.find((f) => !EXPECTED.some((x) => f.what.includes(x.what)));
    const base = { impl: e.impl, engine: e.engine, x: e.x };
    if (p?.skipped !== undefined) out.push({ ...base, status: 'skipped', why: p.skipped });
    else if (failure !== undefined) out.push({ ...base, status: 'FAILED', why: `${failure.what}: ${failure.error.split('\n')[0] ?? ''}` });
    else if (code === '124' || code === '137') out.push({ ...base, status: 'timed out', why: `part ${e.part} ${statusText(code)}` });
    else if (code !== '0') out.push({ ...base, status: code === undefined || code === 'budget' ? 'not run' : 'FAILED', why: `part ${e.part} ${statusText(code)}` });
    else out.push({ ...base, status: 'not measured', why: p?.notes?.join('; ') ?? `part ${e.part} made no such row` });
  }
  return out;
}

const IMPL_ORDER = ['webgpu-logreg', 'tfjs-webgpu', 'torch-eager', 'torch-cuda-graph', 'js-f64'];

/** Table order: the library (engine gpu, then cpu; f32, then bytes), then the others. */
function rank(r: DeviceRow): number {
  const impl = IMPL_ORDER.indexOf(r.impl);
  return 4 * (impl < 0 ? IMPL_ORDER.length : impl) + ((r.engineRequested ?? r.engine) === 'cpu' ? 2 : 0) + (r.x === 'bytes' ? 1 : 0);
}

function statusText(code: string | undefined): string {
  if (code === undefined) return 'was not run';
  if (code === 'budget') return 'was skipped: the time budget was spent';
  if (code === '124' || code === '137') return `timed out (exit ${code})`;
  return `exited with code ${code}`;
}

function libraryRowFor(rows: readonly DeviceRow[], engine: string, x: string): DeviceRow | undefined {
  return rows.find((r) => r.impl === 'webgpu-logreg' && (r.engineRequested ?? r.engine) === engine && r.x === x);
}

function ratio(theirs: DeviceRow, ours: DeviceRow | undefined): number | null {
  if (ours === undefined || theirs.impl === 'webgpu-logreg') return null;
  const v = theirs.msPerEpoch / ours.msPerEpoch;
  return Number.isFinite(v) ? v : null;
}

function floorFor(row: DeviceRow, config: RunConfig | null, bw: Bandwidth | null, cost: DispatchCost | null): FloorRow {
  const xBytes = config === null ? null : config.n * config.d * (row.x === 'f32' ? 4 : 1);
  // A copy's GB/s counts reads and writes; reading X is one-way traffic at that rate.
  const bandwidthMs = xBytes === null || bw === null ? null : xBytes / (bw.gbps * 1e6);
  const dispatchMs = row.dispatchesPerEpoch === undefined || cost === null ? null : (row.dispatchesPerEpoch * cost.chainedUs) / 1000;
  const parts = [bandwidthMs, dispatchMs].filter((v): v is number => v !== null && Number.isFinite(v));
  const floorMs = parts.length === 0 ? null : Math.max(...parts);
  return { bandwidthMs, dispatchMs, floorMs, overFloor: floorMs === null || floorMs <= 0 ? null : row.msPerEpoch / floorMs };
}

/** The summary of whatever parts left files; `statuses` are the exit codes run.sh saw. */
export function summarize(parts: readonly PartFile[], statuses: Record<string, string>, local: boolean): DeviceSummary {
  const failures: string[] = [];
  const notes: string[] = [];
  const byName = new Map(parts.map((p) => [p.part, p]));
  for (const name of PARTS) {
    const p = byName.get(name);
    const code = statuses[name];
    if (p?.skipped !== undefined) {
      if (local) notes.push(`${name}: skipped here: ${p.skipped}`);
      else failures.push(`${name}: could not run: ${p.skipped}`);
    } else if (p === undefined) failures.push(`part ${name} ${statusText(code)} and wrote no results`);
    else if (code !== '0') failures.push(`part ${name} ${statusText(code)}`);
    for (const f of p?.failures ?? []) failures.push(`${f.part}: ${f.what}: ${f.error.split('\n')[0] ?? ''}`);
    notes.push(...(p?.notes ?? []).map((n) => `${name}: ${n}`));
  }
  const rows = parts.flatMap((p) => p.rows).sort((a, b) => rank(a) - rank(b));
  const config = byName.get('prepare')?.config ?? parts.find((p) => p.config !== undefined)?.config ?? null;
  const withAdapter = ['probe', 'library', 'tfjs'].map((n) => byName.get(n as PartFile['part'])).find((p) => p?.adapter !== undefined);
  const torch = byName.get('torch');
  // Torch's D2D copy is the bandwidth the floor uses when it exists: it is what CUDA code gets.
  const bandwidth = torch?.bandwidth ?? byName.get('probe')?.bandwidth ?? null;
  const dispatchCost = byName.get('probe')?.dispatchCost ?? null;

  const reference = libraryRowFor(rows, 'gpu', 'f32') ?? rows.find((r) => r.comparable !== false && r.finalLoss !== null);
  const summaryRows: SummaryRow[] = rows.map((r) => {
    const comparable = r.comparable !== false && r.finalLoss !== null && reference?.finalLoss !== null && reference !== undefined;
    const isRef = r === reference;
    return {
      impl: r.impl, engine: r.engine, x: r.x, msPerEpoch: r.msPerEpoch, epochsMs: r.epochsMs, finalLoss: r.finalLoss,
      lossRelDiff: comparable && !isRef ? relativeDiff(r.finalLoss as number, reference.finalLoss as number) : null,
      paramRelDiff: comparable && !isRef && r.params !== undefined && reference.params?.length === r.params.length
        ? relativeNormDiff(r.params, reference.params) : null,
      vsOursGpu: ratio(r, libraryRowFor(rows, 'gpu', r.x)), vsOursCpu: ratio(r, libraryRowFor(rows, 'cpu', r.x)),
      dispatchesPerEpoch: r.dispatchesPerEpoch ?? null, floor: floorFor(r, config, bandwidth, dispatchCost),
      comparable: r.comparable !== false, timing: r.timing,
    };
  });
  for (const r of rows) {
    if (!Number.isFinite(r.msPerEpoch)) failures.push(`${label(r)}: ms/epoch is ${String(r.msPerEpoch)}`);
    if (r.finalLoss === null || !Number.isFinite(r.finalLoss)) failures.push(`${label(r)}: final loss is ${String(r.finalLoss)}`);
    if (r.comparable === false) notes.push(`${label(r)}: ${r.note ?? 'did not train the library\'s data'}; its loss is not compared`);
  }
  const diffs = summaryRows.map((r) => r.lossRelDiff).filter((v): v is number => v !== null);
  const maxRelDiff = diffs.length === 0 ? null : Math.max(...diffs);
  const formDiffs = (['gpu', 'cpu'] as const).flatMap((e) => {
    const f = libraryRowFor(rows, e, 'f32')?.finalLoss;
    const b = libraryRowFor(rows, e, 'bytes')?.finalLoss;
    return f === undefined || b === undefined || f === null || b === null ? [] : [relativeDiff(b, f)];
  });
  const libraryF32VsBytes = formDiffs.length === 0 ? null : Math.max(...formDiffs);
  const lossOk = maxRelDiff !== null && maxRelDiff <= LOSS_AGREEMENT && (libraryF32VsBytes === null || libraryF32VsBytes <= LOSS_AGREEMENT);
  if (maxRelDiff !== null && !lossOk) failures.push(`final losses disagree: largest relative difference ${maxRelDiff.toExponential(2)} (allowed ${LOSS_AGREEMENT})`);
  const engines: Record<string, string> = {};
  for (const r of rows) if (r.impl === 'webgpu-logreg' && r.engineRequested !== undefined && r.engine !== null) engines[r.engineRequested] = r.engine;
  const a = withAdapter?.adapter;
  return {
    ok: failures.length === 0, local, failures, notes, statuses,
    adapter: a === undefined ? null : { vendor: a.vendor, architecture: a.architecture, device: a.device, description: a.description },
    runtime: withAdapter?.runtime ?? null, config, engines, rows: summaryRows, missing: missingRows(rows, byName, statuses),
    loss: { reference: reference === undefined ? null : label(reference), maxRelDiff, libraryF32VsBytes, ok: lossOk },
    dispatchCost, bandwidth, torch: torch?.torch ?? null,
  };
}

function ms(v: number | null): string {
  return v === null || !Number.isFinite(v) ? '–' : sig(v);
}

function sci(v: number | null): string {
  return v === null ? '–' : v.toExponential(1);
}

function mainTable(s: DeviceSummary): Table {
  return {
    head: ['implementation', 'engine', 'X', 'ms/epoch', 'timed epochs ms', 'theirs/ours', 'final loss', 'rel. diff', 'dispatches', 'floor ms', '× floor'],
    align: ['l', 'l', 'l', 'r', 'l', 'r', 'r', 'r', 'r', 'r', 'r'],
    rows: s.rows.map((r) => {
      const timed = r.epochsMs.slice(s.config?.warmupEpochs ?? 0).map((v) => ms(v)).join(' ');
      const theirs = r.vsOursGpu === null ? '' : `${sig(r.vsOursGpu)}×`;
      const lossDiff = !r.comparable ? 'n/c' : r.lossRelDiff === null ? 'ref' : sci(r.lossRelDiff);
      const floorKind = r.floor.floorMs === null ? '' : r.floor.floorMs === r.floor.dispatchMs ? ' (d)' : ' (bw)';
      return [
        r.impl, r.engine ?? '', r.x, ms(r.msPerEpoch), timed, theirs, r.finalLoss === null ? '–' : r.finalLoss.toFixed(6), lossDiff,
        r.dispatchesPerEpoch === null ? '' : String(r.dispatchesPerEpoch), `${ms(r.floor.floorMs)}${floorKind}`,
        r.floor.overFloor === null ? '–' : `${sig(r.floor.overFloor)}×`,
      ];
    }).concat(s.missing.map((m) => [m.impl, m.engine ?? '', m.x, '–', m.status, '', '–', '', '', '', ''])),
  };
}

/** The table and its context, for the console and report.txt. */
export function formatReport(s: DeviceSummary): string {
  const lines: string[] = [];
  const c = s.config;
  const a = s.adapter;
  lines.push(`adapter: ${a === null ? 'none (no WebGPU part reported one)' : [a.vendor, a.architecture, a.device, a.description].filter((v) => v !== '').join(' / ')}`);
  if (s.runtime !== null) lines.push(`runtime: ${s.runtime}`);
  lines.push(`ctx.engine: ${Object.keys(s.engines).length === 0 ? 'no library rows' : Object.entries(s.engines).map(([asked, got]) => `asked ${asked} → ${got}`).join(', ')}`);
  if (c !== null) {
    lines.push(`data: synthetic ${c.n}×${c.d}, ${c.k} classes (seed ${c.dataSeed}); softmax regression, batch ${c.batchSize}, lr ${c.learningRate}, zero init; ` +
      `${c.warmupEpochs} warm-up + ${c.timedEpochs} timed epochs, rows in fit()'s shuffled order (seed ${c.shuffleSeed}), the same orders for every implementation`);
  }
  if (s.torch !== null) lines.push(`torch: ${Object.entries(s.torch).map(([k, v]) => `${k} ${String(v)}`).join(', ')}`);
  lines.push('', textTable(mainTable(s)), '');
  lines.push('theirs/ours: the row\'s ms/epoch over webgpu-logreg engine gpu with the same X (> 1: ours is faster); rel. diff: final loss against ' +
    `${s.loss.reference ?? 'no reference'} (n/c: not comparable); floor: max(bytes of X read once ÷ bandwidth (bw), dispatches × chained dispatch cost (d))`);
  const bw = s.bandwidth;
  lines.push(`bandwidth: ${bw === null ? 'not measured' : `${sig(bw.gbps)} GB/s (read + write), ${bw.how}`}`);
  if (c !== null && bw !== null) {
    lines.push(`X per epoch: f32 ${(c.n * c.d * 4 / 1e6).toFixed(1)} MB → ${sig(c.n * c.d * 4 / (bw.gbps * 1e6))} ms; bytes ${(c.n * c.d / 1e6).toFixed(1)} MB → ${sig(c.n * c.d / (bw.gbps * 1e6))} ms`);
  }
  const dc = s.dispatchCost;
  lines.push(`per dispatch (Dawn, ${dc === null ? '–' : `${dc.counts[0]} vs ${dc.counts[1]} in one submit`}): ` +
    (dc === null ? 'not measured' : `empty ${sig(dc.emptyUs)} µs, chained (a barrier each) ${sig(dc.chainedUs)} µs, fixed ${sig(dc.fixedMs)} ms per submit + wait`));
  const l = s.loss;
  lines.push(l.maxRelDiff === null
    ? 'final losses: fewer than two comparable rows, nothing to compare'
    : `final losses: largest relative difference ${sci(l.maxRelDiff)}; library f32 vs bytes ${sci(l.libraryF32VsBytes)}; ` +
      `${l.ok ? 'they agree' : 'THEY DO NOT AGREE'} (allowed ${LOSS_AGREEMENT})`);
  // Rows missing for one reason are listed together; failed rows are among the FAILED lines already.
  const groups = new Map<string, string[]>();
  for (const m of s.missing) {
    if (m.status === 'FAILED') continue;
    const key = `${m.status}: ${m.why}`;
    groups.set(key, [...(groups.get(key) ?? []), label(m)]);
  }
  for (const [key, rows] of groups) lines.push(`${key.slice(0, key.indexOf(':'))}: ${rows.join(', ')}: ${key.slice(key.indexOf(':') + 2)}`);
  for (const n of s.notes) lines.push(`note: ${n}`);
  for (const f of s.failures) lines.push(`FAILED: ${f}`);
  lines.push(s.ok ? 'all parts ran' : `${s.failures.length} problem(s): see FAILED lines and logs/`);
  return lines.join('\n');
}

/** Reads <out>/parts/*.json, prints the report and the JSON line, writes summary.json and report.txt. */
export function runReport(out: string, local: boolean, statuses: Record<string, string>): number {
  const parts: PartFile[] = [];
  for (const name of PARTS) {
    const path = join(out, 'parts', `${name}.json`);
    if (!existsSync(path)) continue;
    try {
      parts.push(JSON.parse(readFileSync(path, 'utf8')) as PartFile);
    } catch (e) {
      parts.push({ part: name, durationS: 0, rows: [], failures: [{ part: name, what: `reading ${path}`, error: String(e) }] });
    }
  }
  const s = summarize(parts, statuses, local);
  const text = formatReport(s);
  writeFileSync(join(out, 'summary.json'), `${JSON.stringify(s, null, 2)}\n`);
  writeFileSync(join(out, 'report.txt'), `${text}\n`);
  process.stdout.write(`${text}\n${JSON.stringify(s)}\n`);
  return s.ok ? 0 : 1;
}
