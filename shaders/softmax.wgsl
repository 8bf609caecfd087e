// Yhat = softmax(Z) row by row for an m×k matrix (the objective part's activation with ACTIVATION =
// softmax), from the row's max and compensated sum so exp() never overflows and long rows still sum
// to 1 within 1e-6. One thread per row (k is a class count, short next to m), 64 rows a workgroup,
// 2-D grid for large m.

struct Params {
  m: u32,
  k: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> Z: array<f32>;
@group(0) @binding(2) var<storage, read_write> Yhat: array<f32>;

//#include objective
//#include row_stats

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let row = gid.x + gid.y * groups.x * 64u;
  if (row >= params.m) {
    return;
  }
  let base = row * params.k;
  let s = rowStats(base, params.k);
  for (var j = 0u; j < params.k; j++) {
    Yhat[base + j] = activate(Z[base + j], s);
  }
}
