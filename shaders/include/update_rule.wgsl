// The parameter update, defined once for every kernel that steps parameters (its float64 twin is
// src/core/optimizer.ts): plain gradient descent with L2 weight decay, θ ← θ − η(∇ + λθ). Callers
// pass λ = 0 for a bias, which is never regularized.

/** The gradient of the regularized objective, ∇ + λθ: what the rate multiplies. */
fn regularized(theta: vec4f, grad: vec4f, l2: f32) -> vec4f {
  return grad + l2 * theta;
}

fn updateRule(theta: vec4f, grad: vec4f, learningRate: f32, l2: f32) -> vec4f {
  return theta - learningRate * regularized(theta, grad, l2);
}
