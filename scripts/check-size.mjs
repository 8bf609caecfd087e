// The size budget of the published bundle. dist/index.js ships unminified (readable stack traces;
// apps minify it with the rest of their code), so it is measured the way it reaches users: minified
// and gzipped, shaders and their reflected layouts included. `node build.mjs` runs the check after building the
// library and fails when the bundle grows past the budget.
//
//   node scripts/check-size.mjs [file] [budgetBytes] [--readme | --paragraph]
//
// prints the sizes (and fails past the budget); --readme also writes them into README.md's size
// paragraph, so the numbers there come from a measurement (`npm run size` builds, then does this);
// --paragraph prints that paragraph instead (the docs test compares it with README's).
import { transform } from 'esbuild';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { ROOT } from './build-options.mjs';

/**
 * Minified + gzipped bytes allowed for dist/index.js. The shaders are reflected at build time: the
 * bundle carries each shader variant's layout (about 1 KiB) instead of wgsl_reflect (43 KiB), which
 * took it from 91.8 to 50.2 KiB. 54.4 KiB with the optimizers with state (momentum, Nesterov, Adam);
 * 60.0 KiB with the 'js' engine (a trainer and passes in plain JavaScript for pages without WebGPU);
 * 62.0 KiB with every count, scale, size and helper argument checked by name (hostile inputs); the
 * budget of 64 KiB leaves about 2 KiB for the library to grow.
 */
export const BUNDLE_BUDGET_BYTES = 64 * 1024;

/** README.md's size paragraph lies between these two lines; `--readme` rewrites what is between. */
export const README_SIZE_START = '<!-- size: written by `npm run size`, do not edit by hand -->';
export const README_SIZE_END = '<!-- /size -->';

/**
 * Raw, minified and minified+gzipped (level 9) sizes of ESM code, in bytes.
 * @param {string} code
 * @returns {Promise<{ raw: number, min: number, gzip: number }>}
 */
async function measureCode(code) {
  const minified = await transform(code, { minify: true, format: 'esm', target: 'es2022', legalComments: 'none' });
  return {
    raw: Buffer.byteLength(code),
    min: Buffer.byteLength(minified.code),
    gzip: gzipSync(minified.code, { level: 9 }).length,
  };
}

/**
 * Raw, minified and minified+gzipped (level 9) sizes of an ESM bundle, in bytes.
 * @param {string} file
 * @returns {Promise<{ raw: number, min: number, gzip: number }>}
 */
export async function measureBundle(file) {
  return measureCode(readFileSync(file, 'utf8'));
}

const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;

/**
 * README.md's size paragraph for these measurements.
 * @param {{ raw: number, min: number, gzip: number }} size the whole bundle
 * @param {number} [budget]
 * @returns {string}
 */
export function sizeParagraph(size, budget = BUNDLE_BUDGET_BYTES) {
  const whole = (n) => `${Math.round(n / 1024)} KiB`;
  return [
    `**Size**: the bundle is ${kib(size.raw)} raw, ${kib(size.min)} minified, **${kib(size.gzip)} minified and gzipped**`,
    "(shaders included, with the kernels' bind-group layouts and uniform offsets, which the build derives",
    'from the WGSL with wgsl_reflect; the parser itself is not bundled). `npm run build` fails when the',
    `minified+gzipped bundle grows past its budget of **${whole(budget)}**; \`npm run size\` builds, prints the`,
    'numbers and writes them here.',
  ].join('\n');
}

/**
 * Replaces README's size paragraph (between the markers) with `paragraph`.
 * @param {string} paragraph
 * @param {string} [readme]
 */
export function writeReadmeSize(paragraph, readme = join(ROOT, 'README.md')) {
  const text = readFileSync(readme, 'utf8');
  const start = text.indexOf(README_SIZE_START);
  const end = text.indexOf(README_SIZE_END);
  if (start < 0 || end < start) throw new Error(`${readme} has no size paragraph between '${README_SIZE_START}' and '${README_SIZE_END}'`);
  writeFileSync(readme, `${text.slice(0, start + README_SIZE_START.length)}\n${paragraph}\n${text.slice(end)}`);
}

/**
 * Measures the bundle, throws when the minified+gzipped size is over `budget` bytes, and prints the
 * sizes unless `quiet` (a failure is always reported, through the thrown error).
 * @param {string} [file]
 * @param {number} [budget]
 * @param {{ quiet?: boolean }} [options]
 * @returns {Promise<{ raw: number, min: number, gzip: number }>}
 */
export async function checkBundleSize(file = 'dist/index.js', budget = BUNDLE_BUDGET_BYTES, options = {}) {
  const size = await measureBundle(file);
  const line =
    `${file}: ${kib(size.raw)} raw, ${kib(size.min)} minified, ${kib(size.gzip)} = ${size.gzip} B minified+gzipped ` +
    `(budget ${kib(budget)} = ${budget} B)`;
  if (size.gzip > budget) {
    throw new Error(`${line}: over the size budget by ${size.gzip - budget} bytes`);
  }
  if (options.quiet !== true) console.log(line);
  return size;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  try {
    const args = process.argv.slice(2);
    const readme = args.includes('--readme');
    const paragraph = args.includes('--paragraph');
    const [file, budgetArg] = args.filter((a) => !a.startsWith('--'));
    const budget = budgetArg === undefined ? undefined : Number(budgetArg);
    if (budget !== undefined && !(budget > 0)) throw new Error(`budgetBytes must be a positive number, got ${budgetArg}`);
    const size = await checkBundleSize(file, budget, { quiet: paragraph });
    if (readme || paragraph) {
      const text = sizeParagraph(size, budget);
      if (paragraph) console.log(text);
      else {
        writeReadmeSize(text);
        console.log('README.md: size paragraph updated');
      }
    }
  } catch (e) {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  }
}
