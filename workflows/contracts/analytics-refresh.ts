// The analytics workflows' contract. `analyticsRefreshWorkflow` is run by the Temporal Schedule
// `analytics-refresh` (every minute by default, overlap SKIP: a run still working through a backlog makes the
// next ones skip); `analyticsRebuildWorkflow` (`analytics-rebuild:{tenant|all}`) is an operator's rebuild.

export const analyticsRefreshWorkflowType = 'analyticsRefreshWorkflow';
export const analyticsRebuildWorkflowType = 'analyticsRebuildWorkflow';
export type AnalyticsRefreshWorkflow = (input?: AnalyticsRefreshInput) => Promise<AnalyticsRefreshResult>;
export type AnalyticsRebuildWorkflow = (input: AnalyticsRebuildInput) => Promise<AnalyticsRebuildResult>;

export interface AnalyticsRefreshInput {
  /**
   * Chunks (one transaction each, ANALYTICS_REFRESH_CHUNK_EVENTS events at most) before the run ends and
   * leaves the rest of a backlog to the next scheduled run: keeps each run, and its history, short.
   */
  maxChunks?: number;
}

export interface AnalyticsRefreshResult {
  chunks: number;
  events: number;
  /** Everything committed before the last chunk began is in the rollups. */
  caughtUp: boolean;
  /** ISO instant: every event committed before it is counted (null until a first batch has finished). */
  countedThrough: string | null;
  /**
   * Set when the run stopped because the watermark was busy: 'rebuild in progress' (an operator's or the
   * CLI's rebuild holds it for its whole transaction) or 'another refresh is running'. Not a failure: the
   * next scheduled run carries on from the same watermark. Absent in older results.
   */
  skipped?: 'rebuild in progress' | 'another refresh is running';
}

export interface AnalyticsRebuildInput {
  /** One tenant's rollups, or null for every tenant's and the platform's. */
  tenantId: string | null;
}

export interface AnalyticsRebuildResult {
  tenantId: string | null;
  events: number;
  rows: number;
  /** Hours before this kept as they were (their events were pruned); ISO or null. */
  keptBefore: string | null;
  ms: number;
}
