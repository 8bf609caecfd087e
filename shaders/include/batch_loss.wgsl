// A batch's loss for the epoch total: group g's row losses (the including kernel's
// losses[r·GROUPS + g]) summed LOSS_BLOCK rows at a time, each block on its own before it joins the
// total, so a full batch's rounding grows with rows/LOSS_BLOCK + LOSS_BLOCK rather than with rows.
// Summed row after row, 60000 rows came out 2–4e-6 off, above the 64 ulps of a loss L-BFGS's line
// search allows for rounding; in blocks, about 1e-7. Needs the kernel's `losses` and GROUPS.

const LOSS_BLOCK: u32 = 256u;

fn batchLoss(g: u32, rows: u32) -> f32 {
  var total = 0.0;
  for (var r0 = 0u; r0 < rows; r0 += LOSS_BLOCK) {
    var part = 0.0;
    for (var r = r0; r < min(r0 + LOSS_BLOCK, rows); r++) {
      part += losses[r * GROUPS + g];
    }
    total += part;
  }
  return total;
}
