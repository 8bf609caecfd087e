// Bind-group layouts and uniform offsets come from the WGSL itself (via wgsl_reflect), so a shader
// edit can never drift out of sync with hand-typed offsets on the TypeScript side.
import { ResourceType, WgslReflect, type VariableInfo } from 'wgsl_reflect';

export type ScalarType = 'u32' | 'i32' | 'f32';

export interface UniformField {
  name: string;
  offset: number;
  type: ScalarType;
}

/** Byte layout of a shader's uniform struct. */
export interface UniformLayout {
  /** Name of the uniform variable in the shader (binding it by this name). */
  variable: string;
  /** The struct's WGSL source, so tests can compile it into a probe shader. */
  structName: string;
  size: number;
  fields: readonly UniformField[];
}

export interface BindingInfo {
  binding: number;
  type: GPUBufferBindingType;
}

export interface EntryInfo {
  name: string;
  workgroupSize: readonly [number, number, number];
  /** Resources the entry point uses, by variable name. */
  bindings: ReadonlyMap<string, BindingInfo>;
}

export interface ShaderInfo {
  uniforms: UniformLayout | null;
  entries: ReadonlyMap<string, EntryInfo>;
}

const SCALARS: ReadonlySet<string> = new Set(['u32', 'i32', 'f32']);

function bindingType(v: VariableInfo): GPUBufferBindingType {
  if (v.resourceType === ResourceType.Uniform) return 'uniform';
  if (v.resourceType === ResourceType.Storage) return v.access === 'read_write' ? 'storage' : 'read-only-storage';
  throw new Error(`shader resource ${v.name} is not a buffer; kernels here bind buffers only`);
}

function uniformLayout(v: VariableInfo): UniformLayout {
  const members = v.members;
  if (members === null) throw new Error(`uniform ${v.name} must be a struct`);
  const fields = members.map((member): UniformField => {
    const type = member.type.name;
    if (!SCALARS.has(type)) throw new Error(`uniform field ${v.name}.${member.name} has type ${type}; only u32/i32/f32 are packed`);
    return { name: member.name, offset: member.offset, type: type as ScalarType };
  });
  return { variable: v.name, structName: v.type.name, size: v.size, fields };
}

/** Reflects a compute shader: its one uniform struct (if any) and each entry point's bindings in group 0. */
export function reflectShader(source: string): ShaderInfo {
  const reflect = new WgslReflect(source);
  if (reflect.uniforms.length > 1) throw new Error('kernels take at most one uniform struct');
  const first = reflect.uniforms[0];
  const entries = new Map<string, EntryInfo>();
  for (const fn of reflect.entry.compute) {
    const bindings = new Map<string, BindingInfo>();
    for (const resource of fn.resources) {
      if (resource.group !== 0) throw new Error(`${fn.name}: resource ${resource.name} is not in group 0`);
      bindings.set(resource.name, { binding: resource.binding, type: bindingType(resource) });
    }
    const size = fn.workgroupSize ?? [1, 1, 1];
    entries.set(fn.name, { name: fn.name, workgroupSize: [size[0], size[1], size[2]], bindings });
  }
  return { uniforms: first === undefined ? null : uniformLayout(first), entries };
}

/** Bytes for a uniform buffer holding exactly the struct's fields, padded to a 16-byte multiple. */
export function packUniforms(layout: UniformLayout, values: Readonly<Record<string, number>>): ArrayBuffer {
  const buffer = new ArrayBuffer(Math.ceil(layout.size / 16) * 16);
  const view = new DataView(buffer);
  const known = new Set(layout.fields.map((f) => f.name));
  for (const name of Object.keys(values)) {
    if (!known.has(name)) throw new Error(`uniform ${layout.structName} has no field ${name}`);
  }
  for (const field of layout.fields) {
    const value = values[field.name];
    if (value === undefined) throw new Error(`uniform ${layout.structName}.${field.name} was not given`);
    if (field.type === 'f32') {
      view.setFloat32(field.offset, value, true);
    } else if (field.type === 'u32') {
      if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
        throw new Error(`uniform ${layout.structName}.${field.name} = ${value} is not a u32`);
      }
      view.setUint32(field.offset, value, true);
    } else {
      view.setInt32(field.offset, value, true);
    }
  }
  return buffer;
}
