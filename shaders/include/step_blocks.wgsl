// Shared by the training-step kernels (batch_logits, batch_update), which include it with
// `//#include step_blocks`: their common pipeline constants, the walk and X bindings (1–3), the
// chunked X loads and the column-vector sums. Each kernel declares its own Params at binding 0 and
// its other buffers from binding 4 on.

override WG: u32 = 64u;
// vec4s of columns per invocation.
override KV: u32 = 4u;
// Columns in use in the last of the KV vec4s (k − 4(KV − 1) when one block holds every class, else 4).
override LIVE: u32 = 4u;
override X_U8: bool = false;

// The row permutation with the batch cursor after it (walk[n]).
@group(0) @binding(1) var<storage, read> walk: array<u32>;
// The same X buffer seen two ways: f32 rows (two vec4f a chunk) or byte rows (one vec2u a chunk).
@group(0) @binding(2) var<storage, read> X4: array<vec4f>;
@group(0) @binding(3) var<storage, read> X2: array<vec2u>;

/** Eight consecutive features of one row. */
struct Chunk {
  lo: vec4f,
  hi: vec4f,
}

/**
 * Chunk c of the row starting at chunk index `row`. Bytes come as byte/255 (unpack4x8unorm, about
 * twice as fast on CPU adapters as converting unsigned integers); the kernels rescale the sums.
 */
fn loadChunk(row: u32, c: u32) -> Chunk {
  if (X_U8) {
    let w = X2[row + c];
    return Chunk(unpack4x8unorm(w.x), unpack4x8unorm(w.y));
  }
  let i = 2u * (row + c);
  return Chunk(X4[i], X4[i + 1u]);
}

/** Four vec4s of columns (one row's, or one feature's); only the first KV are used. */
struct Acc {
  v0: vec4f,
  v1: vec4f,
  v2: vec4f,
  v3: vec4f,
}

//#if subgroups
/** The four vec4s lanes 0–3 of the subgroup hold in `own`, shared with every lane. */
fn shareAcc(own: vec4f) -> Acc {
  return Acc(subgroupBroadcast(own, 0u), subgroupBroadcast(own, 1u), subgroupBroadcast(own, 2u), subgroupBroadcast(own, 3u));
}
//#endif

/** fma(x, g, a) on the first `width` components only, the rest of a kept: no work on padding columns. */
fn fmaLive(x: f32, g: vec4f, a: vec4f, width: u32) -> vec4f {
  switch width {
    case 1u: { return vec4f(fma(x, g.x, a.x), a.yzw); }
    case 2u: { return vec4f(fma(vec2f(x), g.xy, a.xy), a.zw); }
    case 3u: { return vec4f(fma(vec3f(x), g.xyz, a.xyz), a.w); }
    default: { return fma(vec4f(x), g, a); }
  }
}

/** Live columns in column vector v of a block: all four but in the last, which has LIVE. */
fn liveWidth(v: u32) -> u32 {
  return select(4u, LIVE, v == KV - 1u);
}

/** a + x·g over the live columns. */
fn fmaAcc(a: Acc, x: f32, g: Acc) -> Acc {
  // Only the first KV sums are live, and only LIVE columns of the last; the guards fold away once
  // KV and LIVE are fixed for the pipeline, so no multiply-add is spent on padding columns.
  var r = a;
  r.v0 = fmaLive(x, g.v0, a.v0, liveWidth(0u));
  if (KV > 1u) {
    r.v1 = fmaLive(x, g.v1, a.v1, liveWidth(1u));
  }
  if (KV > 2u) {
    r.v2 = fmaLive(x, g.v2, a.v2, liveWidth(2u));
  }
  if (KV > 3u) {
    r.v3 = fmaLive(x, g.v3, a.v3, liveWidth(3u));
  }
  return r;
}

/** a + b over the KV live vec4s (padding columns hold zeros in both). */
fn addAcc(a: Acc, b: Acc) -> Acc {
  var r = a;
  r.v0 = a.v0 + b.v0;
  if (KV > 1u) {
    r.v1 = a.v1 + b.v1;
  }
  if (KV > 2u) {
    r.v2 = a.v2 + b.v2;
  }
  if (KV > 3u) {
    r.v3 = a.v3 + b.v3;
  }
  return r;
}
