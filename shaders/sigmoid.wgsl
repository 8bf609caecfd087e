// Yhat = σ(Z) elementwise over n values: the objective part's activation, sigmoid unless the
// ACTIVATION constant names another elementwise one (tanh), which predictions of tanh-output
// models use. One thread per element, 256 a workgroup; the grid may be 2-D so n can exceed 65535
// workgroups.

struct Params {
  n: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> Z: array<f32>;
@group(0) @binding(2) var<storage, read_write> Yhat: array<f32>;

//#include objective

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = gid.x + gid.y * groups.x * 256u;
  if (i < params.n) {
    Yhat[i] = activate(Z[i], RowStats(0.0, 1.0));
  }
}
