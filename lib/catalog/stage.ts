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
 * Rows per COPY chunk handed to the connection (and per insert of row errors). Rows are validated one at a
 * time as they are parsed and their COPY text goes straight into a buffer, so the size costs no heap.
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

  // A batch's rows are validated one by one as they arrive and written straight into the COPY's bytes:
  // no row object outlives its own validation (see CopyWriter).
  let batchErrors: RowError[] = [];
  let lastRejectedRow = -1;
  const validateOne = (row: RawProductRow | RowError): void => {
    const product = validateRow(row, target.defaultCurrency, firstRow, batchErrors);
    if (product) {
      result.staged += 1;
      writer.add(prefix + copyLine(product, result.staged));
    } else if (batchErrors.length > 0 && batchErrors[batchErrors.length - 1]?.rowNumber !== lastRejectedRow) {
      lastRejectedRow = batchErrors[batchErrors.length - 1]?.rowNumber ?? -1;
      result.rejected += 1;
    }
  };
  const endBatch = (): void => {
    writer.flush();
    const errors = batchErrors;
    batchErrors = [];
    const kept = errors.sort((a, b) => a.rowNumber - b.rowNumber).slice(0, Math.max(0, MAX_STORED_ERRORS - storedErrors));
    storedErrors += kept.length;
    if (kept.length > 0) {
      const previous = writingErrors;
      writingErrors = previous.then(() => insertErrors(prisma, target, kept));
      // An unhandled rejection must not escape while parsing continues; it surfaces at the end.
      writingErrors.catch(() => undefined);
    }
  };

  // Producer (parsing) and consumer (the connection) meet here.
  const queue: Buffer[] = [];
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

  const writer = new CopyWriter((chunk, count) => {
    queue.push(chunk);
    queuedBytes += chunk.length;
    queuedRows += count;
    wake('wakeConsumer');
  });

  const produce = async () => {
    try {
      let inBatch = 0;
      for await (const row of rows) {
        if (meet.failure) return;
        result.rowsTotal += 1;
        validateOne(row);
        inBatch += 1;
        // Parsing buffered file data never leaves the microtask queue: let the connection's socket events
        // (the COPY's data going out, answers coming in) through every few milliseconds of parsing.
        if (result.rowsTotal % YIELD_EVERY_ROWS === 0) await setImmediate();
        if (inBatch >= STAGE_BATCH_ROWS) {
          endBatch();
          inBatch = 0;
          while (queuedBytes > MAX_QUEUED_BYTES && !meet.failure) await new Promise<void>((resolve) => (meet.wakeProducer = resolve));
        }
      }
      endBatch();
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
            const chunks = queue.splice(0);
            copied += queuedRows;
            queuedBytes = 0;
            queuedRows = 0;
            wake('wakeProducer');
            send(copyInto(client, chunks));
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
 * COPY text (bytes) queued for the COPY before parsing pauses. It is copied before the next apply once
 * COPY_FIRST_BYTES wait, so it only reaches the bound when Postgres falls behind; memory stays flat.
 */
const MAX_QUEUED_BYTES = 2 * 1024 * 1024;
/** Rows parsed between turns of the event loop (~2 ms of parsing). */
const YIELD_EVERY_ROWS = 64;
/** Commands queued on the staging connection at once (see stageRows). */
const MAX_IN_FLIGHT = 2;
/** Queued text that is copied before the next apply batch: about what parsing produces while one batch runs. */
const COPY_FIRST_BYTES = 512 * 1024;

async function copyInto(client: pg.PoolClient, chunks: Buffer[]): Promise<void> {
  const copy = client.query(
    copyFrom(
      `COPY catalog_import_rows (import_id, tenant_id, seq, row_number, sku, name, description, price, currency, stock, category, url, image_url, attributes, row_hash) FROM STDIN`,
    ),
  );
  // Written at once: the stream holds it until Postgres asks for the data, then sends it and ends the COPY
  // from the connection's own event, without a turn of this (busy) event loop in between.
  for (const chunk of chunks) copy.write(chunk);
  copy.end();
  await finished(copy);
}

/** Bytes of the buffers that COPY text is written into; a longer line gets a buffer of its own size. */
const COPY_SLAB_BYTES = 256 * 1024;

/**
 * COPY text, written into buffers as each row is validated and handed on in chunks of whole lines.
 *
 * Memory: the text waiting for the COPY lives outside V8's heap. As strings (a batch's validated rows, its
 * lines joined, then the queue joined into one string of up to 2 MB), it outlived young-generation
 * collections while it waited: it was copied, promoted and left as garbage in the old generation, and what
 * survives those collections is what makes V8 grow its young generation. As bytes, what survives them
 * fell from 76 to 30 MB for a 100k-row import (bench/README.md). A chunk is a view of a shared slab; the
 * slab is freed once its last chunk has been sent.
 */
class CopyWriter {
  #slab: Buffer = Buffer.alloc(0);
  #start = 0;
  #used = 0;
  #rows = 0;

  constructor(private readonly emit: (chunk: Buffer, rows: number) => void) {}

  add(line: string): void {
    const room = this.#slab.length - this.#used;
    // A UTF-16 unit is at most 3 bytes of UTF-8: the exact length is only counted near the end of a slab.
    if (line.length * 3 > room) {
      const bytes = Buffer.byteLength(line);
      if (bytes > room) {
        this.flush();
        this.#slab = Buffer.allocUnsafe(Math.max(COPY_SLAB_BYTES, bytes));
        this.#start = 0;
        this.#used = 0;
      }
    }
    this.#used += this.#slab.write(line, this.#used);
    this.#rows += 1;
  }

  /** Hands on the lines written since the last flush, if any. */
  flush(): void {
    if (this.#rows === 0) return;
    this.emit(this.#slab.subarray(this.#start, this.#used), this.#rows);
    this.#start = this.#used;
    this.#rows = 0;
  }
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

/**
 * Validates one row; its problems go to `errors`. The second occurrence of a SKU is rejected, pointing at
 * the first.
 */
function validateRow(row: RawProductRow | RowError, defaultCurrency: string, firstRow: Map<string, number>, errors: RowError[]): NormalisedProduct | null {
  if ('reason' in row) {
    errors.push(row);
    return null;
  }
  const checked = validateProductRow(row, defaultCurrency);
  if (!checked.ok) {
    errors.push(...checked.errors);
    return null;
  }
  const { sku, rowNumber } = checked.product;
  const first = firstRow.get(sku);
  if (first === undefined) {
    firstRow.set(sku, rowNumber);
    return checked.product;
  }
  errors.push({ rowNumber, field: 'sku', reason: `duplicate SKU: already on row ${first}`, value: sku });
  return null;
}

async function insertErrors(prisma: PrismaClient, target: StageTarget, errors: RowError[]): Promise<void> {
  if (errors.length === 0) return;
  await prisma.catalogImportError.createMany({
    // A NUL (from a damaged file, quoted back in a reason or value) is the one character Postgres text refuses.
    data: errors.map((e) => ({ tenantId: target.tenantId, importId: target.importId, rowNumber: e.rowNumber, field: e.field, reason: withoutNul(e.reason), value: e.value === null ? null : withoutNul(e.value) })),
  });
}
