// The one CSV writer for everything WARA lets people download (audit exports, catalog import errors):
// csv-stringify does the quoting, and formula cells are neutralised, because these files are opened in
// spreadsheets and their cells hold text someone else typed (a shop name, an uploaded product row, a
// customer's message). Streamed: rows are read only as fast as the client takes the file.
import { pipeline, Readable, type Transform } from 'node:stream';
import { stringify, type Options } from 'csv-stringify';

export type CsvCell = string | number | boolean | null | undefined;
export type CsvRow = readonly CsvCell[];

/**
 * The writer's settings. `escape_formulas`: a cell starting with = + - @ tab or CR gets a leading `'`
 * (CSV/formula injection). `quote_record_delimiter`: a line break inside a cell is always quoted, whatever
 * the record delimiter. CRLF records and a BOM: what Excel expects of a UTF-8 CSV.
 */
export const CSV_OPTIONS: Options = {
  bom: true,
  record_delimiter: 'windows',
  quote_record_delimiter: true,
  escape_formulas: true,
  cast: { boolean: (value) => (value ? 'true' : 'false') },
};

/**
 * A readable CSV stream: the header, then every row of every batch `batches` yields (a page of a keyset
 * query, say). Rows are pulled through a small object buffer only as fast as the stringifier (and behind
 * it the client) takes them, and the next batch is read only when the last one has been taken, so memory
 * holds about one batch whatever the row count. An error in `batches` destroys the stream (the download
 * ends early) and `onError` hears of it; a client that goes away stops the reading.
 */
export function csvStream(header: CsvRow, batches: AsyncIterable<readonly CsvRow[]>, onError?: (err: Error) => void): Transform {
  const stringifier = stringify({ ...CSV_OPTIONS });
  const source = Readable.from(rowsOf(header, batches), { objectMode: true, highWaterMark: 64 });
  pipeline(source, stringifier, (err) => {
    if (err && (err as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE') onError?.(err);
  });
  return stringifier;
}

async function* rowsOf(header: CsvRow, batches: AsyncIterable<readonly CsvRow[]>): AsyncGenerator<CsvRow> {
  yield header;
  for await (const batch of batches) yield* batch;
}

/** A whole CSV in memory, for small files and tests. */
export async function csvText(header: CsvRow, rows: readonly CsvRow[]): Promise<string> {
  const chunks: string[] = [];
  for await (const chunk of csvStream(header, (async function* () { yield rows; })())) chunks.push(String(chunk));
  return chunks.join('');
}
