// Owns the device, the compiled kernels and every buffer the library allocates. GPU errors of the
// library's own calls are caught per call (error-scopes.ts) and raised by the call that caused them;
// device loss makes every later call throw.
import { checkContextOptions, checkLimitsAgainst, describeAdapter, type AdapterDescription, type ContextOptions } from './context-options.ts';
import { checkEngineChoice, chooseEngine, type EngineChoice, type EngineName } from './engine-choice.ts';
import { ErrorScopes, type ErrorCheck } from './error-scopes.ts';
import { DeviceLostError, GPUError, ShapeError, StateError, ValueError, WebGPUUnavailableError } from '../errors.ts';
import { Kernel, type Dispatch } from './kernel.ts';
import { shaderInfo } from './shader-info.ts';
import { shaderSource, type KernelName } from './shaders.ts';
import { GpuMatrix } from '../matrix.ts';
import type { MatrixInput } from '../types.ts';
import { describeValue, toHostMatrix } from '../validate.ts';
import { BUFFER_USAGE, MAP_MODE_READ } from './webgpu-constants.ts';
import { NO_ADAPTER, noAdapterMessage, noGpuMessage, warnFallback, webGpuOnlyError } from './context-messages.ts';

const SUBGROUPS: GPUFeatureName = 'subgroups';

const STORAGE_USAGE = BUFFER_USAGE.STORAGE | BUFFER_USAGE.COPY_SRC | BUFFER_USAGE.COPY_DST;

/**
 * How long a failed read waits for the device's lost promise. A device lost while a map is pending
 * rejects the map first and settles `lost` a moment later; waiting lets the error say what happened.
 */
const LOSS_GRACE_MS = 200;

/** Buffers kept for reuse per size: uniforms and readback staging are small and made on every op call. */
const POOL_PER_SIZE = 8;
/** Larger staging buffers (whole-matrix reads) are made and destroyed per read, not kept. */
const POOLED_STAGING_BYTES = 64 * 1024;

/** A region of a buffer to read back: `floats` f32 values from `byteOffset` (default 0). */
export interface BufferPart {
  buffer: GPUBuffer;
  floats: number;
  byteOffset?: number;
}

/** Free buffers by byte size, for reuse instead of a create/destroy per call. */
class BufferPool {
  readonly #free = new Map<number, GPUBuffer[]>();
  take(size: number): GPUBuffer | undefined {
    return this.#free.get(size)?.pop();
  }
  /** Keeps `b` for reuse; false when the pool for its size is full (the caller destroys it). */
  give(b: GPUBuffer): boolean {
    const list = this.#free.get(b.size) ?? [];
    if (list.length >= POOL_PER_SIZE) return false;
    list.push(b);
    this.#free.set(b.size, list);
    return true;
  }
  destroy(): void {
    for (const list of this.#free.values()) for (const b of list) b.destroy();
    this.#free.clear();
  }
}

/**
 * A WebGPU device with the library's compiled kernels and every buffer it allocated, or (engine
 * 'js') none: the estimators then train and predict in plain JavaScript. Create one with
 * createContext(); pass it to the estimators and to ops; destroy() it when done.
 */
export class GpuContext {
  readonly #device: GPUDevice | null;
  /** The adapter the device came from. */
  readonly adapter: AdapterDescription;
  /** Resolves when the device is lost (never, for a healthy device). */
  readonly lost: Promise<GPUDeviceLostInfo>;
  /** Whether op outputs start as NaN (ContextOptions.poisonOutputs). */
  readonly poisonOutputs: boolean;
  /**
   * Invocations per workgroup for the training kernels. CPU implementations of WebGPU (SwiftShader,
   * the fallback adapter) run each workgroup as one task and schedule many tiny ones best; GPUs want
   * at least a full SIMD group, so they get 64.
   */
  readonly workgroupWidth: number;
  /** Whether the kernels use subgroup operations: the device has the feature and the options allow it. */
  readonly subgroups: boolean;
  /** What fit() runs on this context (ContextOptions.engine resolved): WebGPU step kernels 'gpu' or 'cpu', or plain JavaScript 'js'. */
  readonly engine: EngineName;
  readonly #ownsDevice: boolean;
  readonly #kernels = new Map<string, Kernel>();
  /** Every buffer allocated through this context and not yet released, so destroy() can free them all. */
  readonly #live = new Set<GPUBuffer>();
  /** Released uniform buffers, rewritten on reuse: queue order makes earlier submits see the old bytes. */
  readonly #uniforms = new BufferPool();
  readonly #staging = new BufferPool();
  readonly #scopes: ErrorScopes | null;
  /** Set once the device is lost: the one error that outlives the call that met it. */
  #error: Error | null = null;
  #destroyed = false;

  /** Use createContext(), which checks its options and requests the device (null: the 'js' engine). */
  constructor(device: GPUDevice | null, adapter: AdapterDescription, ownsDevice: boolean, options: ContextOptions) {
    this.#device = device;
    this.adapter = device === null ? NO_ADAPTER : adapter;
    this.#ownsDevice = ownsDevice;
    this.poisonOutputs = options.poisonOutputs === true;
    this.subgroups = device !== null && options.subgroups !== false && device.features.has(SUBGROUPS);
    this.workgroupWidth = adapter.cpu ? 4 : 64;
    if (device === null) {
      this.engine = 'js';
      // A context without a device is never lost.
      this.lost = new Promise<GPUDeviceLostInfo>(() => undefined);
      this.#scopes = null;
      return;
    }
    const choice = checkEngineChoice(options.engine);
    if (choice === 'js') throw new ValueError("createContext: engine 'js' runs without a GPU device; leave out device");
    this.engine = chooseEngine(choice, adapter.cpu);
    this.lost = device.lost;
    device.lost.then((info) => {
      if (!this.#destroyed) this.#error = new DeviceLostError(`WebGPU device lost (${info.reason}): ${info.message}`);
    });
    // No 'uncapturederror' listener: the library's own errors are all captured in scopes, so an
    // uncaptured error belongs to other code on a shared device and is none of the context's business.
    this.#scopes = new ErrorScopes(device);
  }

  /** The device every kernel runs on (requested by createContext(), or the one it was given); a 'js' context has none and throws a StateError. */
  get device(): GPUDevice {
    if (this.#device === null) throw webGpuOnlyError('ctx.device');
    return this.#device;
  }

  /** Buffers allocated through this context and not yet destroyed. */
  get liveBuffers(): number {
    return this.#live.size;
  }

  /** The device's limits, e.g. maxStorageBufferBindingSize (the largest matrix, in bytes). */
  get limits(): GPUSupportedLimits {
    if (this.#device === null) throw webGpuOnlyError('ctx.limits');
    return this.#device.limits;
  }

  /** Throws DeviceLostError once the device is lost, or a StateError after destroy(). */
  assertUsable(): void {
    if (this.#destroyed) throw new StateError('the GPU context was used after destroy()');
    if (this.#error !== null) throw this.#error;
  }

  /** The compiled kernel (with these pipeline constants), built on first use and cached for the context's life. */
  kernel(name: KernelName, constants: Readonly<Record<string, number>> = {}): Kernel {
    const key = `${name}${JSON.stringify(constants)}`;
    let k = this.#kernels.get(key);
    if (k === undefined) {
      const features = { subgroups: this.subgroups };
      const built = this.capture(`compiling ${name}`, () => new Kernel(this.device, name, shaderSource(name, features), shaderInfo(name, features), constants));
      k = built.value;
      this.#kernels.set(key, k);
      // A kernel that failed to build (out of memory, say) is built afresh next time rather than kept.
      const made = k;
      built.check.catch(() => {
        if (this.#kernels.get(key) === made) this.#kernels.delete(key);
      });
    }
    return k;
  }

  /** A storage buffer of `floats` 4-byte words, filled with `fill` (numbers as f32; a Uint8Array as raw bytes). */
  createStorage(floats: number, label: string, fill?: ArrayLike<number> | number): GPUBuffer {
    // At least one vec4, so any buffer can be bound where a shader reads it as array<vec4f>.
    const bytes = Math.max(16, floats * 4);
    if (bytes > this.device.limits.maxStorageBufferBindingSize) {
      throw new ShapeError(
        `${label} needs ${bytes} bytes, over this device's maxStorageBufferBindingSize of ${this.device.limits.maxStorageBufferBindingSize}`,
      );
    }
    const mapped = fill !== undefined;
    const { value: buffer, check } = this.capture(`creating ${label}`, () => {
      const b = this.device.createBuffer({ label, size: bytes, usage: STORAGE_USAGE, mappedAtCreation: mapped });
      if (mapped) {
        if (fill instanceof Uint8Array) new Uint8Array(b.getMappedRange()).set(fill);
        else if (typeof fill === 'number') new Float32Array(b.getMappedRange()).fill(fill);
        else new Float32Array(b.getMappedRange()).set(fill);
        b.unmap();
      }
      return b;
    });
    this.#gpuScopes(label).note([buffer], [check]);
    this.#live.add(buffer);
    return buffer;
  }

  /** A uniform buffer holding `bytes`, for one kernel's parameters (a released one of that size when there is one). */
  createUniform(bytes: ArrayBuffer, label: string): GPUBuffer {
    const { value: buffer, check } = this.capture(`creating ${label}`, () => {
      const reused = this.#uniforms.take(bytes.byteLength);
      if (reused !== undefined) {
        this.device.queue.writeBuffer(reused, 0, bytes);
        return reused;
      }
      const b = this.device.createBuffer({ label, size: bytes.byteLength, usage: BUFFER_USAGE.UNIFORM | BUFFER_USAGE.COPY_DST, mappedAtCreation: true });
      new Uint8Array(b.getMappedRange()).set(new Uint8Array(bytes));
      b.unmap();
      return b;
    });
    this.#gpuScopes(label).note([buffer], [check]);
    this.#live.add(buffer);
    return buffer;
  }

  /**
   * Gives a buffer back: small uniform buffers go to the pool for the next createUniform, others are
   * destroyed. Releasing one twice (or after destroy()) is harmless and counted once.
   */
  releaseBuffer(buffer: GPUBuffer): void {
    if (!this.#live.delete(buffer)) return;
    const uniform = (buffer.usage & BUFFER_USAGE.UNIFORM) !== 0;
    if (!(uniform && !this.#destroyed && this.#uniforms.give(buffer))) buffer.destroy();
  }

  /** Copies a host matrix to a new GPU matrix after checking its shape and values. */
  upload(input: MatrixInput, name = 'matrix'): GpuMatrix {
    this.assertUsable();
    if (this.#device === null) throw webGpuOnlyError('ctx.upload()');
    const host = toHostMatrix(name, input);
    return new GpuMatrix(this, this.createStorage(host.data.length, name, host.data), host.rows, host.cols);
  }

  /** A new rows×cols GPU matrix for an op to write: NaN-filled when poisonOutputs is set, else zeros. */
  createMatrix(rows: number, cols: number, label: string): GpuMatrix {
    const fill = this.poisonOutputs ? Number.NaN : undefined;
    return new GpuMatrix(this, this.createStorage(rows * cols, label, fill), rows, cols);
  }

  /** A rows×cols GPU matrix of zeros. */
  zeros(rows: number, cols: number, label = 'zeros'): GpuMatrix {
    this.assertUsable();
    if (this.#device === null) throw webGpuOnlyError('ctx.zeros()');
    return new GpuMatrix(this, this.createStorage(rows * cols, label), rows, cols);
  }

  /**
   * Runs `body`, synchronous device calls, inside one WebGPU error scope. `check` rejects with a
   * GPUError when the device reported an error for any of them; inside another capture (an op's, a
   * training epoch's) the calls join that one's scope and check.
   */
  capture<T>(what: string, body: () => T): { value: T; check: ErrorCheck } {
    return this.#gpuScopes(what).capture(what, body);
  }

  #gpuScopes(what: string): ErrorScopes {
    if (this.#scopes === null) throw webGpuOnlyError(what);
    return this.#scopes;
  }

  /**
   * Runs an op's device calls (`body`) in one error scope. Its errors, and any not yet reported for
   * what the `inputs` hold, are raised by the next read of one of `outputs(result)`: the caller that
   * reads the op's result learns that it is wrong, and no one else does.
   */
  track<T>(what: string, inputs: readonly (GpuMatrix | undefined)[], body: () => T, outputs: (result: T) => readonly GpuMatrix[]): T {
    const scopes = this.#gpuScopes(what);
    const inherited = inputs.flatMap((m) => (m === undefined || m.destroyed ? [] : scopes.pending(m.buffer)));
    const { value, check } = this.capture(what, body);
    scopes.note(outputs(value).map((m) => m.buffer), [check, ...inherited]);
    return value;
  }

  /**
   * Records the dispatches into one compute pass, submits it, then frees `temporaries`. The promise
   * (never an unhandled rejection) rejects with a GPUError if the device rejected the work.
   */
  submit(dispatches: readonly Dispatch[], temporaries: readonly GPUBuffer[] = []): ErrorCheck {
    this.assertUsable();
    const { check } = this.capture('submit', () => {
      const encoder = this.device.createCommandEncoder();
      const pass = encoder.beginComputePass();
      for (const d of dispatches) {
        pass.setPipeline(d.pipeline);
        pass.setBindGroup(0, d.bindGroup);
        pass.dispatchWorkgroups(d.workgroups[0], d.workgroups[1], d.workgroups[2]);
      }
      pass.end();
      this.device.queue.submit([encoder.finish()]);
    });
    // Work already submitted keeps its buffers alive; destroying now just returns them sooner.
    for (const b of temporaries) this.releaseBuffer(b);
    return check;
  }

  /** Reads `floats` f32 values from a buffer, starting `byteOffset` bytes in, back to the host. */
  async readBuffer(buffer: GPUBuffer, floats: number, byteOffset = 0): Promise<Float32Array> {
    const [data] = await this.readBuffers([{ buffer, floats, byteOffset }]);
    return data;
  }

  /**
   * Reads several buffer regions back in one readback: their copies go to one staging buffer, mapped
   * once, so reading a value kept apart from another costs no second round trip.
   */
  async readBuffers<const T extends readonly BufferPart[]>(parts: T): Promise<{ [K in keyof T]: Float32Array }> {
    this.assertUsable();
    // Each part copies at least one float, as a single read always has.
    const starts: number[] = [];
    let bytes = 0;
    for (const part of parts) {
      starts.push(bytes);
      bytes += Math.max(4, part.floats * 4);
    }
    // Staging sizes are whole 256-byte blocks so small reads of different lengths share buffers.
    const size = Math.ceil(Math.max(4, bytes) / 256) * 256;
    // The errors of the work that wrote the buffers are this read's to report: its data came from there.
    const scopes = this.#gpuScopes('reading a GPU buffer');
    const writes = parts.flatMap((part) => scopes.take(part.buffer));
    const { value: staging, check } = this.capture('reading a GPU buffer', () => {
      const s = this.#staging.take(size) ?? this.device.createBuffer({ size, usage: BUFFER_USAGE.MAP_READ | BUFFER_USAGE.COPY_DST });
      const encoder = this.device.createCommandEncoder();
      parts.forEach((part, i) => encoder.copyBufferToBuffer(part.buffer, part.byteOffset ?? 0, s, starts[i] as number, Math.max(4, part.floats * 4)));
      this.device.queue.submit([encoder.finish()]);
      return s;
    });
    let reusable = false;
    try {
      try {
        await staging.mapAsync(MAP_MODE_READ);
      } catch (e) {
        await this.#lossSettled();
        this.assertUsable();
        await Promise.all([...writes, check]);
        throw new GPUError(`reading a GPU buffer failed: ${(e as Error).message}`);
      }
      const mapped = staging.getMappedRange();
      const data = parts.map((part, i) => new Float32Array(mapped.slice(starts[i] as number, (starts[i] as number) + part.floats * 4)));
      staging.unmap();
      reusable = true;
      await Promise.all([...writes, check]);
      return data as { [K in keyof T]: Float32Array };
    } finally {
      if (!(reusable && size <= POOLED_STAGING_BYTES && !this.#destroyed && this.#staging.give(staging))) staging.destroy();
    }
  }

  /** Checks that a matrix belongs to this context and is alive. */
  own(name: string, m: GpuMatrix): GpuMatrix {
    if (!(m instanceof GpuMatrix)) throw new StateError(`${name} must be a GPU matrix from ctx.upload() or an op`);
    if (m.context !== this) throw new StateError(`${name} belongs to another GPU context`);
    if (m.destroyed) throw new StateError(`${name} (${m.rows}×${m.cols}) was used after destroy()`);
    return m;
  }

  /** Resolves once the device is known lost, or after LOSS_GRACE_MS if it is not. */
  async #lossSettled(): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const grace = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, LOSS_GRACE_MS);
    });
    await Promise.race([this.lost, grace]);
    clearTimeout(timer);
  }

  /**
   * Frees every buffer this context allocated (matrices and models built on it included) and the
   * device when this context created it. A shared device stays usable by its owner. Further use of
   * the context, its matrices and its models throws a StateError; destroying twice is harmless.
   */
  destroy(): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    this.#kernels.clear();
    for (const b of this.#live) b.destroy();
    this.#live.clear();
    this.#uniforms.destroy();
    this.#staging.destroy();
    if (this.#ownsDevice) this.#device?.destroy();
  }
}

/**
 * `ctx` as a usable GpuContext. Anything else (a forgotten ctx argument, so a matrix in its place,
 * included) is a StateError rather than a TypeError from deep inside; so are a destroyed context
 * and a lost device (DeviceLostError).
 */
export function requireContext(ctx: unknown, webGpuOnly?: string): GpuContext {
  if (!(ctx instanceof GpuContext)) {
    const what = ctx instanceof GpuMatrix ? `a GPU matrix (${ctx.rows}×${ctx.cols}); the context comes first` : describeValue(ctx);
    throw new StateError(`ctx must be a GpuContext from createContext(), got ${what}`);
  }
  ctx.assertUsable();
  // An op names itself, so that on a 'js' context it fails by name before it looks at its matrices.
  if (webGpuOnly !== undefined && ctx.engine === 'js') throw webGpuOnlyError(webGpuOnly);
  return ctx;
}

// Dawn for Node (the `webgpu` package) tears its devices down, crashing or hanging the process, once
// the GPU object from create() is garbage-collected: keep that object alive as long as its device.
const GPU_OF_DEVICE = new WeakMap<GPUDevice, GPU>();

/** A context of the 'js' engine: no device. */
function jsContext(options: ContextOptions): GpuContext {
  return new GpuContext(null, NO_ADAPTER, false, options);
}

async function requestDevice(gpu: GPU, options: ContextOptions, choice: EngineChoice): Promise<GpuContext> {
  const adapter = await gpu.requestAdapter(
    options.powerPreference === undefined ? undefined : { powerPreference: options.powerPreference },
  );
  if (adapter === null) {
    if (choice !== 'auto') throw new WebGPUUnavailableError(noAdapterMessage());
    warnFallback(noAdapterMessage());
    return jsContext(options);
  }
  checkLimitsAgainst(adapter, options.requiredLimits ?? {});
  // Ask for the adapter's whole storage range: the defaults (128 MiB a binding) are far below what
  // most adapters allow and would cap the dataset size for no reason.
  const requiredLimits: Record<string, number> = {
    maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
    maxBufferSize: adapter.limits.maxBufferSize,
    ...options.requiredLimits,
  };
  // Subgroups are asked for whenever the adapter has them; kernels fall back to plain loads otherwise.
  const requiredFeatures: GPUFeatureName[] = options.subgroups !== false && adapter.features.has(SUBGROUPS) ? [SUBGROUPS] : [];
  let device: GPUDevice;
  try {
    device = await adapter.requestDevice({ requiredLimits, requiredFeatures });
  } catch (e) {
    throw new WebGPUUnavailableError(`WebGPU could not create a device: ${(e as Error).message}`);
  }
  GPU_OF_DEVICE.set(device, gpu);
  return new GpuContext(device, describeAdapter(adapter.info), true, options);
}

/**
 * Opens a context on the given device, GPU object, or navigator.gpu; with engine 'js', or 'auto'
 * where there is no WebGPU (no navigator.gpu and no gpu option, or no adapter), one with no device.
 */
export async function createContext(given: ContextOptions = {}): Promise<GpuContext> {
  const options = checkContextOptions(given);
  const choice = checkEngineChoice(options.engine);
  if (choice === 'js') return jsContext(options);
  if (options.device !== undefined) {
    return new GpuContext(options.device, describeAdapter(options.device.adapterInfo), false, options);
  }
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  const gpu = options.gpu ?? nav?.gpu;
  if (gpu === undefined) {
    if (choice !== 'auto') throw new WebGPUUnavailableError(noGpuMessage());
    warnFallback(noGpuMessage());
    return jsContext(options);
  }
  return requestDevice(gpu, options, choice);
}
