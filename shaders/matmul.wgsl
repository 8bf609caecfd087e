// Z = X·W + b, with X m×d, W d×k, b 1×k broadcast over rows (hasBias = 0 skips it); row-major f32.
// Register blocking: each invocation computes an 8×4 block of Z held in eight vec4s, so every X
// element it loads feeds four columns and every W element eight rows, with no workgroup memory or barriers
// (loads, not arithmetic, bound matmul on CPU adapters; on GPUs the blocks keep data in registers).
// Workgroups are WG invocations along the column blocks (WG a pipeline constant); row blocks run
// along y, then z.

struct Params {
  m: u32,
  d: u32,
  k: u32,
  hasBias: u32,
}

override WG: u32 = 64u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read> W: array<f32>;
@group(0) @binding(3) var<storage, read> b: array<f32>;
@group(0) @binding(4) var<storage, read_write> Z: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let j0 = gid.x * 4u;
  // Row blocks past 65535 spill into the grid's z.
  let i0 = (gid.y + gid.z * groups.y) * 8u;
  let m = params.m;
  let d = params.d;
  let k = params.k;
  if (j0 >= k || i0 >= m) {
    return;
  }
  // Rows and columns past the matrix edges read the last valid ones and are never stored.
  let x0 = i0 * d;
  let x1 = min(i0 + 1u, m - 1u) * d;
  let x2 = min(i0 + 2u, m - 1u) * d;
  let x3 = min(i0 + 3u, m - 1u) * d;
  let x4 = min(i0 + 4u, m - 1u) * d;
  let x5 = min(i0 + 5u, m - 1u) * d;
  let x6 = min(i0 + 6u, m - 1u) * d;
  let x7 = min(i0 + 7u, m - 1u) * d;
  let c1 = min(j0 + 1u, k - 1u);
  let c2 = min(j0 + 2u, k - 1u);
  let c3 = min(j0 + 3u, k - 1u);
  var a0 = vec4f(0.0);
  var a1 = vec4f(0.0);
  var a2 = vec4f(0.0);
  var a3 = vec4f(0.0);
  var a4 = vec4f(0.0);
  var a5 = vec4f(0.0);
  var a6 = vec4f(0.0);
  var a7 = vec4f(0.0);
  for (var f = 0u; f < d; f++) {
    let w = f * k;
    let wv = vec4f(W[w + j0], W[w + c1], W[w + c2], W[w + c3]);
    a0 = fma(vec4f(X[x0 + f]), wv, a0);
    a1 = fma(vec4f(X[x1 + f]), wv, a1);
    a2 = fma(vec4f(X[x2 + f]), wv, a2);
    a3 = fma(vec4f(X[x3 + f]), wv, a3);
    a4 = fma(vec4f(X[x4 + f]), wv, a4);
    a5 = fma(vec4f(X[x5 + f]), wv, a5);
    a6 = fma(vec4f(X[x6 + f]), wv, a6);
    a7 = fma(vec4f(X[x7 + f]), wv, a7);
  }
  var bias = vec4f(0.0);
  if (params.hasBias != 0u) {
    bias = vec4f(b[j0], b[c1], b[c2], b[c3]);
  }
  let rows = array<vec4f, 8>(a0 + bias, a1 + bias, a2 + bias, a3 + bias, a4 + bias, a5 + bias, a6 + bias, a7 + bias);
  for (var r = 0u; r < 8u; r++) {
    if (i0 + r < m) {
      for (var c = 0u; c < 4u; c++) {
        if (j0 + c < k) {
          Z[(i0 + r) * k + j0 + c] = rows[r][c];
        }
      }
    }
  }
}
