// One float64 judge for every implementation: the mean cross-entropy over all training rows at the
// parameters an implementation ended with. Equal losses here mean the same algorithm ran.
import type { TrainingData } from './data.ts';

/** mean_i [ logsumexp(x_i·W + b) − (x_i·W + b)_{y_i} ], W d×k row-major, in float64. */
export function meanCrossEntropy(data: TrainingData, W: ArrayLike<number>, b: ArrayLike<number>): number {
  const { n, d, k } = data.info;
  if (W.length !== d * k || b.length !== k) throw new RangeError(`meanCrossEntropy: W has ${W.length} values and b ${b.length}; need ${d * k} and ${k}`);
  const w = Float64Array.from(W);
  const z = new Float64Array(k);
  const X = data.X;
  let total = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < k; j++) z[j] = b[j] as number;
    const row = i * d;
    for (let f = 0; f < d; f++) {
      const x = X[row + f] as number;
      const wo = f * k;
      for (let j = 0; j < k; j++) z[j] = (z[j] as number) + x * (w[wo + j] as number);
    }
    let max = -Infinity;
    for (let j = 0; j < k; j++) max = Math.max(max, z[j] as number);
    let sum = 0;
    for (let j = 0; j < k; j++) sum += Math.exp((z[j] as number) - max);
    total += max + Math.log(sum) - (z[data.labels[i] as number] as number);
  }
  return total / n;
}
