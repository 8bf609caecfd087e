// Builds the library bundle (dist/index.js, one ESM file with no bare imports and the shaders inlined),
// its type declarations (dist/index.d.ts), and the test harness's page bundle (build/harness/).
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkBundleSize } from './scripts/check-size.mjs';

/**
 * WGSL is bundled as text without its comments and indentation (the sources keep them; the GPU never reads them),
 * so shader commentary costs no bundle size. `//#` lines are preprocessor directives and stay.
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

const common = {
  bundle: true,
  format: 'esm',
  target: 'es2022',
  plugins: [wgslWithoutComments],
  // wgsl_reflect's "main" is a CommonJS file in an ESM package; its "module" build is the right one.
  mainFields: ['module', 'main'],
  logLevel: 'warning',
};

async function buildLibrary() {
  rmSync('dist', { recursive: true, force: true });
  await build({ ...common, entryPoints: ['src/index.ts'], outfile: 'dist/index.js', platform: 'neutral', sourcemap: true });
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
  rewriteDeclarationImports('dist/types');
  writeFileSync('dist/index.d.ts', "export * from './types/index.js';\n");
}

/** tsc keeps the sources' `./x.ts` specifiers in .d.ts files; published types must say `./x.js`. */
function rewriteDeclarationImports(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) rewriteDeclarationImports(path);
    else if (path.endsWith('.d.ts')) {
      writeFileSync(path, readFileSync(path, 'utf8').replace(/(from\s+['"]\.{1,2}\/[^'"]*)\.ts(['"])/g, '$1.js$2'));
    }
  }
}

/** The browser demo's page script (build/demo/demo.js), served by demo/serve.ts. */
async function buildDemo() {
  await build({ ...common, entryPoints: ['demo/main.ts'], outfile: 'build/demo/demo.js', platform: 'browser', sourcemap: true, minify: true });
}

/** The benchmark page's script (build/bench/page.js): the library from source plus TF.js. */
async function buildBench() {
  await build({ ...common, entryPoints: ['bench/page.ts'], outfile: 'build/bench/page.js', platform: 'browser', sourcemap: true });
}

async function buildHarness() {
  await build({
    ...common,
    entryPoints: ['harness/fixtures.ts'],
    outfile: 'build/harness/fixtures.js',
    platform: 'browser',
    sourcemap: 'inline',
  });
}

/** The page `npm run train` drives in headless Chrome (build/harness/train-page.js). */
async function buildTrainPage() {
  await build({ ...common, entryPoints: ['harness/train-page.ts'], outfile: 'build/harness/train-page.js', platform: 'browser', sourcemap: 'inline' });
}

await buildLibrary();
await checkBundleSize('dist/index.js');
await buildHarness();
await buildTrainPage();
await buildDemo();
await buildBench();
