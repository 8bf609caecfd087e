// The loss of m rows of logits Z (m×k, rows zStride apart) against targets Y, and the hits that
// make an accuracy, reduced on the GPU: out[0] = scale · Σ rows' losses, out[1] = Σ hits (rows
// whose first argmax matches Y's for softmax; elements whose prediction (P(y = 1) > threshold; at 0.5, z > 0) matches y for
// sigmoid and tanh; none otherwise). The objective part's constants pick the loss and the
// activation; ops.loss runs it with the identity (Z then holds predictions for ½-MSE) or softmax
// (for CE), the estimators with their objective's, and a fit's per-epoch metrics on the step
// kernels' padded logits, so whole-set numbers come back as two floats, never as the predictions.
// rowSums: 256-invocation workgroups sum a grid-strided set of rows, then halve in workgroup memory;
// finish: one workgroup adds the nGroups partial sums (every storage buffer has room for out[1]).

struct Params {
  m: u32,
  k: u32,
  nGroups: u32,
  scale: f32,
  threshold: f32,
  /** Row stride of Z (k, or the step kernels' padded kPad); Y rows are k apart. */
  zStride: u32,
  /** Column of Z where the row's k logits start (a grid search's candidate g: g·stride). */
  zOffset: u32,
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

/** Index of the first largest of the k values of Z from zBase (or of Y from yBase). */
fn firstMax(zBase: u32, yBase: u32, k: u32, ofY: bool) -> u32 {
  var best = 0u;
  var top = select(Z[zBase], Y[yBase], ofY);
  for (var j = 1u; j < k; j++) {
    let v = select(Z[zBase + j], Y[yBase + j], ofY);
    if (v > top) {
      top = v;
      best = j;
    }
  }
  return best;
}

/** (loss, hits) of one row. */
fn rowSum(row: u32) -> vec2f {
  let k = params.k;
  let zBase = row * params.zStride + params.zOffset;
  let yBase = row * k;
  var stats = RowStats(0.0, 1.0);
  if (ACTIVATION == ACT_SOFTMAX || LOSS == LOSS_CE) {
    stats = rowStats(zBase, k);
  }
  var loss = 0.0;
  var hits = 0.0;
  for (var j = 0u; j < k; j++) {
    let z = Z[zBase + j];
    let y = Y[yBase + j];
    let yhat = activate(z, stats);
    loss += elementLoss(z, yhat, y, stats);
    // At 0.5 the logit decides (z > 0, scikit-learn's rule): σ(z) rounds to 0.5 for |z| < 3e-8.
    let positive = select(probability(yhat) > params.threshold, z > 0.0, params.threshold == 0.5);
    if ((ACTIVATION == ACT_SIGMOID || ACTIVATION == ACT_TANH) && positive == (y == 1.0)) {
      hits += 1.0;
    }
  }
  if (ACTIVATION == ACT_SOFTMAX && firstMax(zBase, yBase, k, false) == firstMax(zBase, yBase, k, true)) {
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
    s += rowSum(row);
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
    out[0] = sums[0].x * params.scale;
    out[1] = sums[0].y;
  }
}
