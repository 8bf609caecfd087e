// Error measures for comparing GPU (f32) results with the float64 reference.
import * as assert from 'uvu/assert';

/** ‖out − ref‖₂ / ‖ref‖₂ (absolute when ‖ref‖ is 0); NaN anywhere in `out` gives Infinity. */
export function relativeError(out: ArrayLike<number>, ref: ArrayLike<number>): number {
  assert.is(out.length, ref.length, 'result length');
  let diff = 0;
  let norm = 0;
  for (let i = 0; i < ref.length; i++) {
    const o = out[i] as number;
    const r = ref[i] as number;
    if (!Number.isFinite(o)) return Number.POSITIVE_INFINITY;
    diff += (o - r) ** 2;
    norm += r ** 2;
  }
  return norm === 0 ? Math.sqrt(diff) : Math.sqrt(diff / norm);
}

/** max |out − ref|; NaN anywhere in `out` gives Infinity. */
export function maxAbsError(out: ArrayLike<number>, ref: ArrayLike<number>): number {
  assert.is(out.length, ref.length, 'result length');
  let worst = 0;
  for (let i = 0; i < ref.length; i++) {
    const o = out[i] as number;
    if (!Number.isFinite(o)) return Number.POSITIVE_INFINITY;
    worst = Math.max(worst, Math.abs(o - (ref[i] as number)));
  }
  return worst;
}

/** Asserts every value is within `tol` of its expectation, naming the first that is not. */
export function assertClose(out: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string): void {
  assert.is(out.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    const o = out[i] as number;
    const e = expected[i] as number;
    if (!(Math.abs(o - e) <= tol)) assert.unreachable(`${what}[${i}] = ${o}, expected ${e} ± ${tol}`);
  }
}

/** Tracks the worst error seen over a test's random cases, for the summary line. */
export class WorstCase {
  value = 0;
  where = '';
  record(err: number, where: string): void {
    if (err > this.value || this.where === '') {
      this.value = err;
      this.where = where;
    }
  }
  report(label: string): void {
    console.log(`  [${label}] max error ${this.value.toExponential(2)} at ${this.where}`);
  }
}

/** Gaussian elimination with partial pivoting on an augmented m×(m+1) system. */
export function solve(M: number[][]): number[] {
  const m = M.length;
  for (let c = 0; c < m; c++) {
    let pivot = c;
    for (let r = c + 1; r < m; r++) if (Math.abs((M[r] as number[])[c] as number) > Math.abs((M[pivot] as number[])[c] as number)) pivot = r;
    [M[c], M[pivot]] = [M[pivot] as number[], M[c] as number[]];
    const row = M[c] as number[];
    for (let r = 0; r < m; r++) {
      if (r === c) continue;
      const other = M[r] as number[];
      const f = (other[c] as number) / (row[c] as number);
      for (let j = c; j <= m; j++) other[j] = (other[j] as number) - f * (row[j] as number);
    }
  }
  return M.map((row, i) => (row[m] as number) / (row[i] as number));
}
