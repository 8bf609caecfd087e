// Bind-group layouts and uniform offsets come from the WGSL itself (via wgsl_reflect), so a shader
// edit can never drift out of sync with hand-typed offsets on the TypeScript side. This runs when the
// library is built (reflect-all.ts) and in tests; the shipped bundle carries its results, not the parser.
import { ResourceType, WgslReflect, type VariableInfo } from 'wgsl_reflect';
import type { BindingInfo, EntryInfo, ScalarType, ShaderInfo, UniformField, UniformLayout } from './layout.ts';

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
