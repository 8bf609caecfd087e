// The step kernels shaped for hardware GPUs: many small invocations, coalesced X loads and
// workgroup reductions. Three dispatches a step: gpu_forward (one workgroup per batch row: logits,
// residuals and row losses), gpu_gradient's partialSums (the Xᵀ·G reduction split over row chunks)
// and apply (chunk sums, update rule, epoch loss and cursor in one pass).
import { gpuForwardDispatch, gpuForwardUniforms } from '../kernels/gpu-forward.ts';
import { gpuGradientBytes, gpuGradientDispatches, gradientChunks, partialFloats, type GpuGradientValues } from '../kernels/gpu-gradient.ts';
import type { StepEngine, StepProblem, StepProgram } from './engine.ts';
import { buildProgram, createStepState, type EpochUniforms, type StepPlan, type StepState } from './step-state.ts';

function gradientValues(p: StepProblem, s: StepState, rows: number, { learningRate, total }: EpochUniforms): GpuGradientValues {
  const src = s.source;
  return {
    n: src.n, rows, quads: s.dPad / 4, d: p.X.cols, k: p.W.cols, kPad: s.kPad, chunks: gradientChunks(rows, s.dPad, s.kPad),
    learningRate, l2: p.l2, hasBias: p.fitIntercept, storage: src.storage, xScale: src.xScale, lossScale: 1 / p.X.rows,
    total, cursorIndex: p.X.rows, batchSize: p.batchSize, groups: p.groups,
    optimizer: p.optimizer,
  };
}

function planStep(p: StepProblem, s: StepState, partial: GPUBuffer, rows: number): StepPlan {
  const { ctx, spec } = p;
  const src = s.source;
  const shape = {
    n: src.n, rows, quads: s.dPad / 4, k: p.W.cols, kPad: s.kPad, hasBias: p.fitIntercept, storage: src.storage, xScale: src.xScale,
    groups: p.groups,
  };
  const forward = s.scratch.keep(gpuForwardUniforms(ctx, spec, shape));
  const values = gradientValues(p, s, rows, { learningRate: 1, total: p.batchSize });
  const gradient = s.scratch.keep(ctx.createUniform(gpuGradientBytes(ctx, values), 'gpu_gradient.params'));
  return {
    rows,
    rated: gradient,
    dispatches: [
      ...src.prelude,
      gpuForwardDispatch(ctx, spec, forward, shape, {
        walk: src.walk, X: src.X, Wp: s.Wp, Z: s.G, Y: src.Y, losses: s.losses, sampleWeight: src.sampleWeight,
      }),
      ...gpuGradientDispatches(ctx, gradient, values, {
        walk: src.walk, X: src.X, G: s.G, partial, Wp: s.Wp, W: p.W.buffer, b: p.b.buffer, losses: s.losses, cursor: s.walk,
      }),
      ...s.hypergradient,
    ],
  };
}

function prepare(p: StepProblem): StepProgram {
  const state = createStepState(p);
  let partial: GPUBuffer;
  try {
    // Sized for a full batch: a shorter last batch has no more chunks.
    partial = state.scratch.storage(partialFloats(gradientChunks(p.batchSize, state.dPad, state.kPad), state.dPad, state.kPad), 'train.partial');
  } catch (e) {
    state.scratch.release();
    throw e;
  }
  return buildProgram(p, state, (rows) => planStep(p, state, partial, rows), (rows, epoch) => gpuGradientBytes(p.ctx, gradientValues(p, state, rows, epoch)));
}

export const gpuEngine: StepEngine = { name: 'gpu', prepare };
