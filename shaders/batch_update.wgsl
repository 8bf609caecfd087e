// The gradient of one training batch fused with its SGD step: for each feature f of W (and the
// constant-1 feature d, whose column is the bias) sum x_f·G over the batch rows and apply
// θ ← θ − η(∇θ/rows + λθ), with λ = 0 for the bias. The bias invocation also adds the batch's
// summed row losses (times lossScale = 1/n) to the epoch loss.
// Layout: one invocation per feature and block of 4·KV columns (KV ≤ 4 vec4 sums, a pipeline
// constant); consecutive invocations read consecutive features of a row (contiguous loads) and the
// same G row (one fetch), with no workgroup memory. WG is the workgroup width, as in batch_logits.
// X_U8 selects byte storage (four features a u32, rows padded to rowWords words, x = byte · xScale).

struct Params {
  d: u32,
  k: u32,
  kPad: u32,
  rows: u32,
  learningRate: f32,
  l2: f32,
  lossScale: f32,
  hasBias: u32,
  rowWords: u32,
  xScale: f32,
}

override WG: u32 = 64u;
override KV: u32 = 4u;
override X_U8: bool = false;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> cursor: array<u32>;
@group(0) @binding(2) var<storage, read> perm: array<u32>;
// X as raw 32-bit words: f32 values (bitcast) or four bytes each, per X_U8; one binding for both keeps
// the kernel within the default limit of 8 storage buffers a stage.
@group(0) @binding(3) var<storage, read> X: array<u32>;
@group(0) @binding(4) var<storage, read> G: array<vec4f>;
@group(0) @binding(5) var<storage, read> rowLoss: array<f32>;
@group(0) @binding(6) var<storage, read_write> W: array<f32>;
@group(0) @binding(7) var<storage, read_write> b: array<f32>;
@group(0) @binding(8) var<storage, read_write> lossOut: array<f32>;

fn loadX(row: u32, f: u32) -> f32 {
  if (X_U8) {
    let word = X[row * params.rowWords + f / 4u];
    return f32(extractBits(word, 8u * (f % 4u), 8u)) * params.xScale;
  }
  return bitcast<f32>(X[row * params.d + f]);
}

fn column(acc: array<vec4f, 4>, j: u32) -> f32 {
  return acc[j / 4u][j % 4u];
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let f = gid.x;
  let d = params.d;
  if (f > d) {
    return;
  }
  let j0 = gid.y * 4u * KV;
  let isBias = f == d;
  let start = cursor[0];
  let g4Stride = params.kPad / 4u;
  let g4Base = gid.y * KV;
  var a0 = vec4f(0.0);
  var a1 = vec4f(0.0);
  var a2 = vec4f(0.0);
  var a3 = vec4f(0.0);
  for (var r = 0u; r < params.rows; r++) {
    var x = 1.0;
    if (!isBias) {
      x = loadX(perm[start + r], f);
    }
    let g = r * g4Stride + g4Base;
    a0 = fma(vec4f(x), G[g], a0);
    if (KV > 1u) {
      a1 = fma(vec4f(x), G[g + 1u], a1);
    }
    if (KV > 2u) {
      a2 = fma(vec4f(x), G[g + 2u], a2);
    }
    if (KV > 3u) {
      a3 = fma(vec4f(x), G[g + 3u], a3);
    }
  }
  let acc = array<vec4f, 4>(a0, a1, a2, a3);
  let width = min(4u * KV, params.k - j0);
  let step = params.learningRate / f32(params.rows);
  if (isBias) {
    if (params.hasBias != 0u) {
      for (var j = 0u; j < width; j++) {
        b[j0 + j] -= step * column(acc, j);
      }
    }
    if (gid.y == 0u) {
      var sum = 0.0;
      for (var r = 0u; r < params.rows; r++) {
        sum += rowLoss[r];
      }
      lossOut[0] += sum * params.lossScale;
    }
    return;
  }
  let decay = params.learningRate * params.l2;
  for (var j = 0u; j < width; j++) {
    let i = f * params.k + j0 + j;
    let w = W[i];
    W[i] = w - step * column(acc, j) - decay * w;
  }
}
