// One training row turned from logits into residuals, in place in the including kernel's `Z`
// buffer (the step kernels' shared per-row work): Z[out .. out+k) becomes G = ∂loss/∂z against the
// targets Y[y .. y+k), Z[out+k .. out+kPad) becomes 0 so vec4 readers see no stale values, and
// the row's loss is returned. Needs the objective and row_stats parts.

fn residualRow(out: u32, y: u32, k: u32, kPad: u32) -> f32 {
  var stats = RowStats(0.0, 1.0);
  if (ACTIVATION == ACT_SOFTMAX) {
    stats = rowStats(out, k);
  }
  var loss = 0.0;
  for (var j = 0u; j < k; j++) {
    let z = Z[out + j];
    let t = Y[y + j];
    let yhat = activate(z, stats);
    loss += elementLoss(z, yhat, t, stats);
    Z[out + j] = elementError(yhat, t);
  }
  for (var j = k; j < kPad; j++) {
    Z[out + j] = 0.0;
  }
  return loss;
}
