// Run by the build (scripts/build-options.mjs), never shipped: reflects every kernel for every
// feature set with wgsl_reflect, from the same preprocessed WGSL the bundle compiles.
import { reflectShader } from './reflect.ts';
import { FEATURE_SETS, toReflected, variantKey, type ReflectedShader } from './shader-info.ts';
import { SHADERS, shaderSource, type KernelName } from './shaders.ts';

export function reflectAllShaders(): Record<string, ReflectedShader> {
  const table: Record<string, ReflectedShader> = {};
  for (const name of Object.keys(SHADERS) as KernelName[]) {
    for (const features of FEATURE_SETS) {
      try {
        table[variantKey(name, features)] = toReflected(reflectShader(shaderSource(name, features)));
      } catch (e) {
        throw new Error(`reflecting shader ${variantKey(name, features)}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  }
  return table;
}
