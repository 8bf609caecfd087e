// Copies the next mini-batch out of the resident training set: rows perm[cursor .. cursor+batchSize)
// of X and Y into the contiguous Xb and Yb, so the other kernels see an ordinary small matrix.
// advance then moves the cursor on; keeping it on the GPU lets a whole epoch of steps share one
// submit with no per-step uniforms. One thread per element of [Xb | Yb], 256 a workgroup, 2-D grid.

struct Params {
  n: u32,
  d: u32,
  k: u32,
  batchSize: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> cursor: array<u32>;
@group(0) @binding(2) var<storage, read> perm: array<u32>;
@group(0) @binding(3) var<storage, read> X: array<f32>;
@group(0) @binding(4) var<storage, read> Y: array<f32>;
@group(0) @binding(5) var<storage, read_write> Xb: array<f32>;
@group(0) @binding(6) var<storage, read_write> Yb: array<f32>;

@compute @workgroup_size(256)
fn gatherRows(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let idx = gid.x + gid.y * groups.x * 256u;
  let width = params.d + params.k;
  let r = idx / width;
  let c = idx % width;
  let pos = cursor[0] + r;
  if (r >= params.batchSize || pos >= params.n) {
    return;
  }
  let src = perm[pos];
  if (c < params.d) {
    Xb[r * params.d + c] = X[src * params.d + c];
  } else {
    let j = c - params.d;
    Yb[r * params.k + j] = Y[src * params.k + j];
  }
}

@compute @workgroup_size(1)
fn advance() {
  cursor[0] += params.batchSize;
}
