import type { PrismaClient } from '../db/client.js';
import type { RowError } from './errors.js';
import { validateProductRow, type NormalisedProduct, type RawProductRow } from './product-row.js';

/** Rows validated and staged per round trip: big enough to amortise latency, small enough for memory. */
export const STAGE_BATCH_ROWS = 2_000;
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
 */
export async function stageRows(prisma: PrismaClient, target: StageTarget, rows: AsyncIterable<RawProductRow | RowError>): Promise<StageResult> {
  const result: StageResult = { rowsTotal: 0, staged: 0, rejected: 0 };
  // SKU → first row. In memory: ~80 bytes a SKU, bounded by the upload size limit (≈1.6M rows in 200 MB).
  const firstRow = new Map<string, number>();
  let storedErrors = 0;
  let batch: (RawProductRow | RowError)[] = [];
  // The previous batch's writes run while the next batch is parsed: Node and Postgres each get a core.
  let writing: Promise<unknown> = Promise.resolve();

  const flush = async () => {
    const { valid, errors } = validateBatch(batch, target.defaultCurrency, firstRow);
    batch = [];
    const seqBefore = result.staged;
    result.staged += valid.length;
    result.rejected += new Set(errors.map((e) => e.rowNumber)).size;
    const kept = errors.sort((a, b) => a.rowNumber - b.rowNumber).slice(0, Math.max(0, MAX_STORED_ERRORS - storedErrors));
    storedErrors += kept.length;
    await writing;
    writing = Promise.all([insertStaged(prisma, target, valid, seqBefore), insertErrors(prisma, target, kept)]);
    // An unhandled rejection must not escape while parsing continues; it surfaces at the next await.
    writing.catch(() => undefined);
  };

  for await (const row of rows) {
    result.rowsTotal += 1;
    batch.push(row);
    if (batch.length >= STAGE_BATCH_ROWS) await flush();
  }
  if (batch.length > 0) await flush();
  await writing;
  return result;
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

/**
 * One INSERT per batch, the rows travelling as a single JSON parameter: far cheaper through the Prisma
 * driver adapter than thousands of bind values, and the statement text never changes.
 */
async function insertStaged(prisma: PrismaClient, target: StageTarget, products: NormalisedProduct[], seqBefore: number): Promise<void> {
  if (products.length === 0) return;
  const rows = products.map((p, i) => [seqBefore + i + 1, p.rowNumber, p.sku, p.name, p.description, p.price, p.currency, p.stock, p.category, p.url, p.imageUrl, p.attributes, p.rowHash]);
  await prisma.$executeRawUnsafe(
    `INSERT INTO catalog_import_rows
       (import_id, tenant_id, seq, row_number, sku, name, description, price, currency, stock, category, url, image_url, attributes, row_hash)
     SELECT $1, $2, (r->>0)::int, (r->>1)::int, r->>2, r->>3, r->>4, (r->>5)::numeric, r->>6, (r->>7)::int, r->>8, r->>9, r->>10,
            NULLIF(r->11, 'null'::jsonb), r->>12
     FROM jsonb_array_elements($3::jsonb) AS r`,
    target.importId,
    target.tenantId,
    JSON.stringify(rows),
  );
}

async function insertErrors(prisma: PrismaClient, target: StageTarget, errors: RowError[]): Promise<void> {
  if (errors.length === 0) return;
  await prisma.catalogImportError.createMany({
    data: errors.map((e) => ({ tenantId: target.tenantId, importId: target.importId, rowNumber: e.rowNumber, field: e.field, reason: e.reason, value: e.value })),
  });
}
