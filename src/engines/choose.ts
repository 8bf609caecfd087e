// Which family of training-step kernels a context runs: chosen once, from the adapter and the
// context options, so the trainer never branches on the hardware itself.
import { ValueError } from '../errors.ts';
import { describeValue } from '../validate.ts';

/** 'gpu': kernels shaped for hardware GPUs; 'cpu': kernels shaped for CPU (software) adapters. */
export type EngineName = 'gpu' | 'cpu';

/** What createContext takes: a family by name, or 'auto' to let the adapter decide. */
export type EngineChoice = EngineName | 'auto';

const CHOICES: readonly EngineChoice[] = ['auto', 'gpu', 'cpu'];

/** Checks the `engine` context option (undefined means 'auto'). */
export function checkEngineChoice(value: unknown): EngineChoice {
  if (value === undefined) return 'auto';
  if (typeof value !== 'string' || !(CHOICES as readonly string[]).includes(value)) {
    throw new ValueError(`createContext: engine must be 'auto', 'gpu' or 'cpu', got ${describeValue(value)}`);
  }
  return value as EngineChoice;
}

/**
 * 'auto' runs the CPU-shaped kernels on software adapters (SwiftShader, lavapipe/llvmpipe, WARP, the
 * fallback adapter), where workgroup barriers are dear and few fat invocations win, and the
 * GPU-shaped kernels everywhere else.
 */
export function chooseEngine(choice: EngineChoice, adapterIsCpu: boolean): EngineName {
  if (choice !== 'auto') return choice;
  return adapterIsCpu ? 'cpu' : 'gpu';
}
