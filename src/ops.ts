// The kernels as single GPU operations on GPU matrices, one submit each.
export { matmul } from './kernels/matmul.ts';
export { sigmoid } from './kernels/sigmoid.ts';
export { softmax } from './kernels/softmax.ts';
export { gradient } from './kernels/gradient.ts';
export { loss } from './kernels/loss.ts';
export { sgdStep } from './kernels/sgd.ts';
