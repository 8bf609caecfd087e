// Shared by the GPU-shaped step kernels (gpu_forward, gpu_gradient), which include it with
// `//#include x_quads`: the walk and X bindings (1–3) and X read four features at a time. Each
// kernel declares its own Params at binding 0 and its other buffers from binding 4 on.

override X_U8: bool = false;

// The row permutation with the batch cursor after it (walk[n]).
@group(0) @binding(1) var<storage, read> walk: array<u32>;
// The same X buffer seen as f32 quads or as byte quads (one u32 each).
@group(0) @binding(2) var<storage, read> X4: array<vec4f>;
@group(0) @binding(3) var<storage, read> Xb: array<u32>;

/** Features 4q .. 4q+3 of the X row starting at quad `base` (bytes as byte/255: callers rescale). */
fn quad(base: u32, q: u32) -> vec4f {
  if (X_U8) {
    return unpack4x8unorm(Xb[base + q]);
  }
  return X4[base + q];
}
