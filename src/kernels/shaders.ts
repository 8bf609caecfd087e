// Every kernel's WGSL source, bundled as text by esbuild.
import gather from '../../shaders/gather.wgsl';
import gradient from '../../shaders/gradient.wgsl';
import loss from '../../shaders/loss.wgsl';
import matmul from '../../shaders/matmul.wgsl';
import sgd from '../../shaders/sgd.wgsl';
import sigmoid from '../../shaders/sigmoid.wgsl';
import softmax from '../../shaders/softmax.wgsl';

export const SHADERS = { matmul, sigmoid, softmax, gradient, loss, sgd, gather } as const;

export type KernelName = keyof typeof SHADERS;
