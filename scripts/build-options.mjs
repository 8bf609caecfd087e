// esbuild options shared by build.mjs and the size check, so the size check measures the library
// built exactly as it ships.
import { build } from 'esbuild';
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

const base = {
  absWorkingDir: ROOT,
  bundle: true,
  format: 'esm',
  target: 'es2022',
  // wgsl_reflect's "main" is a CommonJS file in an ESM package; its "module" build is the right one.
  mainFields: ['module', 'main'],
  logLevel: 'warning',
};

/** One reflection per process: every build of a run bundles the same shaders. */
let reflections = null;

/**
 * Every shader variant reflected by wgsl_reflect, with the library's own code
 * (src/gpu/reflect-all.ts), run here on the WGSL text the bundles carry.
 * @returns {Promise<Record<string, unknown>>}
 */
function reflectAll() {
  reflections ??= (async () => {
    const result = await build({
      ...base,
      plugins: [wgslWithoutComments],
      entryPoints: ['src/gpu/reflect-all.ts'],
      outfile: 'reflect-all.mjs',
      platform: 'node',
      write: false,
    });
    const code = result.outputFiles[0]?.text ?? '';
    const module = await import(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`);
    return module.reflectAllShaders();
  })();
  return reflections;
}

/**
 * Writes src/gpu/reflected.ts (empty in the sources) as the table of every shader variant's
 * reflection, so bundles get the layouts wgsl_reflect derives from the WGSL without bundling the
 * parser itself.
 */
export const reflectedShaders = {
  name: 'reflected-shaders',
  setup(b) {
    b.onLoad({ filter: /[\\/]src[\\/]gpu[\\/]reflected\.ts$/ }, async () => ({
      contents: `export const REFLECTED = ${JSON.stringify(await reflectAll())};\n`,
      loader: 'js',
    }));
  },
};

export const common = { ...base, plugins: [wgslWithoutComments, reflectedShaders] };

/** dist/index.js: the published bundle, platform-neutral (browsers and Node). */
export const library = { ...common, entryPoints: ['src/index.ts'], outfile: 'dist/index.js', platform: 'neutral' };
