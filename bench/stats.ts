// Small numeric functions for the benchmark: medians, a least-squares line, relative differences.
import type { LinearFit } from './types.ts';

/** The median of a non-empty list (the mean of the middle two when the count is even). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of an empty list');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Ordinary least squares y ≈ intercept + slope·x, with the coefficient of determination R². */
export function fitLine(xs: readonly number[], ys: readonly number[]): LinearFit {
  if (xs.length !== ys.length) throw new RangeError(`fitLine: ${xs.length} x values but ${ys.length} y values`);
  if (xs.length < 2) throw new RangeError(`fitLine needs at least 2 points, got ${xs.length}`);
  const n = xs.length;
  const mx = xs.reduce((s, v) => s + v, 0) / n;
  const my = ys.reduce((s, v) => s + v, 0) / n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = (xs[i] as number) - mx;
    const dy = (ys[i] as number) - my;
    sxx += dx * dx;
    sxy += dx * dy;
    syy += dy * dy;
  }
  if (sxx === 0) throw new RangeError('fitLine: all x values are equal');
  const slope = sxy / sxx;
  const intercept = my - slope * mx;
  let sse = 0;
  for (let i = 0; i < n; i++) sse += ((ys[i] as number) - intercept - slope * (xs[i] as number)) ** 2;
  return { slope, intercept, r2: syy === 0 ? 1 : 1 - sse / syy };
}

/** |a − b| / |b|, with |b| floored so a zero reference does not divide by zero. */
export function relativeDiff(a: number, b: number): number {
  return Math.abs(a - b) / Math.max(Math.abs(b), 1e-12);
}

/** ‖a − b‖₂ / ‖b‖₂ over two equal-length vectors. */
export function relativeNormDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new RangeError(`relativeNormDiff: lengths ${a.length} and ${b.length} differ`);
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += ((a[i] as number) - (b[i] as number)) ** 2;
    den += (b[i] as number) ** 2;
  }
  return Math.sqrt(num) / Math.max(Math.sqrt(den), 1e-12);
}
