// The numeric flag values from the WebGPU spec. Runtimes other than browsers (Dawn's node module)
// need not define the GPUBufferUsage/GPUMapMode/GPUShaderStage globals, so the library uses these.
export const BUFFER_USAGE = {
  MAP_READ: 0x0001,
  MAP_WRITE: 0x0002,
  COPY_SRC: 0x0004,
  COPY_DST: 0x0008,
  UNIFORM: 0x0040,
  STORAGE: 0x0080,
  QUERY_RESOLVE: 0x0200,
} as const;

export const MAP_MODE_READ = 0x0001;
export const SHADER_STAGE_COMPUTE = 0x4;
