// The hypergradient step (Baydin et al., ICLR 2018). The update kernels, run with HYPERGRADIENT,
// left this step's regularized gradient g_t in Wp in place of the parameters (W and b still hold
// θ). The learned rate moves on by the agreement of consecutive gradients,
// α_t = α_{t−1} + β·(g_t·g_{t−1}) (float64 twin: hypergradientRate in src/core/optimizer.ts), then
// θ ← θ − α_t·g_t through the update rule (λ = 0: g carries λθ) goes to Wp, W and b, and g_t is
// kept as the next step's g_{t−1}. α lives in `losses` after the epoch loss, so the epoch's one
// readback returns both.
// Every parameter's step needs the whole dot product first, so this is one workgroup: it reduces
// the dot product in workgroup memory, then steps all of Wp. Wp and gPrev are (dPad+1)×kPad, one
// row per padded feature and the bias last; padding (features ≥ d, columns ≥ k, a bias that is not
// trained) counts as g = 0.

struct Params {
  /** vec4s per row of Wp (kPad / 4). */
  rowVecs: u32,
  /** Rows of Wp: the padded features, then the bias (dPad + 1). */
  rows: u32,
  d: u32,
  k: u32,
  hasBias: u32,
  beta: f32,
  /** Index of α in `losses` (just past the epoch loss). */
  rateIndex: u32,
}

const WG = 64u;

@group(0) @binding(0) var<uniform> params: Params;
// g_t on the way in, θ_t on the way out.
@group(0) @binding(1) var<storage, read_write> Wp: array<vec4f>;
// g_{t−1} (zeros before a fit's first step).
@group(0) @binding(2) var<storage, read_write> gPrev: array<vec4f>;
@group(0) @binding(3) var<storage, read_write> W: array<f32>;
@group(0) @binding(4) var<storage, read_write> b: array<f32>;
@group(0) @binding(5) var<storage, read_write> losses: array<f32>;

var<workgroup> sums: array<f32, WG>;
var<workgroup> alpha: f32;

//#include update_rule

fn hypergradientRate(alphaPrev: f32, beta: f32, gDot: f32) -> f32 {
  return alphaPrev + beta * gDot;
}

/** Whether row f of Wp holds trained parameters: a real feature, or the bias when it is trained. */
fn trained(f: u32) -> bool {
  return f < params.d || (f == params.rows - 1u && params.hasBias != 0u);
}

/** The columns of vec4 i of a Wp row. */
fn columns(i: u32) -> vec4u {
  return 4u * (i % params.rowVecs) + vec4u(0u, 1u, 2u, 3u);
}

/** g_t at vec4 i of Wp, zero where it is padding. */
fn gradientAt(i: u32) -> vec4f {
  if (!trained(i / params.rowVecs)) {
    return vec4f(0.0);
  }
  return select(vec4f(0.0), Wp[i], columns(i) < vec4u(params.k));
}

/** θ at vec4 i of Wp, from W or b (zero where it is padding). */
fn thetaAt(i: u32) -> vec4f {
  let f = i / params.rowVecs;
  let j = columns(i);
  var theta = vec4f(0.0);
  for (var c = 0u; c < 4u; c++) {
    if (j[c] < params.k) {
      if (f < params.d) {
        theta[c] = W[f * params.k + j[c]];
      } else if (f == params.rows - 1u) {
        theta[c] = b[j[c]];
      }
    }
  }
  return theta;
}

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) lane: u32) {
  let count = params.rows * params.rowVecs;
  var s = 0.0;
  for (var i = lane; i < count; i += WG) {
    s += dot(gradientAt(i), gPrev[i]);
  }
  sums[lane] = s;
  workgroupBarrier();
  for (var w = WG / 2u; w > 0u; w /= 2u) {
    if (lane < w) {
      sums[lane] += sums[lane + w];
    }
    workgroupBarrier();
  }
  if (lane == 0u) {
    let next = hypergradientRate(losses[params.rateIndex], params.beta, sums[0]);
    alpha = next;
    losses[params.rateIndex] = next;
  }
  workgroupBarrier();
  let a = alpha;
  // Each lane steps the same vec4s it summed, so its reads of g_t in Wp came before its writes.
  for (var i = lane; i < count; i += WG) {
    let g = gradientAt(i);
    gPrev[i] = g;
    let nw = updateRule(thetaAt(i), g, a, 0.0);
    Wp[i] = nw;
    let f = i / params.rowVecs;
    if (!trained(f)) {
      continue;
    }
    let j = columns(i);
    for (var c = 0u; c < 4u; c++) {
      if (j[c] < params.k) {
        if (f < params.d) {
          W[f * params.k + j[c]] = nw[c];
        } else {
          b[j[c]] = nw[c];
        }
      }
    }
  }
}
