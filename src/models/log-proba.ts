// Log-probabilities from the logits, in float64 on the host. Taking log of the rounded float32
// probabilities would give −Infinity wherever σ(z) or softmax(z) rounds to 0 (|z| ≳ 88 in float32)
// and lose all relative accuracy as they near 1; these forms stay finite and accurate for any logit.
import type { HostMatrix } from '../types.ts';

/** softplus(x) = log(1 + eˣ), without overflow for large x nor cancellation for very negative x. */
export function softplus(x: number): number {
  return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
}

/**
 * [log P(y=0), log P(y=1)] per row (scikit-learn's column order) for P(y=1) = σ(scale·z):
 * log σ(t) = −softplus(−t) and log(1 − σ(t)) = −softplus(t).
 */
export function binaryLogProba(z: Float32Array, scale: number): HostMatrix {
  const data = new Float32Array(z.length * 2);
  z.forEach((v, i) => {
    const t = scale * v;
    data[2 * i] = -softplus(t);
    data[2 * i + 1] = -softplus(-t);
  });
  return { data, rows: z.length, cols: 2 };
}

/** log softmax per row: z − logsumexp(z), with the row's maximum taken out first so nothing overflows. */
export function logSoftmaxRows(Z: HostMatrix): HostMatrix {
  const { rows, cols } = Z;
  const data = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    const row = Z.data.subarray(i * cols, (i + 1) * cols);
    let max = Number.NEGATIVE_INFINITY;
    for (const v of row) max = Math.max(max, v);
    let sum = 0;
    for (const v of row) sum += Math.exp(v - max);
    const lse = max + Math.log(sum);
    row.forEach((v, j) => {
      data[i * cols + j] = v - lse;
    });
  }
  return { data, rows, cols };
}
