import type { PrismaClient } from '../db/client.js';
import { decodeText, type DecodeInfo, type TextEncoding } from './decode.js';
import { CatalogFileError } from './errors.js';
import { readCsvRows } from './parse-csv.js';
import { readJsonRows } from './parse-json.js';
import { stageRows } from './stage.js';

export type UploadFormat = 'csv' | 'json';

export const DEFAULT_MAX_UPLOAD_BYTES = 200 * 1024 * 1024;

export interface UploadInput {
  tenantId: string;
  userId: string | null;
  /** The client's id for this upload: sending the same upload twice imports it once. */
  uploadId: string;
  fileName: string;
  format: UploadFormat;
  body: AsyncIterable<Uint8Array | string>;
  maxBytes?: number;
}

export interface ReceivedUpload {
  importId: string;
  /** Valid rows: staged, of which `applied` are already in products. */
  staged: number;
  rowsTotal: number;
  rejected: number;
  /** Staged rows already applied to products while the file was read (the rest wait in staging). */
  applied: number;
  bytes: number;
  /** How the file's text was read (it is not always UTF-8; see decode.ts). */
  encoding: TextEncoding;
}

/**
 * Reads an upload to its end: streams it through the parser and validator into the staging table and
 * records the rejected rows and how its text was read. Products are untouched. A whole-file problem
 * (encoding, header, size, syntax, not a catalog) deletes everything this upload wrote and rethrows: a
 * refused file leaves no trace but the audit.
 */
export async function receiveUpload(prisma: PrismaClient, input: UploadInput): Promise<ReceivedUpload> {
  const catalog = await prisma.catalog.findUnique({ where: { tenantId: input.tenantId }, select: { defaultCurrency: true } });
  const created = await prisma.catalogImport.create({
    data: {
      tenantId: input.tenantId,
      uploadId: input.uploadId,
      fileName: input.fileName,
      format: input.format,
      status: 'pending',
      createdByUserId: input.userId,
      startedAt: new Date(),
    },
  });
  const decoded: DecodeInfo = { bytes: 0, encoding: 'utf-8' };
  try {
    const text = decodeText(input.body, input.maxBytes ?? DEFAULT_MAX_UPLOAD_BYTES, decoded);
    const rows = input.format === 'csv' ? readCsvRows(text) : readJsonRows(text);
    const staged = await stageRows(prisma, { importId: created.id, tenantId: input.tenantId, defaultCurrency: catalog?.defaultCurrency ?? 'USD' }, rows, {
      // In the staging transaction: the totals commit together with the staged rows and any applied batches.
      beforeCommit: async (client, result) => {
        if (result.rowsTotal === 0) {
          throw new CatalogFileError('no_rows', input.format === 'csv' ? 'The file has a header but no product rows.' : 'The JSON has no products (its list is empty).');
        }
        // Rejected rows are "done" at once: the progress bar then measures the writes still to come. Batches
        // applied while reading already counted their rows. The encoding is final only now that the file is read.
        await client.query(
          'UPDATE catalog_imports SET rows_total = $2, rejected_count = $3, rows_done = rows_done + $3, encoding = $4 WHERE id = $1',
          [created.id, result.rowsTotal, result.rejected, decoded.encoding],
        );
      },
    });
    const { staged: valid, rowsTotal, rejected, applied } = staged;
    return { importId: created.id, staged: valid, rowsTotal, rejected, applied, bytes: decoded.bytes, encoding: decoded.encoding };
  } catch (error) {
    // Cascades to the staged rows and the row errors.
    await prisma.catalogImport.delete({ where: { id: created.id } }).catch(() => undefined);
    throw error;
  }
}

/** The parser for a request's content type; null means the type is not one we read (→ 415). */
export function formatFromContentType(contentType: string | undefined, fileName: string): UploadFormat | null {
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (['text/csv', 'application/csv', 'text/comma-separated-values', 'application/vnd.ms-excel'].includes(type)) return 'csv';
  if (['application/json', 'application/x-ndjson', 'application/jsonl', 'application/x-jsonlines', 'application/jsonlines'].includes(type)) return 'json';
  // Browsers send .jsonl (and sometimes .csv) files with no type or as bytes: fall back to the extension.
  if (type === '' || type === 'application/octet-stream' || type === 'text/plain') {
    const ext = /\.([a-z]+)$/i.exec(fileName)?.[1]?.toLowerCase();
    if (ext === 'csv' || ext === 'tsv' || ext === 'txt') return 'csv';
    if (ext === 'json' || ext === 'jsonl' || ext === 'ndjson') return 'json';
  }
  return null;
}
