// The backward half of a training step, shaped for GPUs, in two passes.
// partialSums: the batch rows are split into nChunks chunks of rowsPerChunk; invocation (q, chunk,
// blk) sums x_f·G over its chunk's rows for the four features of quad q and the 4·KV columns of
// block blk, 4×KV vec4 sums in registers. Consecutive invocations read consecutive quads of the
// same X row (coalesced), and every invocation of a workgroup reads the same G vec4s (broadcast).
// The quad past the last (q = quads) is the bias, x = (1, 0, 0, 0). Sums go to partial, one
// (dPad+1)×kPad slice per chunk.
// apply: one invocation per parameter vec4 of Wp adds its chunks' sums, scales them to the mean
// gradient and steps the parameters through the optimizer part (its state kept in Wp after them),
// mirrored into the model's W and b. Invocation 0 also adds the batch's row losses (summed by the
// batch_loss part, times lossScale) to the epoch loss and moves the batch cursor on, so a step needs
// no separate dispatch for either.
// A grid search's step holds GROUPS parameter sets side by side in Wp (group g's k columns from
// g·GROUP_STRIDE, see gpu_forward): apply steps each group with its own learning rate and λ, read
// from `losses` past the epoch totals, sums each group's row losses, and mirrors group g into its
// own d×k slice of W and k values of b. One group is the plain fit, with the uniforms' rate and λ.
// X is f32 or bytes (X_U8), as in gpu_forward. 64 invocations a workgroup.
// What a step does with a parameter is the optimizer part's alone: with OPTIMIZER 4 (the
// hypergradient rate, an evaluation) it keeps the gradient in its state and θ stays.

struct Params {
  /** Index of the batch cursor in walk (the permutation's length). */
  n: u32,
  rows: u32,
  /** Feature quads per padded X row (dPad / 4). */
  quads: u32,
  d: u32,
  k: u32,
  kPad: u32,
  rowsPerChunk: u32,
  nChunks: u32,
  learningRate: f32,
  l2: f32,
  /** The mean's 1/rows, times 255·xScale for bytes (summed as byte/255). */
  gradScale: f32,
  hasBias: u32,
  /** Multiplies the batch's summed row losses before they join the epoch loss (1/n: a mean). */
  lossScale: f32,
  /** Slot of the epoch loss in losses (after the batch rows' slots). */
  total: u32,
  /** Index of the cursor in `cursor` (the training set's row count) and how far a step moves it. */
  cursorIndex: u32,
  batchSize: u32,
}

override KV: u32 = 4u;
override GROUPS: u32 = 1u;
override GROUP_STRIDE: u32 = 4u;

@group(0) @binding(0) var<uniform> params: Params;
// X_U8, walk (binding 1), X4 and Xb (2, 3) and quad():
//#include x_quads
@group(0) @binding(4) var<storage, read> G: array<vec4f>;
@group(0) @binding(5) var<storage, read_write> partial: array<vec4f>;
@group(0) @binding(6) var<storage, read_write> Wp: array<vec4f>;
@group(0) @binding(7) var<storage, read_write> W: array<f32>;
@group(0) @binding(8) var<storage, read_write> b: array<f32>;
@group(0) @binding(9) var<storage, read_write> losses: array<f32>;
// The epoch's walk whose cursor the step moves on (the resident one, also when the step kernels
// read gathered shard rows through an identity walk).
@group(0) @binding(10) var<storage, read_write> cursor: array<u32>;

//#include update_rule
//#include optimizer
//#include batch_loss

/** Stores the four features' sums for vec4 v of the block. */
fn store(chunk: u32, q: u32, blk: u32, v: u32, s: Quad) {
  let rowVecs = params.kPad / 4u;
  let slice = chunk * (4u * params.quads + 1u) * rowVecs;
  let f = 4u * q;
  let col = blk * KV + v;
  partial[slice + f * rowVecs + col] = s.f0;
  // The bias quad holds one real row (f = dPad); its other three lanes would spill past the slice.
  if (q < params.quads) {
    partial[slice + (f + 1u) * rowVecs + col] = s.f1;
    partial[slice + (f + 2u) * rowVecs + col] = s.f2;
    partial[slice + (f + 3u) * rowVecs + col] = s.f3;
  }
}

/** One column vector's sums for the quad's four features. */
struct Quad {
  f0: vec4f,
  f1: vec4f,
  f2: vec4f,
  f3: vec4f,
}

/** q + x ⊗ g: each of the four features' sums gains x_i · g. */
fn addOuter(q: Quad, x: vec4f, g: vec4f) -> Quad {
  return Quad(fma(vec4f(x.x), g, q.f0), fma(vec4f(x.y), g, q.f1), fma(vec4f(x.z), g, q.f2), fma(vec4f(x.w), g, q.f3));
}

@compute @workgroup_size(64)
fn partialSums(@builtin(global_invocation_id) gid: vec3u) {
  let q = gid.x;
  let chunk = gid.y;
  let blk = gid.z;
  if (q > params.quads) {
    return;
  }
  let start = walk[params.n];
  let r0 = chunk * params.rowsPerChunk;
  let r1 = min(r0 + params.rowsPerChunk, params.rows);
  let rowVecs = params.kPad / 4u;
  let col = blk * KV;
  // Named sums, not an array indexed by a loop variable, so they stay in registers; the KV guards
  // fold away once KV is fixed for the pipeline.
  let zero = Quad(vec4f(0.0), vec4f(0.0), vec4f(0.0), vec4f(0.0));
  var s0 = zero;
  var s1 = zero;
  var s2 = zero;
  var s3 = zero;
  for (var r = r0; r < r1; r++) {
    var x = vec4f(1.0, 0.0, 0.0, 0.0);
    if (q < params.quads) {
      x = quad(walk[start + r] * params.quads, q);
    }
    let g = r * rowVecs + col;
    s0 = addOuter(s0, x, G[g]);
    if (KV > 1u) { s1 = addOuter(s1, x, G[g + 1u]); }
    if (KV > 2u) { s2 = addOuter(s2, x, G[g + 2u]); }
    if (KV > 3u) { s3 = addOuter(s3, x, G[g + 3u]); }
  }
  store(chunk, q, blk, 0u, s0);
  if (KV > 1u) { store(chunk, q, blk, 1u, s1); }
  if (KV > 2u) { store(chunk, q, blk, 2u, s2); }
  if (KV > 3u) { store(chunk, q, blk, 3u, s3); }
}

@compute @workgroup_size(64)
fn apply(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = gid.x + gid.y * groups.x * 64u;
  let rowVecs = params.kPad / 4u;
  let dPad = 4u * params.quads;
  let sliceVecs = (dPad + 1u) * rowVecs;
  if (i == 0u) {
    for (var g = 0u; g < GROUPS; g++) {
      losses[params.total * GROUPS + g] += batchLoss(g, params.rows) * params.lossScale;
    }
    cursor[params.cursorIndex] += params.batchSize;
  }
  if (i >= sliceVecs) {
    return;
  }
  let f = i / rowVecs;
  let isBias = f == dPad;
  if (isBias && params.hasBias == 0u) {
    return;
  }
  var sum = vec4f(0.0);
  for (var c = 0u; c < params.nChunks; c++) {
    sum += partial[c * sliceVecs + i];
  }
  // λ decays weights only, never the bias. The bias row's x is 1, not a byte summed as byte/255:
  // its mean takes 1/rows alone.
  var rate = params.learningRate;
  var decay = params.l2;
  let g = min(4u * (i % rowVecs) / GROUP_STRIDE, GROUPS - 1u);
  if (GROUPS > 1u) {
    // Padding columns past the last group have zero residuals and parameters: any rate leaves them 0.
    let slot = (params.total + 1u) * GROUPS + g;
    rate = losses[slot];
    decay = losses[slot + GROUPS];
  }
  let l2 = select(decay, 0.0, isBias);
  let scale = select(params.gradScale, 1.0 / f32(params.rows), isBias);
  let nw = optimizerStep(i, sliceVecs, Wp[i], sum * scale, rate, l2);
  Wp[i] = nw;
  for (var c = 0u; c < 4u; c++) {
    let j = 4u * (i % rowVecs) + c;
    if (GROUPS == 1u) {
      if (j < params.k) {
        if (isBias) {
          b[j] = nw[c];
        } else if (f < params.d) {
          W[f * params.k + j] = nw[c];
        }
      }
    } else {
      let jj = j % GROUP_STRIDE;
      if (j / GROUP_STRIDE < GROUPS && jj < params.k) {
        if (isBias) {
          b[g * params.k + jj] = nw[c];
        } else if (f < params.d) {
          W[(g * params.d + f) * params.k + jj] = nw[c];
        }
      }
    }
  }
}
