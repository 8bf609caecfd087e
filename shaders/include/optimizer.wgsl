// The optimizer part: how a step turns a parameter vec4's gradient into its update, spliced (after
// update_rule, whose regularized() it uses) into every kernel that steps the trainer's Wp. Its
// float64 twin is optimizerStep in src/core/optimizer.ts. OPTIMIZER: 0 SGD, 1 momentum, 2 Nesterov
// momentum, 3 Adam (PyTorch's rules, g = ∇ + λθ), 4 keep g: θ stays and g goes to the state, for a
// pass after the step that needs the whole gradient first (the hypergradient rate's, which then
// steps θ at the learned α: shaders/hypergradient.wgsl) or reads it back (an evaluation's).
// The state lives in Wp after the S parameter vec4s, indexed like them, so each invocation owns its
// parameters' state and no binding is added: momentum's v at S + i; Adam's m at S + i, v at 2S + i
// and its step count t at 3S + i (kept per vec4, so no invocation waits for another's count); the
// kept g at S + i (the hypergradient rate keeps its g_{t−1} at 2S + i and each lane's α after that).

override OPTIMIZER: u32 = 0u;
override MOMENTUM: f32 = 0.0;
override BETA1: f32 = 0.9;
override BETA2: f32 = 0.999;
override EPSILON: f32 = 1e-8;

/** Steps parameter vec4 i of S (θ = Wp[i]) with its mean-loss gradient `grad`: returns the new θ and moves on its state. */
fn optimizerStep(i: u32, S: u32, theta: vec4f, grad: vec4f, rate: f32, l2: f32) -> vec4f {
  let g = regularized(theta, grad, l2);
  if (OPTIMIZER == 4u) {
    Wp[S + i] = g;
    return theta;
  }
  if (OPTIMIZER == 1u || OPTIMIZER == 2u) {
    let v = MOMENTUM * Wp[S + i] + g;
    Wp[S + i] = v;
    if (OPTIMIZER == 2u) {
      return theta - rate * (g + MOMENTUM * v);
    }
    return theta - rate * v;
  }
  if (OPTIMIZER == 3u) {
    let t = Wp[3u * S + i].x + 1.0;
    let m = BETA1 * Wp[S + i] + (1.0 - BETA1) * g;
    let v = BETA2 * Wp[2u * S + i] + (1.0 - BETA2) * g * g;
    Wp[S + i] = m;
    Wp[2u * S + i] = v;
    Wp[3u * S + i] = vec4f(t);
    let mHat = m / (1.0 - pow(BETA1, t));
    let vHat = v / (1.0 - pow(BETA2, t));
    return theta - rate * mHat / (sqrt(vHat) + EPSILON);
  }
  return theta - rate * g;
}
