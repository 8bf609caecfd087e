// The kernels as single GPU operations on GPU matrices, one submit each.
export { matmul } from './matmul.ts';
export { sigmoid } from './sigmoid.ts';
export { softmax } from './softmax.ts';
export { gradient } from './gradient.ts';
export { loss } from './loss.ts';
export { sgdStep } from './sgd.ts';
