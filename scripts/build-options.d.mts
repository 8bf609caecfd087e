// Types for the TypeScript code that imports the esbuild options (the device benchmark's bundle).
import type { BuildOptions, Plugin } from 'esbuild';

export const ROOT: string;
/** Writes every shader variant's build-time reflection into src/gpu/reflected.ts. */
export const reflectedShaders: Plugin;
export const common: BuildOptions;
export const library: BuildOptions;
