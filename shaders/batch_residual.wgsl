// Turns one batch's logits Z (rows × kPad, from batch_logits) into the residual G, in place, and
// each row's loss: Yhat = activation(Z), G = ∂loss/∂z, the loss from the logits (stable BCE/CE) or
// the predictions (½-MSE), all from the objective part, specialised by its pipeline constants.
// Columns k..kPad of G are set to 0 so batch_update can read whole vec4s.
// A grid search's step holds GROUPS parameter sets side by side (group g's k columns from
// g·GROUP_STRIDE): each group is its own row of the objective against the same targets, with its
// own loss at losses[r·GROUPS + g]. One group is the plain fit.
// One invocation per row, WG rows a workgroup.

struct Params {
  n: u32,
  k: u32,
  kPad: u32,
  rows: u32,
}

override WG: u32 = 64u;
override GROUPS: u32 = 1u;
// Columns from one group's first to the next's (a multiple of 4); read only when GROUPS > 1.
override GROUP_STRIDE: u32 = 4u;

@group(0) @binding(0) var<uniform> params: Params;
// The row permutation with the batch cursor after it (walk[n]).
@group(0) @binding(1) var<storage, read> walk: array<u32>;
@group(0) @binding(2) var<storage, read> Y: array<f32>;
// Holds the batch's logits Z on entry and their residual G on exit.
@group(0) @binding(3) var<storage, read_write> Z: array<f32>;
// Each batch row's loss (batch_update sums them).
@group(0) @binding(4) var<storage, read_write> losses: array<f32>;
// Each row's normalised weight, indexed like Y's rows (read only when WEIGHTED).
@group(0) @binding(5) var<storage, read> sampleWeight: array<f32>;

//#include objective
//#include row_stats
//#include residual_row

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let r = gid.x;
  if (r >= params.rows) {
    return;
  }
  let out = r * params.kPad;
  let row = walk[walk[params.n] + r];
  let y = row * params.k;
  if (GROUPS == 1u) {
    losses[r] = residualRow(out, y, params.k, params.kPad, rowWeight(row));
    return;
  }
  for (var g = 0u; g < GROUPS; g++) {
    losses[r * GROUPS + g] = residualRow(out + g * GROUP_STRIDE, y, params.k, GROUP_STRIDE, rowWeight(row));
  }
  for (var j = GROUPS * GROUP_STRIDE; j < params.kPad; j++) {
    Z[out + j] = 0.0;
  }
}
