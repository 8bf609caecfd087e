// The parameter update, defined once: its WGSL form is shaders/include/update_rule.wgsl (spliced
// into every kernel that steps parameters), its float64 twin is here, for the CPU reference. So is
// the hypergradient rate's recurrence, whose WGSL form is in shaders/hypergradient.wgsl.

/** The gradient of the regularized objective, ∇ + λθ, for one parameter: what the rate multiplies. */
export function regularized(theta: number, grad: number, l2: number): number {
  return grad + l2 * theta;
}

/** θ ← θ − η(∇ + λθ) for one parameter; λ = 0 for a bias, which is never regularized. */
export function updateRule(theta: number, grad: number, learningRate: number, l2: number): number {
  return theta - learningRate * regularized(theta, grad, l2);
}

/**
 * The hypergradient learning rate of the next step: α_t = α_{t−1} + β·(g_t·g_{t−1}), where `dot` is
 * the dot product of this step's gradient g_t of the regularized mean loss (every trained parameter)
 * with the previous step's (0 at the first step of a fit).
 */
export function hypergradientRate(alpha: number, beta: number, dot: number): number {
  return alpha + beta * dot;
}
