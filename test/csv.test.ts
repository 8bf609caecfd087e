// The CSV reader against hand-written tables: label by name or index, with and without a header,
// quoting, line endings; and each kind of bad input, whose error must name the line.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { assertComparable, fastestMs } from './support/timing.ts';
import { ShapeError, ValueError } from '../src/errors.ts';
import { parseCsv, type CsvOptions } from '../src/data/csv.ts';
import { IRIS_CLASS_NAMES, loadIris } from '../src/data/iris.ts';
import { expectThrow, type ErrorClass, type Failure } from './support/errors.ts';
import { mulberry32, randomInt, testSeed } from './support/random.ts';

function fails(text: string, options: CsvOptions, kind: ErrorClass, pattern: RegExp): Failure {
  return expectThrow(() => parseCsv(text, options), kind, pattern);
}

const TABLE = 'x1,species,x2\n1.5,0,-2\n3,2,4.25e1\n-0.5,1,.5\n';

test('parseCsv: the label column chosen by header name, from the middle of the row', () => {
  const t = parseCsv(TABLE, { label: 'species' });
  assert.equal(t.featureNames, ['x1', 'x2']);
  assert.is(t.labelName, 'species');
  assert.equal({ rows: t.X.rows, cols: t.X.cols }, { rows: 3, cols: 2 });
  assert.equal(Array.from(t.X.data), [1.5, -2, 3, 42.5, -0.5, 0.5]);
  assert.equal(Array.from(t.y), [0, 2, 1]);
  assert.instance(t.X.data, Float32Array);
  assert.instance(t.y, Float32Array);
});

test('parseCsv: the label column chosen by index; negative indexes count from the end', () => {
  const byIndex = parseCsv(TABLE, { label: 1 });
  assert.equal(Array.from(byIndex.y), [0, 2, 1]);
  const last = parseCsv(TABLE, { label: -1 });
  assert.is(last.labelName, 'x2');
  assert.equal(Array.from(last.y), [-2, 42.5, 0.5]);
  assert.equal(Array.from(last.X.data), [1.5, 0, 3, 2, -0.5, 1]);
  const first = parseCsv(TABLE, { label: 0 });
  assert.equal(first.featureNames, ['species', 'x2']);
});

test('parseCsv: without a header, every line is data and columns are named by index', () => {
  const t = parseCsv('1,2,3\n4,5,6', { label: 0, header: false });
  assert.equal(t.featureNames, ['1', '2']);
  assert.is(t.labelName, '0');
  assert.equal(Array.from(t.y), [1, 4]);
  assert.equal(Array.from(t.X.data), [2, 3, 5, 6]);
});

test('parseCsv: CRLF, a byte-order mark, blank lines, spaces and quoted cells', () => {
  const text = '\uFEFF"petal, length" , "the ""label"""\r\n  1.25 , 1 \r\n\r\n"2" ,0\r\n\r\n';
  const t = parseCsv(text, { label: 'the "label"' });
  assert.equal(t.featureNames, ['petal, length']);
  assert.equal(Array.from(t.X.data), [1.25, 2]);
  assert.equal(Array.from(t.y), [1, 0]);
});

test('parseCsv: lines ended by a lone \\r (old Mac files) read as \\n and \\r\\n do, line numbers included', () => {
  const rng = mulberry32(testSeed('csv line endings'));
  const rows = randomInt(rng, 2, 30);
  const cols = randomInt(rng, 2, 6);
  const lines = [Array.from({ length: cols }, (_, j) => `c${j}`).join(',')];
  for (let i = 0; i < rows; i++) lines.push(Array.from({ length: cols }, () => String(randomInt(rng, -99, 99) / 4)).join(','));
  const label = `c${randomInt(rng, 0, cols - 1)}`;
  const unix = parseCsv(lines.join('\n'), { label });
  for (const eol of ['\r', '\r\n']) {
    const t = parseCsv(`${lines.join(eol)}${eol}`, { label });
    assert.equal({ names: t.featureNames, X: Array.from(t.X.data), y: Array.from(t.y) }, { names: unix.featureNames, X: Array.from(unix.X.data), y: Array.from(unix.y) }, JSON.stringify(eol));
  }
  // An error names the line as an editor counts it.
  const bad = randomInt(rng, 2, rows + 1);
  const broken = lines.map((l, i) => (i === bad - 1 ? `${l},9` : l));
  fails(broken.join('\r'), { label }, ShapeError, new RegExp(`^CSV line ${bad} has ${cols + 1} cells but the header has ${cols}$`));
});

test('parseCsv: random tables round-trip exactly (values written as shortest f32 text)', () => {
  const rng = mulberry32(testSeed('csv round trip'));
  for (let trial = 0; trial < 5; trial++) {
    const rows = randomInt(rng, 1, 60);
    const cols = randomInt(rng, 2, 9);
    const labelAt = randomInt(rng, 0, cols - 1);
    const values = Array.from({ length: rows * cols }, () => Math.fround((rng() - 0.5) * 10 ** randomInt(rng, -6, 6)));
    const header = Array.from({ length: cols }, (_, j) => `c${j}`).join(',');
    const lines = Array.from({ length: rows }, (_, i) => values.slice(i * cols, (i + 1) * cols).join(','));
    const t = parseCsv([header, ...lines].join('\n'), { label: `c${labelAt}` });
    const X: number[] = [];
    const y: number[] = [];
    values.forEach((v, i) => (i % cols === labelAt ? y : X).push(v));
    assert.equal(Array.from(t.X.data), X);
    assert.equal(Array.from(t.y), y);
    assert.equal({ rows: t.X.rows, cols: t.X.cols }, { rows, cols: cols - 1 });
  }
});

test('parseCsv: a non-numeric cell is a ValueError with its 1-based line and column', () => {
  fails('a,b\n1,2\n3,abc\n', { label: 'b' }, ValueError, /CSV line 3, column 2: 'abc' is not a finite number/);
  fails('a,b\n1,2\n\n3,NaN\n', { label: 'b' }, ValueError, /CSV line 4, column 2: 'NaN'/);
  fails('a,b\n1,Infinity\n', { label: 'a' }, ValueError, /line 2, column 2: 'Infinity'/);
  fails('a,b\n0x10,1\n', { label: 'a' }, ValueError, /line 2, column 1: '0x10'/);
  fails('a,b\n1,2\n1,\n', { label: 'a' }, ValueError, /CSV line 3, column 2: empty cell/);
  fails('a,b\n1e39,2\n', { label: 'b' }, ValueError, /line 2, column 1: 1e39 is too large for a 32-bit float/);
  fails('a,b\n"1,2\n', { label: 'b' }, ValueError, /CSV line 2: a quoted cell is not closed/);
  fails('a,b\n"1"x,2\n', { label: 'b' }, ValueError, /CSV line 2: unexpected 'x' after a closing quote/);
});

const MiB = 1 << 20;

/** The fastest parse of a valid 1 MiB table of short numbers: what linear work on 1 MiB costs here. */
function benignMiB(): number {
  const rows = Array.from({ length: MiB / 8 }, (_, i) => `${i % 97},${i % 89}.5`).join('\n');
  return fastestMs(() => parseCsv(`a,b\n${rows}\n`, { label: 'a' }));
}

test('parseCsv: 1 MiB hostile cells fail in the time of a benign 1 MiB table, with messages cut to 80 characters and the length', () => {
  // Each took seconds or more before the scanner (a 50 000-digit cell ending in a letter: 6 s; a
  // 293 KiB run of quotes: 64 s), and each message repeated the whole cell.
  const digits = '1'.repeat(MiB);
  const cases: { what: string; text: string; pattern: RegExp }[] = [
    { what: 'digits ending in a letter', text: `a,b\n1,${digits}x\n`, pattern: /^CSV line 2, column 2: '1{80}…' \(1048577 characters\) is not a finite number$/ },
    { what: 'the same, quoted', text: `a,b\n1,"${digits}x"\n`, pattern: /^CSV line 2, column 2: '1{80}…' \(1048577 characters\) is not a finite number$/ },
    { what: 'quote noise after a letter', text: `a,b\n1,x${'"'.repeat(MiB)}\n`, pattern: /^CSV line 2, column 2: 'x"{79}…' \(1048577 characters\) is not a finite number$/ },
    { what: 'escaped quotes, then junk after the cell', text: `a,b\n1,"${'a""'.repeat(MiB / 4)}"x\n`, pattern: /^CSV line 2: unexpected 'x' after a closing quote$/ },
    { what: 'a quoted cell never closed', text: `a,b\n1,"${digits}\n2,3\n`, pattern: /^CSV line 2: a quoted cell is not closed/ },
    { what: 'digits beyond float32', text: `a,b\n1,${digits}\n`, pattern: /^CSV line 2, column 2: '1{80}…' \(1048576 characters\) is not a finite number$/ },
    { what: 'a number beyond float32', text: `a,b\n1,1${'0'.repeat(200)}\n`, pattern: /^CSV line 2, column 2: '10{79}…' \(201 characters\) is too large for a 32-bit float$/ },
  ];
  const baseline = benignMiB();
  for (const c of cases) {
    const { message, ms } = fails(c.text, { label: 'a' }, ValueError, c.pattern);
    assert.ok(message.length < 200, `${c.what}: a ${message.length}-character message`);
    assertComparable(ms, baseline, 20, `${c.what} (${c.text.length} characters)`);
  }
});

test('parseCsv: long but valid cells parse in linear time', () => {
  const spaces = ' '.repeat(MiB);
  const tiny = `0.${'0'.repeat(MiB)}1`;
  const t0 = performance.now();
  const t = parseCsv(`a,b\n${spaces}1${spaces},${spaces}"2"${spaces}\n${tiny},3\n`, { label: 'b' });
  const ms = performance.now() - t0;
  assert.equal(Array.from(t.X.data), [1, 0]);
  assert.equal(Array.from(t.y), [2, 3]);
  assertComparable(ms, benignMiB(), 20, '4 MiB of spaces and digits in two cells');
  // Twice as long takes about twice as long (a quadratic scan would take four times).
  const lines = Array.from({ length: 20000 }, (_, i) => `${i},"${i % 7}",  ${i / 8} `).join('\n');
  const timeOf = (text: string): number => {
    const start = performance.now();
    parseCsv(text, { label: 1, header: false });
    return performance.now() - start;
  };
  timeOf(lines);
  const once = Math.min(timeOf(lines), timeOf(lines));
  const twice = Math.min(timeOf(`${lines}\n${lines}`), timeOf(`${lines}\n${lines}`));
  assert.ok(twice < 4 * once + 50, `20000 rows: ${once.toFixed(1)} ms, 40000 rows: ${twice.toFixed(1)} ms`);
});

test('parseCsv: a long label name, or a header of many columns, is cut in the message', () => {
  const longName = 'n'.repeat(MiB);
  fails(`a,b\n1,2\n`, { label: longName }, ValueError, /^label column 'n{80}…' \(1048576 characters\) is not in the header \(a, b\)$/);
  const header = Array.from({ length: 100000 }, (_, j) => `column${j}`).join(',');
  const wide = fails(`${header}\n`, { label: 'missing' }, ValueError, /is not in the header \(column0, column1, .*, column19, … \(100000 columns\)\)$/).message;
  assert.ok(wide.length < 400, `${wide.length} characters`);
  const unknown = fails('a,b\n1,2\n', { label: 'a', [longName]: 1 } as unknown as CsvOptions, ValueError, /^parseCsv: unknown option/).message;
  assert.ok(unknown.length < 200 && unknown.includes('(1048576 characters)'), unknown.slice(0, 200));
});

test('parseCsv classes: an iris.csv with species names reads as class indices into the sorted names', () => {
  const iris = loadIris();
  const lines = ['sepal_length,sepal_width,petal_length,petal_width,species'];
  for (let i = 0; i < iris.X.rows; i++) {
    lines.push([...iris.X.data.subarray(i * 4, i * 4 + 4)].map((v) => v.toFixed(1)).concat(IRIS_CLASS_NAMES[iris.y[i]!]!).join(','));
  }
  const t = parseCsv(`${lines.join('\r\n')}\r\n`, { label: 'species', classes: true });
  assert.equal(t.classes, ['setosa', 'versicolor', 'virginica']);
  assert.equal(Array.from(t.y), Array.from(iris.y));
  assert.equal(Array.from(t.X.data), Array.from(iris.X.data));
  assert.equal(t.featureNames, ['sepal_length', 'sepal_width', 'petal_length', 'petal_width']);
  assert.equal(t.droppedLines, []);
});

test('parseCsv classes: numeric labels sort as numbers, one class per value; mixed labels sort as strings', () => {
  const numbers = parseCsv('x,y\n0,2\n1,10\n2,1\n3,1.0\n4,9\n5,-1e0\n6,+2\n', { label: 'y', classes: true });
  assert.equal(numbers.classes, [-1, 1, 2, 9, 10]);
  assert.equal(Array.from(numbers.y), [2, 4, 1, 1, 3, 0, 2]);
  // Labels 1..k become 0..k−1.
  const oneToK = parseCsv('x,y\n0,3\n1,1\n2,2\n', { label: 'y', classes: true });
  assert.equal(oneToK.classes, [1, 2, 3]);
  assert.equal(Array.from(oneToK.y), [2, 0, 1]);
  // One label that is not a number makes them all text, compared by UTF-16 code units.
  const mixed = parseCsv('x,y\n0,2\n1,10\n2,b\n3,B\n4,"é, accented"\n5,1.0\n', { label: 'y', classes: true });
  assert.equal(mixed.classes, ['1.0', '10', '2', 'B', 'b', 'é, accented']);
  assert.equal(Array.from(mixed.y), [2, 1, 4, 3, 5, 0]);
  // Without classes, labels are values, as before: y holds them and classes is null.
  const values = parseCsv('x,y\n0,2.5\n1,-3\n', { label: 'y' });
  assert.equal(Array.from(values.y), [2.5, -3]);
  assert.is(values.classes, null);
  fails('x,species\n1,setosa\n', { label: 'species' }, ValueError, /^CSV line 2, column 2: 'setosa' is not a finite number; for class labels such as text, pass classes: true$/);
});

test('parseCsv classes: random labels round-trip through the encoder', () => {
  const rng = mulberry32(testSeed('csv classes'));
  for (let trial = 0; trial < 5; trial++) {
    const k = randomInt(rng, 1, 40);
    const names = [...new Set(Array.from({ length: k }, () => String.fromCharCode(...Array.from({ length: randomInt(rng, 1, 6) }, () => randomInt(rng, 0x41, 0x17f)))))];
    const n = randomInt(rng, 1, 200);
    const labels = Array.from({ length: n }, () => names[randomInt(rng, 0, names.length - 1)]!);
    const t = parseCsv(['f,label', ...labels.map((l, i) => `${i},"${l}"`)].join('\n'), { label: 'label', classes: true });
    const classes = t.classes as string[];
    assert.equal(classes, [...new Set(labels)].sort());
    assert.equal(Array.from(t.y, (c) => classes[c]), labels);
  }
});

test('parseCsv classes: more than 65536 distinct labels is a ValueError, found as the 65537th appears', () => {
  const rows = (n: number): string => ['x,y', ...Array.from({ length: n }, (_, i) => `0,c${i}`)].join('\n');
  assert.is(parseCsv(rows(65536), { label: 'y', classes: true }).classes?.length, 65536);
  fails(rows(65537), { label: 'y', classes: true }, ValueError, /^CSV line 65538, column 2: the label column holds more than 65536 distinct values; classes: true is for class labels$/);
});

test("parseCsv missing: an empty cell is an error naming its line by default; 'drop-rows' leaves its row out", () => {
  const text = 'a,b,label\n1,2,x\n3,,y\n\n5,6,\n7,8,x\n"",9,y\n';
  fails(text, { label: 'label', classes: true }, ValueError, /^CSV line 3, column 2: empty cell \(a missing value; missing: 'drop-rows' leaves such rows out\)$/);
  fails('a,b\n1,\n', { label: 'b', classes: true }, ValueError, /^CSV line 2, column 2: empty cell/);
  const t = parseCsv(text, { label: 'label', classes: true, missing: 'drop-rows' });
  assert.equal(t.droppedLines, [3, 5, 7]);
  assert.equal(Array.from(t.X.data), [1, 2, 7, 8]);
  assert.equal(t.classes, ['x']);
  assert.equal(Array.from(t.y), [0, 0]);
  const noHeader = parseCsv('1,,3\n4,5,6\n', { label: -1, header: false, missing: 'drop-rows' });
  assert.equal(Array.from(noHeader.X.data), [4, 5]);
  assert.equal(noHeader.droppedLines, [1]);
  // A ragged row is still a ShapeError, and a bad number still a ValueError.
  fails('a,b\n1,\n2\n', { label: 'a', missing: 'drop-rows' }, ShapeError, /CSV line 3 has 1 cells/);
  fails('a,b\n1,\n2,x\n', { label: 'a', missing: 'drop-rows' }, ValueError, /CSV line 3, column 2: 'x' is not a finite number/);
  fails('a,b\n1,\n,2\n', { label: 'a', missing: 'drop-rows' }, ShapeError, /^the CSV has no rows left: all 2 had an empty cell \(missing: 'drop-rows'\)$/);
});

test('parseCsv: bad classes and missing options are ValueErrors naming them', () => {
  fails(TABLE, { label: 'x1', classes: 'yes' } as unknown as CsvOptions, ValueError, /^classes must be true or false, got 'yes' \(a string\)$/);
  fails(TABLE, { label: 'x1', missing: 'skip' } as unknown as CsvOptions, ValueError, /^missing must be 'error' or 'drop-rows', got 'skip' \(a string\)$/);
  fails(TABLE, { label: 'x1', classNames: [] } as unknown as CsvOptions, ValueError, /^parseCsv: unknown option 'classNames' \(known: label, header, classes, missing\)$/);
});

test('parseCsv: a ragged row is a ShapeError with its line number and both widths', () => {
  fails('a,b,c\n1,2,3\n4,5\n', { label: 'c' }, ShapeError, /CSV line 3 has 2 cells but the header has 3/);
  fails('1,2\n3,4\n5,6,7\n', { label: 0, header: false }, ShapeError, /CSV line 3 has 3 cells but the first row has 2/);
});

test('parseCsv: a label that is not there, or cannot be looked up, is a ValueError', () => {
  fails(TABLE, { label: 'petal' }, ValueError, /label column 'petal' is not in the header \(x1, species, x2\)/);
  fails('a,a,b\n1,2,3\n', { label: 'a' }, ValueError, /appears 2 times/);
  fails('1,2\n', { label: 'a', header: false }, ValueError, /no header/);
  fails(TABLE, { label: 3 }, ValueError, /label index 3 is out of range for 3 columns/);
  fails(TABLE, { label: -4 }, ValueError, /label index -4 is out of range/);
  fails(TABLE, { label: 1.5 }, ValueError, /integer index, got 1.5/);
  fails(TABLE, { label: '' }, ValueError, /column name or an integer index/);
  fails(TABLE, { label: 'x1', delimiter: ';' } as unknown as CsvOptions, ValueError, /unknown option 'delimiter'/);
  fails(TABLE, { label: 'x1', header: 'yes' } as unknown as CsvOptions, ValueError, /header must be true or false/);
  fails(TABLE, undefined as unknown as CsvOptions, ValueError, /options must be/);
});

test('parseCsv: empty text, a header without rows, or one column are ShapeErrors', () => {
  fails('', { label: 0 }, ShapeError, /empty/);
  fails('\n\n', { label: 0 }, ShapeError, /empty/);
  fails('a,b\n', { label: 'a' }, ShapeError, /header but no data rows/);
  fails('a\n1\n', { label: 'a' }, ShapeError, /CSV line 1: 1 column/);
  fails(42 as unknown as string, { label: 0 }, ValueError, /text must be a string/);
});

test.run();
