// Every kernel's WGSL source, bundled as text by esbuild.
import batchLogits from '../../shaders/batch_logits.wgsl';
import batchResidual from '../../shaders/batch_residual.wgsl';
import batchUpdate from '../../shaders/batch_update.wgsl';
import gather from '../../shaders/gather.wgsl';
import gpuForward from '../../shaders/gpu_forward.wgsl';
import gpuGradient from '../../shaders/gpu_gradient.wgsl';
import gradient from '../../shaders/gradient.wgsl';
import hypergradient from '../../shaders/hypergradient.wgsl';
import loss from '../../shaders/loss.wgsl';
import matmul from '../../shaders/matmul.wgsl';
import sgd from '../../shaders/sgd.wgsl';
import sigmoid from '../../shaders/sigmoid.wgsl';
import softmax from '../../shaders/softmax.wgsl';
import batchLoss from '../../shaders/include/batch_loss.wgsl';
import objective from '../../shaders/include/objective.wgsl';
import optimizer from '../../shaders/include/optimizer.wgsl';
import residualRow from '../../shaders/include/residual_row.wgsl';
import rowStats from '../../shaders/include/row_stats.wgsl';
import stepBlocks from '../../shaders/include/step_blocks.wgsl';
import updateRule from '../../shaders/include/update_rule.wgsl';
import xQuads from '../../shaders/include/x_quads.wgsl';
import { preprocess, type ShaderFeatures } from './preprocess.ts';

export const SHADERS = {
  matmul,
  sigmoid,
  softmax,
  gradient,
  loss,
  sgd,
  gather,
  batch_logits: batchLogits,
  batch_residual: batchResidual,
  batch_update: batchUpdate,
  gpu_forward: gpuForward,
  gpu_gradient: gpuGradient,
  hypergradient,
} as const;

export type KernelName = keyof typeof SHADERS;

/** WGSL shared between kernels, spliced in where a kernel says `//#include <name>`. */
const PARTS = {
  batch_loss: batchLoss,
  objective,
  optimizer,
  row_stats: rowStats,
  residual_row: residualRow,
  step_blocks: stepBlocks,
  update_rule: updateRule,
  x_quads: xQuads,
} as const;

/** A kernel's WGSL as compiled on a device with `features`. */
export function shaderSource(name: KernelName, features: ShaderFeatures): string {
  return preprocess(SHADERS[name], features, PARTS);
}
