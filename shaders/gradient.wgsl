// dW = Xᵀ(Yhat − Y)/m (d×k) and db = column means of (Yhat − Y) (1×k), as a two-pass reduction over m.
// partialSums: each invocation owns a 4-feature × 4-class block of the (d+1)×k result for one chunk of
// rowsPerChunk rows, held in four vec4s (register blocking, no workgroup memory or barriers: each
// loaded x feeds four classes, each residual four features); feature d is the constant 1, so the bias
// gradient comes out of the same pass. reduceChunks: one invocation per (d+1)×k entry adds the
// chunks' partial sums and scales by 1/m. WG, the workgroup width, is a pipeline constant.
// G is the objective part's elementError: Yhat − Y for the canonical pairs, or its chain-rule form
// for ½-MSE on sigmoid probabilities (the ERROR pipeline constant), times the row's weight in a
// weighted fit (WEIGHTED, as residual_row weighs the training steps' residuals): the weighted
// objective's gradient, for gradTol.

struct Params {
  m: u32,
  d: u32,
  k: u32,
  rowsPerChunk: u32,
  nChunks: u32,
  invM: f32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read> Yhat: array<f32>;
@group(0) @binding(3) var<storage, read> Y: array<f32>;
@group(0) @binding(4) var<storage, read_write> partial: array<f32>;
@group(0) @binding(5) var<storage, read_write> dW: array<f32>;
@group(0) @binding(6) var<storage, read_write> db: array<f32>;
// Each row's normalised weight (read only when WEIGHTED).
@group(0) @binding(7) var<storage, read> sampleWeight: array<f32>;

override WG: u32 = 64u;
override WEIGHTED: bool = false;

// elementError() (ERROR picks G = ŷ − y or its σ chain-rule form):
//#include objective

/** The residuals of row `row` in classes c0 .. c0+3 (0 past k). */
fn residualRow(row: u32, c0: u32) -> vec4f {
  var g = vec4f(0.0);
  for (var c = 0u; c < 4u; c++) {
    if (c0 + c < params.k) {
      let i = row * params.k + c0 + c;
      g[c] = elementError(Yhat[i], Y[i]);
    }
  }
  return g;
}

/** Feature f of a row: X for f < d, the constant 1 (the bias) for f = d. */
fn feature(row: u32, f: u32) -> f32 {
  if (f < params.d) {
    return X[row * params.d + f];
  }
  return select(0.0, 1.0, f == params.d);
}

@compute @workgroup_size(WG)
fn partialSums(@builtin(global_invocation_id) gid: vec3u) {
  let c0 = gid.x * 4u;
  let f0 = gid.y * 4u;
  let chunk = gid.z;
  if (c0 >= params.k || f0 > params.d) {
    return;
  }
  let rowStart = chunk * params.rowsPerChunk;
  let rowEnd = min(rowStart + params.rowsPerChunk, params.m);
  var a0 = vec4f(0.0);
  var a1 = vec4f(0.0);
  var a2 = vec4f(0.0);
  var a3 = vec4f(0.0);
  for (var row = rowStart; row < rowEnd; row++) {
    var g = residualRow(row, c0);
    if (WEIGHTED) {
      g *= sampleWeight[row];
    }
    a0 = fma(vec4f(feature(row, f0)), g, a0);
    a1 = fma(vec4f(feature(row, f0 + 1u)), g, a1);
    a2 = fma(vec4f(feature(row, f0 + 2u)), g, a2);
    a3 = fma(vec4f(feature(row, f0 + 3u)), g, a3);
  }
  let sums = array<vec4f, 4>(a0, a1, a2, a3);
  for (var i = 0u; i < 4u; i++) {
    let f = f0 + i;
    if (f <= params.d) {
      for (var c = 0u; c < 4u; c++) {
        if (c0 + c < params.k) {
          partial[(chunk * (params.d + 1u) + f) * params.k + c0 + c] = sums[i][c];
        }
      }
    }
  }
}

@compute @workgroup_size(WG)
fn reduceChunks(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let idx = gid.x + gid.y * groups.x * WG;
  let n = (params.d + 1u) * params.k;
  if (idx >= n) {
    return;
  }
  var sum = 0.0;
  for (var c = 0u; c < params.nChunks; c++) {
    sum += partial[c * n + idx];
  }
  if (idx < params.d * params.k) {
    dW[idx] = sum * params.invM;
  } else {
    db[idx - params.d * params.k] = sum * params.invM;
  }
}
