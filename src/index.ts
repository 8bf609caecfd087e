export { createContext, GpuContext } from './context.ts';
export type { AdapterDescription, ContextOptions } from './context.ts';
export { GpuMatrix } from './matrix.ts';
export * as ops from './ops.ts';
export * as cpu from './cpu/index.ts';
export { DeviceLostError, GPUError, ShapeError, StateError, ValueError, WebGPUUnavailableError } from './errors.ts';
export type { DenseMatrix, HostMatrix, LossKind, Matrix64, MatrixInput } from './types.ts';
