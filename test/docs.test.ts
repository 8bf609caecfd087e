// What README.md and API.md state about the package, checked against the package: the size numbers
// against the built bundle, and the licence notices against the bundle's header.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { describeRun, runNode } from './support/node-gpu.ts';

const test = suite('docs: README and API.md against the package');
const ROOT = new URL('..', import.meta.url).pathname;
const read = (file: string): string => readFileSync(join(ROOT, file), 'utf8');
const collapse = (s: string): string => s.replace(/\s+/g, ' ').trim();

test("README's size paragraph holds the numbers `npm run size` measures now", async () => {
  const run = await runNode(['scripts/check-size.mjs', '--paragraph'], { cwd: ROOT });
  if (run.code !== 0) assert.unreachable(describeRun('scripts/check-size.mjs --paragraph', run));
  const readme = read('README.md');
  const block = /<!-- size:[^\n]*-->\n([\s\S]*?)<!-- \/size -->/.exec(readme)?.[1];
  assert.ok(block !== undefined, 'README has no size block between its markers');
  const numbers = (s: string): number[] => [...s.matchAll(/([\d.]+) KiB/g)].map((m) => Number(m[1]));
  const measured = numbers(run.stdout);
  const written = numbers(block as string);
  assert.is(written.length, measured.length, `README: ${block}\nmeasured: ${run.stdout}`);
  // The bundle changes with every kernel edit; a few percent of drift is fine, more means the
  // paragraph is stale: run `npm run size`.
  measured.forEach((m, i) => {
    const w = written[i] as number;
    assert.ok(Math.abs(w - m) <= Math.max(1, 0.03 * m), `README says ${w} KiB where the bundle measures ${m} KiB: run npm run size\n${run.stdout}`);
  });
});

test("LICENSE is MIT, and dist/index.js carries it and wgsl_reflect's notice in full", () => {
  const license = read('LICENSE');
  assert.match(license, /^MIT License\n\nCopyright \(c\) 2026 webgpu-logreg contributors\n/);
  const bundle = read('dist/index.js');
  const header = bundle.slice(0, bundle.indexOf('\nvar ') > 0 ? bundle.indexOf('\nvar ') : 4000);
  assert.ok(header.includes('Copyright (c) 2026 webgpu-logreg contributors'), 'the bundle does not name its own licence');
  // MIT: "The above copyright notice and this permission notice shall be included in all copies".
  const theirs = read('node_modules/wgsl_reflect/LICENSE.md').replace(/^#\s*/, '');
  for (const paragraph of theirs.split(/\n\s*\n/).map(collapse).filter((p) => p !== '')) {
    assert.ok(collapse(header).includes(paragraph), `the bundle lacks wgsl_reflect's '${paragraph.slice(0, 60)}…'`);
  }
  assert.match(header, /^\/\*!/, 'the notices are legal comments (/*!), which minifiers keep');
});

test.run();
