// Z = Xb·W + b for one training batch, where row r of Xb is row perm[cursor + r] of the resident X:
// the batch is read in place, never copied. W and b come from the trainer's padded copy (kPad
// columns read as vec4, bias as row d); Z rows are stored with stride kPad. Each invocation covers
// 4·KV columns; further column blocks run along the grid's y.
// Register blocking: each invocation computes a 4-row × kPad block of Z, so every X element it loads
// feeds kPad multiply-adds and every W vec4 feeds four rows. Loads, not arithmetic, bound this kernel
// on CPU adapters (each lane's load is a separate memory access there), and no workgroup memory or
// barrier is needed. X is f32 (X_U8 = false) or bytes four to a u32 (x = byte · xScale).
// WG (workgroup width) and KV (vec4s per row of W) are pipeline constants.

struct Params {
  n: u32,
  d: u32,
  kPad: u32,
  rows: u32,
  hasBias: u32,
  rowWords: u32,
  xScale: f32,
}

override WG: u32 = 64u;
override KV: u32 = 4u;
override X_U8: bool = false;

@group(0) @binding(0) var<uniform> params: Params;
// The row permutation with the batch cursor after it (walk[n]).
@group(0) @binding(1) var<storage, read> walk: array<u32>;
// Raw 32-bit words: f32 values (bitcast) or four bytes each, per X_U8.
@group(0) @binding(2) var<storage, read> X: array<u32>;
// The trainer's padded (d+1)×kPad copy of W with the bias as row d.
@group(0) @binding(3) var<storage, read> Wp: array<vec4f>;
@group(0) @binding(4) var<storage, read_write> Z: array<f32>;

fn loadX(row: u32, f: u32) -> f32 {
  if (X_U8) {
    return f32(extractBits(X[row * params.rowWords + f / 4u], 8u * (f % 4u), 8u)) * params.xScale;
  }
  return bitcast<f32>(X[row * params.d + f]);
}

/** One row's four vec4 sums (only the first KV are used). */
struct Acc {
  v0: vec4f,
  v1: vec4f,
  v2: vec4f,
  v3: vec4f,
}

// Named fields and KV guards instead of an indexed array: CPU adapters keep indexed private arrays in
// memory, and the guards fold away once KV is fixed for the pipeline.
fn fmaRow(a: Acc, x: f32, w0: vec4f, w1: vec4f, w2: vec4f, w3: vec4f) -> Acc {
  let xv = vec4f(x);
  return Acc(fma(xv, w0, a.v0), fma(xv, w1, a.v1), fma(xv, w2, a.v2), fma(xv, w3, a.v3));
}

fn storeRow(r: u32, blk: u32, a: Acc) {
  if (r >= params.rows) {
    return;
  }
  let o = r * params.kPad + 16u * blk;
  for (var c = 0u; c < 4u; c++) {
    Z[o + c] = a.v0[c];
    if (KV > 1u) {
      Z[o + 4u + c] = a.v1[c];
    }
    if (KV > 2u) {
      Z[o + 8u + c] = a.v2[c];
    }
    if (KV > 3u) {
      Z[o + 12u + c] = a.v3[c];
    }
  }
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let r0 = gid.x * 4u;
  if (r0 >= params.rows) {
    return;
  }
  let blk = gid.y;
  let start = walk[params.n];
  let last = params.rows - 1u;
  // Rows past the batch repeat its last row; their sums are never stored.
  let s0 = walk[start + r0];
  let s1 = walk[start + min(r0 + 1u, last)];
  let s2 = walk[start + min(r0 + 2u, last)];
  let s3 = walk[start + min(r0 + 3u, last)];
  let rowVecs = params.kPad / 4u;
  let col = blk * KV;
  var init = Acc(vec4f(0.0), vec4f(0.0), vec4f(0.0), vec4f(0.0));
  if (params.hasBias != 0u) {
    let bRow = params.d * rowVecs + col;
    init = Acc(Wp[bRow], Wp[bRow + min(1u, KV - 1u)], Wp[bRow + min(2u, KV - 1u)], Wp[bRow + min(3u, KV - 1u)]);
  }
  var a0 = init;
  var a1 = init;
  var a2 = init;
  var a3 = init;
  let zero = vec4f(0.0);
  for (var f = 0u; f < params.d; f++) {
    // Each W vec4 is loaded once and used for all four rows.
    let w = f * rowVecs + col;
    let w0 = Wp[w];
    var w1 = zero;
    var w2 = zero;
    var w3 = zero;
    if (KV > 1u) {
      w1 = Wp[w + 1u];
    }
    if (KV > 2u) {
      w2 = Wp[w + 2u];
    }
    if (KV > 3u) {
      w3 = Wp[w + 3u];
    }
    a0 = fmaRow(a0, loadX(s0, f), w0, w1, w2, w3);
    a1 = fmaRow(a1, loadX(s1, f), w0, w1, w2, w3);
    a2 = fmaRow(a2, loadX(s2, f), w0, w1, w2, w3);
    a3 = fmaRow(a3, loadX(s3, f), w0, w1, w2, w3);
  }
  storeRow(r0, blk, a0);
  storeRow(r0 + 1u, blk, a1);
  storeRow(r0 + 2u, blk, a2);
  storeRow(r0 + 3u, blk, a3);
}
