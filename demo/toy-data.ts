// Two-dimensional toy problems generated in the page: each shows something about linear models.
// Blobs are linearly separable; XOR and circles are not, until polynomial features (x₁x₂, x₁², x₂²)
// make them so.
import { mulberry32 } from '../src/random.ts';

export type ToyKind = 'blobs' | 'blobs3' | 'xor' | 'circles';

export interface ToyData {
  /** n×2 points, row-major. */
  X: Float32Array;
  /** Class of each point, 0..k−1. */
  y: Int32Array;
  nClasses: number;
}

/** The library's seeded PRNG, so one seed always draws the same data set. */
export const seededRandom = mulberry32;

/** A standard normal draw (Box–Muller). */
function gaussian(rng: () => number): number {
  const u = 1 - rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}

const BLOB_CENTRES: Record<'blobs' | 'blobs3', readonly (readonly [number, number])[]> = {
  blobs: [[-1, -0.6], [1, 0.6]],
  blobs3: [[-1.1, -0.7], [1.1, -0.5], [0, 1.1]],
};

/** The classes a toy kind has. */
export function toyClasses(kind: ToyKind): number {
  return kind === 'blobs3' ? 3 : 2;
}

/** n points of `kind`; `noise` (≥ 0) scales the scatter. Class sizes differ by at most one. */
export function makeToyData(kind: ToyKind, n: number, noise: number, seed: number): ToyData {
  if (!Number.isInteger(n) || n < 4) throw new RangeError(`points must be an integer ≥ 4, got ${n}`);
  if (!Number.isFinite(noise) || noise < 0) throw new RangeError(`noise must be ≥ 0, got ${noise}`);
  const rng = seededRandom(seed);
  const k = toyClasses(kind);
  const X = new Float32Array(n * 2);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % k;
    let p: [number, number];
    if (kind === 'blobs' || kind === 'blobs3') {
      const [cx, cy] = BLOB_CENTRES[kind][c] as readonly [number, number];
      p = [cx + (0.35 + noise) * gaussian(rng), cy + (0.35 + noise) * gaussian(rng)];
    } else if (kind === 'xor') {
      // A point in one of the four quadrants; class 1 where x₁ and x₂ have the same sign.
      const sx = rng() < 0.5 ? -1 : 1;
      const sy = c === 1 ? sx : -sx;
      p = [sx * (0.1 + 0.9 * rng()) + noise * gaussian(rng), sy * (0.1 + 0.9 * rng()) + noise * gaussian(rng)];
    } else {
      // Class 1 inside a disc of radius 0.5, class 0 on a ring of radius 1.
      const angle = 2 * Math.PI * rng();
      const r = c === 1 ? 0.5 * Math.sqrt(rng()) : 0.85 + 0.3 * rng();
      p = [r * Math.cos(angle) + noise * gaussian(rng), r * Math.sin(angle) + noise * gaussian(rng)];
    }
    X[2 * i] = p[0];
    X[2 * i + 1] = p[1];
    y[i] = c;
  }
  return { X, y, nClasses: k };
}

/** The polynomial degree that makes `kind` linearly separable. */
export function suggestedDegree(kind: ToyKind): number {
  return kind === 'blobs' || kind === 'blobs3' ? 1 : 2;
}
