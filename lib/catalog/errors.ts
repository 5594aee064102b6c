/**
 * A problem with the file as a whole (not one row): the upload is refused and nothing is imported.
 * `status` is the HTTP status the API answers with; `code` is stable for the dashboard and tests.
 */
export type CatalogFileErrorCode =
  | 'empty_file'
  | 'no_rows'
  | 'missing_columns'
  | 'duplicate_columns'
  | 'invalid_encoding'
  | 'malformed_file'
  | 'not_a_catalog'
  | 'file_too_large'
  | 'unsupported_media_type'
  | 'upload_in_progress'
  | 'upload_too_slow';

const STATUS: Record<CatalogFileErrorCode, number> = {
  empty_file: 400,
  no_rows: 400,
  missing_columns: 400,
  duplicate_columns: 400,
  invalid_encoding: 400,
  malformed_file: 400,
  // Readable JSON, but not a list of products: the syntax is fine, the content is not a catalog.
  not_a_catalog: 422,
  file_too_large: 413,
  unsupported_media_type: 415,
  upload_in_progress: 409,
  // The client sent too slowly (or stopped): Request Timeout, so a client may retry on a better link.
  upload_too_slow: 408,
};

export class CatalogFileError extends Error {
  readonly status: number;
  constructor(
    readonly code: CatalogFileErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'CatalogFileError';
    this.status = STATUS[code];
  }
}

/** One rejected row's reason, as stored in `catalog_import_errors` and shown to the merchant. */
export interface RowError {
  rowNumber: number;
  /** The canonical field (sku, price…) or null when the row as a whole is wrong. */
  field: string | null;
  reason: string;
  value: string | null;
}

/** Stored values are cut so a pasted essay in a cell cannot bloat the error table or the CSV export. */
export function truncateValue(value: unknown, max = 200): string | null {
  if (value === undefined || value === null) return null;
  const text = typeof value === 'string' ? value : quotable(value);
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/**
 * A non-string value as JSON text. Fuzzing found (test/fuzz/catalog-parser-never-crashes.test.ts): a JSON cell
 * nested a few thousand levels deep (`{"name": [[[[…]]]]}`) overflowed JSON.stringify's stack while its row error
 * was written, and the RangeError failed the upload with a 500. Such a value is named, not quoted.
 */
function quotable(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch {
    return '(a value nested too deeply to show)';
  }
}

/** The reason for a row with a NUL character: Postgres text cannot hold one, and no product name has one. */
export function nulRow(rowNumber: number): RowError {
  return { rowNumber, field: null, reason: 'row contains a NUL character (byte 0), which is not text: is the file damaged?', value: null };
}

/** Text shown back to the merchant (stored in Postgres) with any NUL made visible instead. */
export function withoutNul(text: string): string {
  return text.includes('\0') ? text.replaceAll('\0', '␀') : text;
}
