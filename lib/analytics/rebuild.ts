// Full rebuild and retention. A rebuild recomputes rollups from the event log, for one tenant or all; it
// holds the watermark's lock for its whole transaction (lockForRebuild: a refresh that comes meanwhile does
// nothing and reports "skipped: rebuild in progress", a time-zone change answers "try again in a minute"),
// and it recounts exactly the events the watermark says are counted, so the refresh that follows neither
// repeats nor skips any: the watermark does not move. Events still pending stay pending for the refresh.
//
// Retention: counted events may be deleted (pruneAnalyticsEvents) without changing a rollup: rollups are
// sums kept in their own tables, and the refresh only ever reads events not yet counted. What pruning takes
// away is the ability to recompute the pruned hours, so the watermark remembers `pruned_before` and a
// rebuild recomputes only the hours from there on, keeping the older rollups as they are. (A late event
// for a pruned hour, e.g. a delivery status arriving after the prune, is still counted by the refresh.)
import type pg from 'pg';
import { inTransaction } from './transaction.js';
import { ANALYTICS_WATERMARK, LOCAL_DAY, firstResponseBins, lockForRebuild, lockWatermarkUnlessRebuilding, rollupColumns, type WatermarkRow } from './refresh.js';

/** The events the watermark counts: visible in the counted snapshot, or already done in the current batch. */
const COUNTED = `(pg_visible_in_snapshot(e.xid, $1::pg_snapshot)
  OR ($2::pg_snapshot IS NOT NULL AND pg_visible_in_snapshot(e.xid, $2::pg_snapshot) AND (e.xid, e.id) <= ($3::xid8, $4::bigint)))`;

const countedParams = (mark: WatermarkRow) => [mark.countedSnapshot, mark.batchSnapshot, mark.batchCursorXid ?? '0', mark.batchCursorId ?? '0'];

export interface RebuildResult {
  /** The tenant rebuilt, or null for all. */
  tenantId: string | null;
  /** Events read. */
  events: number;
  /** Tenant rollup rows written. */
  rows: number;
  /** Hours before this were kept as they were (their events were pruned); null when none were. */
  keptBefore: Date | null;
  ms: number;
}

export interface RebuildOptions {
  tenantId?: string | null;
  watermark?: string;
  /** Bound for the whole rebuild's statements (default 1 hour; the shared pool's 15 s is for hot paths). */
  statementTimeoutMs?: number;
}

/** Recomputes the rollups (tenant and platform) from the event log, in one transaction. */
export async function rebuildAnalytics(pool: pg.Pool, options: RebuildOptions = {}): Promise<RebuildResult> {
  const started = performance.now();
  const tenantId = options.tenantId ?? null;
  return inTransaction(pool, async (client) => {
    await client.query(`SELECT set_config('statement_timeout', $1, true)`, [String(options.statementTimeoutMs ?? 60 * 60_000)]);
    const mark = await lockForRebuild(client, options.watermark ?? ANALYTICS_WATERMARK);
    const keep = mark.prunedBefore;
    const result = tenantId ? await rebuildTenant(client, mark, tenantId, keep) : await rebuildAll(client, mark, keep);
    await recomputeDailyRollups(client, tenantId);
    return { tenantId, ...result, keptBefore: keep, ms: Math.round(performance.now() - started) };
  });
}

async function rebuildAll(client: pg.PoolClient, mark: WatermarkRow, keep: Date | null): Promise<{ events: number; rows: number }> {
  await client.query(`DELETE FROM analytics_rollups WHERE $1::timestamp IS NULL OR hour >= $1`, [keep]);
  await client.query(`DELETE FROM analytics_platform_rollups WHERE $1::timestamp IS NULL OR hour >= $1`, [keep]);
  const { rows } = await client.query<{ events: number; rows: number }>(
    `WITH counted AS (
       SELECT e.tenant_id, ${rollupColumns('$5')}, e.delta, e.delta::bigint * e.value AS sum
       FROM analytics_events e
       WHERE ${COUNTED} AND ($6::timestamp IS NULL OR e.occurred_at >= $6)
     ), written AS (
       INSERT INTO analytics_rollups (tenant_id, hour, metric, dimension, count, sum)
       SELECT tenant_id, hour, metric, dimension, sum(delta)::int, sum(sum)::bigint FROM counted
       GROUP BY tenant_id, hour, metric, dimension
       RETURNING 1
     )
     SELECT (SELECT count(*) FROM counted)::int AS events, (SELECT count(*) FROM written)::int AS rows`,
    [...countedParams(mark), firstResponseBins(), keep],
  );
  await client.query(
    `INSERT INTO analytics_platform_rollups (hour, metric, dimension, count, sum)
     SELECT hour, metric, dimension, sum(count)::int, sum(sum)::bigint FROM analytics_rollups
     WHERE $1::timestamp IS NULL OR hour >= $1 GROUP BY hour, metric, dimension`,
    [keep],
  );
  return rows[0]!;
}

/** One tenant: its rows are replaced, and the platform rows move by the difference, so they stay the sum. */
async function rebuildTenant(client: pg.PoolClient, mark: WatermarkRow, tenantId: string, keep: Date | null): Promise<{ events: number; rows: number }> {
  await client.query(
    `WITH old AS (
       DELETE FROM analytics_rollups WHERE tenant_id = $1 AND ($2::timestamp IS NULL OR hour >= $2) RETURNING hour, metric, dimension, count, sum
     ), per_key AS (
       SELECT hour, metric, dimension, sum(count)::int AS count, sum(sum)::bigint AS sum FROM old GROUP BY hour, metric, dimension
     )
     UPDATE analytics_platform_rollups p SET count = p.count - k.count, sum = p.sum - k.sum
     FROM per_key k WHERE p.hour = k.hour AND p.metric = k.metric AND p.dimension = k.dimension`,
    [tenantId, keep],
  );
  const { rows } = await client.query<{ events: number; rows: number }>(
    `WITH counted AS (
       SELECT e.tenant_id, ${rollupColumns('$5')}, e.delta, e.delta::bigint * e.value AS sum
       FROM analytics_events e
       WHERE e.tenant_id = $7 AND ${COUNTED} AND ($6::timestamp IS NULL OR e.occurred_at >= $6)
     ), written AS (
       INSERT INTO analytics_rollups (tenant_id, hour, metric, dimension, count, sum)
       SELECT tenant_id, hour, metric, dimension, sum(delta)::int, sum(sum)::bigint FROM counted
       GROUP BY tenant_id, hour, metric, dimension
       RETURNING hour, metric, dimension, count, sum
     ), platform AS (
       INSERT INTO analytics_platform_rollups AS p (hour, metric, dimension, count, sum)
       SELECT hour, metric, dimension, count, sum FROM written
       ON CONFLICT (hour, metric, dimension) DO UPDATE SET count = p.count + excluded.count, sum = p.sum + excluded.sum
     )
     SELECT (SELECT count(*) FROM counted)::int AS events, (SELECT count(*) FROM written)::int AS rows`,
    [...countedParams(mark), firstResponseBins(), keep, tenantId],
  );
  return rows[0]!;
}

/**
 * A tenant's (or every tenant's) days, from its hourly rows, in its current zone. Written in (tenant, day)
 * order: after a full rebuild's bulk write a tenant's range of days sits on a few pages rather than one page
 * per row (the Analytics page reads 60 days of a tenant at a time, ~1,600 rows for the busiest one). Later
 * writes land wherever there is room; the read is an index range scan either way.
 */
async function recomputeDailyRollups(client: pg.PoolClient, tenantId: string | null): Promise<void> {
  await client.query(`DELETE FROM analytics_daily_rollups WHERE $1::text IS NULL OR tenant_id = $1`, [tenantId]);
  await client.query(
    `INSERT INTO analytics_daily_rollups (tenant_id, day, metric, dimension, count, sum)
     SELECT g.tenant_id, ${LOCAL_DAY}, g.metric, g.dimension, sum(g.count)::int, sum(g.sum)::bigint
     FROM analytics_rollups g JOIN tenants t ON t.id = g.tenant_id
     WHERE $1::text IS NULL OR g.tenant_id = $1
     GROUP BY 1, 2, 3, 4
     ORDER BY 1, 2, 3, 4`,
    [tenantId],
  );
}

/**
 * A tenant's time zone, and its daily rollups re-cut to the new zone's days (from its hourly rollups, which
 * do not depend on the zone), under the watermark's lock: no refresh adds to the old days meanwhile. While a
 * rebuild holds the watermark (up to minutes) it does not wait: AnalyticsBusyError at once (the API's 409),
 * and after REFRESH_LOCK_TIMEOUT_MS behind a refresh's chunk likewise.
 */
export async function setTenantTimeZone(pool: pg.Pool, tenantId: string, timeZone: string, options: { watermark?: string; lockTimeoutMs?: number } = {}): Promise<void> {
  await inTransaction(pool, async (client) => {
    await client.query(`SELECT set_config('statement_timeout', '600000', true)`);
    await lockWatermarkUnlessRebuilding(client, options.watermark ?? ANALYTICS_WATERMARK, options.lockTimeoutMs);
    // The wait is over: the re-cut itself may wait for nothing else.
    await client.query(`SELECT set_config('lock_timeout', '0', true)`);
    await client.query(`UPDATE tenants SET time_zone = $2, updated_at = now() AT TIME ZONE 'UTC' WHERE id = $1`, [tenantId, timeZone]);
    await recomputeDailyRollups(client, tenantId);
  });
}

export interface PruneResult {
  deleted: number;
  prunedBefore: Date;
}

/**
 * Deletes counted events of the hours before `before` (floored to the hour). Events not counted yet are kept
 * until the refresh has them, so the rollups never lose anything; rebuilds then keep those hours as they are.
 */
export async function pruneAnalyticsEvents(pool: pg.Pool, before: Date, options: { watermark?: string } = {}): Promise<PruneResult> {
  return inTransaction(pool, async (client) => {
    await client.query(`SELECT set_config('statement_timeout', '3600000', true)`);
    const mark = await lockForRebuild(client, options.watermark ?? ANALYTICS_WATERMARK);
    const { rows } = await client.query<{ deleted: number; prunedBefore: Date }>(
      `WITH bound AS (SELECT date_trunc('hour', $5::timestamptz AT TIME ZONE 'UTC') AS before),
       deleted AS (
         DELETE FROM analytics_events e USING bound WHERE e.occurred_at < bound.before AND ${COUNTED} RETURNING 1
       ), moved AS (
         UPDATE analytics_watermarks SET pruned_before = greatest(coalesce(pruned_before, bound.before), bound.before),
                updated_at = now() AT TIME ZONE 'UTC'
         FROM bound WHERE name = $6 RETURNING pruned_before
       )
       SELECT (SELECT count(*) FROM deleted)::int AS deleted, (SELECT pruned_before FROM moved) AS "prunedBefore"`,
      [...countedParams(mark), before, options.watermark ?? ANALYTICS_WATERMARK],
    );
    return rows[0]!;
  });
}

/**
 * After the database was moved to another cluster by a logical dump (pg_dump / pg_restore): the events'
 * transaction ids and the watermark's snapshot are the old cluster's, meaningless in the new one. Marks every
 * stored event as counted (transaction id 3, the first normal one: visible in every snapshot), takes a fresh
 * watermark, and rebuilds everything from the events, in one transaction. New events are counted as usual.
 */
export async function rebaseAnalyticsAfterRestore(pool: pg.Pool, options: { watermark?: string } = {}): Promise<RebuildResult> {
  const name = options.watermark ?? ANALYTICS_WATERMARK;
  await inTransaction(pool, async (client) => {
    await client.query(`SELECT set_config('statement_timeout', '3600000', true)`);
    await lockForRebuild(client, name);
    await client.query(`UPDATE analytics_events SET xid = '3'::xid8 WHERE xid <> '3'::xid8`);
    await client.query(
      `UPDATE analytics_watermarks SET counted_snapshot = pg_current_snapshot()::text, batch_snapshot = NULL, batch_cursor_xid = NULL,
              batch_cursor_id = NULL, batch_taken_at = NULL, batch_events = 0, batch_ms = 0, last_run_at = statement_timestamp() AT TIME ZONE 'UTC',
              updated_at = now() AT TIME ZONE 'UTC'
       WHERE name = $1`,
      [name],
    );
  });
  return rebuildAnalytics(pool, { watermark: name });
}
