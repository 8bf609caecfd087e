// Each kernel's ShaderInfo as reflected from its WGSL at build time: the bundle carries the
// reflections (reflected.ts, written by the build) instead of the WGSL parser.
import type { EntryInfo, ReflectedShader, ShaderInfo } from './layout.ts';
import type { ShaderFeatures } from './preprocess.ts';
import { REFLECTED } from './reflected.ts';

export type { ReflectedEntry, ReflectedShader } from './layout.ts';

/**
 * Every combination of ShaderFeatures a device can have: the variants the build reflects. An added
 * feature fails to type-check here until its combinations are listed.
 */
export const FEATURE_SETS: readonly ShaderFeatures[] = [{ subgroups: false }, { subgroups: true }];

/** The table key of kernel `name` preprocessed for `features`. */
export function variantKey(name: string, features: ShaderFeatures): string {
  const on = (Object.keys(features) as (keyof ShaderFeatures)[]).filter((f) => features[f]).sort();
  return [name, ...on].join('+');
}

export function toReflected(info: ShaderInfo): ReflectedShader {
  return {
    uniforms: info.uniforms,
    entries: [...info.entries.values()].map((e) => ({ name: e.name, workgroupSize: e.workgroupSize, bindings: [...e.bindings] })),
  };
}

export function fromReflected(r: ReflectedShader): ShaderInfo {
  const entries = new Map<string, EntryInfo>(
    r.entries.map((e) => [e.name, { name: e.name, workgroupSize: e.workgroupSize, bindings: new Map(e.bindings) }]),
  );
  return { uniforms: r.uniforms, entries };
}

/** Kernel `name`'s ShaderInfo for a device with `features`, as the build reflected it. */
export function shaderInfo(name: string, features: ShaderFeatures): ShaderInfo {
  const key = variantKey(name, features);
  const reflected = REFLECTED[key];
  if (reflected === undefined) {
    throw new Error(
      `no reflection of shader ${key} in this build: shader layouts are reflected when esbuild bundles the ` +
        'library with the plugins of scripts/build-options.mjs',
    );
  }
  return fromReflected(reflected);
}
