// Analytics rollups in our own database: the refresh chunk and the rebuild the workflows run, and the
// freshness probe the health check runs. The SQL and the watermark's reasoning are in lib/analytics/.
import { Context } from '@temporalio/activity';
import type { Alert } from '../lib/alerts/channels.js';
import { describeLag, readAnalyticsFreshness } from '../lib/analytics/freshness.js';
import { rebuildAnalytics } from '../lib/analytics/rebuild.js';
import { refreshAnalyticsChunk, DEFAULT_CHUNK_EVENTS, type RefreshSkip } from '../lib/analytics/refresh.js';
import type { PrismaClient } from '../lib/db/client.js';
import { sqlPool } from '../lib/db/sql.js';
import type { AnalyticsRebuildResult } from '../workflows/contracts/analytics-refresh.js';
import { ComponentDegraded, type HealthProbe } from './health-probes.js';

export interface AnalyticsDeps {
  prisma: PrismaClient;
  /** Events per refresh chunk (ANALYTICS_REFRESH_CHUNK_EVENTS). */
  chunkEvents?: number;
}

export interface RefreshChunkSummary {
  events: number;
  caughtUp: boolean;
  countedThrough: string | null;
  ms: number;
  /**
   * The chunk did nothing because a rebuild holds the watermark ('rebuild in progress') or another refresh
   * does: not a failure, the run ends there and the next scheduled run carries on. Absent in results recorded
   * before this field existed.
   */
  skipped?: RefreshSkip | null;
}

export function createAnalyticsActivities(deps: AnalyticsDeps) {
  const pool = sqlPool(deps.prisma);
  return {
    /**
     * One chunk in one transaction; a retry after a crash resumes from the committed watermark. While a rebuild
     * runs it returns at once with `skipped` (it never waits for the rebuild's lock, so it never times out).
     */
    async refreshAnalyticsChunk(): Promise<RefreshChunkSummary> {
      const chunk = await refreshAnalyticsChunk(pool, { maxEvents: deps.chunkEvents ?? DEFAULT_CHUNK_EVENTS });
      return { events: chunk.events, caughtUp: chunk.caughtUp, countedThrough: chunk.countedThrough?.toISOString() ?? null, ms: chunk.ms, skipped: chunk.skipped };
    },

    /** Heartbeats while its one long transaction runs, so a lost worker is noticed in a minute, not an hour. */
    async rebuildAnalytics(input: { tenantId: string | null }): Promise<AnalyticsRebuildResult> {
      const beat = setInterval(() => Context.current().heartbeat(), 10_000);
      try {
        const result = await rebuildAnalytics(pool, { tenantId: input.tenantId });
        return { ...result, keptBefore: result.keptBefore?.toISOString() ?? null };
      } finally {
        clearInterval(beat);
      }
    },
  };
}

export type AnalyticsActivities = ReturnType<typeof createAnalyticsActivities>;

export interface FreshnessProbeDeps {
  prisma: PrismaClient;
  /** ANALYTICS_STALE_AFTER_MINUTES: a lag over this is stale. */
  maxLagMs: number;
  /** The alert activity (lib/alerts: Slack / email / log, idempotent by dedupe key). */
  alert?: (alert: Alert) => Promise<unknown>;
  now?: () => Date;
  /** Tests: a watermark row of their own. */
  watermark?: string;
}

/**
 * The health check's `analytics` component: up with the lag, or degraded past the limit (charts are behind;
 * nothing customer-facing is down, so the health check itself does not page). A stale episode pages once, here:
 * the alert's dedupe key is the instant the rollups are complete up to, which stays the same for as long
 * as no refresh finishes, however many hourly checks find it stale; the next stall is a new key.
 */
export function analyticsFreshnessProbe(deps: FreshnessProbeDeps): HealthProbe {
  return async () => {
    const now = deps.now?.() ?? new Date();
    const freshness = await readAnalyticsFreshness(sqlPool(deps.prisma), { now, ...(deps.watermark ? { watermark: deps.watermark } : {}) });
    const limit = describeLag(deps.maxLagMs);
    if (freshness.lagMs !== null && freshness.lagMs <= deps.maxLagMs) {
      return `lag ${describeLag(freshness.lagMs)} (limit ${limit})`;
    }
    const since = freshness.countedThrough?.toISOString() ?? 'never';
    const detail = freshness.lagMs === null
      ? `the analytics refresh has never finished (limit ${limit})`
      : `analytics refresh lag ${describeLag(freshness.lagMs)} (limit ${limit}): charts stop at ${since}`;
    if (deps.alert) {
      // A failed delivery is retried by the next check (the row stays undelivered); the probe still answers.
      await deps
        .alert({ dedupeKey: `analytics.stale:${since}`, severity: 'warning', title: 'Analytics refresh is stale', details: detail })
        .catch(() => undefined);
    }
    throw new ComponentDegraded(detail);
  };
}
