// src/ is layered by folder: a file imports only from its own layer or the layers below it (LAYERS),
// type imports included, and the value imports (what runs when a module loads) form no cycle. The
// imports are read from the sources with a small line scanner rather than a parser: TypeScript 7
// ships no in-process compiler API, and esbuild drops type-only imports before a plugin sees them.
// The scanner relies on the formatter's layout (a top-level import or export starts its line), and
// a check below fails on any import it did not read, so a missed form cannot pass unnoticed.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { posix } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * The layers, lowest first. A file may import its own layer and any layer on a lower line; layers on
 * one line are independent (neither imports the other). 'base' is the files directly in src/
 * (errors, types, validate, dense, random, matrix: what every layer checks and returns); 'index' is
 * src/index.ts, the package's entry. Every other layer is the folder of that name.
 */
const LAYERS: readonly (readonly string[])[] = [
  ['base'],
  ['core', 'data'],
  ['cpu', 'gpu'],
  ['kernels'],
  ['step'],
  ['train'],
  ['models'],
  ['index'],
];

interface Edge {
  from: string;
  to: string;
  /** `import type`, `export type`, or braces whose every name says `type`: gone at run time. */
  typeOnly: boolean;
}

interface Scan {
  edges: Edge[];
  /** Lines that name a module in a way the scanner did not read as an import. */
  unread: string[];
}

/** Full-line comments (`//`, and block comment lines starting with `/*` or `*`) as empty lines. */
function codeLines(text: string): string[] {
  return text.split('\n').map((line) => (/^\s*(\/\/|\/\*|\*)/.test(line) ? '' : line));
}

function isTypeOnly(clause: string): boolean {
  const c = clause.trim();
  if (/^type\s/.test(c)) return true;
  const braces = /^\{([\s\S]*)\}$/.exec(c);
  if (braces === null) return false;
  const names = (braces[1] as string).split(',').map((n) => n.trim()).filter((n) => n !== '');
  return names.length > 0 && names.every((n) => /^type\s/.test(n));
}

/** The modules `text` (the source of `file`, a path relative to the repository) imports or re-exports. */
function scanImports(file: string, text: string): Scan {
  const lines = codeLines(text);
  const code = lines.join('\n');
  const found: { spec: string; typeOnly: boolean; line: number }[] = [];
  const lineAt = (index: number): number => code.slice(0, index).split('\n').length;
  // `import … from '…'` and `export … from '…'`, over several lines, never into the next statement.
  const statement = /^(?:import|export)\b((?:(?!^(?:import|export)\b)[^;])*?)\bfrom\s*(['"])([^'"\n]+)\2/gm;
  for (const m of code.matchAll(statement)) {
    const fromAt = m.index + m[0].lastIndexOf('from');
    found.push({ spec: m[3] as string, typeOnly: isTypeOnly(m[1] as string), line: lineAt(fromAt) });
  }
  for (const m of code.matchAll(/^import\s*(['"])([^'"\n]+)\1/gm)) found.push({ spec: m[2] as string, typeOnly: false, line: lineAt(m.index) });
  for (const m of code.matchAll(/\bimport\s*\(\s*(['"])([^'"\n]+)\1\s*\)/g)) found.push({ spec: m[2] as string, typeOnly: false, line: lineAt(m.index) });

  // Lines that look like an import (a string after `from` on an import/export line, or after
  // `import`) must each have been read above.
  const looksLikeImport = /^\s*(?:import|export)\b[^'"=]*\bfrom\s*['"]|^\s*\}\s*from\s*['"]|^\s*import\s*['"]|\bimport\s*\(\s*['"]/;
  const read = new Set(found.map((f) => f.line));
  const unread = lines.flatMap((line, i) => (looksLikeImport.test(line) && !read.has(i + 1) ? [`${file}:${i + 1}: ${line.trim()}`] : []));
  const dir = posix.dirname(file);
  const edges = found
    .filter((f) => f.spec.startsWith('./') || f.spec.startsWith('../'))
    .map((f) => ({ from: file, to: posix.normalize(posix.join(dir, f.spec)), typeOnly: f.typeOnly }));
  return { edges, unread };
}

/** Every .ts file under src/, as a path relative to the repository ('src/core/loop.ts'). */
function sourceFiles(): string[] {
  return readdirSync(posix.join(ROOT, 'src'), { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.ts'))
    .map((f) => posix.join('src', f.split('\\').join('/')))
    .sort();
}

/** The layer of a file of src/, by its folder; null for a folder LAYERS does not name. */
function layerOf(file: string): string | null {
  const rest = file.slice('src/'.length);
  if (!rest.includes('/')) return rest === 'index.ts' ? 'index' : 'base';
  const folder = rest.slice(0, rest.indexOf('/'));
  return LAYERS.some((line) => line.includes(folder)) ? folder : null;
}

function rankOf(layer: string): number {
  return LAYERS.findIndex((line) => line.includes(layer));
}

/** Each edge into a layer above or beside its file's, said as `from → to (why)`. */
function layerViolations(edges: readonly Edge[]): string[] {
  const out: string[] = [];
  for (const e of edges) {
    if (!e.to.startsWith('src/')) continue;
    const a = layerOf(e.from);
    const b = layerOf(e.to);
    if (a === null || b === null || a === b) continue;
    const [ra, rb] = [rankOf(a), rankOf(b)];
    if (rb < ra) continue;
    const where = rb === ra ? 'beside it' : 'above it';
    out.push(`${e.from} → ${e.to}${e.typeOnly ? ' (type import)' : ''}: layer ${a} imports ${b}, ${where}`);
  }
  return out;
}

/** One cycle (as `a → b → … → a`) per strongly connected group of value imports (Tarjan). */
function valueCycles(edges: readonly Edge[]): string[] {
  const next = new Map<string, string[]>();
  for (const e of edges) {
    if (e.typeOnly || !e.to.endsWith('.ts')) continue;
    next.set(e.from, [...(next.get(e.from) ?? []), e.to]);
  }
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const groups: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, index.size);
    low.set(v, index.get(v) as number);
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v) as number, index.get(w) as number));
      }
    }
    if (low.get(v) === index.get(v)) {
      const group: string[] = [];
      let w: string;
      do {
        w = stack.pop() as string;
        onStack.delete(w);
        group.push(w);
      } while (w !== v);
      if (group.length > 1 || (next.get(v) ?? []).includes(v)) groups.push(group);
    }
  };
  for (const v of next.keys()) if (!index.has(v)) visit(v);
  return groups.map((group) => cycleThrough(group.sort()[0] as string, new Set(group), next).join(' → '));
}

/** The shortest path from `start` back to itself inside `group` (breadth first). */
function cycleThrough(start: string, group: ReadonlySet<string>, next: ReadonlyMap<string, string[]>): string[] {
  const before = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const v = queue.shift() as string;
    for (const w of next.get(v) ?? []) {
      if (!group.has(w)) continue;
      if (w === start) {
        const between: string[] = [];
        for (let u = v; u !== start; u = before.get(u) as string) between.unshift(u);
        return [start, ...between, start];
      }
      if (!before.has(w)) {
        before.set(w, v);
        queue.push(w);
      }
    }
  }
  return [start, start];
}

function scanSources(): Scan {
  const scans = sourceFiles().map((f) => scanImports(f, readFileSync(posix.join(ROOT, f), 'utf8')));
  return { edges: scans.flatMap((s) => s.edges), unread: scans.flatMap((s) => s.unread) };
}

const report = (title: string, lines: readonly string[]): string => `${title}:\n  ${lines.join('\n  ')}`;

const test = suite('layers: src/ imports point down');

test('the scanner reads each form of import, and says which are types only', () => {
  const source = [
    "import { a, type B } from './value.ts';",
    "import type { C } from '../types.ts';",
    'import {',
    '  type D,',
    '  type E,',
    "} from './types-only.ts';",
    "import * as ops from './ops.ts';",
    "export { f } from './reexport.ts';",
    "export type { G } from './reexport-type.ts';",
    "export * as cpu from './namespace.ts';",
    "import 'webgpu';",
    '// import { old } from "./commented.ts";',
    ' * import { doc } from "./doc.ts";',
    'export interface Empty {}',
    "export { h } from './after-interface.ts';",
    'export async function load(): Promise<unknown> {',
    "  return import('./lazy.ts');",
    '}',
  ].join('\n');
  const scan = scanImports('src/x/file.ts', source);
  assert.equal(scan.unread, []);
  const said = scan.edges.map((e) => `${e.to}${e.typeOnly ? ' type' : ''}`);
  assert.equal(said, [
    'src/x/value.ts',
    'src/types.ts type',
    'src/x/types-only.ts type',
    'src/x/ops.ts',
    'src/x/reexport.ts',
    'src/x/reexport-type.ts type',
    'src/x/namespace.ts',
    'src/x/after-interface.ts',
    'src/x/lazy.ts',
  ]);
  // A form it does not know is reported, not skipped.
  const missed = scanImports('src/x/missed.ts', "  export { q } from './indented.ts';");
  assert.equal(missed.unread.length, 1, 'an indented re-export is reported as unread');
});

test('every import in src/ is read, and every file is in a declared layer', () => {
  const { edges, unread } = scanSources();
  assert.ok(unread.length === 0, report('lines naming a module that the scanner did not read as an import', unread));
  const files = sourceFiles();
  const unplaced = files.filter((f) => layerOf(f) === null);
  assert.ok(unplaced.length === 0, report(`files in a folder LAYERS does not name (${LAYERS.flat().join(', ')})`, unplaced));
  const missing = edges.filter((e) => e.to.startsWith('src/') && !existsSync(posix.join(ROOT, e.to))).map((e) => `${e.from} → ${e.to}`);
  assert.ok(missing.length === 0, report('imports of files that do not exist', missing));
  assert.ok(edges.length > files.length, `only ${edges.length} imports read from ${files.length} files`);
});

test('no file imports from a layer above or beside its own', () => {
  const violations = layerViolations(scanSources().edges);
  assert.ok(violations.length === 0, report(`imports against the layer order ${LAYERS.map((l) => l.join('|')).join(' ← ')}`, violations));
});

test('the value imports form no cycle', () => {
  const cycles = valueCycles(scanSources().edges);
  assert.ok(cycles.length === 0, report('import cycles (value imports)', cycles));
});

test('a planted upward import and a planted cycle are caught', () => {
  const { edges } = scanSources();
  const files = sourceFiles();
  // The lowest file that imports another, made to import the highest-layer file: an upward edge
  // whatever the layout, and with the real edges up from it, a cycle when it is a value import.
  const low = [...new Set(edges.map((e) => e.from))].sort((a, b) => rankOf(layerOf(a) ?? 'index') - rankOf(layerOf(b) ?? 'index'))[0] as string;
  const high = files.find((f) => layerOf(f) === 'index') as string;
  const planted: Edge = { from: low, to: high, typeOnly: true };
  const found = layerViolations([...edges, planted]);
  assert.ok(found.some((v) => v.startsWith(`${low} → ${high} (type import)`)), report('the planted edge was not reported', found));
  // A value edge from a file to one that (through the real imports) imports it back.
  const target = edges.find((e) => !e.typeOnly && e.to.endsWith('.ts') && e.to.startsWith('src/'));
  assert.ok(target !== undefined, 'no value import to plant a cycle on');
  const back: Edge = { from: target.to, to: target.from, typeOnly: false };
  const cycles = valueCycles([...edges, back]);
  assert.ok(cycles.some((c) => c.includes(target.from) && c.includes(target.to)), report('the planted cycle was not found', cycles));
  assert.equal(valueCycles([...edges, { ...back, typeOnly: true }]).length, valueCycles(edges).length, 'a type import closes no cycle');
});

test.run();
