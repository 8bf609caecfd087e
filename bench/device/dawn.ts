// Dawn in Node (the `webgpu` package): the device every WebGPU part runs on. Imported lazily, so the
// parts that need no GPU (prepare, reference, report) start even where dawn.node cannot load. In
// the pack's bundle the package's loader reads dawn.node from WEBGPU_LOGREG_DAWN_NODE (see pack.ts).
import { requestBenchDevice } from '../suite.ts';
import type { AdapterReport } from '../types.ts';

interface WebgpuPackage {
  create(flags: string[]): GPU;
  globals: Record<string, unknown>;
}

export interface Dawn {
  device: GPUDevice;
  adapter: AdapterReport;
  /** GPUBufferUsage and the other WebGPU globals TF.js expects. */
  globals: Record<string, unknown>;
  gpu: GPU;
}

// Dawn tears its devices down once the GPU object from create() is garbage-collected (see
// src/gpu/context.ts): the objects opened here live as long as the process.
const keep: GPU[] = [];

export async function openDawn(): Promise<Dawn> {
  const webgpu = (await import('webgpu')) as unknown as WebgpuPackage;
  const gpu = webgpu.create([]);
  keep.push(gpu);
  const { device, adapter } = await requestBenchDevice(gpu, { powerPreference: 'high-performance' });
  device.addEventListener('uncapturederror', (event: Event) => {
    process.stderr.write(`WebGPU uncaptured error: ${(event as GPUUncapturedErrorEvent).error.message}\n`);
  });
  return { device, adapter, globals: webgpu.globals, gpu };
}

/** One line for people: who made the adapter and what it is. */
export function adapterLine(a: AdapterReport): string {
  const parts = [a.vendor, a.architecture, a.device, a.description].filter((s) => s !== '');
  return `${parts.join(' / ')}; timestamp-query ${a.timestampQuery ? 'yes' : 'no'}; subgroups ${a.features.includes('subgroups') ? 'yes' : 'no'}`;
}
