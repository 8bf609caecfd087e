// A compiled shader: one pipeline and bind-group layout per entry point, built from reflection,
// and bind groups made by resource name rather than binding number.
import { packUniforms, type EntryInfo, type ShaderInfo } from './layout.ts';
import { SHADER_STAGE_COMPUTE } from './webgpu-constants.ts';

export type Workgroups = readonly [number, number, number];

/** One compute dispatch, ready to be recorded into a pass. */
export interface Dispatch {
  pipeline: GPUComputePipeline;
  bindGroup: GPUBindGroup;
  workgroups: Workgroups;
}

interface CompiledEntry {
  info: EntryInfo;
  pipeline: GPUComputePipeline;
  layout: GPUBindGroupLayout;
}

/** Largest workgroup count per grid dimension every adapter supports. */
const MAX_GROUPS_PER_DIM = 65535;

/** A 2-D grid with at least `groups` workgroups and no side over the per-dimension limit. */
export function grid1D(groups: number): Workgroups {
  const y = Math.max(1, Math.ceil(groups / MAX_GROUPS_PER_DIM));
  return [Math.max(1, Math.ceil(groups / y)), y, 1];
}

export class Kernel {
  readonly info: ShaderInfo;
  readonly #device: GPUDevice;
  readonly #entries = new Map<string, CompiledEntry>();

  /**
   * `constants` set the shader's pipeline-overridable constants (workgroup widths, unroll counts),
   * so one source serves every specialisation. `info` is `source` reflected (shaderInfo(), from the build).
   */
  constructor(
    device: GPUDevice,
    readonly name: string,
    source: string,
    info: ShaderInfo,
    constants: Readonly<Record<string, number>> = {},
  ) {
    this.#device = device;
    this.info = info;
    const module = device.createShaderModule({ label: name, code: source });
    for (const info of this.info.entries.values()) {
      const label = `${name}.${info.name}`;
      const layout = device.createBindGroupLayout({
        label,
        entries: [...info.bindings.values()].map((b) => ({
          binding: b.binding,
          visibility: SHADER_STAGE_COMPUTE,
          buffer: { type: b.type },
        })),
      });
      const pipeline = device.createComputePipeline({
        label,
        layout: device.createPipelineLayout({ label, bindGroupLayouts: [layout] }),
        compute: { module, entryPoint: info.name, constants: { ...constants } },
      });
      this.#entries.set(info.name, { info, pipeline, layout });
    }
  }

  /** Packs `values` into the byte layout of the shader's uniform struct. */
  uniformBytes(values: Readonly<Record<string, number>>): ArrayBuffer {
    const layout = this.info.uniforms;
    if (layout === null) throw new Error(`${this.name} has no uniform struct`);
    return packUniforms(layout, values);
  }

  /** A dispatch of `entry` binding each of its resources by variable name. */
  dispatch(entry: string, resources: Readonly<Record<string, GPUBuffer>>, workgroups: Workgroups): Dispatch {
    const compiled = this.#entries.get(entry);
    if (compiled === undefined) throw new Error(`${this.name} has no entry point ${entry}`);
    const entries: GPUBindGroupEntry[] = [];
    for (const [name, b] of compiled.info.bindings) {
      const buffer = resources[name];
      if (buffer === undefined) throw new Error(`${this.name}.${entry} needs a buffer for ${name}`);
      entries.push({ binding: b.binding, resource: { buffer } });
    }
    const bindGroup = this.#device.createBindGroup({ label: `${this.name}.${entry}`, layout: compiled.layout, entries });
    return { pipeline: compiled.pipeline, bindGroup, workgroups };
  }
}
