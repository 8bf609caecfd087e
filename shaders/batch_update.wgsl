// The gradient of one training batch fused with its SGD step. Features 0..d−1 of X and the constant-1
// feature d (whose column is the bias) are taken eight at a time: each invocation sums x_f·G over the
// batch rows for its eight features and all kPad = 4·KV columns, then applies
// θ ← θ − η(∇θ/rows + λθ) (λ = 0 for the bias) to both the trainer's padded copy Wp (bias as row d,
// read by batch_logits) and the model's own W and b. The invocation holding the bias also adds the batch's
// summed row losses (times lossScale = 1/n) to the epoch loss. Columns past 4·KV are further blocks
// along the grid's y.
// Register blocking: every loaded G vec4 feeds eight features and every X element kPad columns; loads
// bound this kernel on CPU adapters. No workgroup memory. X is f32 or bytes per X_U8, as in
// batch_logits; WG and KV are pipeline constants.

struct Params {
  n: u32,
  d: u32,
  k: u32,
  kPad: u32,
  rows: u32,
  learningRate: f32,
  l2: f32,
  lossScale: f32,
  hasBias: u32,
  rowWords: u32,
  xScale: f32,
  /** Index in `losses` of the epoch total (the batch size: past every row's slot). */
  total: u32,
}

override WG: u32 = 64u;
override KV: u32 = 4u;
override X_U8: bool = false;

@group(0) @binding(0) var<uniform> params: Params;
// The row permutation with the batch cursor after it (walk[n]).
@group(0) @binding(1) var<storage, read> walk: array<u32>;
// Raw 32-bit words: f32 values (bitcast) or four bytes each, per X_U8.
@group(0) @binding(2) var<storage, read> X: array<u32>;
@group(0) @binding(3) var<storage, read> G: array<vec4f>;
// Each batch row's loss, then (at index rows... batchSize) the running epoch loss in losses[total].
@group(0) @binding(4) var<storage, read_write> losses: array<f32>;
// The trainer's padded (d+1)×kPad copy: rows 0..d−1 are W, row d is the bias.
@group(0) @binding(5) var<storage, read_write> Wp: array<vec4f>;
@group(0) @binding(6) var<storage, read_write> W: array<f32>;
@group(0) @binding(7) var<storage, read_write> b: array<f32>;

/**
 * Feature f of a source row: X for f < d, 1 for the bias feature d, 0 past it. Branch-free: the load
 * uses a clamped index and a select picks the value, so lanes never diverge in the hot loop (on
 * SwiftShader this cut the kernel's CPU time by about a fifth).
 */
fn loadX(row: u32, f: u32) -> f32 {
  let fc = min(f, params.d - 1u);
  var x: f32;
  if (X_U8) {
    x = f32(extractBits(X[row * params.rowWords + fc / 4u], 8u * (fc % 4u), 8u)) * params.xScale;
  } else {
    x = bitcast<f32>(X[row * params.d + fc]);
  }
  return select(select(0.0, 1.0, f == params.d), x, f < params.d);
}

/** One feature's four vec4 sums over the batch (only the first KV are used). */
struct Acc {
  v0: vec4f,
  v1: vec4f,
  v2: vec4f,
  v3: vec4f,
}

fn fmaFeature(a: Acc, x: f32, g0: vec4f, g1: vec4f, g2: vec4f, g3: vec4f) -> Acc {
  let xv = vec4f(x);
  return Acc(fma(xv, g0, a.v0), fma(xv, g1, a.v1), fma(xv, g2, a.v2), fma(xv, g3, a.v3));
}

fn column(a: Acc, v: u32) -> vec4f {
  switch v {
    case 0u: { return a.v0; }
    case 1u: { return a.v1; }
    case 2u: { return a.v2; }
    default: { return a.v3; }
  }
}

/** Applies the step to feature f (row f of W, or the bias when f == d) in column block blk. */
fn update(f: u32, blk: u32, a: Acc) {
  let d = params.d;
  let isBias = f == d;
  if (f > d || (isBias && params.hasBias == 0u)) {
    return;
  }
  let step = params.learningRate / f32(params.rows);
  // λ decays weights only, never the bias.
  let decay = select(params.learningRate * params.l2, 0.0, isBias);
  let rowVecs = params.kPad / 4u;
  for (var v = 0u; v < KV; v++) {
    let i = f * rowVecs + blk * KV + v;
    let w = Wp[i];
    let nw = w - step * column(a, v) - decay * w;
    Wp[i] = nw;
    for (var c = 0u; c < 4u; c++) {
      let j = 4u * (blk * KV + v) + c;
      if (j < params.k) {
        if (isBias) {
          b[j] = nw[c];
        } else {
          W[f * params.k + j] = nw[c];
        }
      }
    }
  }
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let f0 = gid.x * 8u;
  let blk = gid.y;
  let d = params.d;
  if (f0 > d) {
    return;
  }
  let start = walk[params.n];
  let rowVecs = params.kPad / 4u;
  let zero = vec4f(0.0);
  var a0 = Acc(zero, zero, zero, zero);
  var a1 = a0;
  var a2 = a0;
  var a3 = a0;
  var a4 = a0;
  var a5 = a0;
  var a6 = a0;
  var a7 = a0;
  for (var r = 0u; r < params.rows; r++) {
    let src = walk[start + r];
    let g = r * rowVecs + blk * KV;
    let g0 = G[g];
    var g1 = zero;
    var g2 = zero;
    var g3 = zero;
    if (KV > 1u) {
      g1 = G[g + 1u];
    }
    if (KV > 2u) {
      g2 = G[g + 2u];
    }
    if (KV > 3u) {
      g3 = G[g + 3u];
    }
    a0 = fmaFeature(a0, loadX(src, f0), g0, g1, g2, g3);
    a1 = fmaFeature(a1, loadX(src, f0 + 1u), g0, g1, g2, g3);
    a2 = fmaFeature(a2, loadX(src, f0 + 2u), g0, g1, g2, g3);
    a3 = fmaFeature(a3, loadX(src, f0 + 3u), g0, g1, g2, g3);
    a4 = fmaFeature(a4, loadX(src, f0 + 4u), g0, g1, g2, g3);
    a5 = fmaFeature(a5, loadX(src, f0 + 5u), g0, g1, g2, g3);
    a6 = fmaFeature(a6, loadX(src, f0 + 6u), g0, g1, g2, g3);
    a7 = fmaFeature(a7, loadX(src, f0 + 7u), g0, g1, g2, g3);
  }
  update(f0, blk, a0);
  update(f0 + 1u, blk, a1);
  update(f0 + 2u, blk, a2);
  update(f0 + 3u, blk, a3);
  update(f0 + 4u, blk, a4);
  update(f0 + 5u, blk, a5);
  update(f0 + 6u, blk, a6);
  update(f0 + 7u, blk, a7);
  // The invocation whose block holds the bias feature adds the batch's losses, once per step.
  if (d >= f0 && d < f0 + 8u && gid.y == 0u) {
    var sum = 0.0;
    for (var r = 0u; r < params.rows; r++) {
      sum += losses[r];
    }
    losses[params.total] += sum * params.lossScale;
  }
}
