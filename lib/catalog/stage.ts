import { finished } from 'node:stream/promises';
import { setImmediate } from 'node:timers/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { PrismaClient } from '../db/client.js';
import { APPLY_BATCH_ROWS, applyBatchOn, catalogLock } from './apply.js';
import { CatalogFileError, withoutNul, type RowError } from './errors.js';
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
  /** Staged rows already applied to products while the file was read: `seq` 1..applied. */
  applied: number;
}

export interface StageOptions {
  /**
   * Runs inside the staging transaction once the file has been read to its end, before the commit: what
   * it writes (the import's totals) lands atomically with the staged rows and the batches applied so far.
   * Throwing rolls all of it back.
   */
  beforeCommit?: (client: pg.PoolClient, result: StageResult) => Promise<void>;
  /** Apply full batches to products while the file is still being read (default: yes). */
  applyWhileReading?: boolean;
}

/**
 * Validates rows as they stream in and writes the valid ones to `catalog_import_rows` with a dense `seq`,
 * the rejected ones' reasons to `catalog_import_errors`.
 *
 * Everything happens in one transaction on one connection, committed only when the file has been read to
 * its end: a whole-file error found late (encoding, syntax, size) rolls it all back, so nothing is staged
 * and no product is written. The valid rows reach Postgres by `COPY … FROM STDIN`, a few batches at a
 * time, as the file is parsed. While Node parses (one core), this connection's backend uses the other core:
 * it stores what has been parsed and, while a full batch of stored rows is waiting, applies it to
 * `products` inside the same transaction (applyBatchOn: the batch's staged rows are deleted by the statement
 * that upserts them, so each batch is still applied exactly once, here or later by applyRange). Parsing
 * does not wait for the applies (the COPY goes first once enough text waits), and the text waiting is
 * bounded, so memory stays flat however large the file.
 */
export async function stageRows(
  prisma: PrismaClient,
  target: StageTarget,
  rows: AsyncIterable<RawProductRow | RowError>,
  options: StageOptions = {},
): Promise<StageResult> {
  const result: StageResult = { rowsTotal: 0, staged: 0, rejected: 0, applied: 0 };
  // SKU → first row. In memory: ~80 bytes a SKU, bounded by the upload size limit (≈1.6M rows in 200 MB).
  const firstRow = new Map<string, number>();
  let storedErrors = 0;
  // Row errors are few (at most MAX_STORED_ERRORS) and written beside the COPY, one batch at a time.
  let writingErrors: Promise<void> = Promise.resolve();
  const prefix = `${copyText(target.importId)}\t${copyText(target.tenantId)}\t`;

  const batchText = (batch: (RawProductRow | RowError)[]): { text: string; rows: number } => {
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
    return { text: valid.map((p, i) => prefix + copyLine(p, seqBefore + i + 1)).join(''), rows: valid.length };
  };

  // Producer (parsing) and consumer (the connection) meet here.
  const queue: string[] = [];
  let queuedBytes = 0;
  let queuedRows = 0;
  let fileRead = false;
  // Fields, not variables: set from the other side's callbacks, which TypeScript's narrowing does not see.
  const meet: { failure: { error: unknown } | null; wakeConsumer: (() => void) | null; wakeProducer: (() => void) | null } = {
    failure: null,
    wakeConsumer: null,
    wakeProducer: null,
  };
  const wake = (side: 'wakeConsumer' | 'wakeProducer') => {
    const resolve = meet[side];
    meet[side] = null;
    resolve?.();
  };

  const produce = async () => {
    try {
      let batch: (RawProductRow | RowError)[] = [];
      const push = (batchRows: (RawProductRow | RowError)[]) => {
        const { text, rows: count } = batchText(batchRows);
        if (count === 0) return;
        queue.push(text);
        queuedBytes += text.length;
        queuedRows += count;
        wake('wakeConsumer');
      };
      for await (const row of rows) {
        if (meet.failure) return;
        result.rowsTotal += 1;
        batch.push(row);
        // Parsing buffered file data never leaves the microtask queue: let the connection's socket events
        // (the COPY's data going out, answers coming in) through every few milliseconds of parsing.
        if (result.rowsTotal % YIELD_EVERY_ROWS === 0) await setImmediate();
        if (batch.length >= STAGE_BATCH_ROWS) {
          push(batch);
          batch = [];
          while (queuedBytes > MAX_QUEUED_BYTES && !meet.failure) await new Promise<void>((resolve) => (meet.wakeProducer = resolve));
        }
      }
      push(batch);
      fileRead = true;
    } catch (error) {
      meet.failure ??= { error };
    } finally {
      wake('wakeConsumer');
    }
  };

  const client = await catalogPool(prisma).connect();
  let broken: Error | undefined;
  const producing = produce();
  try {
    await client.query('BEGIN');
    // One upload per shop at a time: this transaction holds its products' row locks until the file ends,
    // and two of them upserting the same SKUs in different orders would deadlock. Batches being applied
    // (a second or so each) are waited for; an upload still being received is not. See catalogLock.
    await client.query(`SET LOCAL lock_timeout = '${UPLOAD_LOCK_WAIT_MS}ms'`);
    try {
      await client.query(`SELECT pg_advisory_xact_lock(${catalogLock('$1')})`, [target.tenantId]);
    } catch (error) {
      if ((error as { code?: unknown }).code !== LOCK_NOT_AVAILABLE) throw error;
      throw new CatalogFileError('upload_in_progress', 'Another catalog upload for this shop is still being received; try again when it has finished.');
    }
    await client.query('SET LOCAL lock_timeout = 0');
    const applyWhileReading = options.applyWhileReading ?? true;
    let copied = 0;
    // Commands sent and not yet answered. Two at a time: the connection runs the next as soon as one ends,
    // so the backend never idles waiting for this event loop, which parsing keeps busy.
    const inFlight: { done: boolean }[] = [];
    const sent: Promise<unknown>[] = [];
    const send = (command: Promise<unknown>) => {
      const entry = { done: false };
      inFlight.push(entry);
      command.then(
        () => {
          entry.done = true;
          wake('wakeConsumer');
        },
        (error: unknown) => {
          entry.done = true;
          meet.failure ??= { error };
          wake('wakeConsumer');
        },
      );
      sent.push(command);
    };
    try {
      for (;;) {
        if (meet.failure) throw meet.failure.error;
        while (inFlight[0]?.done) inFlight.shift();
        if (inFlight.length < MAX_IN_FLIGHT) {
          // An apply batch is due while the file is still coming and a full batch is stored; the COPY goes
          // first when enough text waits for it, so parsing does not stall on the bound while batches apply.
          // `copied` counts COPYs sent: the connection runs commands in order, so the batch finds its rows.
          const applyDue = applyWhileReading && !fileRead && copied - result.applied >= APPLY_BATCH_ROWS;
          if (queue.length > 0 && (!applyDue || queuedBytes >= COPY_FIRST_BYTES)) {
            const text = queue.join('');
            copied += queuedRows;
            queue.length = 0;
            queuedBytes = 0;
            queuedRows = 0;
            wake('wakeProducer');
            send(copyInto(client, text));
            continue;
          }
          if (applyDue) {
            send(applyBatchOn(client, target.importId, result.applied, result.applied + APPLY_BATCH_ROWS, { markRunning: false }));
            result.applied += APPLY_BATCH_ROWS;
            continue;
          }
          if (fileRead && inFlight.length === 0) break;
        }
        // Woken by parsed rows, an answered command, or a failure on either side.
        await new Promise<void>((resolve) => (meet.wakeConsumer = resolve));
      }
    } finally {
      // The connection answers in order; nothing may be left running on it before COMMIT or ROLLBACK.
      await Promise.allSettled(sent);
    }
    await writingErrors;
    await options.beforeCommit?.(client, result);
    await client.query('COMMIT');
  } catch (error) {
    meet.failure ??= { error };
    wake('wakeProducer');
    await client.query('ROLLBACK').catch((rollbackError: unknown) => {
      // A connection that cannot roll back is not handed to the next user.
      broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
    });
    throw error;
  } finally {
    client.release(broken);
    // On success the producer has finished. On failure it stops at its next row; it is not awaited, since
    // that row may never come (a stalled upload), and it never rejects.
    void producing;
    await writingErrors.catch(() => undefined);
  }
  return result;
}

/** How long an upload waits for the shop's catalog lock (batches in flight) before answering 409. */
const UPLOAD_LOCK_WAIT_MS = 5_000;
/** SQLSTATE of a lock wait that ran out of `lock_timeout`. */
const LOCK_NOT_AVAILABLE = '55P03';

/**
 * Text (UTF-16 units) queued for the COPY before parsing pauses. It is copied before the next apply once
 * COPY_FIRST_BYTES wait, so it only reaches the bound when Postgres falls behind; memory stays flat.
 */
const MAX_QUEUED_BYTES = 2 * 1024 * 1024;
/** Rows parsed between turns of the event loop (~2 ms of parsing). */
const YIELD_EVERY_ROWS = 64;
/** Commands queued on the staging connection at once (see stageRows). */
const MAX_IN_FLIGHT = 2;
/** Queued text that is copied before the next apply batch: about what parsing produces while one batch runs. */
const COPY_FIRST_BYTES = 512 * 1024;

async function copyInto(client: pg.PoolClient, text: string): Promise<void> {
  const copy = client.query(
    copyFrom(
      `COPY catalog_import_rows (import_id, tenant_id, seq, row_number, sku, name, description, price, currency, stock, category, url, image_url, attributes, row_hash) FROM STDIN`,
    ),
  );
  // Written at once: the stream holds it until Postgres asks for the data, then sends it and ends the COPY
  // from the connection's own event, without a turn of this (busy) event loop in between.
  copy.end(text);
  await finished(copy);
}

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
    // A NUL (from a damaged file, quoted back in a reason or value) is the one character Postgres text refuses.
    data: errors.map((e) => ({ tenantId: target.tenantId, importId: target.importId, rowNumber: e.rowNumber, field: e.field, reason: withoutNul(e.reason), value: e.value === null ? null : withoutNul(e.value) })),
  });
}
