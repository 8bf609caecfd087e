// Z = Xb·W + b for one training batch, where row r of Xb is row perm[cursor + r] of the resident X:
// the batch is read in place, never copied. Z rows are stored with stride kPad (a multiple of 4).
// Layout: consecutive invocations take consecutive columns j of the same 4 rows, so their loads of W
// are contiguous and their loads of X are identical (one fetch serves them all); each invocation keeps
// its 4 rows' sums in one vec4 and uses no workgroup memory. The workgroup width WG is a pipeline
// constant: 64 on GPUs, 4 on CPU adapters, where small workgroups schedule far better.
// X may be f32 (entry points logits, logitsVec4) or bytes packed four to a u32 with rows padded to
// whole words (logitsU8): x = byte · xScale, the scale folded in as the bytes are unpacked.

struct Params {
  d: u32,
  k: u32,
  kPad: u32,
  rows: u32,
  hasBias: u32,
  rowWords: u32,
  xScale: f32,
}

override WG: u32 = 64u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> cursor: array<u32>;
@group(0) @binding(2) var<storage, read> perm: array<u32>;
@group(0) @binding(3) var<storage, read> X: array<f32>;
@group(0) @binding(4) var<storage, read> X4: array<vec4f>;
@group(0) @binding(5) var<storage, read> W: array<f32>;
@group(0) @binding(6) var<storage, read> b: array<f32>;
@group(0) @binding(7) var<storage, read_write> Z: array<f32>;
@group(0) @binding(8) var<storage, read> Xu8: array<u32>;

/** Source rows (indices into X) of batch rows r0 .. r0+3; rows past the batch repeat its last row. */
fn sourceRows(r0: u32) -> vec4u {
  let start = cursor[0];
  let last = params.rows - 1u;
  return vec4u(
    perm[start + min(r0, last)],
    perm[start + min(r0 + 1u, last)],
    perm[start + min(r0 + 2u, last)],
    perm[start + min(r0 + 3u, last)],
  );
}

fn store(r0: u32, j: u32, acc: vec4f) {
  var bias = 0.0;
  if (params.hasBias != 0u) {
    bias = b[j];
  }
  for (var i = 0u; i < 4u; i++) {
    if (r0 + i < params.rows) {
      Z[(r0 + i) * params.kPad + j] = acc[i] + bias;
    }
  }
}

// For d a multiple of 4: X read as vec4, four features per step.
@compute @workgroup_size(WG)
fn logitsVec4(@builtin(global_invocation_id) gid: vec3u) {
  let j = gid.x;
  let k = params.k;
  if (j >= k) {
    return;
  }
  let r0 = gid.y * 4u;
  let d4 = params.d / 4u;
  let src = sourceRows(r0) * d4;
  var acc = vec4f(0.0);
  for (var f4 = 0u; f4 < d4; f4++) {
    let x0 = X4[src.x + f4];
    let x1 = X4[src.y + f4];
    let x2 = X4[src.z + f4];
    let x3 = X4[src.w + f4];
    let w = f4 * 4u * k + j;
    acc = fma(vec4f(x0.x, x1.x, x2.x, x3.x), vec4f(W[w]), acc);
    acc = fma(vec4f(x0.y, x1.y, x2.y, x3.y), vec4f(W[w + k]), acc);
    acc = fma(vec4f(x0.z, x1.z, x2.z, x3.z), vec4f(W[w + 2u * k]), acc);
    acc = fma(vec4f(x0.w, x1.w, x2.w, x3.w), vec4f(W[w + 3u * k]), acc);
  }
  store(r0, j, acc);
}

// Any d: X read one feature at a time.
@compute @workgroup_size(WG)
fn logits(@builtin(global_invocation_id) gid: vec3u) {
  let j = gid.x;
  let k = params.k;
  if (j >= k) {
    return;
  }
  let r0 = gid.y * 4u;
  let d = params.d;
  let src = sourceRows(r0) * d;
  var acc = vec4f(0.0);
  for (var f = 0u; f < d; f++) {
    acc = fma(vec4f(X[src.x + f], X[src.y + f], X[src.z + f], X[src.w + f]), vec4f(W[f * k + j]), acc);
  }
  store(r0, j, acc);
}

// Byte pixels: each u32 holds four features; unpack4x8unorm gives byte/255, so the scale is 255·xScale.
@compute @workgroup_size(WG)
fn logitsU8(@builtin(global_invocation_id) gid: vec3u) {
  let j = gid.x;
  let k = params.k;
  if (j >= k) {
    return;
  }
  let r0 = gid.y * 4u;
  let words = (params.d + 3u) / 4u;
  let src = sourceRows(r0) * params.rowWords;
  let scale = 255.0 * params.xScale;
  var acc = vec4f(0.0);
  for (var f4 = 0u; f4 < words; f4++) {
    let x0 = unpack4x8unorm(Xu8[src.x + f4]) * scale;
    let x1 = unpack4x8unorm(Xu8[src.y + f4]) * scale;
    let x2 = unpack4x8unorm(Xu8[src.z + f4]) * scale;
    let x3 = unpack4x8unorm(Xu8[src.w + f4]) * scale;
    // Features past d in the last word are zero bytes; their W rows are clamped to stay in range.
    let w = f4 * 4u * k + j;
    let wLast = params.d * k - 1u;
    acc = fma(vec4f(x0.x, x1.x, x2.x, x3.x), vec4f(W[w]), acc);
    acc = fma(vec4f(x0.y, x1.y, x2.y, x3.y), vec4f(W[min(w + k, wLast)]), acc);
    acc = fma(vec4f(x0.z, x1.z, x2.z, x3.z), vec4f(W[min(w + 2u * k, wLast)]), acc);
    acc = fma(vec4f(x0.w, x1.w, x2.w, x3.w), vec4f(W[min(w + 3u * k, wLast)]), acc);
  }
  store(r0, j, acc);
}
