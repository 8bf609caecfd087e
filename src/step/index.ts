// The one place a step-engine family is picked: by the context's resolved engine name.
import type { GpuContext } from '../gpu/context.ts';
import type { StepEngineName } from '../gpu/engine-choice.ts';
import { cpuEngine } from './cpu-engine.ts';
import type { StepEngine } from './engine.ts';
import { gpuEngine } from './gpu-engine.ts';

const ENGINES: Readonly<Record<StepEngineName, StepEngine>> = { cpu: cpuEngine, gpu: gpuEngine };

/** The step engine fit() runs on `ctx` (see ContextOptions.engine); a 'js' context has none. */
export function stepEngine(ctx: GpuContext): StepEngine {
  if (ctx.engine === 'js') throw new Error('stepEngine: a js context runs no WebGPU step kernels');
  return ENGINES[ctx.engine];
}
