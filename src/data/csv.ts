// A reader for numeric CSV tables: one row per line, comma-separated, an optional header line, and
// one column holding the label (or regression target). Cells may be quoted ("…", "" for a quote) but
// must hold numbers, except labels read as classes (text such as 'setosa', or numbers such as 1..k),
// which are encoded as indices 0..k−1. Anything else is an error naming the line, so a malformed file
// fails loudly instead of training on zeros.
//
// The text is read by one forward scan with no regular expressions on cell contents, so the time is
// linear in the text whatever it holds (a backtracking pattern took seconds on one long cell), and
// error messages show at most CELL_PREVIEW characters of a cell, however long it is.
import { ShapeError, ValueError } from '../errors.ts';
import type { HostMatrix } from '../types.ts';
import { describeValue } from '../validate.ts';
import { MAX_CLASSES } from './limits.ts';

/** Options of parseCsv(): which column is the label, how to read it, and what to do with missing cells. */
export interface CsvOptions {
  /** The label column: its header name, or its 0-based index (negative counts from the end: −1 is the last). */
  label: string | number;
  /** Whether the first non-blank line holds column names (default true). */
  header?: boolean;
  /**
   * Read the label column as class labels (default false: as numbers, e.g. regression targets).
   * Labels may then be any text; `classes` lists the distinct ones sorted and `y` holds indices into it.
   */
  classes?: boolean;
  /** An empty cell is an error naming its line ('error', the default), or its row is left out ('drop-rows'). */
  missing?: 'error' | 'drop-rows';
}

/** What parseCsv() returns. */
export interface CsvTable {
  /** The feature columns (every column but the label), rows×features, in file order. */
  X: HostMatrix;
  /**
   * The label column: its values, or with `classes: true` each row's class index 0..k−1 into
   * `classes`.
   */
  y: Float32Array;
  /**
   * With `classes: true`, the k distinct labels in sorted order: numbers sorted numerically when every
   * label is a decimal number (so '1.0' and '1' are one class), else strings in UTF-16 code-unit order
   * (Array.prototype.sort). null without `classes`.
   */
  classes: number[] | string[] | null;
  /** Header names of the feature columns; their 0-based column indexes when there is no header. */
  featureNames: string[];
  labelName: string;
  /** 1-based line numbers of the rows left out for an empty cell (`missing: 'drop-rows'`); empty otherwise. */
  droppedLines: number[];
}

/** Characters of a cell (or name) an error message shows; longer ones are cut with an ellipsis and their length. */
const CELL_PREVIEW = 80;

/** A cell for an error message: quoted, and cut to CELL_PREVIEW characters with its length when longer. */
function describeCell(cell: string): string {
  if (cell.length <= CELL_PREVIEW) return `'${cell}'`;
  return `'${cell.slice(0, CELL_PREVIEW)}…' (${cell.length} characters)`;
}

/** Whitespace as String.prototype.trim() sees it, for one UTF-16 code unit. */
function isSpace(code: number): boolean {
  if (code === 32 || (code >= 9 && code <= 13)) return true;
  return code >= 0x80 && String.fromCharCode(code).trim() === '';
}

const QUOTE = 34;
const COMMA = 44;

/** Index of the first character in [from, to) that is not whitespace (to when there is none). */
function skipSpaces(text: string, from: number, to: number): number {
  let i = from;
  while (i < to && isSpace(text.charCodeAt(i))) i++;
  return i;
}

/**
 * Splits text[start, end) (one line, without its line break) into cells. Unquoted cells are trimmed;
 * a cell whose first non-blank character is a quote runs to the matching quote ("" inside stands for
 * one), and only blanks may follow it before the next comma. Every character is looked at once.
 */
function splitLine(text: string, start: number, end: number, lineNo: number): string[] {
  const cells: string[] = [];
  let i = start;
  for (;;) {
    const first = skipSpaces(text, i, end);
    let next: number;
    if (first < end && text.charCodeAt(first) === QUOTE) {
      const parts: string[] = [];
      let from = first + 1;
      let at = from;
      for (;;) {
        while (at < end && text.charCodeAt(at) !== QUOTE) at++;
        if (at >= end) throw new ValueError(`CSV line ${lineNo}: a quoted cell is not closed (quoted line breaks are not supported)`);
        if (at + 1 < end && text.charCodeAt(at + 1) === QUOTE) {
          parts.push(text.slice(from, at + 1));
          at += 2;
          from = at;
        } else {
          parts.push(text.slice(from, at));
          break;
        }
      }
      cells.push(parts.join(''));
      next = skipSpaces(text, at + 1, end);
      if (next < end && text.charCodeAt(next) !== COMMA) {
        throw new ValueError(`CSV line ${lineNo}: unexpected '${text[next]}' after a closing quote`);
      }
    } else {
      next = first;
      while (next < end && text.charCodeAt(next) !== COMMA) next++;
      let last = next;
      while (last > first && isSpace(text.charCodeAt(last - 1))) last--;
      cells.push(text.slice(first, last));
    }
    if (next >= end) return cells;
    i = next + 1;
  }
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

/**
 * Whether `cell` is a decimal number: [+-] digits [. digits] [e [+-] digits], with digits on at least
 * one side of the point. Number() alone would also accept '', '0x1f' and 'Infinity'.
 */
function isDecimal(cell: string): boolean {
  const n = cell.length;
  let i = 0;
  if (i < n && (cell[i] === '+' || cell[i] === '-')) i++;
  let digits = 0;
  while (i < n && isDigit(cell.charCodeAt(i))) {
    i++;
    digits++;
  }
  if (i < n && cell[i] === '.') {
    i++;
    while (i < n && isDigit(cell.charCodeAt(i))) {
      i++;
      digits++;
    }
  }
  if (digits === 0) return false;
  if (i < n && (cell[i] === 'e' || cell[i] === 'E')) {
    i++;
    if (i < n && (cell[i] === '+' || cell[i] === '-')) i++;
    const expStart = i;
    while (i < n && isDigit(cell.charCodeAt(i))) i++;
    if (i === expStart) return false;
  }
  return i === n;
}

function emptyCell(lineNo: number, column: number): ValueError {
  return new ValueError(`CSV line ${lineNo}, column ${column + 1}: empty cell (a missing value; missing: 'drop-rows' leaves such rows out)`);
}

/** A cell as a number; `hint` ends the message when it is not one. */
function parseCell(cell: string, lineNo: number, column: number, hint = ''): number {
  if (cell === '') throw emptyCell(lineNo, column);
  const v = isDecimal(cell) ? Number(cell) : Number.NaN;
  if (!Number.isFinite(v)) throw new ValueError(`CSV line ${lineNo}, column ${column + 1}: ${describeCell(cell)} is not a finite number${hint}`);
  // Values are stored as f32, where anything beyond ±3.4e38 becomes Infinity.
  if (!Number.isFinite(Math.fround(v))) throw new ValueError(`CSV line ${lineNo}, column ${column + 1}: ${cell.length <= CELL_PREVIEW ? cell : describeCell(cell)} is too large for a 32-bit float`);
  return v;
}

const OPTION_NAMES = ['label', 'header', 'classes', 'missing'];

function checkOptions(options: unknown): Required<CsvOptions> {
  if (typeof options !== 'object' || options === null) throw new ValueError('parseCsv options must be { label, header?, classes?, missing? }');
  for (const key of Object.keys(options)) {
    if (!OPTION_NAMES.includes(key)) throw new ValueError(`parseCsv: unknown option ${describeCell(key)} (known: ${OPTION_NAMES.join(', ')})`);
  }
  const { label, header, classes, missing } = options as { label?: unknown; header?: unknown; classes?: unknown; missing?: unknown };
  if (header !== undefined && typeof header !== 'boolean') throw new ValueError(`header must be true or false, got ${describeValue(header)}`);
  if (classes !== undefined && typeof classes !== 'boolean') throw new ValueError(`classes must be true or false, got ${describeValue(classes)}`);
  if (missing !== undefined && missing !== 'error' && missing !== 'drop-rows') {
    throw new ValueError(`missing must be 'error' or 'drop-rows', got ${describeValue(missing)}`);
  }
  if (typeof label === 'number') {
    if (!Number.isInteger(label)) throw new ValueError(`label must be a column name or an integer index, got ${label}`);
  } else if (typeof label !== 'string' || label === '') {
    throw new ValueError(`label must be a column name or an integer index, got ${describeValue(label)}`);
  }
  return { label, header: header ?? true, classes: classes ?? false, missing: missing ?? 'error' };
}

/** The header's names for an error message: each cut like a cell, and at most the first 20. */
function describeNames(names: readonly string[]): string {
  const shown = names.slice(0, 20).map((n) => (n.length <= CELL_PREVIEW ? n : describeCell(n)));
  return names.length > 20 ? `${shown.join(', ')}, … (${names.length} columns)` : shown.join(', ');
}

/** Finds the label column among `cols` columns, by header name or index. */
function labelColumn(label: string | number, names: string[] | null, cols: number): number {
  if (typeof label === 'number') {
    const index = label < 0 ? cols + label : label;
    if (index < 0 || index >= cols) throw new ValueError(`label index ${label} is out of range for ${cols} columns`);
    return index;
  }
  const name = describeCell(label);
  if (names === null) throw new ValueError(`label ${name} is a column name, but the CSV has no header (header: false); give an index`);
  const matches = names.flatMap((n, i) => (n === label ? [i] : []));
  if (matches.length === 0) throw new ValueError(`label column ${name} is not in the header (${describeNames(names)})`);
  if (matches.length > 1) throw new ValueError(`label column ${name} appears ${matches.length} times in the header; give an index`);
  return matches[0] as number;
}

/** A Float32Array that grows by doubling: the values of a large table, without a JS array per value. */
class F32Builder {
  #data = new Float32Array(1024);
  length = 0;

  push(v: number): void {
    if (this.length === this.#data.length) {
      const grown = new Float32Array(this.#data.length * 2);
      grown.set(this.#data);
      this.#data = grown;
    }
    this.#data[this.length++] = v;
  }

  /** The values pushed, in an array of their exact length. */
  finish(): Float32Array {
    return this.#data.slice(0, this.length);
  }
}

/**
 * Gathers a label column's cells as classes: each distinct text gets an id as it first appears, and
 * once every row is read the ids are renumbered in the sorted order of the classes.
 */
class ClassEncoder {
  readonly #ids = new Map<string, number>();
  readonly #texts: string[] = [];
  readonly #rows = new F32Builder();

  add(cell: string, lineNo: number, column: number): void {
    let id = this.#ids.get(cell);
    if (id === undefined) {
      // Checked as classes appear, so a column of distinct values is refused before it fills a map.
      if (this.#texts.length === MAX_CLASSES) {
        throw new ValueError(`CSV line ${lineNo}, column ${column + 1}: the label column holds more than ${MAX_CLASSES} distinct values; classes: true is for class labels`);
      }
      id = this.#texts.length;
      this.#ids.set(cell, id);
      this.#texts.push(cell);
    }
    this.#rows.push(id);
  }

  /** The classes in sorted order, and each row's index into them. */
  finish(): { classes: number[] | string[]; y: Float32Array } {
    const texts = this.#texts;
    const numeric = texts.every((t) => isDecimal(t) && Number.isFinite(Number(t)));
    const keys: (number | string)[] = numeric ? texts.map(Number) : texts;
    // Number keys merge spellings of one value ('1', '1.0'); a Set keeps each value once.
    const classes = numeric
      ? [...new Set(keys as number[])].sort((a, b) => a - b)
      : [...(keys as string[])].sort();
    const index = new Map<number | string, number>(classes.map((c, i) => [c, i]));
    const renumber = keys.map((k) => index.get(k) as number);
    const y = this.#rows.finish();
    for (let i = 0; i < y.length; i++) y[i] = renumber[y[i] as number] as number;
    return { classes, y };
  }
}

/**
 * Parses a CSV table into features X and labels y. Features must be numbers; labels too, unless
 * `classes: true` reads them as class labels (any text), encoded as indices into the sorted `classes`.
 */
export function parseCsv(text: string, options: CsvOptions): CsvTable {
  if (typeof text !== 'string') throw new ValueError(`text must be a string, got ${text === null ? 'null' : typeof text}`);
  const { label, header, classes, missing } = checkOptions(options);
  let names: string[] | null = null;
  let cols = -1;
  let labelAt = -1;
  const values = new F32Builder();
  const y = new F32Builder();
  const encoder = classes ? new ClassEncoder() : null;
  const droppedLines: number[] = [];
  let rows = 0;
  // A byte-order mark is not part of the first cell.
  let start = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  // The next \r at or after `start` (-1: none), found again only once passed, so the scan stays linear.
  let cr = text.indexOf('\r', start);
  for (let lineNo = 1; start <= text.length; lineNo++) {
    let newline = text.indexOf('\n', start);
    if (newline < 0) newline = text.length;
    if (cr >= 0 && cr < start) cr = text.indexOf('\r', start);
    // Lines end at \n, \r\n or a lone \r (old Mac files, which were read as one long line).
    const end = cr >= 0 && cr < newline ? cr : newline;
    const lineStart = start;
    start = end === cr && text.charCodeAt(cr + 1) !== 10 ? cr + 1 : newline + 1;
    // Blank lines (a trailing newline, spacing) carry no row.
    if (skipSpaces(text, lineStart, end) === end) continue;
    const cells = splitLine(text, lineStart, end, lineNo);
    if (cols < 0) {
      cols = cells.length;
      if (cols < 2) throw new ShapeError(`CSV line ${lineNo}: ${cols} column; a table needs at least one feature and the label`);
      labelAt = labelColumn(label, header ? cells : null, cols);
      if (header) {
        names = cells;
        continue;
      }
    } else if (cells.length !== cols) {
      throw new ShapeError(`CSV line ${lineNo} has ${cells.length} cells but the ${header ? 'header' : 'first row'} has ${cols}`);
    }
    if (missing === 'drop-rows' && cells.includes('')) {
      droppedLines.push(lineNo);
      continue;
    }
    for (let j = 0; j < cols; j++) {
      const cell = cells[j] as string;
      if (j !== labelAt) values.push(parseCell(cell, lineNo, j));
      else if (encoder === null) y.push(parseCell(cell, lineNo, j, '; for class labels such as text, pass classes: true'));
      else if (cell === '') throw emptyCell(lineNo, j);
      else encoder.add(cell, lineNo, j);
    }
    rows++;
  }
  if (cols < 0) throw new ShapeError('the CSV text is empty');
  if (rows === 0) {
    if (droppedLines.length > 0) throw new ShapeError(`the CSV has no rows left: all ${droppedLines.length} had an empty cell (missing: 'drop-rows')`);
    throw new ShapeError('the CSV has a header but no data rows');
  }
  const columnNames: string[] = names ?? Array.from({ length: cols }, (_, j) => String(j));
  const labels = encoder === null ? { classes: null, y: y.finish() } : encoder.finish();
  return {
    X: { data: values.finish(), rows, cols: cols - 1 },
    y: labels.y,
    classes: labels.classes,
    featureNames: columnNames.filter((_, j) => j !== labelAt),
    labelName: columnNames[labelAt] as string,
    droppedLines,
  };
}
