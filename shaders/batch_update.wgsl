//#if subgroups
enable subgroups;
//#endif
// The gradient of one training batch fused with its update. Invocation j < chunks/2 sums x_f·G
// over the batch rows for the 16 features of chunks 2j and 2j + 1 (X rows are zero-padded to whole
// pairs of chunks) and all 4·KV columns of its column block; one more workgroup does the same for
// the bias (x = 1). Each then steps those parameters with the gradient ∇θ/rows (+ λθ, never for
// the bias) through the optimizer part: in the trainer's padded copy Wp (bias as the last row, read
// by batch_logits; the optimizer's state after the parameters) and in the model's own W and b.
// The bias workgroup also adds the batch's row losses (summed by the batch_loss part, times
// lossScale = 1/n) to the epoch loss. Columns past 4·KV are further blocks along the grid's y.
// Register blocking: every G row a lane gets feeds 16 features and every X element 4·KV columns. On
// CPU adapters each element a lane loads costs a masked gather and every loop iteration is dear, so
// X comes a chunk at a time, the row loop takes eight rows an iteration (their indices in two loads
// shared over the subgroup), and with subgroups four lanes each load one of a G row's vec4s and
// share them. (16 features beat 8 by ~11 % on SwiftShader although the sums spill to the stack; 32
// gained nothing more. On a GPU they would spill from registers, and d/16 invocations are too few to
// fill it: a GPU wants a workgroup-tiled reduction over rows instead.) No workgroup memory. X is f32
// or bytes per X_U8, as in batch_logits; WG, KV and LIVE are pipeline constants.
// The optimizer part alone decides what a step does with a parameter: with OPTIMIZER 4 (the
// hypergradient rate, an evaluation) it keeps the gradient in its state and θ stays.
// A grid search's step holds GROUPS parameter sets side by side in Wp (group g's k columns from
// g·GROUP_STRIDE, see batch_residual): each group steps with its own learning rate and λ, read from
// `losses` past the epoch totals, sums its own row losses, and is mirrored into its own d×k slice
// of W and k values of b. One group is the plain fit, with the rate and λ of the uniforms.

struct Params {
  n: u32,
  d: u32,
  k: u32,
  kPad: u32,
  rows: u32,
  /** 8-feature chunks per X row (the padded width / 8). */
  chunks: u32,
  learningRate: f32,
  l2: f32,
  lossScale: f32,
  hasBias: u32,
  xScale: f32,
  /** Index in `losses` of the epoch total (the batch size: past every row's slot). */
  total: u32,
}

override GROUPS: u32 = 1u;
override GROUP_STRIDE: u32 = 4u;

@group(0) @binding(0) var<uniform> params: Params;
// The pipeline constants, walk (binding 1), X4 and X2 (2, 3) and the chunk helpers:
//#include step_blocks

@group(0) @binding(4) var<storage, read> G: array<vec4f>;
// Each batch row's loss, then (at index rows... batchSize) the running epoch loss in losses[total].
// With GROUPS > 1: row r's group-g loss at r·GROUPS + g, the epoch totals from total·GROUPS, then
// each group's learning rate and then its λ.
@group(0) @binding(5) var<storage, read_write> losses: array<f32>;
// The trainer's padded (8·chunks + 1)×kPad copy: one row per padded feature, the bias last.
@group(0) @binding(6) var<storage, read_write> Wp: array<vec4f>;
@group(0) @binding(7) var<storage, read_write> W: array<f32>;
@group(0) @binding(8) var<storage, read_write> b: array<f32>;

/** Rows summed on their own before joining a gradient's total (a multiple of 8). */
const SUM_BLOCK: u32 = 256u;

//#if subgroups
/** G[i .. i+KV): lane q of each group of four loads the q-th vec4 and the subgroup shares them. */
fn residual(i: u32, lane: u32) -> Acc {
  let own = G[i + min(lane % 4u, KV - 1u)];
  return shareAcc(own);
}

/** walk[i .. i+4): lane q of each group of four loads the q-th index and the subgroup shares them. */
fn batchRows(i: u32, lane: u32) -> vec4u {
  let own = walk[i + lane % 4u];
  return vec4u(subgroupBroadcast(own, 0u), subgroupBroadcast(own, 1u), subgroupBroadcast(own, 2u), subgroupBroadcast(own, 3u));
}
//#else
/** walk[i .. i+4). */
fn batchRows(i: u32, lane: u32) -> vec4u {
  return vec4u(walk[i], walk[i + 1u], walk[i + 2u], walk[i + 3u]);
}

/** G[i .. i+KV); past KV the last vector again, which the column sums never read. */
fn residual(i: u32, lane: u32) -> Acc {
  return Acc(G[i], G[i + min(1u, KV - 1u)], G[i + min(2u, KV - 1u)], G[i + min(3u, KV - 1u)]);
}
//#endif

/** The 16 features' sums; named fields rather than an array, which CPU adapters keep in memory. */
struct Features {
  f0: Acc,
  f1: Acc,
  f2: Acc,
  f3: Acc,
  f4: Acc,
  f5: Acc,
  f6: Acc,
  f7: Acc,
  f8: Acc,
  f9: Acc,
  f10: Acc,
  f11: Acc,
  f12: Acc,
  f13: Acc,
  f14: Acc,
  f15: Acc,
}

/** Adds one batch row: its chunks x (features 0–7) and y (8–15) times its residual g. */
fn addRow(s: Features, x: Chunk, y: Chunk, g: Acc) -> Features {
  return Features(
    fmaAcc(s.f0, x.lo.x, g), fmaAcc(s.f1, x.lo.y, g), fmaAcc(s.f2, x.lo.z, g), fmaAcc(s.f3, x.lo.w, g),
    fmaAcc(s.f4, x.hi.x, g), fmaAcc(s.f5, x.hi.y, g), fmaAcc(s.f6, x.hi.z, g), fmaAcc(s.f7, x.hi.w, g),
    fmaAcc(s.f8, y.lo.x, g), fmaAcc(s.f9, y.lo.y, g), fmaAcc(s.f10, y.lo.z, g), fmaAcc(s.f11, y.lo.w, g),
    fmaAcc(s.f12, y.hi.x, g), fmaAcc(s.f13, y.hi.y, g), fmaAcc(s.f14, y.hi.z, g), fmaAcc(s.f15, y.hi.w, g),
  );
}

/** a + b over the live columns of every feature. */
fn addFeatures(a: Features, b: Features) -> Features {
  return Features(
    addAcc(a.f0, b.f0), addAcc(a.f1, b.f1), addAcc(a.f2, b.f2), addAcc(a.f3, b.f3),
    addAcc(a.f4, b.f4), addAcc(a.f5, b.f5), addAcc(a.f6, b.f6), addAcc(a.f7, b.f7),
    addAcc(a.f8, b.f8), addAcc(a.f9, b.f9), addAcc(a.f10, b.f10), addAcc(a.f11, b.f11),
    addAcc(a.f12, b.f12), addAcc(a.f13, b.f13), addAcc(a.f14, b.f14), addAcc(a.f15, b.f15),
  );
}

fn column(a: Acc, v: u32) -> vec4f {
  switch v {
    case 0u: { return a.v0; }
    case 1u: { return a.v1; }
    case 2u: { return a.v2; }
    default: { return a.v3; }
  }
}

//#include update_rule
//#include optimizer
//#include batch_loss

/** Where a group's learning rate is kept in `losses` (its λ follows GROUPS slots later). */
fn rateSlot(g: u32) -> u32 {
  return (params.total + 1u) * GROUPS + g;
}

/** Stores the updated value of padded column j into the model's W (feature f) or b. */
fn mirror(f: u32, isBias: bool, j: u32, value: f32) {
  if (GROUPS == 1u) {
    if (j < params.k) {
      if (isBias) {
        b[j] = value;
      } else {
        W[f * params.k + j] = value;
      }
    }
    return;
  }
  let g = j / GROUP_STRIDE;
  let jj = j % GROUP_STRIDE;
  if (g < GROUPS && jj < params.k) {
    if (isBias) {
      b[g * params.k + jj] = value;
    } else {
      W[(g * params.d + f) * params.k + jj] = value;
    }
  }
}

/**
 * Applies the update rule to row f of Wp (feature f, or the bias row when isBias) in column block
 * blk with gradient sum·gradScale, mirrored into W or b.
 */
fn update(f: u32, isBias: bool, blk: u32, a: Acc, gradScale: f32, l2: f32) {
  let rowVecs = params.kPad / 4u;
  for (var v = 0u; v < KV; v++) {
    let i = f * rowVecs + blk * KV + v;
    var rate = params.learningRate;
    var decay = l2;
    if (GROUPS > 1u) {
      // Padding columns past the last group have zero residuals and parameters: any rate leaves them 0.
      let g = min(4u * (blk * KV + v) / GROUP_STRIDE, GROUPS - 1u);
      rate = losses[rateSlot(g)];
      decay = select(losses[rateSlot(g) + GROUPS], 0.0, isBias);
    }
    let nw = optimizerStep(i, (8u * params.chunks + 1u) * rowVecs, Wp[i], column(a, v) * gradScale, rate, decay);
    Wp[i] = nw;
    for (var c = 0u; c < 4u; c++) {
      mirror(f, isBias, 4u * (blk * KV + v) + c, nw[c]);
    }
  }
}

/** The bias workgroup: sums the batch's residual rows (x = 1), steps b, and adds the batch's losses. */
fn biasStep(lane: u32, blk: u32) {
  let rows = params.rows;
  let rowVecs = params.kPad / 4u;
  let col = blk * KV;
  let zero = Acc(vec4f(0.0), vec4f(0.0), vec4f(0.0), vec4f(0.0));
  var sum = zero;
  // In blocks of SUM_BLOCK rows, as the features' sums are.
  for (var r0 = 0u; r0 < rows; r0 += SUM_BLOCK) {
    var part = zero;
    for (var r = r0; r < min(r0 + SUM_BLOCK, rows); r++) {
      part = fmaAcc(part, 1.0, residual(r * rowVecs + col, lane));
    }
    sum = addAcc(sum, part);
  }
  if (lane != 0u) {
    return;
  }
  if (params.hasBias != 0u) {
    update(8u * params.chunks, true, blk, sum, 1.0 / f32(rows), 0.0);
  }
  // Once per step: column block 0 adds the batch's losses to the epoch's.
  if (blk == 0u) {
    for (var g = 0u; g < GROUPS; g++) {
      losses[params.total * GROUPS + g] += batchLoss(g, rows) * params.lossScale;
    }
  }
}

@compute @workgroup_size(WG)
//#if subgroups
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(workgroup_id) wid: vec3u, @builtin(subgroup_invocation_id) lane: u32) {
//#else
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lane: u32) {
//#endif
  // Uniforms are read once into locals: a uniform load inside the loop costs a gather per iteration
  // on CPU adapters.
  let rows = params.rows;
  let chunks = params.chunks;
  let rowVecs = params.kPad / 4u;
  let blk = gid.y;
  // The workgroup after the feature blocks' handles the bias: a whole workgroup, so the branch is
  // uniform and the subgroup's shared loads stay legal.
  let blocks = chunks / 2u;
  if (wid.x == (blocks + WG - 1u) / WG) {
    biasStep(lane, blk);
    return;
  }
  // Invocations past the last pair of chunks run the loop on it too (the subgroup shares its loads)
  // and store nothing.
  let c = 2u * min(gid.x, blocks - 1u);
  let col = blk * KV;
  let start = walk[params.n];
  let zero = Acc(vec4f(0.0), vec4f(0.0), vec4f(0.0), vec4f(0.0));
  let none = Features(zero, zero, zero, zero, zero, zero, zero, zero, zero, zero, zero, zero, zero, zero, zero, zero);
  var s = none;
  // Rows in blocks of SUM_BLOCK, each summed on its own and then added to the total: a full-batch
  // gradient's rounding then grows with rows/SUM_BLOCK + SUM_BLOCK instead of with rows.
  var r = 0u;
  loop {
    let end = min(r + SUM_BLOCK, rows);
    var part = none;
    // Rows eight at a time: their indices come in with two loads shared over the subgroup.
    for (; r + 8u <= end; r += 8u) {
      let src = batchRows(start + r, lane) * chunks;
      let srd = batchRows(start + r + 4u, lane) * chunks;
      let g = r * rowVecs + col;
      part = addRow(part, loadChunk(src.x, c), loadChunk(src.x, c + 1u), residual(g, lane));
      part = addRow(part, loadChunk(src.y, c), loadChunk(src.y, c + 1u), residual(g + rowVecs, lane));
      part = addRow(part, loadChunk(src.z, c), loadChunk(src.z, c + 1u), residual(g + 2u * rowVecs, lane));
      part = addRow(part, loadChunk(src.w, c), loadChunk(src.w, c + 1u), residual(g + 3u * rowVecs, lane));
      part = addRow(part, loadChunk(srd.x, c), loadChunk(srd.x, c + 1u), residual(g + 4u * rowVecs, lane));
      part = addRow(part, loadChunk(srd.y, c), loadChunk(srd.y, c + 1u), residual(g + 5u * rowVecs, lane));
      part = addRow(part, loadChunk(srd.z, c), loadChunk(srd.z, c + 1u), residual(g + 6u * rowVecs, lane));
      part = addRow(part, loadChunk(srd.w, c), loadChunk(srd.w, c + 1u), residual(g + 7u * rowVecs, lane));
    }
    for (; r < end; r++) {
      part = addRow(part, loadChunk(walk[start + r] * chunks, c), loadChunk(walk[start + r] * chunks, c + 1u), residual(r * rowVecs + col, lane));
    }
    s = addFeatures(s, part);
    if (r >= rows) {
      break;
    }
  }
  if (gid.x >= blocks) {
    return;
  }
  // Bytes were summed as byte/255: the real scale joins the mean's 1/rows. λ decays weights only,
  // never the bias.
  let gradScale = select(1.0, 255.0 * params.xScale, X_U8) / f32(rows);
  let f0 = 8u * c;
  let d = params.d;
  if (f0 < d) { update(f0, false, blk, s.f0, gradScale, params.l2); }
  if (f0 + 1u < d) { update(f0 + 1u, false, blk, s.f1, gradScale, params.l2); }
  if (f0 + 2u < d) { update(f0 + 2u, false, blk, s.f2, gradScale, params.l2); }
  if (f0 + 3u < d) { update(f0 + 3u, false, blk, s.f3, gradScale, params.l2); }
  if (f0 + 4u < d) { update(f0 + 4u, false, blk, s.f4, gradScale, params.l2); }
  if (f0 + 5u < d) { update(f0 + 5u, false, blk, s.f5, gradScale, params.l2); }
  if (f0 + 6u < d) { update(f0 + 6u, false, blk, s.f6, gradScale, params.l2); }
  if (f0 + 7u < d) { update(f0 + 7u, false, blk, s.f7, gradScale, params.l2); }
  if (f0 + 8u < d) { update(f0 + 8u, false, blk, s.f8, gradScale, params.l2); }
  if (f0 + 9u < d) { update(f0 + 9u, false, blk, s.f9, gradScale, params.l2); }
  if (f0 + 10u < d) { update(f0 + 10u, false, blk, s.f10, gradScale, params.l2); }
  if (f0 + 11u < d) { update(f0 + 11u, false, blk, s.f11, gradScale, params.l2); }
  if (f0 + 12u < d) { update(f0 + 12u, false, blk, s.f12, gradScale, params.l2); }
  if (f0 + 13u < d) { update(f0 + 13u, false, blk, s.f13, gradScale, params.l2); }
  if (f0 + 14u < d) { update(f0 + 14u, false, blk, s.f14, gradScale, params.l2); }
  if (f0 + 15u < d) { update(f0 + 15u, false, blk, s.f15, gradScale, params.l2); }
}
