// The incremental refresh: adds the events committed since the last refresh to the hourly rollups, and
// moves the watermark, in one transaction. Its cost follows the new events, not the history.
//
// WHY THE WATERMARK IS A SNAPSHOT, NOT AN ID OR A TIME
// An event's id (a sequence) and its created_at are taken when the row is INSERTED, but the row becomes
// visible when its transaction COMMITS, and transactions commit in any order. "Events with id > last id"
// misses this: transaction A inserts id 10 and is still running, B inserts id 11 and commits, a refresh
// counts 11 and moves the mark to 11, A commits: 10 is behind the mark for ever. Waiting a grace period
// only makes the window smaller.
//
// So the watermark is a PostgreSQL snapshot (pg_snapshot: xmin, xmax and the transactions in progress
// between them), the same thing PostgreSQL uses to decide what a query sees, and each event carries the id
// of the transaction that wrote it (xid8, pg_current_xact_id(), the top-level id even inside a savepoint).
// A refresh takes a new snapshot S and counts exactly the events whose transaction is visible in S and was
// not visible in the counted snapshot C (pg_visible_in_snapshot), then stores S as C in the same
// transaction as the rollups (the PgQ batching rule). Visible in S means committed before S was taken, so
// every counted event is read (this transaction's later statements see at least what S saw). A transaction
// in progress at S is in S's in-progress list: not counted now, and visible in the next snapshot, so counted
// then, once. An event is counted in the one batch whose two snapshots straddle its commit: never twice,
// never missed, however long its transaction ran. The read is a range on the (xid, id) index from C's xmin:
// a long-running transaction elsewhere widens the range (not the result) until it ends.
//
// A crash at any point rolls back the rollups and the watermark together: the next run does the batch again.
// Two refreshes at once: each chunk first locks the watermark row FOR UPDATE in READ COMMITTED, so the
// second waits, then reads the row the first committed and goes on from there.
//
// A REBUILD (or a prune, or a re-base after a restore) is different: it holds the watermark for its whole
// transaction, 30–90 s at a million events, longer than the shared pool's 15 s statement bound. Waiting
// for it would make every chunk time out and be retried into a failed run. So those long jobs also take an
// exclusive advisory lock on the watermark's name (lockForRebuild), and a chunk first *tries* that lock in
// shared mode (refreshes do not exclude each other there): if a rebuild holds it, or waits for it, the chunk
// does nothing and reports `skipped: 'rebuild in progress'`; the next scheduled run carries on from the same
// watermark. The row lock is also waited for at most REFRESH_LOCK_TIMEOUT (lock_timeout): a chunk that
// finds another refresh holding it longer reports `skipped: 'another refresh is running'` (that one does the
// work). The lock order is the same everywhere (advisory, then row), so nothing deadlocks.
//
// Large batches (a backlog after an outage, the first refresh over a backfill) are done in chunks of
// `maxEvents`, each its own transaction: the batch's snapshot is kept, with a cursor (xid, id) of the last
// event counted, and the batch is the same set of events until it is finished (their transactions are over).
import type pg from 'pg';
import { FIRST_RESPONSE_BINS_MS } from './metrics.js';
import { inTransaction } from './transaction.js';

/** The watermark row (analytics_watermarks.name) of the rollups. */
export const ANALYTICS_WATERMARK = 'analytics';

/** Events per chunk (one transaction): a few seconds of work at most, whatever the backlog. */
export const DEFAULT_CHUNK_EVENTS = 50_000;

export interface WatermarkRow {
  countedSnapshot: string;
  batchSnapshot: string | null;
  batchCursorXid: string | null;
  batchCursorId: string | null;
  batchTakenAt: Date | null;
  batchEvents: number;
  batchMs: number;
  lastRunAt: Date | null;
  prunedBefore: Date | null;
}

/** Why a chunk did nothing: a rebuild (or prune, re-base) holds the watermark, or another refresh does. */
export type RefreshSkip = 'rebuild in progress' | 'another refresh is running';

/** How long a chunk waits for another refresh's chunk to commit before it leaves the work to it. */
export const REFRESH_LOCK_TIMEOUT_MS = 5_000;

/** The advisory lock key of a watermark's rebuilds ($n: the watermark's name): per watermark, as a bigint. */
const rebuildLockKey = (nameParam: string) => `hashtextextended('analytics-rebuild:' || ${nameParam}, 0)`;

/** Thrown when the watermark is busy and the caller asked not to wait (a time-zone change during a rebuild). */
export class AnalyticsBusyError extends Error {
  constructor(readonly reason: RefreshSkip) {
    super(reason === 'rebuild in progress' ? 'Analytics are being rebuilt; try again in a minute.' : 'Analytics are being updated; try again in a minute.');
  }
}

/** SQLSTATE 55P03 (lock_not_available): a lock_timeout expired. */
export function isLockTimeout(err: unknown): boolean {
  return err instanceof Error && (err as { code?: unknown }).code === '55P03';
}

/**
 * The lock of the long jobs (rebuild, prune, re-base), for the rest of this transaction: the advisory lock
 * that makes refreshes and time-zone changes step aside instead of waiting, then the watermark row.
 */
export async function lockForRebuild(client: pg.PoolClient, name: string): Promise<WatermarkRow> {
  await client.query(`SELECT pg_advisory_xact_lock(${rebuildLockKey('$1::text')})`, [name]);
  return lockWatermark(client, name);
}

/**
 * For short jobs beside the refresh (a time-zone change): no rebuild running (else AnalyticsBusyError at
 * once), then the watermark row, waited for at most `lockTimeoutMs` (else AnalyticsBusyError).
 */
export async function lockWatermarkUnlessRebuilding(client: pg.PoolClient, name: string, lockTimeoutMs = REFRESH_LOCK_TIMEOUT_MS): Promise<WatermarkRow> {
  const { rows } = await client.query<{ free: boolean }>(
    `SELECT set_config('lock_timeout', $2, true), pg_try_advisory_xact_lock_shared(${rebuildLockKey('$1::text')}) AS free`,
    [name, String(lockTimeoutMs)],
  );
  if (!rows[0]!.free) throw new AnalyticsBusyError('rebuild in progress');
  try {
    return await lockWatermark(client, name);
  } catch (err) {
    if (isLockTimeout(err)) throw new AnalyticsBusyError('another refresh is running');
    throw err;
  }
}

/** Locks the watermark row for this transaction: refreshes, rebuilds and prunes take turns here. */
export async function lockWatermark(client: pg.PoolClient, name: string): Promise<WatermarkRow> {
  const { rows } = await client.query<WatermarkRow>(
    `SELECT counted_snapshot AS "countedSnapshot", batch_snapshot AS "batchSnapshot", batch_cursor_xid AS "batchCursorXid",
            batch_cursor_id::text AS "batchCursorId", batch_taken_at AS "batchTakenAt", batch_events AS "batchEvents",
            batch_ms AS "batchMs", last_run_at AS "lastRunAt", pruned_before AS "prunedBefore"
     FROM analytics_watermarks WHERE name = $1 FOR UPDATE`,
    [name],
  );
  if (rows[0]) return rows[0];
  // A watermark of its own (tests, a second rollup) starts with nothing counted.
  await client.query(
    `INSERT INTO analytics_watermarks (id, name, updated_at) VALUES ($1, $1, now() AT TIME ZONE 'UTC') ON CONFLICT (name) DO NOTHING`,
    [name],
  );
  return lockWatermark(client, name);
}

/**
 * The events a rollup row is made of: hour bucket, and for first-response times the histogram bin of the
 * milliseconds (the bins are a parameter, $binsParam, so they are defined once, in metrics.ts).
 */
export function rollupColumns(binsParam: string): string {
  return `date_trunc('hour', e.occurred_at) AS hour, e.metric,
          CASE WHEN e.metric = 'first_response_ms' THEN ${latencyBin('e.value', binsParam)} ELSE e.dimension END AS dimension`;
}

/** The histogram bin of a time in ms: the upper bound of the bin it falls in (bins are [lower, upper)), or `inf`. */
export function latencyBin(valueSql: string, binsParam: string): string {
  return `coalesce((${binsParam}::bigint[])[width_bucket(${valueSql}, ${binsParam}::bigint[]) + 1]::text, 'inf')`;
}

export const firstResponseBins = (): number[] => [...FIRST_RESPONSE_BINS_MS];

/** The tenant's local day an hourly rollup (`g.hour`, UTC) belongs to, with the tenant as `t`. */
export const LOCAL_DAY = `((g.hour AT TIME ZONE 'UTC') AT TIME ZONE t.time_zone)::date`;

// $1 counted snapshot, $2 batch snapshot, $3/$4 cursor (xid, id), $5 bins, $6 chunk size.
const COUNT_CHUNK = `
WITH batch AS MATERIALIZED (
  SELECT e.id, e.xid, e.tenant_id, ${rollupColumns('$5')}, e.delta, e.delta::bigint * e.value AS sum
  FROM analytics_events e
  WHERE (e.xid, e.id) > ($3::xid8, $4::bigint)
    AND e.xid < pg_snapshot_xmax($2::pg_snapshot)
    AND pg_visible_in_snapshot(e.xid, $2::pg_snapshot)
    AND NOT pg_visible_in_snapshot(e.xid, $1::pg_snapshot)
  ORDER BY e.xid, e.id
  LIMIT $6
), grouped AS (
  SELECT tenant_id, hour, metric, dimension, sum(delta)::int AS count, sum(sum)::bigint AS sum
  FROM batch GROUP BY tenant_id, hour, metric, dimension
), tenant_rollups AS (
  INSERT INTO analytics_rollups AS r (tenant_id, hour, metric, dimension, count, sum)
  SELECT tenant_id, hour, metric, dimension, count, sum FROM grouped
  ON CONFLICT (tenant_id, hour, metric, dimension) DO UPDATE SET count = r.count + excluded.count, sum = r.sum + excluded.sum
), daily_rollups AS (
  -- The tenant's own days (tenants.time_zone): a zone change waits for this lock and recomputes them.
  INSERT INTO analytics_daily_rollups AS d (tenant_id, day, metric, dimension, count, sum)
  SELECT g.tenant_id, ${LOCAL_DAY}, g.metric, g.dimension, sum(g.count)::int, sum(g.sum)::bigint
  FROM grouped g JOIN tenants t ON t.id = g.tenant_id
  GROUP BY 1, 2, 3, 4
  ON CONFLICT (tenant_id, day, metric, dimension) DO UPDATE SET count = d.count + excluded.count, sum = d.sum + excluded.sum
), platform_rollups AS (
  INSERT INTO analytics_platform_rollups AS p (hour, metric, dimension, count, sum)
  SELECT hour, metric, dimension, sum(count)::int, sum(sum)::bigint FROM grouped GROUP BY hour, metric, dimension
  ON CONFLICT (hour, metric, dimension) DO UPDATE SET count = p.count + excluded.count, sum = p.sum + excluded.sum
), last AS (
  SELECT xid, id FROM batch ORDER BY xid DESC, id DESC LIMIT 1
)
SELECT (SELECT count(*) FROM batch)::int AS events, (SELECT xid::text FROM last) AS "lastXid", (SELECT id::text FROM last) AS "lastId"`;

export interface RefreshChunkResult {
  /** Events counted by this chunk. */
  events: number;
  /**
   * Everything committed before this chunk started is in the rollups: its batch began and finished here. A
   * chunk that finishes an older batch (from a previous chunk) is not caught up: events committed since that
   * batch's snapshot wait for the next chunk, which starts a new batch.
   */
  caughtUp: boolean;
  /** Every event committed before this instant is counted (null until a first batch has finished). */
  countedThrough: Date | null;
  /** Time this chunk took, including waiting for the lock. */
  ms: number;
  /** Set when the chunk did nothing because the watermark was busy (not a failure: the next run carries on). */
  skipped: RefreshSkip | null;
}

export interface RefreshOptions {
  maxEvents?: number;
  watermark?: string;
  /** Tests: runs inside the transaction after the rollups were written, before the commit (a crash here). */
  beforeCommit?: () => Promise<void>;
  /** How long to wait for another refresh's chunk (default REFRESH_LOCK_TIMEOUT_MS). */
  lockTimeoutMs?: number;
}

/** One chunk of the refresh, in one transaction: the next `maxEvents` events of the current batch. */
export async function refreshAnalyticsChunk(pool: pg.Pool, options: RefreshOptions = {}): Promise<RefreshChunkResult> {
  const started = performance.now();
  const maxEvents = options.maxEvents ?? DEFAULT_CHUNK_EVENTS;
  const name = options.watermark ?? ANALYTICS_WATERMARK;
  const skip = async (skipped: RefreshSkip): Promise<RefreshChunkResult> => {
    const { rows } = await pool.query<{ lastRunAt: Date | null }>(`SELECT last_run_at AS "lastRunAt" FROM analytics_watermarks WHERE name = $1`, [name]);
    return { events: 0, caughtUp: false, countedThrough: rows[0]?.lastRunAt ?? null, ms: Math.round(performance.now() - started), skipped };
  };
  try {
    return await inTransaction(pool, (client) => countChunk(client, name, maxEvents, started, options));
  } catch (err) {
    if (err instanceof AnalyticsBusyError) return skip(err.reason);
    throw err;
  }
}

async function countChunk(client: pg.PoolClient, name: string, maxEvents: number, started: number, options: RefreshOptions): Promise<RefreshChunkResult> {
  const mark = await lockWatermarkUnlessRebuilding(client, name, options.lockTimeoutMs);
  let batch: { snapshot: string; takenAt: Date; cursorXid: string; cursorId: string; events: number; ms: number };
  const continuing = Boolean(mark.batchSnapshot);
  if (mark.batchSnapshot && mark.batchTakenAt && mark.batchCursorXid && mark.batchCursorId) {
    batch = { snapshot: mark.batchSnapshot, takenAt: mark.batchTakenAt, cursorXid: mark.batchCursorXid, cursorId: mark.batchCursorId, events: mark.batchEvents, ms: mark.batchMs };
  } else {
    // A new batch: a snapshot taken now (after the lock, so after any refresh that held it committed).
    // statement_timestamp() is a lower bound of when it was taken: what committed before it is counted.
    const { rows } = await client.query<{ snapshot: string; takenAt: Date; cursorXid: string }>(
      `SELECT pg_current_snapshot()::text AS snapshot, statement_timestamp() AT TIME ZONE 'UTC' AS "takenAt",
              pg_snapshot_xmin($1::pg_snapshot)::text AS "cursorXid"`,
      [mark.countedSnapshot],
    );
    batch = { ...rows[0]!, cursorId: '0', events: 0, ms: 0 };
  }
  const counted = await client.query<{ events: number; lastXid: string | null; lastId: string | null }>({
    text: COUNT_CHUNK,
    values: [mark.countedSnapshot, batch.snapshot, batch.cursorXid, batch.cursorId, firstResponseBins(), maxEvents],
  });
  const { events, lastXid, lastId } = counted.rows[0]!;
  const finished = events < maxEvents;
  const ms = Math.round(performance.now() - started);
  if (finished) {
    await client.query(
      `UPDATE analytics_watermarks SET counted_snapshot = $2, batch_snapshot = NULL, batch_cursor_xid = NULL, batch_cursor_id = NULL,
              batch_taken_at = NULL, batch_events = 0, batch_ms = 0, last_run_at = $3, last_refresh_ms = $4, last_refresh_events = $5,
              updated_at = now() AT TIME ZONE 'UTC'
       WHERE name = $1`,
      [name, batch.snapshot, batch.takenAt, batch.ms + ms, batch.events + events],
    );
  } else {
    await client.query(
      `UPDATE analytics_watermarks SET batch_snapshot = $2, batch_cursor_xid = $3, batch_cursor_id = $4::bigint, batch_taken_at = $5,
              batch_events = $6, batch_ms = $7, updated_at = now() AT TIME ZONE 'UTC'
       WHERE name = $1`,
      [name, batch.snapshot, lastXid, lastId, batch.takenAt, batch.events + events, batch.ms + ms],
    );
  }
  await options.beforeCommit?.();
  return { events, caughtUp: finished && !continuing, countedThrough: finished ? batch.takenAt : mark.lastRunAt, ms, skipped: null };
}

/** Chunks until caught up (or `maxChunks`, or skipped): what one scheduled run does, for scripts and tests. */
export async function refreshAnalytics(pool: pg.Pool, options: RefreshOptions & { maxChunks?: number } = {}): Promise<RefreshChunkResult & { chunks: number }> {
  let total = { events: 0, ms: 0, chunks: 0 };
  for (;;) {
    const chunk = await refreshAnalyticsChunk(pool, options);
    total = { events: total.events + chunk.events, ms: total.ms + chunk.ms, chunks: total.chunks + 1 };
    if (chunk.skipped || chunk.caughtUp || total.chunks >= (options.maxChunks ?? Infinity)) return { ...chunk, ...total };
  }
}
