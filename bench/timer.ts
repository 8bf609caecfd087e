// Times what the library does on a device without touching the library: while a measurement runs,
// every compute pass begun on that device gets timestamp writes added to its descriptor, and the
// pass times are summed afterwards. The hook is an own property on the one device object, installed
// for the benchmark's device only and removed again by uninstall().
import { BUFFER_USAGE, MAP_MODE_READ } from './webgpu-constants.ts';

/** Most compute passes one measured call may record; more marks the measurement as incomplete. */
const MAX_PASSES = 256;

export interface Measurement {
  wallMs: number;
  /** Summed compute-pass time from timestamps, or null when not measured. */
  gpuMs: number | null;
  passes: number;
}

export class PassTimer {
  readonly #device: GPUDevice;
  readonly #querySet: GPUQuerySet;
  readonly #resolve: GPUBuffer;
  readonly #readback: GPUBuffer;
  #active = false;
  #next = 0;
  #overflow = false;

  private constructor(device: GPUDevice) {
    this.#device = device;
    this.#querySet = device.createQuerySet({ type: 'timestamp', count: 2 * MAX_PASSES, label: 'bench.timestamps' });
    this.#resolve = device.createBuffer({ size: 16 * MAX_PASSES, usage: BUFFER_USAGE.QUERY_RESOLVE | BUFFER_USAGE.COPY_SRC });
    this.#readback = device.createBuffer({ size: 16 * MAX_PASSES, usage: BUFFER_USAGE.MAP_READ | BUFFER_USAGE.COPY_DST });
  }

  /** A timer hooked into `device`, or null when the device has no 'timestamp-query'. */
  static install(device: GPUDevice): PassTimer | null {
    if (!device.features.has('timestamp-query')) return null;
    const timer = new PassTimer(device);
    const original = device.createCommandEncoder;
    const hooked = (descriptor?: GPUCommandEncoderDescriptor): GPUCommandEncoder => {
      const encoder = original.call(device, descriptor);
      if (timer.#active) timer.#hookEncoder(encoder);
      return encoder;
    };
    Object.defineProperty(device, 'createCommandEncoder', { value: hooked, configurable: true, writable: true });
    return timer;
  }

  #hookEncoder(encoder: GPUCommandEncoder): void {
    const begin = encoder.beginComputePass;
    const timestamped = (descriptor?: GPUComputePassDescriptor): GPUComputePassEncoder => {
      if (descriptor?.timestampWrites !== undefined || this.#next >= MAX_PASSES) {
        this.#overflow = true;
        return begin.call(encoder, descriptor);
      }
      const index = this.#next++;
      return begin.call(encoder, {
        ...descriptor,
        timestampWrites: { querySet: this.#querySet, beginningOfPassWriteIndex: 2 * index, endOfPassWriteIndex: 2 * index + 1 },
      });
    };
    Object.defineProperty(encoder, 'beginComputePass', { value: timestamped, configurable: true, writable: true });
  }

  /** Runs `body` (which only enqueues GPU work), then syncs once and reads the pass timestamps. */
  async measure(body: () => void): Promise<Measurement> {
    this.#next = 0;
    this.#overflow = false;
    this.#active = true;
    const t0 = performance.now();
    try {
      body();
    } finally {
      this.#active = false;
    }
    const passes = this.#next;
    const encoder = this.#device.createCommandEncoder();
    if (passes > 0) {
      encoder.resolveQuerySet(this.#querySet, 0, 2 * passes, this.#resolve, 0);
      encoder.copyBufferToBuffer(this.#resolve, 0, this.#readback, 0, 16 * passes);
    }
    this.#device.queue.submit([encoder.finish()]);
    await this.#readback.mapAsync(MAP_MODE_READ);
    const wallMs = performance.now() - t0;
    const stamps = new BigInt64Array(this.#readback.getMappedRange().slice(0, 16 * passes));
    this.#readback.unmap();
    let ns = 0n;
    let valid = passes > 0 && !this.#overflow;
    for (let i = 0; i < passes; i++) {
      const dt = (stamps[2 * i + 1] as bigint) - (stamps[2 * i] as bigint);
      if (dt < 0n) valid = false;
      ns += dt;
    }
    return { wallMs, gpuMs: valid ? Number(ns) / 1e6 : null, passes };
  }

  uninstall(): void {
    Reflect.deleteProperty(this.#device, 'createCommandEncoder');
    this.#querySet.destroy();
    this.#resolve.destroy();
    this.#readback.destroy();
  }
}

/** Wall time of `body` plus one sync (the queue drained), for adapters without usable timestamps. */
export async function measureWall(device: GPUDevice, body: () => void): Promise<Measurement> {
  const t0 = performance.now();
  body();
  await device.queue.onSubmittedWorkDone();
  return { wallMs: performance.now() - t0, gpuMs: null, passes: 0 };
}
