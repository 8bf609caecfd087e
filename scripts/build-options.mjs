// esbuild options shared by build.mjs and the size check, so the size check measures the library
// built exactly as it ships.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * WGSL is bundled as text without its comments and indentation (the sources keep them; the GPU
 * never reads them), so shader commentary costs no bundle size. `//#` lines are preprocessor
 * directives and stay.
 */
const wgslWithoutComments = {
  name: 'wgsl-without-comments',
  setup(b) {
    b.onLoad({ filter: /\.wgsl$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8')
        .replace(/\/\*[\s\S]*?\*\//g, '')
        .split('\n')
        .map((line) => (/^\s*\/\/(?!#)/.test(line) ? '' : line.replace(/\s+\/\/(?!#).*$/, '').trim()))
        .filter((line) => line !== '')
        .join('\n');
      return { contents: text, loader: 'text' };
    });
  },
};

export const common = {
  absWorkingDir: ROOT,
  bundle: true,
  format: 'esm',
  target: 'es2022',
  plugins: [wgslWithoutComments],
  // wgsl_reflect's "main" is a CommonJS file in an ESM package; its "module" build is the right one.
  mainFields: ['module', 'main'],
  logLevel: 'warning',
};

/** dist/index.js: the published bundle, platform-neutral (browsers and Node). */
export const library = { ...common, entryPoints: ['src/index.ts'], outfile: 'dist/index.js', platform: 'neutral' };
