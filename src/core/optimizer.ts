// The parameter update, defined once: its WGSL form is shaders/include/update_rule.wgsl (spliced
// into every kernel that steps parameters), its float64 twin is here, for the CPU reference. So is
// the hypergradient rate's recurrence, whose WGSL form is in shaders/hypergradient.wgsl.
import { F32_MAX, F32_MIN_NORMAL } from '../validate.ts';

/** The gradient of the regularized objective, ∇ + λθ, for one parameter: what the rate multiplies. */
export function regularized(theta: number, grad: number, l2: number): number {
  return grad + l2 * theta;
}

/** θ ← θ − η(∇ + λθ) for one parameter; λ = 0 for a bias, which is never regularized. */
export function updateRule(theta: number, grad: number, learningRate: number, l2: number): number {
  return theta - learningRate * regularized(theta, grad, l2);
}

/**
 * cos(g_t, g_{t−1}) from the three sums the hypergradient step reduces: `dot` = g_t·g_{t−1},
 * `norm2` = ‖g_t‖², `prevNorm2` = ‖g_{t−1}‖². 0 when either gradient is zero (the first step of a
 * fit, whose g_{t−1} is zero); clamped to [−1, 1] against rounding.
 */
export function gradientCosine(dot: number, norm2: number, prevNorm2: number): number {
  const denom = Math.sqrt(norm2) * Math.sqrt(prevNorm2);
  if (!(denom > 0)) return 0;
  return Math.min(1, Math.max(-1, dot / denom));
}

/**
 * The hypergradient learning rate of the next step, the multiplicative rule of Baydin et al. (2018):
 * α_t = α_{t−1}·(1 + β·cos(g_t, g_{t−1})), with g the gradient of the regularized mean loss over
 * every trained parameter. With 0 ≤ β < 1 the factor is ≥ 1 − β > 0, so α stays positive by
 * construction (the additive rule α + β·g_t·g_{t−1} could cross zero and step uphill); the clamp to
 * float32's normal range keeps a rate that shrinks for many steps from being flushed to 0 by a GPU,
 * and one that grows from becoming Infinity.
 */
export function hypergradientRate(alpha: number, beta: number, cosine: number): number {
  return Math.min(F32_MAX, Math.max(F32_MIN_NORMAL, alpha * (1 + beta * cosine)));
}
