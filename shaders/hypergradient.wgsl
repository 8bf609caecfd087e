// The hypergradient step (Baydin et al., ICLR 2018). The update kernels, run with HYPERGRADIENT,
// left this step's regularized gradient g_t in Wp in place of the parameters (W and b still hold
// θ). The learned rate moves on by the agreement of consecutive gradients, multiplicatively,
// α_t = α_{t−1}·(1 + β·cos(g_t, g_{t−1})) with 0 ≤ β < 1, so it stays positive (float64 twins:
// gradientCosine and hypergradientRate in src/core/optimizer.ts), then
// θ ← θ − α_t·g_t through the update rule (λ = 0: g carries λθ) goes to Wp, W and b, and g_t is
// kept as the next step's g_{t−1}. α lives in `losses` after the epoch loss, so the epoch's one
// readback returns both.
// Every parameter's step needs the whole cosine first, so this is one workgroup: it reduces
// g_t·g_{t−1}, ‖g_t‖² and ‖g_{t−1}‖² in workgroup memory, then steps all of Wp. Wp and gPrev are (dPad+1)×kPad, one
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

var<workgroup> sums: array<vec3f, WG>;
var<workgroup> alpha: f32;

//#include update_rule

/** The smallest normal and the largest finite f32: α is kept between them. */
const F32_MIN_NORMAL = 0x1p-126f;
const F32_MAX = 0x1.fffffep+127f;

/** cos(g_t, g_{t−1}) from (g_t·g_{t−1}, ‖g_t‖², ‖g_{t−1}‖²); 0 when either gradient is zero. */
fn gradientCosine(s: vec3f) -> f32 {
  let denom = sqrt(s.y) * sqrt(s.z);
  if (!(denom > 0.0)) {
    return 0.0;
  }
  return clamp(s.x / denom, -1.0, 1.0);
}

fn hypergradientRate(alphaPrev: f32, beta: f32, cosine: f32) -> f32 {
  return clamp(alphaPrev * (1.0 + beta * cosine), F32_MIN_NORMAL, F32_MAX);
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
  var s = vec3f(0.0);
  for (var i = lane; i < count; i += WG) {
    let g = gradientAt(i);
    let p = gPrev[i];
    s += vec3f(dot(g, p), dot(g, g), dot(p, p));
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
    let next = hypergradientRate(losses[params.rateIndex], params.beta, gradientCosine(sums[0]));
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
