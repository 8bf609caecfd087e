// dW = Xᵀ(Yhat − Y)/m (d×k) and db = column means of (Yhat − Y) (1×k), as a two-pass reduction over m.
// partialSums: a 16×16 workgroup owns a 16-feature × 16-class block of the (d+1)×k result for one chunk
// of rowsPerChunk rows, staging 16 rows of X and of (Yhat − Y) in workgroup memory per step; feature d
// is the constant 1, so the bias gradient comes out of the same pass. reduceChunks: one thread per
// (d+1)×k entry adds the chunks' partial sums and scales by 1/m.
// mode 0: G = Yhat − Y (BCE, CE and ½-MSE on logits); mode 1: G = (Yhat − Y)·Yhat·(1 − Yhat)
// (½-MSE on sigmoid probabilities, through the chain rule).

struct Params {
  m: u32,
  d: u32,
  k: u32,
  rowsPerChunk: u32,
  nChunks: u32,
  invM: f32,
  mode: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read> Yhat: array<f32>;
@group(0) @binding(3) var<storage, read> Y: array<f32>;
@group(0) @binding(4) var<storage, read_write> partial: array<f32>;
@group(0) @binding(5) var<storage, read_write> dW: array<f32>;
@group(0) @binding(6) var<storage, read_write> db: array<f32>;

const TILE: u32 = 16u;
var<workgroup> Xtile: array<array<f32, 16>, 16>; // [row][feature]
var<workgroup> Gtile: array<array<f32, 16>, 16>; // [row][class]

const SIGMOID_MSE: u32 = 1u;

fn residual(yhat: f32, y: f32) -> f32 {
  let g = yhat - y;
  if (params.mode == SIGMOID_MSE) {
    return g * yhat * (1.0 - yhat);
  }
  return g;
}

@compute @workgroup_size(16, 16)
fn partialSums(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let featureBase = wg.y * TILE;
  let classBase = wg.x * TILE;
  let chunk = wg.z;
  let rowStart = chunk * params.rowsPerChunk;
  let rowEnd = min(rowStart + params.rowsPerChunk, params.m);
  var acc = 0.0;
  for (var r0 = rowStart; r0 < rowEnd; r0 += TILE) {
    let row = r0 + lid.y;
    let f = featureBase + lid.x;
    var x = 0.0;
    if (row < rowEnd) {
      if (f < params.d) {
        x = X[row * params.d + f];
      } else if (f == params.d) {
        x = 1.0;
      }
    }
    Xtile[lid.y][lid.x] = x;
    let c = classBase + lid.x;
    var g = 0.0;
    if (row < rowEnd && c < params.k) {
      g = residual(Yhat[row * params.k + c], Y[row * params.k + c]);
    }
    Gtile[lid.y][lid.x] = g;
    workgroupBarrier();
    for (var q = 0u; q < TILE; q++) {
      acc += Xtile[q][lid.y] * Gtile[q][lid.x];
    }
    workgroupBarrier();
  }
  let feature = featureBase + lid.y;
  let cls = classBase + lid.x;
  if (feature <= params.d && cls < params.k) {
    partial[(chunk * (params.d + 1u) + feature) * params.k + cls] = acc;
  }
}

@compute @workgroup_size(64)
fn reduceChunks(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let idx = gid.x + gid.y * groups.x * 64u;
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
