// Every shader variant's reflection, keyed by variantKey (shader-info.ts). esbuild replaces this
// file when it bundles the library (the reflected-shaders plugin in scripts/build-options.mjs runs
// reflect-all.ts there), so the table is always derived from the WGSL being bundled with it. Left
// unbundled it is empty, and shaderInfo says how to build.
import type { ReflectedShader } from './layout.ts';

export const REFLECTED: Readonly<Record<string, ReflectedShader>> = {};
