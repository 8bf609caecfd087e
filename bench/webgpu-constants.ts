// WebGPU flag values from the specification, so the benchmark does not need the GPUBufferUsage /
// GPUMapMode globals (which Node's `webgpu` package only provides when asked to).
export const BUFFER_USAGE = {
  MAP_READ: 0x0001,
  COPY_SRC: 0x0004,
  COPY_DST: 0x0008,
  STORAGE: 0x0080,
  QUERY_RESOLVE: 0x0200,
} as const;

export const MAP_MODE_READ = 0x0001;
