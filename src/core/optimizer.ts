// The parameter update, defined once: its WGSL form is shaders/include/update_rule.wgsl (spliced
// into every kernel that steps parameters), its float64 twin is here, for the CPU reference.

/** θ ← θ − η(∇ + λθ) for one parameter; λ = 0 for a bias, which is never regularized. */
export function updateRule(theta: number, grad: number, learningRate: number, l2: number): number {
  return theta - learningRate * (grad + l2 * theta);
}
