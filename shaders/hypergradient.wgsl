// The hypergradient rate's second pass (Baydin et al., ICLR 2018). The step before it ran the
// optimizer part with OPTIMIZER 4 (include/optimizer.wgsl), which kept each parameter's regularized
// gradient g_t in the state and left θ. Each lane (the fit, or one of a grid search's candidates,
// laid side by side in Wp's columns) moves its own learned rate on by the agreement of its
// consecutive gradients, multiplicatively, α_t = α_{t−1}·(1 + β·cos(g_t, g_{t−1})) with 0 ≤ β < 1,
// so it stays positive (float64 twin: hypergradientStep in src/core/optimizer.ts), then
// θ ← θ − α_t·g_t through the update rule (λ = 0: g carries λθ) goes to Wp, W and b, and g_t is
// kept as the next step's g_{t−1}.
// Wp holds S = rows·rowVecs parameter vec4s (one row per padded feature, the bias last), then the
// state: g_t at S + i, g_{t−1} at 2S + i (zeros before a fit's first step), lane l's α at 3S + l
// (in each of the four floats; the epoch's readback takes lane 0's with the epoch loss).
// Every parameter's step needs its lane's whole cosine first, so one workgroup a lane: it reduces
// g_t·g_{t−1}, ‖g_t‖² and ‖g_{t−1}‖² over the lane's columns in workgroup memory, then steps them.
// Padding (features ≥ d, columns ≥ k, a bias that is not trained) counts as g = 0.

struct Params {
  /** vec4s per row of Wp (kPad / 4). */
  rowVecs: u32,
  /** Rows of Wp: the padded features, then the bias (dPad + 1). */
  rows: u32,
  d: u32,
  k: u32,
  hasBias: u32,
  beta: f32,
  /** vec4s of one lane's columns in a row (its column stride / 4; the plain fit's: rowVecs). */
  laneVecs: u32,
}

const WG = 64u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> Wp: array<vec4f>;
@group(0) @binding(2) var<storage, read_write> W: array<f32>;
@group(0) @binding(3) var<storage, read_write> b: array<f32>;

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

/** The lane's columns (from 0) of its t-th vec4, counted row by row. */
fn columns(t: u32) -> vec4u {
  return 4u * (t % params.laneVecs) + vec4u(0u, 1u, 2u, 3u);
}

/** Where in Wp's parameters lane l's t-th vec4 is. */
fn vecOf(l: u32, t: u32) -> u32 {
  return (t / params.laneVecs) * params.rowVecs + l * params.laneVecs + t % params.laneVecs;
}

/** A state vec4 of the lane's t-th parameter vec4, zero where it is padding. */
fn live(v: vec4f, t: u32) -> vec4f {
  if (!trained(t / params.laneVecs)) {
    return vec4f(0.0);
  }
  return select(vec4f(0.0), v, columns(t) < vec4u(params.k));
}

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) lane: u32, @builtin(workgroup_id) wid: vec3u) {
  let l = wid.x;
  let S = params.rows * params.rowVecs;
  let count = params.rows * params.laneVecs;
  var s = vec3f(0.0);
  for (var t = lane; t < count; t += WG) {
    let i = vecOf(l, t);
    let g = live(Wp[S + i], t);
    let p = live(Wp[2u * S + i], t);
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
    let next = hypergradientRate(Wp[3u * S + l].x, params.beta, gradientCosine(sums[0]));
    alpha = next;
    Wp[3u * S + l] = vec4f(next);
  }
  workgroupBarrier();
  let a = alpha;
  // Each invocation steps the same vec4s it summed, so its reads of g_{t−1} came before its writes.
  for (var t = lane; t < count; t += WG) {
    let f = t / params.laneVecs;
    if (!trained(f)) {
      continue;
    }
    let i = vecOf(l, t);
    let g = live(Wp[S + i], t);
    Wp[2u * S + i] = g;
    let nw = updateRule(Wp[i], g, a, 0.0);
    Wp[i] = nw;
    let j = columns(t);
    for (var c = 0u; c < 4u; c++) {
      if (j[c] < params.k) {
        if (f < params.d) {
          W[(l * params.d + f) * params.k + j[c]] = nw[c];
        } else {
          b[l * params.k + j[c]] = nw[c];
        }
      }
    }
  }
}
