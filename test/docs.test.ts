// What README.md and API.md state about the package, checked against the package: the size numbers
// against the built bundle, the fit() option tables against the options fit() accepts, the install
// line against what `npm pack` writes, and the licence notices against the bundle's header.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { resolveFitOptions } from '../src/core/options.ts';
import { describeRun, runNode } from './support/node-gpu.ts';

const test = suite('docs: README and API.md against the package');
const ROOT = new URL('..', import.meta.url).pathname;
const read = (file: string): string => readFileSync(join(ROOT, file), 'utf8');
const collapse = (s: string): string => s.replace(/\s+/g, ' ').trim();

/** The text of a markdown section: from its heading to the next heading of the same or a higher level. */
function section(markdown: string, heading: string): string {
  const start = markdown.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`no '${heading}' heading`);
  const level = /^#+/.exec(heading)?.[0].length ?? 1;
  const rest = markdown.slice(start + heading.length + 2);
  const next = new RegExp(`\\n#{1,${level}} `).exec(rest);
  return next === null ? rest : rest.slice(0, next.index);
}

/** The backticked names in the first cell of each row of the first table after `marker`. */
function firstColumnNames(text: string, marker: string): string[] {
  const from = text.indexOf(marker);
  if (from < 0) throw new Error(`no '${marker}'`);
  const lines = text.slice(from).split('\n');
  const start = lines.findIndex((l) => l.startsWith('|'));
  const rows: string[] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break;
    rows.push(line.split('|')[1] ?? '');
  }
  return rows.flatMap((cell) => [...cell.matchAll(/`(\w+)`/g)].map((m) => m[1] as string));
}

/** The option names fit() accepts, as its own error for an unknown name lists them. */
function knownFitOptions(): string[] {
  try {
    resolveFitOptions({ notAnOption: 1 } as unknown as Parameters<typeof resolveFitOptions>[0], 1);
  } catch (e) {
    const list = /\(known: ([^)]*)\)/.exec((e as Error).message)?.[1];
    if (list !== undefined) return list.split(', ').sort();
    throw e;
  }
  throw new Error('fit() accepted an unknown option');
}

test('API.md and README list every fit() option, and no other', () => {
  const known = knownFitOptions();
  assert.ok(known.includes('epochs') && known.length >= 10, `parsed ${known.join(', ')}`);
  const api = firstColumnNames(section(read('API.md'), '## fit() options'), '| field |').sort();
  assert.equal(api, known, 'API.md, fit() options table');
  const readme = firstColumnNames(read('README.md'), '`fit(X, y, options)` options').sort();
  assert.equal(readme, known, 'README, fit options table');
});

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

test('the install line installs the tarball `npm pack` writes, and packing builds dist/ first', () => {
  const pkg = JSON.parse(read('package.json')) as { name: string; version: string; scripts: Record<string, string> };
  const readme = section(read('README.md'), '## Using the package');
  assert.match(readme, 'npm pack');
  assert.match(readme, `npm install /path/to/checkout/${pkg.name}-${pkg.version}.tgz`);
  assert.match(pkg.scripts['prepack'] ?? '', /node build\.mjs/, 'npm pack must build dist/ (prepack)');
});

test("LICENSE is MIT; dist/index.js carries it and the notice of each package it bundles, and no wgsl_reflect", () => {
  const license = read('LICENSE');
  assert.match(license, /^MIT License\n\nCopyright \(c\) 2026 webgpu-logreg contributors\n/);
  const bundle = read('dist/index.js');
  const header = bundle.slice(0, bundle.indexOf('\nvar ') > 0 ? bundle.indexOf('\nvar ') : 4000);
  assert.ok(header.includes('Copyright (c) 2026 webgpu-logreg contributors'), 'the bundle does not name its own licence');
  // The source map names every file whose code is in the bundle.
  const sources = (JSON.parse(read('dist/index.js.map')) as { sources: string[] }).sources;
  const bundled = new Set(sources.flatMap((f) => /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(f)?.[1] ?? []));
  // The shaders are reflected when the library is built; the WGSL parser must not ship.
  assert.not.ok(bundled.has('wgsl_reflect'), `wgsl_reflect is bundled (${sources.filter((f) => f.includes('wgsl_reflect')).join(', ')})`);
  assert.not.ok(bundle.includes('wgsl_reflect'), 'the bundle names wgsl_reflect');
  // MIT: "The above copyright notice and this permission notice shall be included in all copies".
  for (const name of bundled) {
    const dir = join('node_modules', name);
    const file = readdirSync(join(ROOT, dir)).find((f) => /^licen[cs]e(\.|$)/i.test(f));
    assert.ok(file !== undefined, `${name} is bundled and has no LICENSE file`);
    const theirs = read(join(dir, file as string)).replace(/^#\s*/, '');
    for (const paragraph of theirs.split(/\n\s*\n/).map(collapse).filter((p) => p !== '')) {
      assert.ok(collapse(header).includes(paragraph), `the bundle lacks ${name}'s '${paragraph.slice(0, 60)}…'`);
    }
  }
  assert.match(header, /^\/\*!/, 'the notices are legal comments (/*!), which minifiers keep');
});

test.run();
