import { proxyActivities } from '@temporalio/workflow';
import type { AnalyticsActivities } from '../activities/analytics.js';
import type {
  AnalyticsRebuildInput,
  AnalyticsRebuildResult,
  AnalyticsRefreshInput,
  AnalyticsRefreshResult,
} from './contracts/analytics-refresh.js';

/** A backlog larger than this many chunks is left to the next scheduled run (20 × 50k events by default). */
const DEFAULT_MAX_CHUNKS = 20;

// A chunk is one short transaction: retried a few times, then the run fails and the next scheduled run (a
// minute later) carries on from the same watermark. Nothing is lost by giving up; the lag shows on /metrics.
const { refreshAnalyticsChunk } = proxyActivities<AnalyticsActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '20 seconds', maximumAttempts: 4 },
});

// A rebuild reads every event in one transaction: long, so a heartbeat (not the timeout) notices a lost
// worker; a retry starts over, harmlessly (the rebuild replaces what it writes).
const { rebuildAnalytics } = proxyActivities<AnalyticsActivities>({
  startToCloseTimeout: '1 hour',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '10 seconds', maximumInterval: '5 minutes', maximumAttempts: 5 },
});

/**
 * Adds the events committed since the watermark to the rollups, chunk by chunk, until caught up. A chunk that
 * found the watermark busy (a rebuild running) ends the run, successfully, with `skipped`: no retries, no
 * waiting; the next scheduled run carries on. (Histories recorded before `skipped` existed never carry it,
 * so they replay the same commands.)
 */
export async function analyticsRefreshWorkflow(input: AnalyticsRefreshInput = {}): Promise<AnalyticsRefreshResult> {
  const maxChunks = Math.max(1, input.maxChunks ?? DEFAULT_MAX_CHUNKS);
  let result: AnalyticsRefreshResult = { chunks: 0, events: 0, caughtUp: false, countedThrough: null };
  while (!result.caughtUp && result.chunks < maxChunks) {
    const chunk = await refreshAnalyticsChunk();
    result = {
      chunks: result.chunks + 1,
      events: result.events + chunk.events,
      caughtUp: chunk.caughtUp,
      countedThrough: chunk.countedThrough ?? result.countedThrough,
    };
    if (chunk.skipped) return { ...result, skipped: chunk.skipped };
  }
  return result;
}

/** Recomputes the rollups (one tenant's, or all) from the event log; the watermark stays where it is. */
export async function analyticsRebuildWorkflow(input: AnalyticsRebuildInput): Promise<AnalyticsRebuildResult> {
  return rebuildAnalytics({ tenantId: input.tenantId });
}
