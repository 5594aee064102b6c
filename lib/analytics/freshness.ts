// How far behind the rollups are, for the health check, /metrics and the dashboard's "updated … ago".
import type pg from 'pg';
import { ANALYTICS_WATERMARK } from './refresh.js';

export interface AnalyticsFreshness {
  /** Every event committed before this instant is in the rollups; null when no refresh has finished yet. */
  countedThrough: Date | null;
  /** now − countedThrough: what a chart may be missing. Null when no refresh has finished yet. */
  lagMs: number | null;
  /** The last finished batch: database time spent (all its chunks) and events counted. */
  lastRefreshMs: number | null;
  lastRefreshEvents: number | null;
  /** Events of an unfinished batch counted so far (a backlog being worked through), else 0. */
  backlogCounted: number;
}

export async function readAnalyticsFreshness(pool: pg.Pool, options: { watermark?: string; now?: Date } = {}): Promise<AnalyticsFreshness> {
  const { rows } = await pool.query<{ countedThrough: Date | null; lastRefreshMs: number | null; lastRefreshEvents: number | null; backlogCounted: number }>({
    name: 'analytics.freshness',
    text: `SELECT last_run_at AS "countedThrough", last_refresh_ms AS "lastRefreshMs", last_refresh_events AS "lastRefreshEvents",
                  batch_events AS "backlogCounted"
           FROM analytics_watermarks WHERE name = $1`,
    values: [options.watermark ?? ANALYTICS_WATERMARK],
  });
  const row = rows[0];
  const now = (options.now ?? new Date()).getTime();
  const countedThrough = row?.countedThrough ?? null;
  return {
    countedThrough,
    lagMs: countedThrough ? Math.max(0, now - countedThrough.getTime()) : null,
    lastRefreshMs: row?.lastRefreshMs ?? null,
    lastRefreshEvents: row?.lastRefreshEvents ?? null,
    backlogCounted: row?.backlogCounted ?? 0,
  };
}

/** "4 min", "2 h 5 min": lags in alerts and health details. */
export function describeLag(ms: number): string {
  if (ms < 60_000) return `${Math.round(ms / 1000)} s`;
  const minutes = Math.round(ms / 60_000);
  if (minutes < 60) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}
