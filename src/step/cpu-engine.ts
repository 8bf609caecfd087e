// The step kernels shaped for CPU adapters (SwiftShader, lavapipe): few fat invocations, each
// summing a 16-row or 16-feature block in registers, no workgroup memory or barriers (see the
// shaders' headers). Four dispatches a step: batch_logits, batch_residual, batch_update (gradient
// fused with the update), and the cursor's advance.
import { batchLogitsDispatch, batchLogitsUniforms } from '../kernels/batch-logits.ts';
import { batchResidualDispatch, batchResidualUniforms } from '../kernels/batch-residual.ts';
import { batchUpdateBytes, batchUpdateDispatch, type BatchUpdateValues } from '../kernels/batch-update.ts';
import { advanceDispatch, gatherUniforms } from '../kernels/gather.ts';
import type { Dispatch } from '../gpu/kernel.ts';
import { groupColumns } from '../kernels/step-layout.ts';
import type { StepEngine, StepProblem, StepProgram } from './engine.ts';
import { buildProgram, createStepState, type EpochUniforms, type StepPlan, type StepState } from './step-state.ts';

function updateValues(p: StepProblem, s: StepState, rows: number, { learningRate, total }: EpochUniforms): BatchUpdateValues {
  const src = s.source;
  return {
    n: src.n, d: p.X.cols, k: p.W.cols, rows, chunks: src.chunks, learningRate, l2: p.l2, lossScale: 1 / p.X.rows,
    hasBias: p.fitIntercept, storage: src.storage, xScale: src.xScale, total, groups: p.groups,
    optimizer: p.optimizer,
  };
}

function planStep(p: StepProblem, s: StepState, advance: Dispatch, rows: number): StepPlan {
  const { ctx, spec } = p;
  const src = s.source;
  const k = p.W.cols;
  const keep = (b: GPUBuffer): GPUBuffer => s.scratch.keep(b);
  const logitsShape = { n: src.n, d: p.X.cols, k: groupColumns(k, p.groups), kPad: s.kPad, rows, hasBias: p.fitIntercept, storage: src.storage, chunks: src.chunks, xScale: src.xScale };
  const logits = keep(batchLogitsUniforms(ctx, logitsShape));
  const residual = keep(batchResidualUniforms(ctx, spec, { n: src.n, k, kPad: s.kPad, rows, groups: p.groups }));
  const update = keep(ctx.createUniform(batchUpdateBytes(ctx, updateValues(p, s, rows, { learningRate: 1, total: p.batchSize })), 'train.update'));
  return {
    rows,
    rated: update,
    dispatches: [
      ...src.prelude,
      batchLogitsDispatch(ctx, logits, logitsShape, { walk: src.walk, X: src.X, Wp: s.Wp, Z: s.G }),
      batchResidualDispatch(ctx, spec, residual, rows, { walk: src.walk, Y: src.Y, Z: s.G, losses: s.losses, sampleWeight: src.sampleWeight }, p.groups),
      batchUpdateDispatch(ctx, update, src.chunks, { k, storage: src.storage, groups: p.groups, optimizer: p.optimizer }, {
        walk: src.walk, X: src.X, G: s.G, losses: s.losses, Wp: s.Wp, W: p.W.buffer, b: p.b.buffer,
      }),
      ...s.hypergradient,
      advance,
    ],
  };
}

function prepare(p: StepProblem): StepProgram {
  const state = createStepState(p);
  let advance: Dispatch;
  try {
    // The resident walk's cursor moves on by one batch as each step's last dispatch (the GPU-shaped
    // engine folds this into its update pass instead).
    const params = state.scratch.keep(gatherUniforms(p.ctx, { n: p.X.rows, d: p.X.cols, k: p.W.cols, batchSize: p.batchSize }));
    advance = advanceDispatch(p.ctx, params, state.walk);
  } catch (e) {
    state.scratch.release();
    throw e;
  }
  return buildProgram(p, state, (rows) => planStep(p, state, advance, rows), (rows, epoch) => batchUpdateBytes(p.ctx, updateValues(p, state, rows, epoch)));
}

export const cpuEngine: StepEngine = { name: 'cpu', prepare };
