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

/** The watermark's columns freshness is read from, for a statement that reads the row as `alias` (maybe null). */
export function freshnessColumns(alias: string): string[] {
  return [
    `${alias}.last_run_at AS "countedThrough"`,
    `${alias}.last_refresh_ms AS "lastRefreshMs"`,
    `${alias}.last_refresh_events AS "lastRefreshEvents"`,
    `${alias}.batch_events AS "backlogCounted"`,
  ];
}

export interface FreshnessRow {
  countedThrough: Date | null;
  lastRefreshMs: number | null;
  lastRefreshEvents: number | null;
  backlogCounted: number | null;
}

export async function readAnalyticsFreshness(pool: pg.Pool, options: { watermark?: string; now?: Date } = {}): Promise<AnalyticsFreshness> {
  const { rows } = await pool.query<FreshnessRow>({
    name: 'analytics.freshness',
    text: `SELECT ${freshnessColumns('w').join(', ')} FROM analytics_watermarks w WHERE w.name = $1`,
    values: [options.watermark ?? ANALYTICS_WATERMARK],
  });
  return freshnessOf(rows[0], options.now);
}

/** Freshness from the watermark's row (undefined, or all nulls: there is none yet). */
export function freshnessOf(row: FreshnessRow | undefined, at?: Date): AnalyticsFreshness {
  const now = (at ?? new Date()).getTime();
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
