// createContext()'s options and what it learns about the adapter: the public shapes, and the checks
// that reject a mistyped or unknown option before any device is requested.
import { checkEngineChoice, type EngineChoice } from './engine-choice.ts';
import { ValueError } from '../errors.ts';
import { describeValue } from '../validate.ts';

/** Options of createContext(); every one is optional. */
export interface ContextOptions {
  /** Use this device (shared with other WebGPU code); the context will not destroy it. */
  device?: GPUDevice;
  /** The GPU entry point, e.g. `create([])` from the `webgpu` npm package in Node. Default: navigator.gpu. */
  gpu?: GPU;
  /** Limits to request on top of the adapter's maximum storage-buffer sizes. */
  requiredLimits?: Record<string, number>;
  /** Passed to requestAdapter(): 'high-performance' asks for the discrete GPU on machines with two. */
  powerPreference?: GPUPowerPreference;
  /** Fill every buffer an op allocates with NaN first, so an element a kernel fails to write shows. For tests. */
  poisonOutputs?: boolean;
  /**
   * Use WGSL subgroup operations where the device offers them (default true): the training kernels
   * then share loads across lanes. false runs the plain kernels (for comparison, or a faulty driver).
   */
  subgroups?: boolean;
  /**
   * What fit() runs on: WebGPU kernels 'gpu' (shaped for hardware GPUs) or 'cpu' (shaped for software
   * adapters such as SwiftShader); 'js', plain JavaScript in float64 with no WebGPU (the ops API is then
   * unavailable); or 'auto' (default: 'cpu' on a software adapter, else 'gpu', and 'js' with a console
   * warning where there is no navigator.gpu and no gpu option, or no adapter). All compute the same
   * maths and pass the same float64 agreement tests. An explicit 'gpu' or 'cpu' never falls back: it
   * throws WebGPUUnavailableError.
   */
  engine?: EngineChoice;
}

/** What the adapter says about itself (GPUAdapterInfo); empty strings where the browser hides it. */
export interface AdapterDescription {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** A software (CPU) implementation such as SwiftShader. */
  cpu: boolean;
}

/** The adapter's description as the context reports it; `cpu` also spots software adapters by name. */
export function describeAdapter(info: GPUAdapterInfo | undefined): AdapterDescription {
  const architecture = info?.architecture ?? '';
  const fallback = (info as { isFallbackAdapter?: boolean } | undefined)?.isFallbackAdapter === true;
  return {
    vendor: info?.vendor ?? '',
    architecture,
    device: info?.device ?? '',
    description: info?.description ?? '',
    cpu: fallback || /swiftshader|llvmpipe|lavapipe|warp/i.test(`${architecture} ${info?.description ?? ''}`),
  };
}

const CONTEXT_OPTIONS: readonly string[] = ['device', 'gpu', 'requiredLimits', 'powerPreference', 'poisonOutputs', 'subgroups', 'engine'];

function isDeviceLike(d: unknown): boolean {
  if (typeof d !== 'object' || d === null) return false;
  const dev = d as Partial<GPUDevice>;
  return typeof dev.createBuffer === 'function' && typeof dev.queue === 'object' && typeof dev.lost?.then === 'function';
}

/** Rejects unknown names and wrongly typed values, so a typo is an error rather than a silent default. */
export function checkContextOptions(options: unknown): ContextOptions {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new ValueError(`createContext options must be an object, got ${describeValue(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!CONTEXT_OPTIONS.includes(key)) {
      throw new ValueError(`createContext: unknown option '${key}' (known: ${CONTEXT_OPTIONS.join(', ')})`);
    }
  }
  const o = options as ContextOptions;
  if (o.device !== undefined && !isDeviceLike(o.device)) {
    throw new ValueError(`createContext: device must be a GPUDevice, got ${describeValue(o.device)}`);
  }
  if (o.device !== undefined && (o.gpu !== undefined || o.requiredLimits !== undefined || o.powerPreference !== undefined)) {
    throw new ValueError('createContext: device cannot be combined with gpu, requiredLimits or powerPreference (they only apply when createContext requests the device)');
  }
  if (o.gpu !== undefined && typeof (o.gpu as Partial<GPU> | null)?.requestAdapter !== 'function') {
    throw new ValueError(`createContext: gpu must be a GPU object with requestAdapter() (navigator.gpu, or create([]) from the "webgpu" package), got ${describeValue(o.gpu)}`);
  }
  if (o.powerPreference !== undefined && o.powerPreference !== 'low-power' && o.powerPreference !== 'high-performance') {
    throw new ValueError(`createContext: powerPreference must be 'low-power' or 'high-performance', got ${describeValue(o.powerPreference)}`);
  }
  if (o.poisonOutputs !== undefined && typeof o.poisonOutputs !== 'boolean') {
    throw new ValueError(`createContext: poisonOutputs must be true or false, got ${describeValue(o.poisonOutputs)}`);
  }
  if (o.subgroups !== undefined && typeof o.subgroups !== 'boolean') {
    throw new ValueError(`createContext: subgroups must be true or false, got ${describeValue(o.subgroups)}`);
  }
  if (checkEngineChoice(o.engine) === 'js' && (o.device !== undefined || o.gpu !== undefined || o.requiredLimits !== undefined || o.powerPreference !== undefined)) {
    throw new ValueError("createContext: engine 'js' uses no WebGPU, so it cannot be combined with device, gpu, requiredLimits or powerPreference");
  }
  const limits: unknown = o.requiredLimits;
  if (limits !== undefined) {
    if (typeof limits !== 'object' || limits === null || Array.isArray(limits)) {
      throw new ValueError(`createContext: requiredLimits must be an object of limit names to numbers, got ${describeValue(limits)}`);
    }
    for (const [name, value] of Object.entries(limits)) {
      if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
        throw new ValueError(`createContext: requiredLimits.${name} must be a non-negative integer, got ${describeValue(value)}`);
      }
    }
  }
  return o;
}

/** Each requested limit must be one the adapter knows, and within what it supports. */
export function checkLimitsAgainst(adapter: GPUAdapter, limits: Record<string, number>): void {
  const supported = adapter.limits as unknown as Record<string, number>;
  for (const [name, value] of Object.entries(limits)) {
    if (!(name in adapter.limits)) throw new ValueError(`createContext: requiredLimits.${name} is not a WebGPU limit this adapter reports`);
    const best = supported[name] as number;
    const better = name.startsWith('min') ? value >= best : value <= best;
    if (!better) {
      throw new ValueError(`createContext: requiredLimits.${name} = ${value} is beyond this adapter's ${name} of ${best}`);
    }
  }
}
