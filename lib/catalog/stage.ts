import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom } from 'pg-copy-streams';
import type { PrismaClient } from '../db/client.js';
import type { RowError } from './errors.js';
import { catalogPool } from './pg-pool.js';
import { validateProductRow, type NormalisedProduct, type RawProductRow } from './product-row.js';

/**
 * Rows validated per COPY chunk. COPY makes the size irrelevant for round trips; small keeps few rows alive
 * across awaits, so little is promoted to V8's old generation (2,000 measured ~70 MB more peak RSS per 100k).
 */
export const STAGE_BATCH_ROWS = 500;
/** Errors kept per import. The count stays exact; a file where every row is wrong needs no million-line report. */
export const MAX_STORED_ERRORS = 10_000;

export interface StageTarget {
  importId: string;
  tenantId: string;
  defaultCurrency: string;
}

export interface StageResult {
  /** Data rows seen in the file (valid + rejected). */
  rowsTotal: number;
  staged: number;
  rejected: number;
}

/**
 * Validates rows as they stream in and writes the valid ones to `catalog_import_rows` with a dense `seq`,
 * the rejected ones' reasons to `catalog_import_errors`. Products are not touched here.
 *
 * The valid rows go through one `COPY … FROM STDIN` for the whole upload, fed batch by batch as the file is
 * parsed: Postgres stores a batch while Node parses the next (a core each), and the stream's backpressure
 * keeps memory flat however large the file. The staged rows become visible at once, when the file has
 * been read to its end; a whole-file error aborts the COPY, so nothing is staged.
 */
export async function stageRows(prisma: PrismaClient, target: StageTarget, rows: AsyncIterable<RawProductRow | RowError>): Promise<StageResult> {
  const result: StageResult = { rowsTotal: 0, staged: 0, rejected: 0 };
  // SKU → first row. In memory: ~80 bytes a SKU, bounded by the upload size limit (≈1.6M rows in 200 MB).
  const firstRow = new Map<string, number>();
  let storedErrors = 0;
  // Row errors are few (at most MAX_STORED_ERRORS) and written beside the COPY, one batch at a time.
  let writingErrors: Promise<void> = Promise.resolve();
  const prefix = `${copyText(target.importId)}\t${copyText(target.tenantId)}\t`;

  const batchText = (batch: (RawProductRow | RowError)[]): string => {
    const { valid, errors } = validateBatch(batch, target.defaultCurrency, firstRow);
    const seqBefore = result.staged;
    result.staged += valid.length;
    result.rejected += new Set(errors.map((e) => e.rowNumber)).size;
    const kept = errors.sort((a, b) => a.rowNumber - b.rowNumber).slice(0, Math.max(0, MAX_STORED_ERRORS - storedErrors));
    storedErrors += kept.length;
    if (kept.length > 0) {
      const previous = writingErrors;
      writingErrors = previous.then(() => insertErrors(prisma, target, kept));
      // An unhandled rejection must not escape while parsing continues; it surfaces at the end.
      writingErrors.catch(() => undefined);
    }
    return valid.map((p, i) => prefix + copyLine(p, seqBefore + i + 1)).join('');
  };

  async function* copyData(): AsyncGenerator<string> {
    let batch: (RawProductRow | RowError)[] = [];
    for await (const row of rows) {
      result.rowsTotal += 1;
      batch.push(row);
      if (batch.length >= STAGE_BATCH_ROWS) {
        const text = batchText(batch);
        batch = [];
        if (text !== '') yield text;
      }
    }
    const text = batchText(batch);
    if (text !== '') yield text;
  }

  const client = await catalogPool(prisma).connect();
  let broken: Error | undefined;
  try {
    const copy = client.query(
      copyFrom(
        `COPY catalog_import_rows (import_id, tenant_id, seq, row_number, sku, name, description, price, currency, stock, category, url, image_url, attributes, row_hash) FROM STDIN`,
      ),
    );
    await pipeline(Readable.from(copyData(), { objectMode: false, highWaterMark: COPY_BUFFER_BYTES }), copy);
  } catch (error) {
    // The COPY was aborted mid-stream: do not hand this connection to the next user.
    broken = error instanceof Error ? error : new Error(String(error));
    throw error;
  } finally {
    client.release(broken);
    await writingErrors.catch(() => undefined);
  }
  await writingErrors;
  return result;
}

/** Text queued for Postgres before parsing pauses: a few batches, so memory stays flat on any file size. */
const COPY_BUFFER_BYTES = 256 * 1024;

/** One staged row in COPY text format (tab-separated, `\N` for null); import and tenant come first. */
function copyLine(p: NormalisedProduct, seq: number): string {
  return (
    `${seq}\t${p.rowNumber}\t${copyText(p.sku)}\t${copyText(p.name)}\t${copyText(p.description)}\t${p.price}\t${copyText(p.currency)}\t` +
    `${p.stock ?? NULL}\t${copyText(p.category)}\t${copyText(p.url)}\t${copyText(p.imageUrl)}\t` +
    `${p.attributes ? copyText(JSON.stringify(p.attributes)) : NULL}\t${copyText(p.rowHash)}\n`
  );
}

const NULL = '\\N';
const COPY_SPECIAL = /[\\\t\n\r]/g;
const COPY_ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** A value in COPY text format: backslash, tab and line breaks escaped. */
export function copyText(value: string | null): string {
  if (value === null) return NULL;
  return value.replace(COPY_SPECIAL, (c) => COPY_ESCAPES[c] ?? c);
}

/** Validates a batch; the second occurrence of a SKU is rejected, pointing at the first. */
function validateBatch(batch: (RawProductRow | RowError)[], defaultCurrency: string, firstRow: Map<string, number>) {
  const valid: NormalisedProduct[] = [];
  const errors: RowError[] = [];
  for (const row of batch) {
    if ('reason' in row) {
      errors.push(row);
      continue;
    }
    const checked = validateProductRow(row, defaultCurrency);
    if (!checked.ok) {
      errors.push(...checked.errors);
      continue;
    }
    const { sku, rowNumber } = checked.product;
    const first = firstRow.get(sku);
    if (first === undefined) {
      firstRow.set(sku, rowNumber);
      valid.push(checked.product);
    } else {
      errors.push({ rowNumber, field: 'sku', reason: `duplicate SKU: already on row ${first}`, value: sku });
    }
  }
  return { valid, errors };
}

async function insertErrors(prisma: PrismaClient, target: StageTarget, errors: RowError[]): Promise<void> {
  if (errors.length === 0) return;
  await prisma.catalogImportError.createMany({
    data: errors.map((e) => ({ tenantId: target.tenantId, importId: target.importId, rowNumber: e.rowNumber, field: e.field, reason: e.reason, value: e.value })),
  });
}
