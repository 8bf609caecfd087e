// Mean over the m rows of the summed per-element loss of Z (logits for bce/ce, predictions for mse)
// against Y, reduced on the GPU to out[0], in two passes:
// rowSums: 256-thread workgroups each sum a grid-strided set of rows, then halve in workgroup memory;
// finish: one workgroup adds the nGroups partial sums and multiplies by scale (1/m).

struct Params {
  m: u32,
  k: u32,
  nGroups: u32,
  scale: f32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> Z: array<f32>;
@group(0) @binding(2) var<storage, read> Y: array<f32>;
@group(0) @binding(3) var<storage, read_write> partial: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;

const WG: u32 = 256u;
var<workgroup> sums: array<f32, 256>;

// elementLoss() (LOSS picks the kind) and the softmax row statistics CE needs:
//#include objective
//#include row_stats

fn rowLoss(row: u32) -> f32 {
  let base = row * params.k;
  var stats = RowStats(0.0, 1.0);
  if (LOSS == LOSS_CE) {
    stats = rowStats(base, params.k);
  }
  var s = 0.0;
  // Z holds predictions for ½ squared error, so it is passed as ŷ too.
  for (var j = 0u; j < params.k; j++) {
    s += elementLoss(Z[base + j], Z[base + j], Y[base + j], stats);
  }
  return s;
}

fn reduceWorkgroup(li: u32) {
  for (var stride = WG / 2u; stride > 0u; stride >>= 1u) {
    if (li < stride) {
      sums[li] += sums[li + stride];
    }
    workgroupBarrier();
  }
}

@compute @workgroup_size(256)
fn rowSums(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_index) li: u32) {
  var s = 0.0;
  for (var row = wg.x * WG + li; row < params.m; row += params.nGroups * WG) {
    s += rowLoss(row);
  }
  sums[li] = s;
  workgroupBarrier();
  reduceWorkgroup(li);
  if (li == 0u) {
    partial[wg.x] = sums[0];
  }
}

@compute @workgroup_size(256)
fn finish(@builtin(local_invocation_index) li: u32) {
  var s = 0.0;
  for (var g = li; g < params.nGroups; g += WG) {
    s += partial[g];
  }
  sums[li] = s;
  workgroupBarrier();
  reduceWorkgroup(li);
  if (li == 0u) {
    out[0] = sums[0] * params.scale;
  }
}
