// The size budget of the published bundle. dist/index.js ships unminified (readable stack traces;
// apps minify it with the rest of their code), so it is measured the way it reaches users: minified
// and gzipped, shaders and wgsl_reflect included. `node build.mjs` runs this after building the
// library and fails when the bundle grows past the budget; `node scripts/check-size.mjs [file]
// [budgetBytes]` runs it alone.
import { transform } from 'esbuild';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';

/** Minified + gzipped bytes allowed for dist/index.js. */
export const BUNDLE_BUDGET_BYTES = 80 * 1024;

/**
 * Raw, minified and minified+gzipped (level 9) sizes of an ESM bundle, in bytes.
 * @param {string} file
 * @returns {Promise<{ raw: number, min: number, gzip: number }>}
 */
export async function measureBundle(file) {
  const code = readFileSync(file, 'utf8');
  const minified = await transform(code, { minify: true, format: 'esm', target: 'es2022', legalComments: 'none' });
  return {
    raw: Buffer.byteLength(code),
    min: Buffer.byteLength(minified.code),
    gzip: gzipSync(minified.code, { level: 9 }).length,
  };
}

/**
 * Prints the sizes and throws when the minified+gzipped size is over `budget` bytes.
 * @param {string} [file]
 * @param {number} [budget]
 * @returns {Promise<{ raw: number, min: number, gzip: number }>}
 */
export async function checkBundleSize(file = 'dist/index.js', budget = BUNDLE_BUDGET_BYTES) {
  const size = await measureBundle(file);
  const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
  const line =
    `${file}: ${kib(size.raw)} raw, ${kib(size.min)} minified, ${kib(size.gzip)} = ${size.gzip} B minified+gzipped ` +
    `(budget ${kib(budget)} = ${budget} B)`;
  if (size.gzip > budget) {
    throw new Error(`${line}: over the size budget by ${size.gzip - budget} bytes`);
  }
  console.log(line);
  return size;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  try {
    const budget = process.argv[3] === undefined ? undefined : Number(process.argv[3]);
    if (budget !== undefined && !(budget > 0)) throw new Error(`budgetBytes must be a positive number, got ${process.argv[3]}`);
    await checkBundleSize(process.argv[2], budget);
  } catch (e) {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  }
}
