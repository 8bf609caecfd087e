// The one place a step-engine family is picked: by the context's resolved engine name.
import type { GpuContext } from '../context.ts';
import { cpuEngine } from './cpu-engine.ts';
import type { StepEngine } from './engine.ts';
import { gpuEngine } from './gpu-engine.ts';

const ENGINES: Readonly<Record<GpuContext['engine'], StepEngine>> = { cpu: cpuEngine, gpu: gpuEngine };

/** The step engine fit() runs on `ctx` (see ContextOptions.engine). */
export function stepEngine(ctx: GpuContext): StepEngine {
  return ENGINES[ctx.engine];
}
