// Builds the library bundle (dist/index.js, one ESM file with no bare imports and the shaders inlined),
// its type declarations (dist/index.d.ts), and the test harness's page bundle (build/harness/).
//
//   node build.mjs [--size]     --size: print the bundle's size (it is checked against its budget either way)
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { common, library } from './scripts/build-options.mjs';
import { checkBundleSize } from './scripts/check-size.mjs';

// Every npm script that trains, serves or tests builds first; the size line is news only to
// whoever asked for it (npm run build, npm run size) or when the budget is exceeded (an error).
const printSize = process.argv.includes('--size');

/**
 * The licence notices dist/index.js carries: the library's own, and each bundled package's (MIT
 * requires its notice in every copy). Packages may ship minified without a legal comment for esbuild
 * to keep, so the notices are copied from the packages' LICENSE files, found through a first build
 * that writes nothing and lists its inputs. wgsl_reflect runs during the build (the shaders'
 * layouts are reflected then) and is not among them, so its notice is not in the bundle.
 */
async function licenseBanner() {
  const probe = await build({ ...library, write: false, metafile: true });
  const packages = new Set();
  for (const input of Object.keys(probe.metafile.inputs)) {
    const m = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (m !== null) packages.add(m[1]);
  }
  const notices = [...packages].sort().map((name) => {
    const dir = join('node_modules', name);
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    const file = readdirSync(dir).find((f) => /^licen[cs]e(\.|$)/i.test(f));
    if (file === undefined) throw new Error(`${name} is bundled into dist/index.js but has no LICENSE file to copy its notice from`);
    const text = readFileSync(join(dir, file), 'utf8').replace(/^#\s*/, '').trim().replaceAll('*/', '* /');
    return `/*! Bundled: ${name} ${pkg.version}${pkg.homepage ? ` (${pkg.homepage})` : ''}\n\n${text}\n*/`;
  });
  const own = JSON.parse(readFileSync('package.json', 'utf8'));
  const copyright = /^Copyright .*$/m.exec(readFileSync('LICENSE', 'utf8'))?.[0] ?? '';
  return [`/*! ${own.name} ${own.version} | ${own.license} License | ${copyright} */`, ...notices].join('\n');
}

async function buildLibrary() {
  rmSync('dist', { recursive: true, force: true });
  // legalComments 'inline' keeps any /*! comment of the sources where it is; the banner's notices
  // are /*! comments too, so minifiers and app bundlers keep them as well.
  await build({ ...library, sourcemap: true, legalComments: 'inline', banner: { js: await licenseBanner() } });
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
  await build({ ...common, entryPoints: ['bench/lbfgs-page.ts'], outfile: 'build/bench/lbfgs.js', platform: 'browser', sourcemap: true });
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
await checkBundleSize('dist/index.js', undefined, { quiet: !printSize });
await buildHarness();
await buildTrainPage();
await buildDemo();
await buildBench();
