import type { CatalogImport } from '@prisma/client';
import type pg from 'pg';
import type { PrismaClient } from '../db/client.js';
import { catalogPool } from './pg-pool.js';
import { isTextEncoding, type TextEncoding } from './text-encoding.js';

/** Products written per transaction: one batch is all-or-nothing, and progress moves with it. */
export const APPLY_BATCH_ROWS = 1_000;

export interface CatalogImportReport {
  id: string;
  uploadId: string;
  fileName: string;
  format: 'csv' | 'json';
  /** How the file's text was read: not UTF-8 means Windows-1252, which the merchant is told to check. */
  encoding: TextEncoding;
  status: 'pending' | 'running' | 'completed' | 'failed';
  /** Data rows in the file; null until the file has been read. */
  rowsTotal: number | null;
  /** Rows finished: rejected ones count as done once the file is read, valid ones as their batch commits. */
  rowsDone: number;
  created: number;
  updated: number;
  unchanged: number;
  rejected: number;
  error: string | null;
  workflowId: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

export class CatalogImportNotFound extends Error {
  constructor(importId: string) {
    super(`catalog import ${importId} does not exist (deleted, or its tenant was closed)`);
    this.name = 'CatalogImportNotFound';
  }
}

export class CatalogStagingLost extends Error {
  constructor(importId: string) {
    super(`the uploaded rows of import ${importId} are no longer staged (database restart?); upload the file again`);
    this.name = 'CatalogStagingLost';
  }
}

export interface BatchOutcome {
  rows: number;
  created: number;
  updated: number;
  unchanged: number;
}

/** How many valid rows an import staged: batches are `seq` ranges over 1..staged. */
export async function stagedRowCount(prisma: PrismaClient, importId: string): Promise<number> {
  const found = await prisma.catalogImport.findUnique({ where: { id: importId }, select: { rowsTotal: true, rejectedCount: true } });
  if (!found) throw new CatalogImportNotFound(importId);
  return (found.rowsTotal ?? 0) - found.rejectedCount;
}

/**
 * Applies the staged rows with `from < seq ≤ to` to `products` and advances the import's counters,
 * atomically. The rows are DELETEd from staging by the same statement that upserts them, so the batch
 * is applied exactly once however often it is retried or raced (a retry finds nothing left to do).
 * A row whose hash is unchanged is not written and counts as unchanged.
 */
export async function applyBatch(prisma: PrismaClient, importId: string, from: number, to: number): Promise<BatchOutcome> {
  const client = await catalogPool(prisma).connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    // Shared: batches run side by side. Exclusive against an upload of the same shop being received (it
    // holds its rows' locks to the end): taking the shop's lock before any row lock keeps the two from
    // deadlocking, and the batch simply waits for the upload.
    await client.query(`SELECT pg_advisory_xact_lock_shared(${catalogLock('tenant_id')}) FROM catalog_imports WHERE id = $1`, [importId]);
    const outcome = await applyBatchOn(client, importId, from, to);
    await client.query('COMMIT');
    return outcome;
  } catch (error) {
    await client.query('ROLLBACK').catch((e: unknown) => void (broken = e instanceof Error ? e : new Error(String(e))));
    throw error;
  } finally {
    client.release(broken);
  }
}

/**
 * The shop's catalog lock key, for a transaction-scoped advisory lock on the tenant id (an SQL expression):
 * held exclusively by an upload while it is received (a second upload waits 5 s, then gets a 409) and
 * shared by the batches applied afterwards.
 */
export const catalogLock = (tenantIdSql: string) => `hashtextextended('wara:catalog:' || ${tenantIdSql}, 0)`;

/**
 * `applyBatch` on a given connection. On a pool, the statement is its own transaction; on a client inside
 * an open transaction (the staging one, see stage.ts) it commits or rolls back with that transaction, and
 * the import keeps its status (`pending` until it is handed to the inline apply or the workflow).
 */
export async function applyBatchOn(
  db: pg.Pool | pg.PoolClient,
  importId: string,
  from: number,
  to: number,
  options: { markRunning?: boolean } = {},
): Promise<BatchOutcome> {
  // One statement, so one implicit transaction and one round trip: take the rows out of staging, upsert
  // them, count, and move the import's counters. Plain `pg`: no Prisma query compilation per batch.
  const { rows: [counts] } = await db.query<{ rows: number; created: number; updated: number }>(
    `WITH batch AS (
       DELETE FROM catalog_import_rows WHERE import_id = $1 AND seq > $2 AND seq <= $3 RETURNING *
     ), changed AS (
       -- Unchanged rows (same hash, still active) skip the INSERT altogether: an INSERT … ON CONFLICT computes
       -- the generated search vector of every proposed row before it finds the conflict, which made a
       -- re-upload of an unchanged file cost as much as the first import.
       SELECT b.* FROM batch b
       WHERE NOT EXISTS (SELECT 1 FROM products p WHERE p.tenant_id = b.tenant_id AND p.sku = b.sku AND p.row_hash = b.row_hash AND p.active)
     ), upserted AS (
       INSERT INTO products AS p (id, tenant_id, sku, name, description, price, currency, stock, category, url, image_url,
                                  attributes, active, row_hash, last_import_id, created_at, updated_at)
       SELECT gen_random_uuid()::text, tenant_id, sku, name, description, price, currency, stock, category, url, image_url,
              attributes, true, row_hash, import_id, now(), now()
       FROM changed ORDER BY seq
       ON CONFLICT (tenant_id, sku) DO UPDATE SET
         name = EXCLUDED.name, description = EXCLUDED.description, price = EXCLUDED.price, currency = EXCLUDED.currency,
         stock = EXCLUDED.stock, category = EXCLUDED.category, url = EXCLUDED.url, image_url = EXCLUDED.image_url,
         attributes = EXCLUDED.attributes, active = true, row_hash = EXCLUDED.row_hash,
         last_import_id = EXCLUDED.last_import_id, updated_at = now()
       -- Still needed: a product written by a concurrent import after this statement's snapshot.
       WHERE p.row_hash IS DISTINCT FROM EXCLUDED.row_hash OR NOT p.active
       -- xmax is 0 only on a freshly inserted tuple: tells created from updated without a second query.
       RETURNING (p.xmax = 0) AS created
     ), counts AS (
       SELECT (SELECT count(*) FROM batch)::int AS rows,
              (count(*) FILTER (WHERE created))::int AS created,
              (count(*) FILTER (WHERE NOT created))::int AS updated
       FROM upserted
     ), progress AS (
       UPDATE catalog_imports i SET status = CASE WHEN $4 THEN 'running'::catalog_import_status ELSE i.status END, updated_at = now(),
         rows_done = i.rows_done + c.rows, created_count = i.created_count + c.created,
         updated_count = i.updated_count + c.updated, unchanged_count = i.unchanged_count + (c.rows - c.created - c.updated)
       FROM counts c WHERE i.id = $1 AND c.rows > 0
       RETURNING i.id
     )
     SELECT rows, created, updated FROM counts`,
    [importId, from, to, options.markRunning ?? true],
  );
  const rows = counts?.rows ?? 0;
  const created = counts?.created ?? 0;
  const updated = counts?.updated ?? 0;
  return { rows, created, updated, unchanged: rows - created - updated };
}

/**
 * Applies `from < seq ≤ to` in batches, `concurrency` at a time: the upsert is Postgres-bound (the
 * generated search vector and two GIN indexes), and two backends use both cores.
 */
export async function applyRange(
  prisma: PrismaClient,
  importId: string,
  range: { from: number; to: number },
  options: { batchRows?: number; concurrency?: number; onBatch?: () => void } = {},
): Promise<void> {
  const batchRows = options.batchRows ?? APPLY_BATCH_ROWS;
  // The upload may have applied a prefix already (stage.ts applies while the file is read): start at the
  // first row still staged. Batches before it would find nothing; this only saves their round trips.
  const { rows: [first] } = await catalogPool(prisma).query<{ seq: number | null }>(
    'SELECT min(seq) AS seq FROM catalog_import_rows WHERE import_id = $1 AND seq > $2 AND seq <= $3',
    [importId, range.from, range.to],
  );
  let next = first?.seq == null ? range.to : first.seq - 1;
  const worker = async () => {
    while (next < range.to) {
      const from = next;
      next = Math.min(range.to, next + batchRows);
      await applyBatch(prisma, importId, from, next);
      options.onBatch?.();
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 2 }, worker));
}

/** Marks the import completed, drops its staged rows and refreshes the catalog's product count. */
export async function completeImport(prisma: PrismaClient, importId: string): Promise<CatalogImportReport> {
  return prisma.$transaction(async (tx) => {
    const current = await tx.catalogImport.findUnique({ where: { id: importId } });
    if (!current) throw new CatalogImportNotFound(importId);
    if (current.status === 'completed' || current.status === 'failed') return toReport(current);
    // Every batch deletes what it applies: rows missing from the count were lost from staging.
    if (current.rowsDone < (current.rowsTotal ?? 0)) throw new CatalogStagingLost(importId);
    const done = await tx.catalogImport.update({ where: { id: importId }, data: { status: 'completed', finishedAt: new Date() } });
    await tx.catalogImportRow.deleteMany({ where: { importId } });
    const productCount = await tx.product.count({ where: { tenantId: done.tenantId, active: true } });
    await tx.catalog.upsert({
      where: { tenantId: done.tenantId },
      create: { tenantId: done.tenantId, productCount, lastImportedAt: new Date() },
      update: { productCount, lastImportedAt: new Date() },
    });
    return toReport(done);
  });
}

/** The import stops with a reason; batches already committed stay (the report says how many). */
export async function failImport(prisma: PrismaClient, importId: string, reason: string): Promise<void> {
  await prisma.$transaction([
    prisma.catalogImport.updateMany({ where: { id: importId, status: { not: 'completed' } }, data: { status: 'failed', error: reason, finishedAt: new Date() } }),
    prisma.catalogImportRow.deleteMany({ where: { importId } }),
  ]);
}

/** Applies every staged row in this process: small uploads, the benchmark and tests. */
export async function applyAll(prisma: PrismaClient, importId: string): Promise<CatalogImportReport> {
  await applyRange(prisma, importId, { from: 0, to: await stagedRowCount(prisma, importId) });
  return completeImport(prisma, importId);
}

export function toReport(row: CatalogImport): CatalogImportReport {
  return {
    id: row.id,
    uploadId: row.uploadId,
    fileName: row.fileName,
    format: row.format,
    encoding: reportEncoding(row.encoding),
    status: row.status,
    rowsTotal: row.rowsTotal,
    rowsDone: row.rowsDone,
    created: row.createdCount,
    updated: row.updatedCount,
    unchanged: row.unchangedCount,
    rejected: row.rejectedCount,
    error: row.error,
    workflowId: row.workflowId,
    createdAt: row.createdAt.toISOString(),
    startedAt: row.startedAt?.toISOString() ?? null,
    finishedAt: row.finishedAt?.toISOString() ?? null,
  };
}

/** The column is CHECKed to the encodings the importer writes; anything else is a schema out of step. */
function reportEncoding(value: string): TextEncoding {
  if (!isTextEncoding(value)) throw new Error(`catalog import has an unknown encoding ${JSON.stringify(value)}`);
  return value;
}
