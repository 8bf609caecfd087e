// What a run does: which (implementation, batch size) pairs to train and which scaling points to
// time, given the options and the data's shape.
import type { BenchArgs } from './args.ts';
import { BROWSER_ONLY_IMPLS, IMPLS, type BatchChoice, type DatasetInfo, type ImplName, type ScalingPoint } from './types.ts';

export const DEFAULT_BATCHES: readonly BatchChoice[] = [64, 256, 1024, 'full'];
export const SCALING_BATCH = 256;

interface PlannedRun {
  impl: ImplName;
  batch: BatchChoice;
}

/** Which (implementation, batch) pairs to run, and which defaults were left out and why. */
export function planTraining(a: BenchArgs, available: readonly ImplName[], n: number): { runs: PlannedRun[]; skipped: string[] } {
  const skipped: string[] = [];
  const impls = (a.impls ?? IMPLS.filter((i) => a.runtime === 'browser' || !BROWSER_ONLY_IMPLS.includes(i))).filter((i) => {
    if (available.includes(i)) return true;
    skipped.push(`${i} (not available in the ${a.runtime} runtime)`);
    return false;
  });
  if (a.impls === null && a.runtime === 'node') skipped.push('tfjs-webgpu and tfjs-wasm (browser only)');
  const seen = new Set<number>();
  const batches = (a.batches ?? DEFAULT_BATCHES).filter((b) => {
    const size = b === 'full' ? n : Math.min(b, n);
    if (seen.has(size)) return false;
    seen.add(size);
    return true;
  });
  const runs: PlannedRun[] = [];
  for (const batch of batches) {
    for (const impl of impls) {
      // TF.js webgpu at batch 64 is ~940 steps of several dispatches each: minutes on SwiftShader.
      if (impl === 'tfjs-webgpu' && batch === 64 && a.impls === null && a.batches === null && !a.quick) {
        skipped.push('tfjs-webgpu at batch 64 (minutes on SwiftShader; run it with --impl tfjs-webgpu --batch 64)');
        continue;
      }
      runs.push({ impl, batch });
    }
  }
  return { runs, skipped };
}

/** n, d and k each varied around the data's shape (60000×784×10: the grid in BENCHMARKS.md). */
export function scalingPoints(data: DatasetInfo): Omit<ScalingPoint, 'msPerEpoch'>[] {
  const { n, d, k } = data;
  const batchSize = SCALING_BATCH;
  const points: Omit<ScalingPoint, 'msPerEpoch'>[] = [{ n, d, k, batchSize, varies: 'center' }];
  const add = (p: { n: number; d: number; k: number }, varies: 'n' | 'd' | 'k'): void => {
    if (!points.some((q) => q.n === p.n && q.d === p.d && q.k === p.k)) points.push({ ...p, batchSize, varies });
  };
  for (const f of [8, 4, 2]) add({ n: Math.max(1, Math.round(n / f)), d, k }, 'n');
  for (const f of [8, 4, 2]) add({ n, d: Math.max(1, Math.round(d / f)), k }, 'd');
  for (const kk of [2, 10 * k]) add({ n, d, k: kk }, 'k');
  return points;
}
