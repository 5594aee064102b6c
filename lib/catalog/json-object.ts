import { fieldForHeader, normaliseHeader } from './columns.js';
import { ArraySplitter } from './json-array.js';
import { LineSplitter, malformed, MAX_ELEMENT_CHARS, notAList, quoted, tooLarge, type Row } from './json-rows.js';

/** Keys a wrapper object holds its product list under (`{"products": […]}`), compared normalised. */
export const WRAPPER_KEYS = ['products', 'items', 'data', 'records', 'rows', 'results', 'entries', 'catalog'];
const WRAPPERS = new Set(WRAPPER_KEYS);
/** Keys are read to decide what the object is; longer ones are not among the names that matter. */
const MAX_KEY_CHARS = 200;

/**
 * A JSON file that starts with `{`. What it is shows while its first top-level object is read, without
 * holding that object (only its text while it may still be line 1 of JSON lines, up to 1 MB):
 * - at the object's top level a key like "products" (WRAPPER_KEYS) holds a list, and the object has no
 *   price of its own → a wrapper: that list is read as the products, element by element (ArraySplitter,
 *   row = element number), and the rest of the object is skipped. A price of its own, or a second such
 *   list, found after the list has been read, refuses the file (its staged rows roll back);
 * - else, the object ends on its first line → JSON lines (that object is line 1);
 * - else (an object spread over several lines: pretty-printed, or several of them) → not a list of products.
 */
export class ObjectSplitter {
  #mode: 'scan' | 'list' | 'lines' | 'after' = 'scan';
  readonly #lines: LineSplitter;
  readonly #firstLineNumber: number;
  #list: ArraySplitter | null = null;
  #listKey: string | null = null;
  // The scan of the top-level object, outside its list.
  #depth = 0;
  #inString = false;
  #escaped = false;
  #expectKey = false;
  #afterColon = false;
  /** The raw text of the top-level key being read; null outside keys. */
  #key: string | null = null;
  #lastKey = '';
  #priceKey: string | null = null;
  #multiLine = false;
  /** Lists under other top-level keys, named in the message when nothing is read. */
  readonly #otherLists: string[] = [];
  /** The first object's text while it may be line 1 of JSON lines; null once it cannot. */
  #firstLine: string[] | null = [];
  #firstLineSize = 0;

  /** `lines`: blank lines before the object. */
  constructor(lines: number) {
    this.#lines = new LineSplitter(lines);
    this.#firstLineNumber = lines + 1;
  }

  *push(chunk: string): Generator<Row> {
    if (this.#mode === 'lines') return yield* this.#lines.push(chunk);
    let from = 0;
    if (this.#mode === 'list' && this.#list) {
      from = yield* this.#list.push(chunk);
      if (from < 0) return;
      this.#mode = 'scan';
    }
    yield* this.#scan(chunk, from);
  }

  end(): Row[] {
    if (this.#mode === 'lines') return this.#lines.end();
    if (this.#mode === 'list' && this.#list) return this.#list.end();
    if (this.#mode === 'after') return [];
    if (this.#listKey !== null || this.#multiLine) malformed('The JSON ends early: the closing } of its object is missing.');
    if (this.#firstLine === null) tooLarge(this.#firstLineNumber);
    // One unfinished line: JSON lines whose line is broken, reported as that row.
    return [...this.#lines.push(this.#firstLine.join('')), ...this.#lines.end()];
  }

  *#scan(chunk: string, from: number): Generator<Row> {
    for (let i = from; i < chunk.length; i++) {
      const c = chunk.charCodeAt(i);
      if (this.#mode === 'after') {
        if (!isSpace(c)) malformed('There is content after the closing } of the JSON object.');
        continue;
      }
      if (this.#inString) {
        if (this.#escaped) this.#escaped = false;
        else if (c === 0x5c) this.#escaped = true;
        else if (c === 0x22) {
          this.#inString = false;
          if (this.#key !== null) this.#keyRead(this.#key);
          continue;
        }
        if (this.#key !== null && this.#key.length < MAX_KEY_CHARS) this.#key += chunk[i];
        continue;
      }
      if (c === 0x0a) {
        this.#multiLine = true;
        this.#firstLine = null;
      }
      if (isSpace(c)) continue;
      if (this.#depth === 1) {
        if (c === 0x3a) {
          this.#afterColon = true;
          continue;
        }
        if (c === 0x2c) {
          this.#expectKey = true;
          continue;
        }
        if (c === 0x22 && this.#expectKey) {
          this.#inString = true;
          this.#expectKey = false;
          this.#key = '';
          continue;
        }
        if (c === 0x5b && this.#afterColon && this.#readsList()) {
          this.#afterColon = false;
          this.#firstLine = null;
          this.#listKey = this.#lastKey;
          this.#list = new ArraySplitter(true);
          this.#mode = 'list';
          const end = yield* this.#list.push(chunk, i);
          if (end < 0) return;
          this.#mode = 'scan';
          i = end - 1;
          continue;
        }
        if (c === 0x5b && this.#afterColon && this.#otherLists.length < 5) this.#otherLists.push(this.#lastKey);
        this.#afterColon = false;
      }
      if (c === 0x22) this.#inString = true;
      else if (c === 0x7b || c === 0x5b) {
        this.#depth += 1;
        this.#expectKey = this.#depth === 1;
      } else if (c === 0x7d || c === 0x5d) {
        this.#depth -= 1;
        if (this.#depth === 0) return yield* this.#closed(chunk, i);
      }
    }
    if (this.#firstLine) {
      this.#firstLine.push(chunk.slice(from));
      this.#firstLineSize += chunk.length - from;
      if (this.#firstLineSize > MAX_ELEMENT_CHARS) this.#firstLine = null;
    }
  }

  /** The top-level object ended at chunk[i]: now it is known what the file is. */
  *#closed(chunk: string, i: number): Generator<Row> {
    if (this.#listKey !== null) {
      this.#mode = 'after';
      yield* this.#scan(chunk, i + 1);
      return;
    }
    if (this.#multiLine) {
      // A price of its own makes it one product, whatever lists it has.
      const lists = this.#priceKey === null ? this.#otherLists.map(quoted).join(', ') : '';
      notAList(
        lists
          ? ` It is one object; its lists are under ${lists}, but products are read from a list under one of ${WRAPPER_KEYS.map(quoted).join(', ')}.`
          : ' It is one object spread over several lines; for JSON lines, put each product on a line of its own.',
      );
    }
    if (this.#firstLine === null) tooLarge(this.#firstLineNumber);
    // JSON lines: this object and the rest of its line are line 1.
    const head = this.#firstLine.join('') + chunk;
    this.#firstLine = null;
    this.#mode = 'lines';
    yield* this.#lines.push(head);
  }

  #keyRead(raw: string): void {
    this.#key = null;
    let key = raw;
    try {
      key = JSON.parse(`"${raw}"`) as string;
    } catch {
      // A key cut at MAX_KEY_CHARS inside an escape: its raw text is as good for what follows.
    }
    this.#lastKey = key;
    if (fieldForHeader(key) !== 'price') return;
    if (this.#listKey !== null) {
      notAList(` It has a list under ${quoted(this.#listKey)} but also a price of its own (${quoted(key)}): is it one product, or a list of them?`);
    }
    this.#priceKey ??= key;
  }

  /** A list under a wrapper key is read as the products, unless the object has a price (then it is one). */
  #readsList(): boolean {
    if (!WRAPPERS.has(normaliseHeader(this.#lastKey))) return false;
    if (this.#listKey !== null) notAList(` It has more than one list (${quoted(this.#listKey)} and ${quoted(this.#lastKey)}); keep only the products.`);
    return this.#priceKey === null;
  }
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}
