// The float64 CPU reference: the ground truth the GPU kernels are tested against.
export { matmul } from './matmul.ts';
export { sigmoid, sigmoidScalar } from './sigmoid.ts';
export { softmax } from './softmax.ts';
export { gradient } from './gradient.ts';
export { loss } from './loss.ts';
export { sgdStep } from './sgd.ts';
export { forward, meanLoss, objectiveGradientNorm, train } from './train.ts';
export { accuracy, isClassifier } from '../core/metrics.ts';
export type { Forward, GradientAt, TrainProblem, TrainResult } from './train.ts';
