// Turns one batch's logits Z (rows × kPad, from batch_logits) into the residual G, in place, and
// each row's loss: Yhat = activation(Z), G = Yhat − Y (times Yhat(1 − Yhat) for ½-MSE through σ), and
// BCE/CE from the logits (the stable forms) or ½-MSE from the predictions. Columns k..kPad of G are
// set to 0 so batch_update can read whole vec4s. One invocation per row, WG rows a workgroup.

struct Params {
  n: u32,
  k: u32,
  kPad: u32,
  rows: u32,
  activation: u32,
  lossKind: u32,
  gradientMode: u32,
}

override WG: u32 = 64u;

const SIGMOID: u32 = 1u;
const SOFTMAX: u32 = 2u;
const BCE: u32 = 0u;
const SIGMOID_MSE: u32 = 1u;

@group(0) @binding(0) var<uniform> params: Params;
// The row permutation with the batch cursor after it (walk[n]).
@group(0) @binding(1) var<storage, read> walk: array<u32>;
@group(0) @binding(2) var<storage, read> Y: array<f32>;
@group(0) @binding(3) var<storage, read_write> G: array<f32>;
// Each batch row's loss (batch_update sums them).
@group(0) @binding(4) var<storage, read_write> losses: array<f32>;

fn sigmoid(z: f32) -> f32 {
  if (z >= 0.0) {
    return 1.0 / (1.0 + exp(-z));
  }
  let e = exp(z);
  return e / (1.0 + e);
}

// log(1 + t) without losing t when 1 + t rounds to 1.
fn log1p(t: f32) -> f32 {
  let u = 1.0 + t;
  if (u == 1.0) {
    return t;
  }
  return log(u) * t / (u - 1.0);
}

fn softmaxRow(out: u32, y: u32) -> f32 {
  let k = params.k;
  var zMax = G[out];
  for (var j = 1u; j < k; j++) {
    zMax = max(zMax, G[out + j]);
  }
  // The row sum is compensated (Kahan), as in softmax.wgsl, so long rows still sum to 1 within 1e-6.
  var sum = 0.0;
  var lost = 0.0;
  var ySum = 0.0;
  var yz = 0.0;
  for (var j = 0u; j < k; j++) {
    let z = G[out + j] - zMax;
    let t = Y[y + j];
    let e = exp(z);
    G[out + j] = e;
    let s = sum + (e - lost);
    lost = (s - sum) - (e - lost);
    sum = s;
    ySum += t;
    yz += t * z;
  }
  let inv = 1.0 / sum;
  for (var j = 0u; j < k; j++) {
    G[out + j] = G[out + j] * inv - Y[y + j];
  }
  return log(sum) * ySum - yz;
}

fn elementwiseRow(out: u32, y: u32) -> f32 {
  var loss = 0.0;
  for (var j = 0u; j < params.k; j++) {
    let z = G[out + j];
    let t = Y[y + j];
    var yhat = z;
    if (params.activation == SIGMOID) {
      yhat = sigmoid(z);
    }
    var g = yhat - t;
    if (params.lossKind == BCE) {
      loss += max(z, 0.0) - z * t + log1p(exp(-abs(z)));
    } else {
      loss += 0.5 * g * g;
    }
    if (params.gradientMode == SIGMOID_MSE) {
      g *= yhat * (1.0 - yhat);
    }
    G[out + j] = g;
  }
  return loss;
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let r = gid.x;
  if (r >= params.rows) {
    return;
  }
  let out = r * params.kPad;
  let y = walk[walk[params.n] + r] * params.k;
  if (params.activation == SOFTMAX) {
    losses[r] = softmaxRow(out, y);
  } else {
    losses[r] = elementwiseRow(out, y);
  }
  for (var j = params.k; j < params.kPad; j++) {
    G[out + j] = 0.0;
  }
}
