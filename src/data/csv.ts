// A reader for numeric CSV tables: one row per line, comma-separated, an optional header line, and
// one column holding the label (or regression target). Cells may be quoted ("…", "" for a quote) but
// must hold numbers; anything else is an error naming the line, so a malformed file fails loudly
// instead of training on zeros.
import { ShapeError, ValueError } from '../errors.ts';
import type { HostMatrix } from '../types.ts';

/** Options of parseCsv(): which column is the label, and whether there is a header line. */
export interface CsvOptions {
  /** The label column: its header name, or its 0-based index (negative counts from the end: −1 is the last). */
  label: string | number;
  /** Whether the first non-blank line holds column names (default true). */
  header?: boolean;
}

/** What parseCsv() returns. */
export interface CsvTable {
  /** The feature columns (every column but the label), rows×features, in file order. */
  X: HostMatrix;
  /** The label column. */
  y: Float32Array;
  /** Header names of the feature columns; their 0-based column indexes when there is no header. */
  featureNames: string[];
  labelName: string;
}

/** A decimal number: what the table may hold. Number() alone would also accept '', '0x1f' and 'Infinity'. */
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Splits one line into trimmed cells, honouring double quotes. */
function splitLine(line: string, lineNo: number): string[] {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  let wasQuoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i] as string;
    if (quoted) {
      if (ch !== '"') cell += ch;
      else if (line[i + 1] === '"') {
        cell += '"';
        i++;
      } else quoted = false;
    } else if (ch === '"' && cell.trim() === '' && !wasQuoted) {
      quoted = true;
      wasQuoted = true;
      cell = '';
    } else if (ch === ',') {
      cells.push(wasQuoted ? cell : cell.trim());
      cell = '';
      wasQuoted = false;
    } else if (wasQuoted) {
      if (ch.trim() !== '') throw new ValueError(`CSV line ${lineNo}: unexpected '${ch}' after a closing quote`);
    } else cell += ch;
  }
  if (quoted) throw new ValueError(`CSV line ${lineNo}: a quoted cell is not closed (quoted line breaks are not supported)`);
  cells.push(wasQuoted ? cell : cell.trim());
  return cells;
}

function parseCell(cell: string, lineNo: number, column: number): number {
  if (cell === '') throw new ValueError(`CSV line ${lineNo}, column ${column + 1}: empty cell (missing values are not supported)`);
  const v = NUMBER.test(cell) ? Number(cell) : Number.NaN;
  if (!Number.isFinite(v)) throw new ValueError(`CSV line ${lineNo}, column ${column + 1}: '${cell}' is not a finite number`);
  // Values are stored as f32, where anything beyond ±3.4e38 becomes Infinity.
  if (!Number.isFinite(Math.fround(v))) throw new ValueError(`CSV line ${lineNo}, column ${column + 1}: ${cell} is too large for a 32-bit float`);
  return v;
}

function checkOptions(options: unknown): { label: string | number; header: boolean } {
  if (typeof options !== 'object' || options === null) throw new ValueError('parseCsv options must be { label, header? }');
  for (const key of Object.keys(options)) {
    if (key !== 'label' && key !== 'header') throw new ValueError(`parseCsv: unknown option '${key}' (known: label, header)`);
  }
  const { label, header } = options as { label?: unknown; header?: unknown };
  if (header !== undefined && typeof header !== 'boolean') throw new ValueError(`header must be true or false, got ${String(header)}`);
  if (typeof label === 'number') {
    if (!Number.isInteger(label)) throw new ValueError(`label must be a column name or an integer index, got ${label}`);
  } else if (typeof label !== 'string' || label === '') {
    throw new ValueError(`label must be a column name or an integer index, got ${label === '' ? "''" : String(label)}`);
  }
  return { label, header: header ?? true };
}

/** Finds the label column among `cols` columns, by header name or index. */
function labelColumn(label: string | number, names: string[] | null, cols: number): number {
  if (typeof label === 'number') {
    const index = label < 0 ? cols + label : label;
    if (index < 0 || index >= cols) throw new ValueError(`label index ${label} is out of range for ${cols} columns`);
    return index;
  }
  if (names === null) throw new ValueError(`label '${label}' is a column name, but the CSV has no header (header: false); give an index`);
  const matches = names.flatMap((n, i) => (n === label ? [i] : []));
  if (matches.length === 0) throw new ValueError(`label column '${label}' is not in the header (${names.join(', ')})`);
  if (matches.length > 1) throw new ValueError(`label column '${label}' appears ${matches.length} times in the header; give an index`);
  return matches[0] as number;
}

/** Parses a numeric CSV table into features X and labels y. */
export function parseCsv(text: string, options: CsvOptions): CsvTable {
  if (typeof text !== 'string') throw new ValueError(`text must be a string, got ${text === null ? 'null' : typeof text}`);
  const { label, header } = checkOptions(options);
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  let names: string[] | null = null;
  let cols = -1;
  let labelAt = -1;
  const values: number[] = [];
  const y: number[] = [];
  lines.forEach((line, i) => {
    const lineNo = i + 1;
    // Blank lines (a trailing newline, spacing) carry no row.
    if (line.trim() === '') return;
    const cells = splitLine(line, lineNo);
    if (cols < 0) {
      cols = cells.length;
      if (cols < 2) throw new ShapeError(`CSV line ${lineNo}: ${cols} column; a table needs at least one feature and the label`);
      labelAt = labelColumn(label, header ? cells : null, cols);
      if (header) {
        names = cells;
        return;
      }
    } else if (cells.length !== cols) {
      throw new ShapeError(`CSV line ${lineNo} has ${cells.length} cells but the ${header ? 'header' : 'first row'} has ${cols}`);
    }
    cells.forEach((cell, j) => {
      const v = parseCell(cell, lineNo, j);
      if (j === labelAt) y.push(v);
      else values.push(v);
    });
  });
  if (cols < 0) throw new ShapeError('the CSV text is empty');
  if (y.length === 0) throw new ShapeError('the CSV has a header but no data rows');
  const columnNames: string[] = names ?? Array.from({ length: cols }, (_, j) => String(j));
  return {
    X: { data: Float32Array.from(values), rows: y.length, cols: cols - 1 },
    y: Float32Array.from(y),
    featureNames: columnNames.filter((_, j) => j !== labelAt),
    labelName: columnNames[labelAt] as string,
  };
}
