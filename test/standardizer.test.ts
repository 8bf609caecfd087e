// fitStandardizer's JSON: JSON.stringify writes it, standardizerFromJSON reads it back into a
// standardizer that transforms bit for bit like the original; and every malformed field is refused
// with an error naming it.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ShapeError, ValueError } from '../src/errors.ts';
import { fitStandardizer, standardizerFromJSON, type Standardizer, type StandardizerJSON } from '../src/data/preprocess.ts';
import type { HostMatrix } from '../src/types.ts';
import { expectThrow as fails } from './support/errors.ts';
import { mulberry32, randomInt, testSeed, type Rng } from './support/random.ts';

/** rows×cols f32 values spanning many magnitudes and signs, with one constant column. */
function awkwardMatrix(rng: Rng, rows: number, cols: number): HostMatrix {
  const data = new Float32Array(rows * cols);
  const constant = randomInt(rng, 0, cols - 1);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      data[i * cols + j] = j === constant ? 3.3 : (rng() - 0.5) * 10 ** randomInt(rng, -30, 30);
    }
  }
  return { data, rows, cols };
}

/** The bits of a Float32Array, so -0/0 and every last bit count. */
const bits = (a: Float32Array): number[] => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

/**
 * What transform gives: the bits of its result, or its error message. A column of tiny spread sends
 * far values of another matrix beyond float32, which both standardizers must refuse alike.
 */
function outcome(s: Standardizer, M: HostMatrix): number[] | string {
  try {
    return bits(s.transform(M).data);
  } catch (e) {
    return (e as Error).message;
  }
}

test('JSON.stringify then standardizerFromJSON gives a standardizer that transforms bit for bit alike', () => {
  const rng = mulberry32(testSeed('standardizer json'));
  for (let trial = 0; trial < 5; trial++) {
    const cols = randomInt(rng, 1, 12);
    const X = awkwardMatrix(rng, randomInt(rng, 1, 80), cols);
    const fitted = fitStandardizer(X);
    const text = JSON.stringify(fitted);
    const restored = standardizerFromJSON(JSON.parse(text) as StandardizerJSON);
    assert.equal(Array.from(restored.mean), Array.from(fitted.mean));
    assert.equal(Array.from(restored.scale), Array.from(fitted.scale));
    const other = awkwardMatrix(rng, randomInt(rng, 1, 40), cols);
    for (const M of [X, other]) assert.equal(outcome(restored, M), outcome(fitted, M));
    // Saving the restored one again writes the same text.
    assert.is(JSON.stringify(restored), text);
  }
});

test('toJSON is { kind, version, mean, scale } with plain number arrays', () => {
  const json = fitStandardizer([[1, 5], [3, 5]]).toJSON();
  assert.equal(json, { kind: 'standardize', version: 1, mean: [2, 5], scale: [1, 1] });
  assert.ok(Array.isArray(json.mean) && Array.isArray(json.scale));
});

test('standardizerFromJSON: every malformed field is an error naming it', () => {
  const good: StandardizerJSON = { kind: 'standardize', version: 1, mean: [0, 1], scale: [1, 2] };
  const bad = (patch: Record<string, unknown>): StandardizerJSON => ({ ...good, ...patch }) as StandardizerJSON;
  fails(() => standardizerFromJSON(JSON.stringify(good) as unknown as StandardizerJSON), ValueError, /^standardizerFromJSON: json must be an object, got '\{"kind".*' \(a string\) \(parse the text with JSON\.parse first\)$/);
  fails(() => standardizerFromJSON(null as unknown as StandardizerJSON), ValueError, /json must be an object, got null$/);
  fails(() => standardizerFromJSON([] as unknown as StandardizerJSON), ValueError, /json must be an object, got an array of length 0$/);
  fails(() => standardizerFromJSON(bad({ prescale: 2 })), ValueError, /^standardizerFromJSON: unknown field json\.prescale \(known: kind, version, mean, scale\)$/);
  fails(() => standardizerFromJSON(bad({ kind: 'scale' })), ValueError, /^standardizerFromJSON: json\.kind must be 'standardize', got 'scale' \(a string\)$/);
  fails(() => standardizerFromJSON(bad({ version: 2 })), ValueError, /^standardizerFromJSON: json\.version must be 1, got 2$/);
  fails(() => standardizerFromJSON(bad({ mean: '0,1' })), ValueError, /^standardizerFromJSON: json\.mean must be an array of numbers, got '0,1' \(a string\)$/);
  fails(() => standardizerFromJSON(bad({ mean: [] })), ShapeError, /^standardizerFromJSON: json\.mean is empty$/);
  fails(() => standardizerFromJSON(bad({ mean: [0, '1'] })), ValueError, /^standardizerFromJSON: json\.mean\[1\] is '1' \(a string\), but must be a finite number within the float32 range \(±3\.4e38\)$/);
  fails(() => standardizerFromJSON(bad({ mean: [Number.NaN, 1] })), ValueError, /json\.mean\[0\] is NaN, but must be a finite number within the float32 range/);
  fails(() => standardizerFromJSON(bad({ mean: [0, null] })), ValueError, /json\.mean\[1\] is null/);
  fails(() => standardizerFromJSON(bad({ scale: [1, 0] })), ValueError, /^standardizerFromJSON: json\.scale\[1\] is 0, but must be a number from 1\.18e-38 to 3\.4e38 \(the normal float32 range\)$/);
  fails(() => standardizerFromJSON(bad({ scale: [-1, 1] })), ValueError, /json\.scale\[0\] is -1, but must be a number from 1\.18e-38/);
  fails(() => standardizerFromJSON(bad({ scale: [1, Number.POSITIVE_INFINITY] })), ValueError, /json\.scale\[1\] is Infinity/);
  fails(() => standardizerFromJSON(bad({ scale: undefined })), ValueError, /json\.scale must be an array of numbers, got undefined$/);
  fails(() => standardizerFromJSON(bad({ scale: [1, 2, 3] })), ShapeError, /^standardizerFromJSON: json\.scale has 3 values but json\.mean has 2$/);
  fails(() => standardizerFromJSON(good).transform([[1, 2, 3]]), ShapeError, /X has 3 columns but the standardizer was fitted on 2/);
  assert.equal(Array.from(standardizerFromJSON(good).transform([[1, 5]]).data), [1, 2]);
});

test('a mean or scale whose transform cannot be finite in float32 is refused; so is a transform that would overflow', () => {
  const rng = mulberry32(testSeed('standardizer float32 range'));
  const cols = randomInt(rng, 2, 6);
  const at = randomInt(rng, 0, cols - 1);
  const json = (field: 'mean' | 'scale', v: number): StandardizerJSON => {
    const mean = Array.from({ length: cols }, () => rng() - 0.5);
    const scale = Array.from({ length: cols }, () => 0.5 + rng());
    (field === 'mean' ? mean : scale)[at] = v;
    return { kind: 'standardize', version: 1, mean, scale };
  };
  // Beyond float32, or (scale) below its normal range: a float32 column would map to ±Infinity.
  const literally = (t: string): string => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  for (const v of [1e39, -1e300]) fails(() => standardizerFromJSON(json('mean', v)), ValueError, new RegExp(literally(`json.mean[${at}] is ${v}, but must be a finite number within the float32 range`)));
  for (const v of [1e-40, 5e-324, 1e39]) fails(() => standardizerFromJSON(json('scale', v)), ValueError, new RegExp(literally(`json.scale[${at}] is ${v}, but must be a number from 1.18e-38 to 3.4e38`)));
  // The limits themselves are accepted, and transform within float32.
  const edge = standardizerFromJSON({ kind: 'standardize', version: 1, mean: [3.4e38, 0], scale: [3.4e38, 1.2e-38] });
  assert.equal(Array.from(edge.transform([[0, 0]]).data), [-1, 0]);
  // A scale that is fine for the fitted columns still overflows for a far outlier: refused by name.
  fails(() => edge.transform([[0, 0], [0, 10]]), ValueError, /^transform: X has 10 at row 1, column 1, which standardizes to .* beyond the float32 range/);
  fails(() => standardizerFromJSON(json('scale', 1e-30)).transform([Array.from({ length: cols }, (_, j) => (j === at ? 1e10 : 0))]), ValueError,
    new RegExp(`^transform: X has 10000000000 at row 0, column ${at}, which standardizes to .* beyond the float32 range \\(±3\\.4e38\\)$`));
  // fitStandardizer: a column whose spread is below float32's normal range is constant in float32
  // (scale 1), so other values of it stay finite; its output always passes standardizerFromJSON.
  const rows = randomInt(rng, 2, 20);
  const X = Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => (j === at ? (i % 2) * 1e-44 : rng() * 100)));
  const fitted = fitStandardizer(X);
  assert.is(fitted.scale[at], 1, `scale of a column spread over ${1e-44}`);
  const out = fitted.transform([Array.from({ length: cols }, () => 1)]).data;
  assert.ok(out.every((v) => Number.isFinite(v)), `transform of ones: ${Array.from(out)}`);
  const restored = standardizerFromJSON(JSON.parse(JSON.stringify(fitted)) as StandardizerJSON);
  assert.equal(Array.from(restored.scale), Array.from(fitted.scale));
});

test.run();
