// One training row turned from logits into residuals, in place in the including kernel's `Z`
// buffer (the step kernels' shared per-row work): Z[out .. out+k) becomes G = ∂loss/∂z against the
// targets Y[y .. y+k), Z[out+k .. out+kPad) becomes 0 so vec4 readers see no stale values, and
// the row's loss is returned. Needs the objective and row_stats parts.
// Weighted fits (WEIGHTED) multiply the row's residual and loss by its sample weight, normalised to
// mean 1 over the training set: the batch mean of the weighted residuals is then the weighted
// gradient's unbiased estimate, and the epoch loss Σwℓ/Σw. The including kernel declares the
// `sampleWeight` binding; unweighted pipelines never read it (bind any read-only buffer).

override WEIGHTED: bool = false;

/** The weight of training row `row` (the index sampleWeight is laid out by): 1 when unweighted. */
fn rowWeight(row: u32) -> f32 {
  if (WEIGHTED) {
    return sampleWeight[row];
  }
  return 1.0;
}

fn residualRow(out: u32, y: u32, k: u32, kPad: u32, weight: f32) -> f32 {
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
    Z[out + j] = weight * elementError(yhat, t);
  }
  for (var j = k; j < kPad; j++) {
    Z[out + j] = 0.0;
  }
  return weight * loss;
}
