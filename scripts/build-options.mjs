// esbuild options shared by build.mjs and the size check, so the size check measures the library
// built exactly as it ships.
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));

export const common = {
  absWorkingDir: ROOT,
  bundle: true,
  format: 'esm',
  target: 'es2022',
  loader: { '.wgsl': 'text' },
  // wgsl_reflect's "main" is a CommonJS file in an ESM package; its "module" build is the right one.
  mainFields: ['module', 'main'],
  logLevel: 'warning',
};

/** dist/index.js: the published bundle, platform-neutral (browsers and Node). */
export const library = { ...common, entryPoints: ['src/index.ts'], outfile: 'dist/index.js', platform: 'neutral' };
