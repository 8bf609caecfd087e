// What a dispatch costs and how many the library issues. An epoch of small batches is a long chain
// of tiny dependent dispatches, so on a fast GPU its floor may be dispatch overhead rather than
// memory traffic: dispatches per epoch × cost per dispatch is that floor. The counter hooks one
// device object's createCommandEncoder and queue.submit (own properties, like bench/timer.ts), so
// the library is measured without being changed.
import { BUFFER_USAGE } from '../webgpu-constants.ts';
import type { Bandwidth, DispatchCost } from './types.ts';

export class DispatchCounter {
  dispatches = 0;
  submits = 0;

  static install(device: GPUDevice): DispatchCounter {
    const counter = new DispatchCounter();
    const createEncoder = device.createCommandEncoder;
    const hooked = (descriptor?: GPUCommandEncoderDescriptor): GPUCommandEncoder => {
      const encoder = createEncoder.call(device, descriptor);
      const begin = encoder.beginComputePass;
      const beginCounted = (d?: GPUComputePassDescriptor): GPUComputePassEncoder => {
        const pass = begin.call(encoder, d);
        const dispatch = pass.dispatchWorkgroups;
        const indirect = pass.dispatchWorkgroupsIndirect;
        const counted = (x: number, y?: number, z?: number): undefined => {
          counter.dispatches++;
          return dispatch.call(pass, x, y, z);
        };
        const countedIndirect = (buffer: GPUBuffer, offset: number): undefined => {
          counter.dispatches++;
          return indirect.call(pass, buffer, offset);
        };
        Object.defineProperty(pass, 'dispatchWorkgroups', { value: counted, configurable: true, writable: true });
        Object.defineProperty(pass, 'dispatchWorkgroupsIndirect', { value: countedIndirect, configurable: true, writable: true });
        return pass;
      };
      Object.defineProperty(encoder, 'beginComputePass', { value: beginCounted, configurable: true, writable: true });
      return encoder;
    };
    Object.defineProperty(device, 'createCommandEncoder', { value: hooked, configurable: true, writable: true });
    const queue = device.queue;
    const submit = queue.submit;
    const countedSubmit = (buffers: Iterable<GPUCommandBuffer>): undefined => {
      counter.submits++;
      return submit.call(queue, buffers);
    };
    Object.defineProperty(queue, 'submit', { value: countedSubmit, configurable: true, writable: true });
    return counter;
  }

  snapshot(): { dispatches: number; submits: number } {
    return { dispatches: this.dispatches, submits: this.submits };
  }
}

const SHADER = /* wgsl */ `
@group(0) @binding(0) var<storage, read_write> word: array<u32>;

@compute @workgroup_size(64)
fn empty() {}

// One invocation bumps a word every dispatch shares: each dispatch then depends on the previous one,
// as the training step's dispatches do, and the implementation must put a barrier between them.
@compute @workgroup_size(64)
fn chained(@builtin(global_invocation_id) id: vec3u) {
  if (id.x == 0u) { word[0] = word[0] + 1u; }
}
`;

async function timeDispatches(device: GPUDevice, pipeline: GPUComputePipeline, group: GPUBindGroup | null, count: number): Promise<number> {
  const t0 = performance.now();
  const encoder = device.createCommandEncoder();
  const pass = encoder.beginComputePass();
  pass.setPipeline(pipeline);
  if (group !== null) pass.setBindGroup(0, group);
  for (let i = 0; i < count; i++) pass.dispatchWorkgroups(1);
  pass.end();
  device.queue.submit([encoder.finish()]);
  await device.queue.onSubmittedWorkDone();
  return performance.now() - t0;
}

/**
 * Wall time of `small` and `large` dispatches (encode, submit, wait), minima of `repeats`; the slope
 * between them is the cost of one more dispatch, the intercept the fixed cost of a submit and wait.
 */
export async function measureDispatchCost(device: GPUDevice, small: number, large: number, repeats: number): Promise<DispatchCost> {
  const module = device.createShaderModule({ code: SHADER, label: 'bench.dispatch' });
  const empty = await device.createComputePipelineAsync({ layout: 'auto', compute: { module, entryPoint: 'empty' } });
  const chained = await device.createComputePipelineAsync({ layout: 'auto', compute: { module, entryPoint: 'chained' } });
  const buffer = device.createBuffer({ size: 16, usage: BUFFER_USAGE.STORAGE | BUFFER_USAGE.COPY_DST });
  const group = device.createBindGroup({ layout: chained.getBindGroupLayout(0), entries: [{ binding: 0, resource: { buffer } }] });
  try {
    const perDispatch = async (pipeline: GPUComputePipeline, g: GPUBindGroup | null): Promise<{ us: number; fixedMs: number }> => {
      await timeDispatches(device, pipeline, g, small); // warm-up: pipeline upload, first submit
      const ts: number[] = [];
      const tl: number[] = [];
      for (let r = 0; r < repeats; r++) {
        ts.push(await timeDispatches(device, pipeline, g, small));
        tl.push(await timeDispatches(device, pipeline, g, large));
      }
      // Minima, not medians: other work on the machine only ever adds time.
      const slopeMs = (Math.min(...tl) - Math.min(...ts)) / (large - small);
      return { us: 1000 * slopeMs, fixedMs: Math.min(...ts) - small * slopeMs };
    };
    const e = await perDispatch(empty, null);
    const c = await perDispatch(chained, group);
    return { emptyUs: e.us, chainedUs: c.us, fixedMs: c.fixedMs, counts: [small, large] };
  } finally {
    buffer.destroy();
  }
}

/** Device-to-device copy bandwidth through WebGPU: `copies` copies of `bytes` in one submit. */
export async function measureCopyBandwidth(device: GPUDevice, bytes: number, copies: number): Promise<Bandwidth> {
  const size = Math.min(bytes, device.limits.maxBufferSize) & ~3;
  const src = device.createBuffer({ size, usage: BUFFER_USAGE.COPY_SRC | BUFFER_USAGE.COPY_DST });
  const dst = device.createBuffer({ size, usage: BUFFER_USAGE.COPY_SRC | BUFFER_USAGE.COPY_DST });
  try {
    const run = async (count: number): Promise<number> => {
      const t0 = performance.now();
      const encoder = device.createCommandEncoder();
      for (let i = 0; i < count; i++) encoder.copyBufferToBuffer(src, 0, dst, 0, size);
      device.queue.submit([encoder.finish()]);
      await device.queue.onSubmittedWorkDone();
      return performance.now() - t0;
    };
    await run(1);
    const ms = await run(copies);
    return { gbps: (2 * size * copies) / (ms * 1e6), bytes: size, how: `WebGPU copyBufferToBuffer, ${copies}× ${size} bytes in one submit, wall time` };
  } finally {
    src.destroy();
    dst.destroy();
  }
}
