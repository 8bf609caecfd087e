//#if subgroups
enable subgroups;
//#endif
// Z = Xb·W + b for one training batch, where row r of Xb is row perm[cursor + r] of the resident X:
// the batch is read in place, never copied. X rows are padded with zeros to whole chunks of 8
// features (two vec4f, or one vec2u of bytes); W and b come from the trainer's padded copy Wp
// (rows padded to kPad columns read as vec4, one row per padded feature, the bias as the last row).
// Z rows are stored with stride kPad. Each invocation covers 4·KV columns; further column blocks
// run along the grid's y.
// Register blocking: each invocation computes a 16-row × 4·KV block of Z, so every W vec4 feeds
// sixteen rows and every X element 4·KV columns. On CPU adapters every element a lane loads costs a
// masked gather and loop iterations are dear, so loads come a chunk at a time and the loop runs once
// per 8 features; with subgroups, four lanes each load one of a feature's W vec4s and share them.
// (16 rows beat 8 by 6–16 % on SwiftShader although the sums spill to the stack. On a GPU they
// would spill from registers, and rows/16 invocations are too few to fill it: a GPU wants smaller
// blocks and more of them.) No workgroup memory or barrier. X is f32 (X_U8 = false) or bytes (x = byte · xScale).
// WG (workgroup width) and KV (vec4s of columns per invocation) are pipeline constants.

struct Params {
  n: u32,
  /** 8-feature chunks per X row (the padded width / 8). */
  chunks: u32,
  kPad: u32,
  rows: u32,
  hasBias: u32,
  xScale: f32,
}

@group(0) @binding(0) var<uniform> params: Params;
// The pipeline constants, walk (binding 1), X4 and X2 (2, 3) and the chunk helpers:
//#include step_blocks

// The trainer's padded (8·chunks + 1)×kPad copy of W with the bias as the last row.
@group(0) @binding(4) var<storage, read> Wp: array<vec4f>;
@group(0) @binding(5) var<storage, read_write> Z: array<f32>;

//#if subgroups
/** Wp[i .. i+KV): lane q of each group of four loads the q-th vec4 and the subgroup shares them. */
fn weights(i: u32, lane: u32) -> Acc {
  let own = Wp[i + min(lane % 4u, KV - 1u)];
  return shareAcc(own);
}
//#else
/** Wp[i .. i+KV); past KV the last vector again, which the column sums never read. */
fn weights(i: u32, lane: u32) -> Acc {
  return Acc(Wp[i], Wp[i + min(1u, KV - 1u)], Wp[i + min(2u, KV - 1u)], Wp[i + min(3u, KV - 1u)]);
}
//#endif

/** The sixteen rows' sums; named fields rather than an array, which CPU adapters would keep in memory. */
struct Rows {
  a0: Acc,
  a1: Acc,
  a2: Acc,
  a3: Acc,
  a4: Acc,
  a5: Acc,
  a6: Acc,
  a7: Acc,
  a8: Acc,
  a9: Acc,
  a10: Acc,
  a11: Acc,
  a12: Acc,
  a13: Acc,
  a14: Acc,
  a15: Acc,
}

/** Adds one feature: xa, xb, xc, xd hold its value in rows 0–3, 4–7, 8–11, 12–15, w its weights. */
fn addFeature(s: Rows, xa: vec4f, xb: vec4f, xc: vec4f, xd: vec4f, w: Acc) -> Rows {
  return Rows(
    fmaAcc(s.a0, xa.x, w), fmaAcc(s.a1, xa.y, w), fmaAcc(s.a2, xa.z, w), fmaAcc(s.a3, xa.w, w),
    fmaAcc(s.a4, xb.x, w), fmaAcc(s.a5, xb.y, w), fmaAcc(s.a6, xb.z, w), fmaAcc(s.a7, xb.w, w),
    fmaAcc(s.a8, xc.x, w), fmaAcc(s.a9, xc.y, w), fmaAcc(s.a10, xc.z, w), fmaAcc(s.a11, xc.w, w),
    fmaAcc(s.a12, xd.x, w), fmaAcc(s.a13, xd.y, w), fmaAcc(s.a14, xd.z, w), fmaAcc(s.a15, xd.w, w),
  );
}

/** Stores row r's sums times `scale` plus the bias (r past the batch: nothing). */
fn storeRow(r: u32, rows: u32, blk: u32, a: Acc, scale: f32, bias: Acc) {
  if (r >= rows) {
    return;
  }
  let o = r * params.kPad + 16u * blk;
  let z = Acc(fma(a.v0, vec4f(scale), bias.v0), fma(a.v1, vec4f(scale), bias.v1), fma(a.v2, vec4f(scale), bias.v2), fma(a.v3, vec4f(scale), bias.v3));
  for (var c = 0u; c < 4u; c++) {
    Z[o + c] = z.v0[c];
    if (KV > 1u) {
      Z[o + 4u + c] = z.v1[c];
    }
    if (KV > 2u) {
      Z[o + 8u + c] = z.v2[c];
    }
    if (KV > 3u) {
      Z[o + 12u + c] = z.v3[c];
    }
  }
}

@compute @workgroup_size(WG)
//#if subgroups
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(subgroup_invocation_id) lane: u32) {
//#else
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(local_invocation_index) lane: u32) {
//#endif
  // Uniforms are read once into locals: a uniform load inside the loop costs a gather per iteration
  // on CPU adapters.
  let rows = params.rows;
  let chunks = params.chunks;
  let rowVecs = params.kPad / 4u;
  let last = rows - 1u;
  // Invocations past the batch repeat its last row (and store nothing), so the whole subgroup
  // stays in the loop for the shared loads.
  let r0 = min(gid.x * 16u, last);
  let blk = gid.y;
  let col = blk * KV;
  let start = walk[params.n];
  let s0 = walk[start + r0] * chunks;
  let s1 = walk[start + min(r0 + 1u, last)] * chunks;
  let s2 = walk[start + min(r0 + 2u, last)] * chunks;
  let s3 = walk[start + min(r0 + 3u, last)] * chunks;
  let s4 = walk[start + min(r0 + 4u, last)] * chunks;
  let s5 = walk[start + min(r0 + 5u, last)] * chunks;
  let s6 = walk[start + min(r0 + 6u, last)] * chunks;
  let s7 = walk[start + min(r0 + 7u, last)] * chunks;
  let s8 = walk[start + min(r0 + 8u, last)] * chunks;
  let s9 = walk[start + min(r0 + 9u, last)] * chunks;
  let s10 = walk[start + min(r0 + 10u, last)] * chunks;
  let s11 = walk[start + min(r0 + 11u, last)] * chunks;
  let s12 = walk[start + min(r0 + 12u, last)] * chunks;
  let s13 = walk[start + min(r0 + 13u, last)] * chunks;
  let s14 = walk[start + min(r0 + 14u, last)] * chunks;
  let s15 = walk[start + min(r0 + 15u, last)] * chunks;
  let zero = Acc(vec4f(0.0), vec4f(0.0), vec4f(0.0), vec4f(0.0));
  var s = Rows(zero, zero, zero, zero, zero, zero, zero, zero, zero, zero, zero, zero, zero, zero, zero, zero);
  for (var c = 0u; c < chunks; c++) {
    let x0 = loadChunk(s0, c);
    let x1 = loadChunk(s1, c);
    let x2 = loadChunk(s2, c);
    let x3 = loadChunk(s3, c);
    let x4 = loadChunk(s4, c);
    let x5 = loadChunk(s5, c);
    let x6 = loadChunk(s6, c);
    let x7 = loadChunk(s7, c);
    let x8 = loadChunk(s8, c);
    let x9 = loadChunk(s9, c);
    let x10 = loadChunk(s10, c);
    let x11 = loadChunk(s11, c);
    let x12 = loadChunk(s12, c);
    let x13 = loadChunk(s13, c);
    let x14 = loadChunk(s14, c);
    let x15 = loadChunk(s15, c);
    let w = 8u * c * rowVecs + col;
    s = addFeature(s, vec4f(x0.lo.x, x1.lo.x, x2.lo.x, x3.lo.x), vec4f(x4.lo.x, x5.lo.x, x6.lo.x, x7.lo.x), vec4f(x8.lo.x, x9.lo.x, x10.lo.x, x11.lo.x), vec4f(x12.lo.x, x13.lo.x, x14.lo.x, x15.lo.x), weights(w, lane));
    s = addFeature(s, vec4f(x0.lo.y, x1.lo.y, x2.lo.y, x3.lo.y), vec4f(x4.lo.y, x5.lo.y, x6.lo.y, x7.lo.y), vec4f(x8.lo.y, x9.lo.y, x10.lo.y, x11.lo.y), vec4f(x12.lo.y, x13.lo.y, x14.lo.y, x15.lo.y), weights(w + rowVecs, lane));
    s = addFeature(s, vec4f(x0.lo.z, x1.lo.z, x2.lo.z, x3.lo.z), vec4f(x4.lo.z, x5.lo.z, x6.lo.z, x7.lo.z), vec4f(x8.lo.z, x9.lo.z, x10.lo.z, x11.lo.z), vec4f(x12.lo.z, x13.lo.z, x14.lo.z, x15.lo.z), weights(w + 2u * rowVecs, lane));
    s = addFeature(s, vec4f(x0.lo.w, x1.lo.w, x2.lo.w, x3.lo.w), vec4f(x4.lo.w, x5.lo.w, x6.lo.w, x7.lo.w), vec4f(x8.lo.w, x9.lo.w, x10.lo.w, x11.lo.w), vec4f(x12.lo.w, x13.lo.w, x14.lo.w, x15.lo.w), weights(w + 3u * rowVecs, lane));
    s = addFeature(s, vec4f(x0.hi.x, x1.hi.x, x2.hi.x, x3.hi.x), vec4f(x4.hi.x, x5.hi.x, x6.hi.x, x7.hi.x), vec4f(x8.hi.x, x9.hi.x, x10.hi.x, x11.hi.x), vec4f(x12.hi.x, x13.hi.x, x14.hi.x, x15.hi.x), weights(w + 4u * rowVecs, lane));
    s = addFeature(s, vec4f(x0.hi.y, x1.hi.y, x2.hi.y, x3.hi.y), vec4f(x4.hi.y, x5.hi.y, x6.hi.y, x7.hi.y), vec4f(x8.hi.y, x9.hi.y, x10.hi.y, x11.hi.y), vec4f(x12.hi.y, x13.hi.y, x14.hi.y, x15.hi.y), weights(w + 5u * rowVecs, lane));
    s = addFeature(s, vec4f(x0.hi.z, x1.hi.z, x2.hi.z, x3.hi.z), vec4f(x4.hi.z, x5.hi.z, x6.hi.z, x7.hi.z), vec4f(x8.hi.z, x9.hi.z, x10.hi.z, x11.hi.z), vec4f(x12.hi.z, x13.hi.z, x14.hi.z, x15.hi.z), weights(w + 6u * rowVecs, lane));
    s = addFeature(s, vec4f(x0.hi.w, x1.hi.w, x2.hi.w, x3.hi.w), vec4f(x4.hi.w, x5.hi.w, x6.hi.w, x7.hi.w), vec4f(x8.hi.w, x9.hi.w, x10.hi.w, x11.hi.w), vec4f(x12.hi.w, x13.hi.w, x14.hi.w, x15.hi.w), weights(w + 7u * rowVecs, lane));
  }
  var bias = zero;
  if (params.hasBias != 0u) {
    bias = weights(8u * chunks * rowVecs + col, lane);
  }
  if (gid.x * 16u >= rows) {
    return;
  }
  // Bytes were summed as byte/255; one multiply per sum applies the real scale.
  let scale = select(1.0, 255.0 * params.xScale, X_U8);
  storeRow(r0, rows, blk, s.a0, scale, bias);
  storeRow(r0 + 1u, rows, blk, s.a1, scale, bias);
  storeRow(r0 + 2u, rows, blk, s.a2, scale, bias);
  storeRow(r0 + 3u, rows, blk, s.a3, scale, bias);
  storeRow(r0 + 4u, rows, blk, s.a4, scale, bias);
  storeRow(r0 + 5u, rows, blk, s.a5, scale, bias);
  storeRow(r0 + 6u, rows, blk, s.a6, scale, bias);
  storeRow(r0 + 7u, rows, blk, s.a7, scale, bias);
  storeRow(r0 + 8u, rows, blk, s.a8, scale, bias);
  storeRow(r0 + 9u, rows, blk, s.a9, scale, bias);
  storeRow(r0 + 10u, rows, blk, s.a10, scale, bias);
  storeRow(r0 + 11u, rows, blk, s.a11, scale, bias);
  storeRow(r0 + 12u, rows, blk, s.a12, scale, bias);
  storeRow(r0 + 13u, rows, blk, s.a13, scale, bias);
  storeRow(r0 + 14u, rows, blk, s.a14, scale, bias);
  storeRow(r0 + 15u, rows, blk, s.a15, scale, bias);
}
