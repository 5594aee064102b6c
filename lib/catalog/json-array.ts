import { malformed, MAX_ELEMENT_CHARS, toRow, tooLarge, type Row } from './json-rows.js';

/**
 * A JSON array split element by element (row = element number) by a small scanner that tracks strings and
 * nesting, so only one element at a time is ever held and parsed. The array is the file (`[…]`), or the
 * list inside a wrapper object (`nested`): then the scanner stops at its closing `]` and hands the rest of
 * the text back.
 */
export class ArraySplitter {
  #state: 'before' | 'between' | 'element' | 'after' = 'before';
  #depth = 0;
  #inString = false;
  #escaped = false;
  #parts: string[] = [];
  #size = 0;
  #count = 0;
  /** Between elements: true right after `[` or `,`, where an element must come next. */
  #expectElement = true;

  constructor(private readonly nested = false) {}

  /**
   * Yields the elements that end in `chunk` (read from `from`). Returns the index just past the closing `]`
   * of a nested array that ends in this chunk; -1 when the whole chunk was the array's.
   */
  *push(chunk: string, from = 0): Generator<Row, number> {
    let start = this.#state === 'element' ? from : -1;
    for (let i = from; i < chunk.length; i++) {
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
          yield this.#take(chunk.slice(start, i));
          this.#state = c === 0x5d ? 'after' : 'between';
          this.#expectElement = c === 0x2c;
          if (c === 0x5d && this.nested) return i + 1;
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
        if (this.nested) return i + 1;
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
    return -1;
  }

  end(): Row[] {
    if (this.#state !== 'after') malformed(`The JSON array ends early, after element ${this.#count}: the closing ] is missing.`);
    return [];
  }

  #take(last: string): Row {
    const text = this.#parts.join('') + last;
    this.#parts = [];
    this.#size = 0;
    this.#count += 1;
    return toRow(this.#count, text);
  }
}
