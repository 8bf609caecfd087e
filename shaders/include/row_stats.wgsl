// A softmax row's statistics over the including kernel's `Z` buffer (k values from `base`): the
// row max, so no exp() overflows, and the compensated (Kahan) sum of exp(z − zMax), since long rows
// summed naively in f32 drift past 1e-6. Needs the objective part (RowStats).

fn rowStats(base: u32, k: u32) -> RowStats {
  var zMax = Z[base];
  for (var j = 1u; j < k; j++) {
    zMax = max(zMax, Z[base + j]);
  }
  var sum = 0.0;
  var lost = 0.0;
  for (var j = 0u; j < k; j++) {
    let e = exp(Z[base + j] - zMax) - lost;
    let t = sum + e;
    lost = (t - sum) - e;
    sum = t;
  }
  return RowStats(zMax, sum);
}
