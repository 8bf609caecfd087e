// Z = X·W + b, with X m×d, W d×k, b 1×k broadcast over rows (hasBias = 0 skips it); row-major f32.
// Tiling: a 16×16 workgroup computes one 16×16 block of Z, staging 16-wide slabs of X and W in
// workgroup memory so every element read from storage is reused by 16 threads.

struct Params {
  m: u32,
  d: u32,
  k: u32,
  hasBias: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read> W: array<f32>;
@group(0) @binding(3) var<storage, read> b: array<f32>;
@group(0) @binding(4) var<storage, read_write> Z: array<f32>;

const TILE: u32 = 16u;
var<workgroup> Xtile: array<array<f32, 16>, 16>;
var<workgroup> Wtile: array<array<f32, 16>, 16>;

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let i = wg.y * TILE + lid.y;
  let j = wg.x * TILE + lid.x;
  var acc = 0.0;
  for (var t = 0u; t < params.d; t += TILE) {
    // Out-of-range slots load 0 so partial tiles at the matrix edges add nothing.
    let xCol = t + lid.x;
    var x = 0.0;
    if (i < params.m && xCol < params.d) {
      x = X[i * params.d + xCol];
    }
    Xtile[lid.y][lid.x] = x;
    let wRow = t + lid.y;
    var w = 0.0;
    if (wRow < params.d && j < params.k) {
      w = W[wRow * params.k + j];
    }
    Wtile[lid.y][lid.x] = w;
    workgroupBarrier();
    for (var q = 0u; q < TILE; q++) {
      acc += Xtile[lid.y][q] * Wtile[q][lid.x];
    }
    workgroupBarrier();
  }
  if (i < params.m && j < params.k) {
    if (params.hasBias != 0u) {
      acc += b[j];
    }
    Z[i * params.k + j] = acc;
  }
}
