import { z } from 'zod';
import { requestJson, sendJson, type Fetch } from './api.ts';

// The contract of the analytics endpoints: `/api/analytics` (a merchant's shop, in its time zone) and
// `/api/ops/analytics` (operators: every tenant together, with the busiest ones). How each metric reads
// (label, colour, which way is good) lives in `utilities/analytics-look.ts`.

const isoDate = z.iso.datetime({ offset: true });
const breakdownSchema = z.object({ key: z.string(), total: z.number(), previous: z.number() });

export const analyticsReportSchema = z.object({
  scope: z.enum(['tenant', 'platform']),
  timeZone: z.string(),
  range: z.object({
    preset: z.enum(['24h', '7d', '30d', 'custom']),
    bucket: z.enum(['hour', 'day']),
    from: isoDate,
    to: isoDate,
    previousFrom: isoDate,
    previousTo: isoDate,
  }),
  buckets: z.array(isoDate),
  // A string, not an enum: a metric added later is shown by its name instead of breaking the page.
  counts: z.array(z.object({ metric: z.string(), total: z.number(), previous: z.number(), series: z.array(z.number()) })),
  fallbackRate: z.object({ current: z.number().nullable(), previous: z.number().nullable(), series: z.array(z.number().nullable()) }),
  firstResponse: z.object({
    p50: z.number().nullable(),
    p90: z.number().nullable(),
    previousP50: z.number().nullable(),
    previousP90: z.number().nullable(),
    count: z.number(),
    previousCount: z.number(),
    p50Series: z.array(z.number().nullable()),
    p90Series: z.array(z.number().nullable()),
  }),
  deliveryFailuresByCode: z.array(breakdownSchema),
  messagesOutBySender: z.array(breakdownSchema),
  usage: z.object({ periodStart: isoDate, periodEnd: isoDate, replies: z.number(), limit: z.number().nullable() }).nullable(),
  topTenants: z
    .array(z.object({ tenantId: z.string(), name: z.string(), messagesIn: z.number(), messagesOut: z.number(), aiReplies: z.number() }))
    .nullable(),
  freshness: z.object({ countedThrough: isoDate.nullable(), lagSeconds: z.number().nullable() }),
});

export const timeZoneSchema = z.object({ timeZone: z.string() });

export const rebuildStartedSchema = z.object({
  workflowId: z.string(),
  runId: z.string(),
  alreadyRunning: z.boolean(),
  temporalUiUrl: z.url({ protocol: /^https?$/ }).nullable(),
});

export type AnalyticsReport = z.infer<typeof analyticsReportSchema>;
export type RebuildStarted = z.infer<typeof rebuildStartedSchema>;
export type AnalyticsScope = 'tenant' | 'operator';
export type RangePreset = AnalyticsReport['range']['preset'];
export type Bucket = AnalyticsReport['range']['bucket'];

/** What the page asks for: a preset, or a custom range of local days (`YYYY-MM-DD`, inclusive). */
export interface RangeSelection {
  preset: RangePreset;
  from: string;
  to: string;
  /** null: the API's default for the range (hours up to two days, days beyond). */
  bucket: Bucket | null;
  /** Operators only: the zone days are counted in. */
  timeZone: string;
}

function query(selection: RangeSelection, scope: AnalyticsScope): string {
  const params = new URLSearchParams({ range: selection.preset });
  if (selection.preset === 'custom') {
    params.set('from', selection.from);
    params.set('to', selection.to);
  }
  if (selection.bucket) params.set('bucket', selection.bucket);
  if (scope === 'operator') params.set('tz', selection.timeZone);
  return params.toString();
}

const base = (scope: AnalyticsScope) => (scope === 'operator' ? '/api/ops/analytics' : '/api/analytics');

export function fetchAnalytics(scope: AnalyticsScope, selection: RangeSelection, fetchFn?: Fetch): Promise<AnalyticsReport> {
  return requestJson(`${base(scope)}?${query(selection, scope)}`, analyticsReportSchema, { cache: 'no-store' }, fetchFn);
}

/** The CSV of the rollups the page shows (same range and buckets). */
export function analyticsCsvUrl(scope: AnalyticsScope, selection: RangeSelection): string {
  return `${base(scope)}/export.csv?${query(selection, scope)}`;
}

/** The merchant's time zone, for every analytics day and hour. */
export function saveTimeZone(timeZone: string, fetchFn?: Fetch): Promise<{ timeZone: string }> {
  return sendJson('/api/analytics/time-zone', timeZoneSchema, { timeZone }, { method: 'PUT', fetchFn });
}

/** Operators: recompute the rollups from the event log (one tenant, or all when `tenantId` is null). */
export function startRebuild(tenantId: string | null, fetchFn?: Fetch): Promise<RebuildStarted> {
  return sendJson('/api/ops/analytics/rebuild', rebuildStartedSchema, { tenantId }, { fetchFn });
}
