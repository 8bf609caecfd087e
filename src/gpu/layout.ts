// A kernel's reflected interface: the byte layout of its uniform struct and each entry point's
// bindings by variable name. wgsl_reflect derives it from the WGSL (reflect.ts) when the library is
// built; the bundle carries the result (shader-info.ts), and these types and the packing, not the parser.

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

/** An entry point's reflection as plain data (JSON), its bindings in the shader's order. */
export interface ReflectedEntry {
  name: string;
  workgroupSize: readonly [number, number, number];
  bindings: readonly (readonly [string, BindingInfo])[];
}

/** A ShaderInfo as plain data (JSON), so the build can write it into the bundle. */
export interface ReflectedShader {
  uniforms: UniformLayout | null;
  entries: readonly ReflectedEntry[];
}
