// Seeded random data for tests. The seed comes from TEST_SEED or the clock and is printed, so every
// run draws fresh shapes and any failure can be replayed with TEST_SEED=<seed>.

import { mulberry32, type Rng } from '../../src/random.ts';

export { mulberry32, type Rng };

/** The seed for this test file: TEST_SEED if set, else fresh; printed either way. */
export function testSeed(label: string): number {
  const fromEnv = process.env.TEST_SEED;
  const seed = fromEnv !== undefined && fromEnv !== '' ? Number(fromEnv) : Math.floor(Math.random() * 2 ** 31);
  console.log(`  [${label}] seed ${seed} (replay with TEST_SEED=${seed})`);
  return seed;
}

export function randomInt(rng: Rng, lo: number, hi: number): number {
  return lo + Math.floor(rng() * (hi - lo + 1));
}

export function uniform(rng: Rng, lo: number, hi: number): number {
  return lo + (hi - lo) * rng();
}

export interface TestMatrix {
  data: number[];
  rows: number;
  cols: number;
}

/** rows×cols values uniform in [lo, hi), rounded to f32 so GPU and reference see the same inputs. */
export function randomMatrix(rng: Rng, rows: number, cols: number, lo = -1, hi = 1): TestMatrix {
  const data = Array.from(Float32Array.from({ length: rows * cols }, () => uniform(rng, lo, hi)));
  return { data, rows, cols };
}

/** rows one-hot rows of width k, one random hot column each. */
export function randomOneHot(rng: Rng, rows: number, k: number): TestMatrix {
  const data = new Array<number>(rows * k).fill(0);
  for (let i = 0; i < rows; i++) data[i * k + randomInt(rng, 0, k - 1)] = 1;
  return { data, rows, cols: k };
}

/** A 0/1 column. */
export function randomBinary(rng: Rng, rows: number): TestMatrix {
  return { data: Array.from({ length: rows }, () => (rng() < 0.5 ? 0 : 1)), rows, cols: 1 };
}
