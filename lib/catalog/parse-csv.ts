import { CsvError, parse } from 'csv-parse';
import { mapHeader, type ColumnTarget, type ProductField } from './columns.js';
import { CatalogFileError, nulRow, truncateValue, type RowError } from './errors.js';
import type { RawProductRow } from './product-row.js';

/** A record (row) larger than this is a broken file (an unclosed quote swallowing the rest), not a product. */
const MAX_RECORD_BYTES = 1024 * 1024;
const CANDIDATE_DELIMITERS = [',', ';', '\t', '|'] as const;

/**
 * CSV text → raw rows, streaming. The delimiter is read off the header line (spreadsheets in many
 * locales export `;`). Row numbers are spreadsheet rows: the header is row 1, so the first product is
 * row 2, and a record with newlines inside quotes is still one row.
 */
export async function* readCsvRows(text: AsyncIterable<string>): AsyncGenerator<RawProductRow | RowError> {
  const iterator = text[Symbol.asyncIterator]();
  let head = '';
  // Fuzzing found (test/fuzz/catalog-parser-never-crashes.test.ts): a header cell with a line break in quotes
  // (`"Product\nName";SKU;Price`) ended the header "line" early, so the delimiter was guessed from part of
  // it and a valid file was refused. The header ends at the first line break outside quotes (scanned once).
  const header = { scanned: 0, quoted: false, complete: false };
  while (!header.complete && head.length < MAX_RECORD_BYTES) {
    const next = await iterator.next();
    if (next.done) break;
    head += next.value;
    scanHeaderLine(head, header);
  }
  const delimiter = detectDelimiter(head);
  const parser = parse({ delimiter, bom: true, relax_column_count: true, max_record_size: MAX_RECORD_BYTES });
  // Fuzzing found (test/fuzz/catalog-parser-never-crashes.test.ts): a syntax error met while writing (a stray
  // quote: `a,b"c",1`) reaches the write callback, which settles `feed` and removes its listener, and is then
  // emitted as an 'error' event a tick later with no listener left: an uncaught exception, which in the API
  // is a process crash from one malformed upload. This standing listener absorbs that second report; the
  // error itself still reaches the loop below through the callback (and becomes malformed_file).
  parser.on('error', () => undefined);
  let targets: ColumnTarget[] | null = null;
  let rowNumber = 0;
  // Records are only searched for a NUL once one has been fed to the parser: a native scan per chunk
  // instead of one per value.
  let nulSeen = false;

  // Chunks are written and the records read back synchronously: one await per chunk instead of one
  // per row through stream iteration, which dominated the cost on large files.
  const feed = (chunk: string | null) =>
    new Promise<void>((resolve, reject) => {
      parser.once('error', reject);
      const settle = (error?: Error | null) => (parser.off('error', reject), error ? reject(error) : resolve());
      if (chunk === null) parser.end(settle);
      else parser.write(chunk, settle);
    });
  const rows: (RawProductRow | RowError)[] = [];
  const drain = () => {
    for (let record: string[] | null = parser.read() as string[] | null; record !== null; record = parser.read() as string[] | null) {
      rowNumber += 1;
      if (record.every((value) => value.trim() === '')) continue;
      const nul = nulSeen && record.some((value) => value.includes('\0'));
      if (targets) rows.push(nul ? nulRow(rowNumber) : rowFromRecord(rowNumber, record, targets));
      else if (nul) throw new CatalogFileError('malformed_file', 'The header row contains a NUL character (byte 0), which is not text: is the file damaged?');
      else targets = mapHeader(record);
    }
  };
  try {
    for (let chunk: string | null = head; ; ) {
      if (chunk !== null && !nulSeen) nulSeen = chunk.includes('\0');
      const written = feed(chunk);
      // Fuzzing found (test/fuzz/catalog-parser-never-crashes.test.ts): when drain() throws (a header without
      // the required columns) before `written` is awaited, and the same chunk then fails to parse (`null\n{"":0}`),
      // its rejection had no handler: an unhandled rejection, a crash in the API. It is still awaited below.
      written.catch(() => undefined);
      drain();
      await written;
      drain();
      yield* rows.splice(0);
      if (chunk === null) break;
      const next = await iterator.next();
      chunk = next.done ? null : next.value;
    }
  } catch (error) {
    if (error instanceof CsvError) {
      throw new CatalogFileError('malformed_file', `The CSV cannot be read after row ${rowNumber}: ${error.message}`);
    }
    throw error;
  }
  if (!targets) throw new CatalogFileError('empty_file', 'The file has no header row (expected columns like sku, name, price).');
}

function rowFromRecord(rowNumber: number, record: string[], targets: ColumnTarget[]): RawProductRow | RowError {
  const extra = record.slice(targets.length).filter((v) => v.trim() !== '');
  if (extra.length > 0) {
    return { rowNumber, field: null, reason: `row has ${record.length} values but the header has ${targets.length} columns (a delimiter inside an unquoted value?)`, value: truncateValue(extra.join(' | ')) };
  }
  const fields: Partial<Record<ProductField, unknown>> = {};
  const attributes: Record<string, unknown> = {};
  targets.forEach((target, i) => {
    const value = record[i];
    if (value === undefined) return;
    if (target.kind === 'field') fields[target.field] = value;
    else if (target.kind === 'attribute' && value.trim() !== '') attributes[target.key] = value.trim();
  });
  return { rowNumber, fields, attributes };
}

/** Advances `state` over `text` from where it stopped; `complete` once a line break outside quotes is met. */
function scanHeaderLine(text: string, state: { scanned: number; quoted: boolean; complete: boolean }): void {
  for (; state.scanned < text.length && !state.complete; state.scanned++) {
    const ch = text[state.scanned];
    if (ch === '"') state.quoted = !state.quoted;
    else if (!state.quoted && (ch === '\r' || ch === '\n')) state.complete = true;
  }
}

/** The candidate seen most often outside quotes on the first line (which ends outside quotes); `,` when none appears. */
export function detectDelimiter(text: string): string {
  const counts = new Map<string, number>();
  let quoted = false;
  for (const ch of text.replace(/^\uFEFF/, '')) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && (ch === '\r' || ch === '\n')) break;
    else if (!quoted && (CANDIDATE_DELIMITERS as readonly string[]).includes(ch)) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  }
  let best = ',';
  let bestCount = 0;
  for (const candidate of CANDIDATE_DELIMITERS) {
    const n = counts.get(candidate) ?? 0;
    if (n > bestCount) [best, bestCount] = [candidate, n];
  }
  return best;
}
