// Owns the device, the compiled kernels and every buffer the library allocates; surfaces GPU errors
// and device loss as exceptions on the next call instead of letting them pass silently.
import { DeviceLostError, GPUError, ShapeError, StateError, WebGPUUnavailableError } from './errors.ts';
import { Kernel, type Dispatch } from './kernels/kernel.ts';
import { SHADERS, type KernelName } from './kernels/shaders.ts';
import { GpuMatrix } from './matrix.ts';
import type { MatrixInput } from './types.ts';
import { toHostMatrix } from './validate.ts';
import { BUFFER_USAGE, MAP_MODE_READ } from './webgpu-constants.ts';

export interface ContextOptions {
  /** Use this device (shared with other WebGPU code); the context will not destroy it. */
  device?: GPUDevice;
  /** The GPU entry point, e.g. `create([])` from the `webgpu` npm package in Node. Default: navigator.gpu. */
  gpu?: GPU;
  /** Limits to request on top of the adapter's maximum storage-buffer sizes. */
  requiredLimits?: Record<string, number>;
  powerPreference?: GPUPowerPreference;
  /** Fill every buffer an op allocates with NaN first, so an element a kernel fails to write shows. For tests. */
  poisonOutputs?: boolean;
}

export interface AdapterDescription {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
}

const HOW_TO_GET_WEBGPU =
  'In a browser it needs a WebGPU-capable Chrome/Edge/Safari and a secure page (https:, or http://127.0.0.1 / localhost); ' +
  'headless Chromium also needs --enable-unsafe-webgpu. In Node pass createContext({ gpu: create([]) }) with create from the "webgpu" package.';

const STORAGE_USAGE = BUFFER_USAGE.STORAGE | BUFFER_USAGE.COPY_SRC | BUFFER_USAGE.COPY_DST;

function describeAdapter(info: GPUAdapterInfo | undefined): AdapterDescription {
  return {
    vendor: info?.vendor ?? '',
    architecture: info?.architecture ?? '',
    device: info?.device ?? '',
    description: info?.description ?? '',
  };
}

export class GpuContext {
  readonly device: GPUDevice;
  readonly adapter: AdapterDescription;
  /** Resolves when the device is lost (never, for a healthy device). */
  readonly lost: Promise<GPUDeviceLostInfo>;
  readonly poisonOutputs: boolean;
  readonly #ownsDevice: boolean;
  readonly #kernels = new Map<KernelName, Kernel>();
  #error: Error | null = null;
  #destroyed = false;
  #liveBuffers = 0;

  constructor(device: GPUDevice, adapter: AdapterDescription, ownsDevice: boolean, poisonOutputs: boolean) {
    this.device = device;
    this.adapter = adapter;
    this.#ownsDevice = ownsDevice;
    this.poisonOutputs = poisonOutputs;
    this.lost = device.lost;
    device.lost.then((info) => {
      if (!this.#destroyed) this.#error ??= new DeviceLostError(`WebGPU device lost (${info.reason}): ${info.message}`);
    });
    device.addEventListener('uncapturederror', (event) => {
      const message = (event as GPUUncapturedErrorEvent).error.message;
      this.#error ??= new GPUError(`WebGPU error: ${message}`);
    });
  }

  /** Buffers allocated through this context and not yet destroyed. */
  get liveBuffers(): number {
    return this.#liveBuffers;
  }

  get limits(): GPUSupportedLimits {
    return this.device.limits;
  }

  /** Throws the first GPU error or device loss seen so far, or a StateError after destroy(). */
  assertUsable(): void {
    if (this.#destroyed) throw new StateError('the GPU context was used after destroy()');
    if (this.#error !== null) throw this.#error;
  }

  /** The compiled kernel, built on first use and cached for the context's life. */
  kernel(name: KernelName): Kernel {
    let k = this.#kernels.get(name);
    if (k === undefined) {
      k = new Kernel(this.device, name, SHADERS[name]);
      this.#kernels.set(name, k);
    }
    return k;
  }

  /** A storage buffer of `floats` f32 values, optionally filled with `fill`. */
  createStorage(floats: number, label: string, fill?: ArrayLike<number> | number): GPUBuffer {
    const bytes = Math.max(4, floats * 4);
    if (bytes > this.device.limits.maxStorageBufferBindingSize) {
      throw new ShapeError(
        `${label} needs ${bytes} bytes, over this device's maxStorageBufferBindingSize of ${this.device.limits.maxStorageBufferBindingSize}`,
      );
    }
    const mapped = fill !== undefined;
    const buffer = this.device.createBuffer({ label, size: bytes, usage: STORAGE_USAGE, mappedAtCreation: mapped });
    if (mapped) {
      const view = new Float32Array(buffer.getMappedRange());
      if (typeof fill === 'number') view.fill(fill);
      else view.set(fill);
      buffer.unmap();
    }
    this.#liveBuffers++;
    return buffer;
  }

  /** A uniform buffer holding `bytes`, for one kernel's parameters. */
  createUniform(bytes: ArrayBuffer, label: string): GPUBuffer {
    const buffer = this.device.createBuffer({
      label,
      size: bytes.byteLength,
      usage: BUFFER_USAGE.UNIFORM | BUFFER_USAGE.COPY_DST,
      mappedAtCreation: true,
    });
    new Uint8Array(buffer.getMappedRange()).set(new Uint8Array(bytes));
    buffer.unmap();
    this.#liveBuffers++;
    return buffer;
  }

  releaseBuffer(buffer: GPUBuffer): void {
    buffer.destroy();
    this.#liveBuffers--;
  }

  /** Copies a host matrix to a new GPU matrix after checking its shape and values. */
  upload(input: MatrixInput, name = 'matrix'): GpuMatrix {
    this.assertUsable();
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
    return new GpuMatrix(this, this.createStorage(rows * cols, label), rows, cols);
  }

  /** Records the dispatches into one compute pass, submits it, then frees `temporaries`. */
  submit(dispatches: readonly Dispatch[], temporaries: readonly GPUBuffer[] = []): void {
    const encoder = this.device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    for (const d of dispatches) {
      pass.setPipeline(d.pipeline);
      pass.setBindGroup(0, d.bindGroup);
      pass.dispatchWorkgroups(d.workgroups[0], d.workgroups[1], d.workgroups[2]);
    }
    pass.end();
    this.device.queue.submit([encoder.finish()]);
    // Work already submitted keeps its buffers alive; destroying now just returns them sooner.
    for (const b of temporaries) this.releaseBuffer(b);
  }

  /** Reads `floats` f32 values from the start of a buffer back to the host. */
  async readBuffer(buffer: GPUBuffer, floats: number): Promise<Float32Array> {
    this.assertUsable();
    const bytes = floats * 4;
    const staging = this.device.createBuffer({ size: Math.max(4, bytes), usage: BUFFER_USAGE.MAP_READ | BUFFER_USAGE.COPY_DST });
    this.#liveBuffers++;
    try {
      const encoder = this.device.createCommandEncoder();
      encoder.copyBufferToBuffer(buffer, 0, staging, 0, Math.max(4, bytes));
      this.device.queue.submit([encoder.finish()]);
      try {
        await staging.mapAsync(MAP_MODE_READ);
      } catch (e) {
        this.assertUsable();
        throw new GPUError(`reading a GPU buffer failed: ${(e as Error).message}`);
      }
      const data = new Float32Array(staging.getMappedRange().slice(0, bytes));
      staging.unmap();
      // Errors raised by earlier submits are delivered before the map completes.
      this.assertUsable();
      return data;
    } finally {
      this.releaseBuffer(staging);
    }
  }

  /** Checks that a matrix belongs to this context and is alive. */
  own(name: string, m: GpuMatrix): GpuMatrix {
    if (!(m instanceof GpuMatrix)) throw new StateError(`${name} must be a GPU matrix from ctx.upload() or an op`);
    if (m.context !== this) throw new StateError(`${name} belongs to another GPU context`);
    if (m.destroyed) throw new StateError(`${name} (${m.rows}×${m.cols}) was used after destroy()`);
    return m;
  }

  /** Frees the kernels' device (when this context created it). Further use throws. */
  destroy(): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    this.#kernels.clear();
    if (this.#ownsDevice) this.device.destroy();
  }
}

async function requestDevice(gpu: GPU, options: ContextOptions): Promise<GpuContext> {
  const adapter = await gpu.requestAdapter(
    options.powerPreference === undefined ? undefined : { powerPreference: options.powerPreference },
  );
  if (adapter === null) throw new WebGPUUnavailableError(`WebGPU found no adapter. ${HOW_TO_GET_WEBGPU}`);
  // Ask for the adapter's whole storage range: the defaults (128 MiB a binding) are far below what
  // most adapters allow and would cap the dataset size for no reason.
  const requiredLimits: Record<string, number> = {
    maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
    maxBufferSize: adapter.limits.maxBufferSize,
    ...options.requiredLimits,
  };
  const device = await adapter.requestDevice({ requiredLimits });
  return new GpuContext(device, describeAdapter(adapter.info), true, options.poisonOutputs === true);
}

/** Opens a WebGPU context on the given device, GPU object, or navigator.gpu. */
export async function createContext(options: ContextOptions = {}): Promise<GpuContext> {
  if (options.device !== undefined) {
    return new GpuContext(options.device, describeAdapter(options.device.adapterInfo), false, options.poisonOutputs === true);
  }
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  const gpu = options.gpu ?? nav?.gpu;
  if (gpu === undefined) throw new WebGPUUnavailableError(`WebGPU is not available here (no navigator.gpu). ${HOW_TO_GET_WEBGPU}`);
  return requestDevice(gpu, options);
}
