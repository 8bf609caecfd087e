// Mean over the m rows of the summed per-element loss of Z (logits for bce/ce, predictions for mse)
// against Y, reduced on the GPU to out[0], in two passes:
// rowSums: 256-thread workgroups each sum a grid-strided set of rows, then halve in workgroup memory;
// finish: one workgroup adds the nGroups partial sums and multiplies by scale (1/m).

struct Params {
  m: u32,
  k: u32,
  kind: u32,
  nGroups: u32,
  scale: f32,
}

const BCE: u32 = 0u;
const CE: u32 = 1u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> Z: array<f32>;
@group(0) @binding(2) var<storage, read> Y: array<f32>;
@group(0) @binding(3) var<storage, read_write> partial: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;

const WG: u32 = 256u;
var<workgroup> sums: array<f32, 256>;

// log(1 + t) without losing t when 1 + t rounds to 1 (WGSL has no log1p).
fn log1p(t: f32) -> f32 {
  let u = 1.0 + t;
  if (u == 1.0) {
    return t;
  }
  return log(u) * t / (u - 1.0);
}

// Binary cross-entropy of σ(z) written on the logit: max(z,0) − z·y + log(1 + e^−|z|).
fn bce(z: f32, y: f32) -> f32 {
  return max(z, 0.0) - z * y + log1p(exp(-abs(z)));
}

fn rowLoss(row: u32) -> f32 {
  let base = row * params.k;
  var s = 0.0;
  if (params.kind == BCE) {
    for (var j = 0u; j < params.k; j++) {
      s += bce(Z[base + j], Y[base + j]);
    }
  } else if (params.kind == CE) {
    // logsumexp(z)·Σy − Σ y·z, with the row max factored out of the exponentials.
    var zMax = Z[base];
    for (var j = 1u; j < params.k; j++) {
      zMax = max(zMax, Z[base + j]);
    }
    var expSum = 0.0;
    var ySum = 0.0;
    var yz = 0.0;
    for (var j = 0u; j < params.k; j++) {
      let z = Z[base + j];
      let y = Y[base + j];
      expSum += exp(z - zMax);
      ySum += y;
      yz += y * (z - zMax);
    }
    s = log(expSum) * ySum - yz;
  } else {
    for (var j = 0u; j < params.k; j++) {
      let e = Z[base + j] - Y[base + j];
      s += 0.5 * e * e;
    }
  }
  return s;
}

fn reduceWorkgroup(li: u32) {
  for (var stride = WG / 2u; stride > 0u; stride >>= 1u) {
    if (li < stride) {
      sums[li] += sums[li + stride];
    }
    workgroupBarrier();
  }
}

@compute @workgroup_size(256)
fn rowSums(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_index) li: u32) {
  var s = 0.0;
  for (var row = wg.x * WG + li; row < params.m; row += params.nGroups * WG) {
    s += rowLoss(row);
  }
  sums[li] = s;
  workgroupBarrier();
  reduceWorkgroup(li);
  if (li == 0u) {
    partial[wg.x] = sums[0];
  }
}

@compute @workgroup_size(256)
fn finish(@builtin(local_invocation_index) li: u32) {
  var s = 0.0;
  for (var g = li; g < params.nGroups; g += WG) {
    s += partial[g];
  }
  sums[li] = s;
  workgroupBarrier();
  reduceWorkgroup(li);
  if (li == 0u) {
    out[0] = sums[0] * params.scale;
  }
}
