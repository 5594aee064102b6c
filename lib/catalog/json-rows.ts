import { CatalogFileError, nulRow, truncateValue, type RowError } from './errors.js';
import { rawRowFromObject, type RawProductRow } from './product-row.js';

export type Row = RawProductRow | RowError;

/** One element (or line) larger than this is not a product: refusing it keeps memory bounded. */
export const MAX_ELEMENT_CHARS = 1024 * 1024;

export const NOT_A_LIST =
  'This JSON is not a list of products: expected an array of objects like [{"sku": "…", "name": "…", "price": 9.99}] or one such object per line.';

/** One element's text → a row, or the reason it is not one. */
export function toRow(rowNumber: number, text: string): Row {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { rowNumber, field: null, reason: `row is not valid JSON (${(error as Error).message})`, value: truncateValue(text) };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { rowNumber, field: null, reason: 'row is not a JSON object', value: truncateValue(text) };
  }
  // Only the escape \u0000 parses to a NUL (a raw one is not valid JSON); the text search skips the walk.
  if (text.includes('\\u0000') && containsNul(value)) return nulRow(rowNumber);
  return rawRowFromObject(rowNumber, value as Record<string, unknown>);
}

// Fuzzing found (test/fuzz/catalog-parser-never-crashes.test.ts): written recursively, this overflowed the stack
// on a value nested ~10,000 levels deep around a "\u0000" (a RangeError: a 500). It walks with its own stack.
function containsNul(root: unknown): boolean {
  const pending: unknown[] = [root];
  while (pending.length > 0) {
    const value = pending.pop();
    if (typeof value === 'string') {
      if (value.includes('\0')) return true;
    } else if (Array.isArray(value)) {
      for (const v of value as unknown[]) pending.push(v);
    } else if (typeof value === 'object' && value !== null) {
      for (const [key, v] of Object.entries(value)) {
        if (key.includes('\0')) return true;
        pending.push(v);
      }
    }
  }
  return false;
}

/** JSON lines: one object per line, row = line number (blank lines counted, as an editor shows them). */
export class LineSplitter {
  #partial = '';
  #line: number;

  /** `lines`: lines before the text this splitter is given (blank lines at the top of the file). */
  constructor(lines = 0) {
    this.#line = lines;
  }

  *push(chunk: string): Generator<Row> {
    const lines = (this.#partial + chunk).split('\n');
    this.#partial = lines.pop() ?? '';
    if (this.#partial.length > MAX_ELEMENT_CHARS) tooLarge(this.#line + 1);
    for (const line of lines) yield* this.#emit(line);
  }

  end(): Row[] {
    return this.#partial === '' ? [] : [...this.#emit(this.#partial)];
  }

  *#emit(line: string): Generator<Row> {
    this.#line += 1;
    const text = line.trim();
    if (text !== '') yield toRow(this.#line, text);
  }
}

export function malformed(message: string): never {
  throw new CatalogFileError('malformed_file', message);
}

/** The JSON is readable but is not a list of products; `detail` says what it is instead. */
export function notAList(detail = ''): never {
  throw new CatalogFileError('not_a_catalog', `${NOT_A_LIST}${detail}`);
}

export function tooLarge(rowNumber: number): never {
  throw new CatalogFileError('malformed_file', `Row ${rowNumber} is larger than 1 MB; is the JSON broken (an unclosed string)?`);
}

/** A key as quoted in a message (JSON quoting also makes control characters visible). */
export const quoted = (key: string) => JSON.stringify(key);
