// Yhat = softmax(Z) row by row for an m×k matrix, subtracting each row's max so exp() never overflows.
// One thread per row (k is a class count, short next to m), 64 rows a workgroup, 2-D grid for large m.

struct Params {
  m: u32,
  k: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> Z: array<f32>;
@group(0) @binding(2) var<storage, read_write> Yhat: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let row = gid.x + gid.y * groups.x * 64u;
  if (row >= params.m) {
    return;
  }
  let base = row * params.k;
  var zMax = Z[base];
  for (var j = 1u; j < params.k; j++) {
    zMax = max(zMax, Z[base + j]);
  }
  // Compensated (Kahan) summation: long rows summed naively in f32 drift past 1e-6.
  var sum = 0.0;
  var lost = 0.0;
  for (var j = 0u; j < params.k; j++) {
    let e = exp(Z[base + j] - zMax);
    Yhat[base + j] = e;
    let t = sum + (e - lost);
    lost = (t - sum) - (e - lost);
    sum = t;
  }
  // sum ≥ 1 because the max element contributes exp(0).
  let inv = 1.0 / sum;
  for (var j = 0u; j < params.k; j++) {
    Yhat[base + j] *= inv;
  }
}
