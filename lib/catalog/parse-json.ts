import { CatalogFileError } from './errors.js';
import { ArraySplitter } from './json-array.js';
import { ObjectSplitter } from './json-object.js';
import { malformed, NOT_A_LIST, notAList, quoted, type Row } from './json-rows.js';

/** Rows looked at to decide whether a JSON file is a catalog at all (see requireProductFields). */
export const DECIDE_AFTER_ROWS = 20;

/**
 * JSON text → raw rows, streaming. What the file is comes from its content, not its name or type:
 * - `[` → an array of objects, row = element number (ArraySplitter: one element held at a time);
 * - `{` → JSON lines (one object per line, row = line number), or a wrapper object whose list under
 *   "products", "items", "data"… holds the products; anything else starting with `{` is refused
 *   (ObjectSplitter says how the two are told apart while streaming);
 * - anything else is not a list of products.
 * Then a file in whose first rows no object has any product field is refused as a whole.
 */
export async function* readJsonRows(text: AsyncIterable<string>): AsyncGenerator<Row> {
  yield* requireProductFields(splitJson(text));
}

async function* splitJson(text: AsyncIterable<string>): AsyncGenerator<Row> {
  let splitter: ArraySplitter | ObjectSplitter | null = null;
  // Blank lines before the first object still count as lines: JSON-lines rows are the editor's line numbers.
  let blankLines = 0;
  for await (const chunk of text) {
    let piece = chunk;
    if (!splitter) {
      const start = piece.search(/\S/);
      blankLines += countLineFeeds(start < 0 ? piece : piece.slice(0, start));
      if (start < 0) continue;
      piece = piece.slice(start);
      if (piece.startsWith('[')) splitter = new ArraySplitter();
      else if (piece.startsWith('{')) splitter = new ObjectSplitter(blankLines);
      else malformed(NOT_A_LIST);
    }
    yield* splitter.push(piece);
  }
  if (!splitter) throw new CatalogFileError('empty_file', 'The file contains only whitespace.');
  yield* splitter.end();
}

/**
 * A JSON file none of whose first DECIDE_AFTER_ROWS objects has any product field (sku, name, price… or
 * an alias) is not a catalog with problems but no catalog: it is refused as a whole, as a CSV whose header
 * lacks the columns is. Those first rows are held (each is at most 1 MB) until one has a product field, so
 * a refused file stages nothing.
 */
async function* requireProductFields(rows: AsyncIterable<Row>): AsyncGenerator<Row> {
  const held: Row[] = [];
  const found = new Set<string>();
  let passing = false;
  for await (const row of rows) {
    if (passing) {
      yield row;
      continue;
    }
    held.push(row);
    // A row error with a field is two keys meaning one field (see rawRowFromObject): a product field.
    if ('fields' in row ? Object.keys(row.fields).length > 0 : row.field !== null) {
      passing = true;
      yield* held.splice(0);
      continue;
    }
    if ('attributes' in row) for (const key of Object.keys(row.attributes)) if (found.size < 8) found.add(key);
    if (held.length >= DECIDE_AFTER_ROWS) break;
  }
  if (passing) return;
  if (held.length === 0) return; // no rows at all: receive.ts says so (no_rows)
  const keys = [...found].map(quoted).join(', ');
  notAList(
    ` ${held.length === 1 ? 'Its one entry has none' : `None of its first ${held.length} entries has any`} of the columns sku, name, price ` +
      `(or their other names, like id, title or amount)${keys ? `; found: ${keys}` : ''}.`,
  );
}

function countLineFeeds(text: string): number {
  let count = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) count += 1;
  return count;
}
