// Loss and accuracy of a model on a whole set, from its logits Z (m×k) and encoded targets Y,
// reduced on the GPU so two numbers come back instead of the predictions: out[0] = Σ rows' losses,
// out[1] = Σ hits (rows whose first argmax matches Y's for softmax; elements whose P(y = 1) ≥ threshold
// matches y for sigmoid and tanh; none for identity). The objective part's constants pick the activation
// and loss, so the numbers are the training objective's. Two passes, as in loss.wgsl:
// rowSums: 256-invocation workgroups sum a grid-strided set of rows, then halve in workgroup
// memory; finish: one workgroup adds the nGroups partial sums.

struct Params {
  m: u32,
  k: u32,
  nGroups: u32,
  threshold: f32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> Z: array<f32>;
@group(0) @binding(2) var<storage, read> Y: array<f32>;
@group(0) @binding(3) var<storage, read_write> partial: array<vec2f>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;

//#include objective
//#include row_stats

const WG: u32 = 256u;
var<workgroup> sums: array<vec2f, 256>;

/** Index of the first largest of buf's k values from base. */
fn firstMax(base: u32, k: u32, ofY: bool) -> u32 {
  var best = 0u;
  var top = select(Z[base], Y[base], ofY);
  for (var j = 1u; j < k; j++) {
    let v = select(Z[base + j], Y[base + j], ofY);
    if (v > top) {
      top = v;
      best = j;
    }
  }
  return best;
}

/** (loss, hits) of one row. */
fn rowMetrics(row: u32) -> vec2f {
  let k = params.k;
  let base = row * k;
  var stats = RowStats(0.0, 1.0);
  if (ACTIVATION == ACT_SOFTMAX) {
    stats = rowStats(base, k);
  }
  var loss = 0.0;
  var hits = 0.0;
  for (var j = 0u; j < k; j++) {
    let z = Z[base + j];
    let y = Y[base + j];
    let yhat = activate(z, stats);
    loss += elementLoss(z, yhat, y, stats);
    if ((ACTIVATION == ACT_SIGMOID || ACTIVATION == ACT_TANH) && (probability(yhat) >= params.threshold) == (y == 1.0)) {
      hits += 1.0;
    }
  }
  if (ACTIVATION == ACT_SOFTMAX && firstMax(base, k, false) == firstMax(base, k, true)) {
    hits = 1.0;
  }
  return vec2f(loss, hits);
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
  var s = vec2f(0.0);
  for (var row = wg.x * WG + li; row < params.m; row += params.nGroups * WG) {
    s += rowMetrics(row);
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
  var s = vec2f(0.0);
  for (var g = li; g < params.nGroups; g += WG) {
    s += partial[g];
  }
  sums[li] = s;
  workgroupBarrier();
  reduceWorkgroup(li);
  if (li == 0u) {
    out[0] = sums[0].x;
    out[1] = sums[0].y;
  }
}
