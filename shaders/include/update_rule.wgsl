// The parameter update, defined once for every kernel that steps parameters (its float64 twin is
// src/core/optimizer.ts): plain gradient descent with L2 weight decay, θ ← θ − η(∇ + λθ). Callers
// pass λ = 0 for a bias, which is never regularized.

fn updateRule(theta: vec4f, grad: vec4f, learningRate: f32, l2: f32) -> vec4f {
  return theta - learningRate * (grad + l2 * theta);
}
