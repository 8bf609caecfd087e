// For training sets split over several buffers (larger than one storage binding): copies the batch
// rows walk[walk[n] ..] that live in this shard (source rows shardStart .. shardStart+shardRows) into
// the contiguous f32 batch Xb, and with copyY the batch targets into Yb, so the fused step kernels can
// run on the batch as on any resident matrix (and, WEIGHTED, the batch rows' sample weights into
// batchWeight with the targets). d is the padded row width, so Xb keeps the zero
// padding the step kernels expect. advance moves the cursor on once the step is done.
// One thread per element of Xb (and Yb), 256 a workgroup, 2-D grid; X_U8 reads byte storage.

struct Params {
  n: u32,
  /** Features per padded row (of the shards and of Xb). */
  d: u32,
  k: u32,
  batchSize: u32,
  shardStart: u32,
  shardRows: u32,
  copyY: u32,
  /** u32 words per shard row (d for f32, d/4 for bytes). */
  rowWords: u32,
  xScale: f32,
}

override X_U8: bool = false;
override WEIGHTED: bool = false;

@group(0) @binding(0) var<uniform> params: Params;
// The row permutation with the batch cursor after it (walk[n]).
@group(0) @binding(1) var<storage, read_write> walk: array<u32>;
@group(0) @binding(3) var<storage, read> X: array<f32>;
@group(0) @binding(4) var<storage, read> Y: array<f32>;
@group(0) @binding(5) var<storage, read_write> Xb: array<f32>;
@group(0) @binding(6) var<storage, read_write> Yb: array<f32>;
@group(0) @binding(7) var<storage, read> Xu8: array<u32>;
// Read and written only when WEIGHTED.
@group(0) @binding(8) var<storage, read> sampleWeight: array<f32>;
@group(0) @binding(9) var<storage, read_write> batchWeight: array<f32>;

fn loadX(row: u32, f: u32) -> f32 {
  if (X_U8) {
    let word = Xu8[row * params.rowWords + f / 4u];
    return f32(extractBits(word, 8u * (f % 4u), 8u)) * params.xScale;
  }
  return X[row * params.rowWords + f];
}

@compute @workgroup_size(256)
fn gatherRows(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let idx = gid.x + gid.y * groups.x * 256u;
  let width = params.d + params.k;
  let r = idx / width;
  let c = idx % width;
  let pos = walk[params.n] + r;
  if (r >= params.batchSize || pos >= params.n) {
    return;
  }
  let src = walk[pos];
  if (c < params.d) {
    if (src >= params.shardStart && src < params.shardStart + params.shardRows) {
      Xb[r * params.d + c] = loadX(src - params.shardStart, c);
    }
  } else if (params.copyY != 0u) {
    let j = c - params.d;
    Yb[r * params.k + j] = Y[src * params.k + j];
    if (WEIGHTED && j == 0u) {
      batchWeight[r] = sampleWeight[src];
    }
  }
}

@compute @workgroup_size(1)
fn advance() {
  walk[params.n] += params.batchSize;
}
