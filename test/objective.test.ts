// The objective table (src/core/objective.ts) and its WGSL part (shaders/include/objective.wgsl)
// name the same parts with the same codes, and the float64 twins compute the textbook formulas.
import { readFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ACTIVATIONS, ERRORS, LOSSES, NO_ROW_STATS, rowStats } from '../src/core/objective.ts';
import { updateRule } from '../src/core/optimizer.ts';

const test = suite('objective parts');
const WGSL = readFileSync(new URL('../shaders/include/objective.wgsl', import.meta.url), 'utf8');

/** The WGSL constant `name` (e.g. ACT_SIGMOID) as a number, or undefined when absent. */
function wgslConstant(name: string): number | undefined {
  const m = new RegExp(`const\\s+${name}\\s*:\\s*u32\\s*=\\s*(\\d+)u\\s*;`).exec(WGSL);
  return m === null ? undefined : Number(m[1]);
}

const wgslName = (prefix: string, key: string): string => `${prefix}_${key.replace(/-/g, '_').toUpperCase()}`;

test('every table entry has the WGSL constant of the same code, and every WGSL constant an entry', () => {
  const tables: [string, Record<string, { code: number }>][] = [['ACT', ACTIVATIONS], ['LOSS', LOSSES], ['ERROR', ERRORS]];
  for (const [prefix, table] of tables) {
    for (const [key, part] of Object.entries(table)) assert.is(wgslConstant(wgslName(prefix, key)), part.code, `${prefix} ${key}`);
    const declared = [...WGSL.matchAll(new RegExp(`const\\s+${prefix}_(\\w+)\\s*:`, 'g'))].length;
    assert.is(declared, Object.keys(table).length, `${prefix}: WGSL constants vs table entries`);
    const codes = Object.values(table).map((p) => p.code);
    assert.is(new Set(codes).size, codes.length, `${prefix}: codes are distinct`);
  }
});

test('float64 twins: sigmoid, softmax, BCE, CE, ½-MSE, errors and the update rule by their formulas', () => {
  for (const z of [-30, -2.5, -1e-3, 0, 0.7, 4, 40]) {
    assert.ok(Math.abs(ACTIVATIONS.sigmoid.value(z, NO_ROW_STATS) - 1 / (1 + Math.exp(-z))) < 1e-15, `σ(${z})`);
    for (const y of [0, 1]) {
      const p = 1 / (1 + Math.exp(-z));
      const direct = -(y * Math.log(p) + (1 - y) * Math.log(1 - p));
      if (Number.isFinite(direct)) assert.ok(Math.abs(LOSSES.bce.element(z, p, y, NO_ROW_STATS) - direct) < 1e-9 * Math.max(1, direct), `bce(${z}, ${y})`);
    }
  }
  const z = [1.5, -0.25, 3, 0.125];
  const s = rowStats(z, 0, z.length);
  const e = z.map(Math.exp);
  const total = e.reduce((a, b) => a + b, 0);
  z.forEach((v, j) => {
    assert.ok(Math.abs(ACTIVATIONS.softmax.value(v, s) - (e[j] as number) / total) < 1e-15, `softmax ${j}`);
    assert.ok(Math.abs(LOSSES.ce.element(v, 0, 1, s) + Math.log((e[j] as number) / total)) < 1e-12, `ce ${j}`);
  });
  assert.is(LOSSES.mse.element(0, 2.5, 1, NO_ROW_STATS), 1.125);
  assert.is(ERRORS.residual.element(0.75, 1), -0.25);
  assert.is(ERRORS['sigmoid-mse'].element(0.75, 1), -0.25 * 0.75 * 0.25);
  assert.is(updateRule(2, 0.5, 0.1, 0.2), 2 - 0.1 * (0.5 + 0.2 * 2));
});

test.run();
