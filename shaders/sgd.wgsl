// The update rule (θ ← θ − η(∇θ + λθ)) elementwise over n parameters; callers pass λ = 0 for a bias.
// One thread per parameter, 256 a workgroup, 2-D grid for large n.

struct Params {
  n: u32,
  learningRate: f32,
  l2: f32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> theta: array<f32>;
@group(0) @binding(2) var<storage, read> grad: array<f32>;

//#include update_rule

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = gid.x + gid.y * groups.x * 256u;
  if (i < params.n) {
    theta[i] = updateRule(vec4f(theta[i]), vec4f(grad[i]), params.learningRate, params.l2).x;
  }
}
