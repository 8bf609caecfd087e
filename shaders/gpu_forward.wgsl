// The forward half of a training step, shaped for GPUs: one workgroup per batch row r (row
// walk[cursor + r] of the resident X). Its 64 invocations split the row's features four at a time
// (consecutive invocations read consecutive vec4s: coalesced), each keeps a 16-column block of
// partial sums in registers, and a workgroup tree reduction (subgroup sums first, where the device
// has them) gives the row's logits z = x·W + b, stored in Z with row stride kPad. The same
// workgroup then turns its row into residuals G and the row's loss with the objective parts
// (one invocation: k is a class count). X is f32 (two quads a chunk) or bytes (X_U8: one u32 a
// quad, x = byte · xScale); Wp is the trainer's padded copy of W with the bias as its last row.

struct Params {
  /** Index of the batch cursor in walk (the permutation's length). */
  n: u32,
  rows: u32,
  /** Feature quads per padded X row (dPad / 4). */
  quads: u32,
  kPad: u32,
  k: u32,
  hasBias: u32,
  xScale: f32,
}

// Invocations per workgroup: the reduction below is written for 64.
const WG: u32 = 64u;
// vec4s of columns per block (1–4), and blocks of 4·KV columns per row.
override KV: u32 = 4u;
override BLOCKS: u32 = 1u;
// A grid search's GROUPS parameter sets side by side, group g's k columns from g·GROUP_STRIDE (see
// batch_residual); one group is the plain fit.
override GROUPS: u32 = 1u;
override GROUP_STRIDE: u32 = 4u;

@group(0) @binding(0) var<uniform> params: Params;
// X_U8, walk (binding 1), X4 and Xb (2, 3) and quad():
//#include x_quads
@group(0) @binding(4) var<storage, read> Wp: array<vec4f>;
// The batch's logits, then (in place) its residuals: rows × kPad.
@group(0) @binding(5) var<storage, read_write> Z: array<f32>;
@group(0) @binding(6) var<storage, read> Y: array<f32>;
@group(0) @binding(7) var<storage, read_write> losses: array<f32>;
// Each row's normalised weight, indexed like Y's rows (read only when WEIGHTED).
@group(0) @binding(8) var<storage, read> sampleWeight: array<f32>;

//#include objective
//#include row_stats
//#include residual_row

var<workgroup> partial: array<vec4f, 256>;


/** Wp row f's vec4 v of column block blk. */
fn weight(f: u32, blk: u32, v: u32) -> vec4f {
  return Wp[f * (params.kPad / 4u) + blk * KV + v];
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) groups: vec3u, @builtin(local_invocation_index) lid: u32) {
  let r = wid.x + wid.y * groups.x;
  // The whole workgroup takes the same branch, so the barriers below stay in uniform control flow.
  let live = r < params.rows;
  let row = walk[walk[params.n] + min(r, params.rows - 1u)];
  let base = row * params.quads;
  let quads = params.quads;
  let scale = select(1.0, 255.0 * params.xScale, X_U8);
  let out = r * params.kPad;
  for (var blk = 0u; blk < BLOCKS; blk++) {
    var a0 = vec4f(0.0);
    var a1 = vec4f(0.0);
    var a2 = vec4f(0.0);
    var a3 = vec4f(0.0);
    for (var q = lid; q < quads; q += WG) {
      let x = quad(base, q);
      for (var i = 0u; i < 4u; i++) {
        let f = 4u * q + i;
        a0 = fma(vec4f(x[i]), weight(f, blk, 0u), a0);
        if (KV > 1u) { a1 = fma(vec4f(x[i]), weight(f, blk, 1u), a1); }
        if (KV > 2u) { a2 = fma(vec4f(x[i]), weight(f, blk, 2u), a2); }
        if (KV > 3u) { a3 = fma(vec4f(x[i]), weight(f, blk, 3u), a3); }
      }
    }
    partial[lid] = a0;
    partial[WG + lid] = a1;
    partial[2u * WG + lid] = a2;
    partial[3u * WG + lid] = a3;
    workgroupBarrier();
    for (var stride = WG / 2u; stride > 0u; stride >>= 1u) {
      if (lid < stride) {
        for (var v = 0u; v < KV; v++) {
          partial[v * WG + lid] += partial[v * WG + lid + stride];
        }
      }
      workgroupBarrier();
    }
    if (live && lid < KV) {
      let bias = select(vec4f(0.0), weight(4u * quads, blk, lid), params.hasBias != 0u);
      let z = fma(partial[lid * WG], vec4f(scale), bias);
      let o = out + 4u * (blk * KV + lid);
      Z[o] = z.x;
      Z[o + 1u] = z.y;
      Z[o + 2u] = z.z;
      Z[o + 3u] = z.w;
    }
    workgroupBarrier();
  }
  // The row's logits were stored by this workgroup; make them visible before one invocation reads them.
  storageBarrier();
  if (live && lid == 0u) {
    if (GROUPS == 1u) {
      losses[r] = residualRow(out, row * params.k, params.k, params.kPad, rowWeight(row));
    } else {
      for (var g = 0u; g < GROUPS; g++) {
        losses[r * GROUPS + g] = residualRow(out + g * GROUP_STRIDE, row * params.k, params.k, GROUP_STRIDE, rowWeight(row));
      }
      for (var j = GROUPS * GROUP_STRIDE; j < params.kPad; j++) {
        Z[out + j] = 0.0;
      }
    }
  }
}
