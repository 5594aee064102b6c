import { CatalogFileError, truncateValue, type RowError } from './errors.js';
import { rawRowFromObject, type RawProductRow } from './product-row.js';

/** One element (or line) larger than this is not a product: refusing it keeps memory bounded. */
const MAX_ELEMENT_CHARS = 1024 * 1024;

/**
 * JSON text → raw rows, streaming: either an array of objects (`[{…},{…}]`, row = element number) or
 * JSON lines (one object per line, row = line number). The array is split by a small scanner that
 * tracks strings and nesting, so only one element at a time is ever held and parsed.
 */
export async function* readJsonRows(text: AsyncIterable<string>): AsyncGenerator<RawProductRow | RowError> {
  let splitter: ArraySplitter | LineSplitter | null = null;
  for await (const chunk of text) {
    let piece = chunk;
    if (!splitter) {
      const start = piece.search(/\S/);
      if (start < 0) continue;
      piece = piece.slice(start);
      splitter = piece.startsWith('[') ? new ArraySplitter() : piece.startsWith('{') ? new LineSplitter() : null;
      if (!splitter) throw new CatalogFileError('malformed_file', 'A JSON catalog must be an array of product objects or one product object per line.');
    }
    yield* splitter.push(piece);
  }
  if (!splitter) throw new CatalogFileError('empty_file', 'The file contains only whitespace.');
  yield* splitter.end();
}

interface Element {
  rowNumber: number;
  text: string;
}

function toRow({ rowNumber, text }: Element): RawProductRow | RowError {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { rowNumber, field: null, reason: `row is not valid JSON (${(error as Error).message})`, value: truncateValue(text) };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { rowNumber, field: null, reason: 'row is not a JSON object', value: truncateValue(text) };
  }
  return rawRowFromObject(rowNumber, value as Record<string, unknown>);
}

class LineSplitter {
  #partial = '';
  #line = 0;

  *push(chunk: string): Generator<RawProductRow | RowError> {
    const lines = (this.#partial + chunk).split('\n');
    this.#partial = lines.pop() ?? '';
    if (this.#partial.length > MAX_ELEMENT_CHARS) tooLarge(this.#line + 1);
    for (const line of lines) yield* this.#emit(line);
  }

  end(): (RawProductRow | RowError)[] {
    return this.#partial === '' ? [] : [...this.#emit(this.#partial)];
  }

  *#emit(line: string): Generator<RawProductRow | RowError> {
    this.#line += 1;
    const text = line.trim();
    if (text !== '') yield toRow({ rowNumber: this.#line, text });
  }
}

class ArraySplitter {
  #state: 'before' | 'between' | 'element' | 'after' = 'before';
  #depth = 0;
  #inString = false;
  #escaped = false;
  #parts: string[] = [];
  #size = 0;
  #count = 0;
  /** Between elements: true right after `[` or `,`, where an element must come next. */
  #expectElement = true;

  *push(chunk: string): Generator<RawProductRow | RowError> {
    let start = this.#state === 'element' ? 0 : -1;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk.charCodeAt(i);
      if (this.#state === 'element') {
        if (this.#inString) {
          if (this.#escaped) this.#escaped = false;
          else if (c === 0x5c) this.#escaped = true;
          else if (c === 0x22) this.#inString = false;
          continue;
        }
        if (c === 0x22) this.#inString = true;
        else if (c === 0x7b || c === 0x5b) this.#depth += 1;
        else if ((c === 0x7d || c === 0x5d) && this.#depth > 0) this.#depth -= 1;
        else if (this.#depth === 0 && (c === 0x2c || c === 0x5d)) {
          yield toRow(this.#take(chunk.slice(start, i)));
          this.#state = c === 0x5d ? 'after' : 'between';
          this.#expectElement = c === 0x2c;
        }
        continue;
      }
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) continue;
      if (this.#state === 'before') {
        if (c !== 0x5b) malformed('A JSON catalog must start with [ or {.');
        this.#state = 'between';
      } else if (this.#state === 'after') {
        malformed('There is content after the closing ] of the JSON array.');
      } else if (c === 0x5d && (this.#count === 0 || !this.#expectElement)) {
        this.#state = 'after';
      } else if (c === 0x2c || c === 0x5d) {
        malformed(`The JSON array has an empty element after element ${this.#count}.`);
      } else if (!this.#expectElement) {
        malformed(`A comma is missing after element ${this.#count} of the JSON array.`);
      } else {
        this.#state = 'element';
        start = i;
        i -= 1; // re-read this character as the element's first
      }
    }
    if (this.#state === 'element') {
      this.#parts.push(chunk.slice(start));
      this.#size += chunk.length - start;
      if (this.#size > MAX_ELEMENT_CHARS) tooLarge(this.#count + 1);
    }
  }

  end(): (RawProductRow | RowError)[] {
    if (this.#state !== 'after') malformed(`The JSON array ends early, after element ${this.#count}: the closing ] is missing.`);
    return [];
  }

  #take(last: string): Element {
    const text = this.#parts.join('') + last;
    this.#parts = [];
    this.#size = 0;
    this.#count += 1;
    return { rowNumber: this.#count, text };
  }
}

function malformed(message: string): never {
  throw new CatalogFileError('malformed_file', message);
}

function tooLarge(rowNumber: number): never {
  throw new CatalogFileError('malformed_file', `Row ${rowNumber} is larger than 1 MB; is the JSON broken (an unclosed string)?`);
}
