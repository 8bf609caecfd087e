// Which family of training-step kernels a context runs: chosen once, from the adapter and the
// context options, so the trainer never branches on the hardware itself.
import { ValueError } from '../errors.ts';
import { describeValue } from '../validate.ts';

/**
 * 'gpu': WebGPU kernels shaped for hardware GPUs; 'cpu': WebGPU kernels shaped for CPU (software)
 * adapters; 'js': no WebGPU at all, training and prediction in plain JavaScript on the host.
 */
export type EngineName = 'gpu' | 'cpu' | 'js';

/** The two WebGPU step-kernel families. */
export type StepEngineName = Exclude<EngineName, 'js'>;

/** What createContext takes: an engine by name, or 'auto' to let the adapter (or its absence) decide. */
export type EngineChoice = EngineName | 'auto';

const CHOICES: readonly EngineChoice[] = ['auto', 'gpu', 'cpu', 'js'];

/** Checks the `engine` context option (undefined means 'auto'). */
export function checkEngineChoice(value: unknown): EngineChoice {
  if (value === undefined) return 'auto';
  if (typeof value !== 'string' || !(CHOICES as readonly string[]).includes(value)) {
    throw new ValueError(`createContext: engine must be 'auto', 'gpu', 'cpu' or 'js', got ${describeValue(value)}`);
  }
  return value as EngineChoice;
}

/**
 * 'auto' runs the CPU-shaped kernels on software adapters (SwiftShader, lavapipe/llvmpipe, WARP, the
 * fallback adapter), where workgroup barriers are dear and few fat invocations win, and the
 * GPU-shaped kernels everywhere else.
 */
export function chooseEngine(choice: Exclude<EngineChoice, 'js'>, adapterIsCpu: boolean): StepEngineName {
  if (choice !== 'auto') return choice;
  return adapterIsCpu ? 'cpu' : 'gpu';
}
