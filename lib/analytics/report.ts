// What the Analytics pages show, read from the rollups only (never from messages): totals for a range and
// the previous range of the same length, series per hour or per day of the merchant's time zone,
// percentiles from the first-response histogram, breakdowns by dimension, and for operators the top tenants.
import type pg from 'pg';
import { freshnessColumns, freshnessOf, type AnalyticsFreshness, type FreshnessRow } from './freshness.js';
import { COUNT_METRICS, FIRST_RESPONSE_METRIC, binOfDimension, quantileFromBins, type CountMetric, type LatencyBin } from './metrics.js';
import { ANALYTICS_WATERMARK } from './refresh.js';

export const RANGE_PRESETS = ['24h', '7d', '30d', 'custom'] as const;
export type RangePreset = (typeof RANGE_PRESETS)[number];
export type Bucket = 'hour' | 'day';

/** Longest custom range, and the longest one that may be shown per hour. */
export const MAX_RANGE_DAYS = 366;
export const MAX_HOURLY_DAYS = 31;
const HOUR_MS = 60 * 60_000;

export interface RangeRequest {
  preset: RangePreset;
  /** Custom ranges: first and last local day, inclusive (YYYY-MM-DD). */
  from?: string | undefined;
  to?: string | undefined;
  bucket?: Bucket | undefined;
  /** The range's zone: given (operators pick one), or else the zone of `tenantId`, read in the same statement. */
  timeZone?: string | undefined;
  tenantId?: string | undefined;
  now?: Date;
  /** Whose freshness comes back with the range (tests use watermarks of their own). */
  watermark?: string;
}

export interface ResolvedRange {
  preset: RangePreset;
  bucket: Bucket;
  timeZone: string;
  from: Date;
  to: Date;
  previousFrom: Date;
  previousTo: Date;
  /** Start of each bucket (an hour, or a local day), in order. */
  buckets: Date[];
  /** Ranges of whole local days: the first and last day shown and the previous period's first (YYYY-MM-DD). */
  days: { first: string; last: string; previousFirst: string } | null;
}

export class AnalyticsRangeError extends Error {}

/** What can be settled without the zone: the bucket, the days' count, and for 24 h the instants themselves. */
interface RangePlan {
  preset: RangePreset;
  bucket: Bucket;
  /** Custom ranges: the days asked for; presets: null (they end today, in the zone). */
  first: string | null;
  last: string | null;
  /** Presets of days: how many days before today the range starts. */
  span: number;
  /** 24 h: the last 24 whole UTC hours (no zone needed). */
  hours: { from: Date; to: Date; previousFrom: Date } | null;
}

function planRange(request: RangeRequest): RangePlan {
  const now = request.now ?? new Date();
  if (request.preset === '24h') {
    const to = new Date(Math.floor(now.getTime() / HOUR_MS) * HOUR_MS + HOUR_MS);
    const from = new Date(to.getTime() - 24 * HOUR_MS);
    return { preset: '24h', bucket: 'hour', first: null, last: null, span: 0, hours: { from, to, previousFrom: new Date(from.getTime() - 24 * HOUR_MS) } };
  }
  let days: number;
  if (request.preset === 'custom') {
    if (!request.from || !request.to) throw new AnalyticsRangeError('A custom range needs a first and a last day.');
    if (request.from > request.to) throw new AnalyticsRangeError('The first day of the range is after its last day.');
    days = daysBetween(request.from, request.to) + 1;
  } else {
    days = request.preset === '7d' ? 7 : 30;
  }
  if (days > MAX_RANGE_DAYS) throw new AnalyticsRangeError(`A range may be at most ${MAX_RANGE_DAYS} days long.`);
  const wantsHours = request.bucket === 'hour' || (request.bucket === undefined && days <= 2);
  const bucket: Bucket = wantsHours && days <= MAX_HOURLY_DAYS ? 'hour' : 'day';
  const custom = request.preset === 'custom';
  return { preset: request.preset, bucket, first: custom ? request.from! : null, last: custom ? request.to! : null, span: days - 1, hours: null };
}

/** The columns that describe the range (and the refresh's freshness), from `b` and the watermark `w`. */
const RANGE_COLUMNS = [
  `b.tz AS "timeZone"`,
  `b.first::text AS first`,
  `b.last::text AS last`,
  `b.previous_first::text AS "previousFirst"`,
  // Epoch milliseconds: exact, and free of the driver's reading of timestamps.
  `extract(epoch FROM b.from_utc) * 1000 AS "from"`,
  `extract(epoch FROM b.to_utc) * 1000 AS "to"`,
  `extract(epoch FROM b.previous_from_utc) * 1000 AS "previousFrom"`,
  `CASE WHEN $11::text = 'day' THEN
     (SELECT string_agg((extract(epoch FROM g AT TIME ZONE b.tz) * 1000)::bigint::text, ',' ORDER BY g)
      FROM generate_series(b.first::timestamp, b.last::timestamp, interval '1 day') AS g)
   END AS "dayStarts"`,
  ...freshnessColumns('w'),
];

/**
 * One statement settles a range: the zone (given, or the tenant's own), today in it, the local days' edges as
 * instants and the refresh's freshness, in one row of kind 'range'; with `rollups` (a SELECT of bucket,
 * metric, dimension, count that reads the range from `b`), followed by one row of kind 'rollup' each: the
 * Analytics page's data in one round trip. Parameters: $1 zone, $2 tenant, $3 now, $4/$5 custom first/last
 * day, $6 span, $7 watermark, $8–$10 the 24 h instants (UTC), $11 bucket. The day arithmetic is
 * PostgreSQL's, with the zone database the daily rollups were cut with.
 */
function rangeStatement(rollups: string | null): string {
  const blanks = (n: number) => Array.from({ length: n }, () => 'NULL').join(', ');
  // MATERIALIZED: computed once, and read by the rollups' scan as constants (inlined, the tenant's zone
  // would be looked up again for every place a day edge is used).
  return `WITH z AS MATERIALIZED (
  SELECT CASE WHEN $1::text IS NOT NULL THEN $1::text ELSE (SELECT t.time_zone FROM tenants t WHERE t.id = $2::text) END AS tz
), b AS MATERIALIZED (
  SELECT d.*,
         coalesce($8::timestamp, (d.first::timestamp AT TIME ZONE d.tz) AT TIME ZONE 'UTC') AS from_utc,
         coalesce($9::timestamp, ((d.last + 1)::timestamp AT TIME ZONE d.tz) AT TIME ZONE 'UTC') AS to_utc,
         coalesce($10::timestamp, (d.previous_first::timestamp AT TIME ZONE d.tz) AT TIME ZONE 'UTC') AS previous_from_utc
  FROM (
    SELECT z.tz, s.first, s.last, s.first - (s.last - s.first + 1) AS previous_first
    FROM z CROSS JOIN LATERAL (
      SELECT coalesce($4::date, ($3::timestamptz AT TIME ZONE z.tz)::date - $6::int) AS first,
             coalesce($5::date, ($3::timestamptz AT TIME ZONE z.tz)::date) AS last
    ) AS s
    WHERE z.tz IS NOT NULL
  ) AS d
)
SELECT 'range' AS kind, ${RANGE_COLUMNS.join(',\n       ')},
       NULL::int AS bucket, NULL::text AS metric, NULL::text AS dimension, NULL::int AS count
FROM b LEFT JOIN analytics_watermarks w ON w.name = $7${rollups ? `
UNION ALL
SELECT 'rollup', ${blanks(RANGE_COLUMNS.length)}, r.bucket, r.metric, r.dimension, r.count
FROM (${rollups}) AS r` : ''}`;
}

/**
 * A tenant's rollups for the range and the one before it: bucket (1-based; 0 for the previous period),
 * metric, dimension, count; `assemble` adds up rows that share a bucket. Days come from the daily rollups
 * kept in the tenant's zone (60 rows a metric for 30 days and the 30 before, not 1,440), hours from the hourly
 * ones, each by its primary key (tenant_id, day|hour, …). Hourly buckets are consecutive hours from the
 * range's start (which, in a zone whose offset is not whole hours, falls within a UTC hour), so an hour's
 * bucket is its distance from that start; the previous period's hours are summed here (up to 744 of them).
 */
const TENANT_DAY_ROLLUPS = `SELECT greatest(x.day - b.first + 1, 0) AS bucket, x.metric, x.dimension, x.count
         FROM b JOIN analytics_daily_rollups x ON x.tenant_id = $2::text AND x.day >= b.previous_first AND x.day <= b.last`;
const TENANT_HOUR_ROLLUPS = `SELECT CASE WHEN x.hour < b.from_utc THEN 0 ELSE floor(extract(epoch FROM x.hour - b.from_utc) / 3600)::int + 1 END AS bucket,
                x.metric, x.dimension, sum(x.count)::int AS count
         FROM b JOIN analytics_rollups x ON x.tenant_id = $2::text AND x.hour >= b.previous_from_utc AND x.hour < b.to_utc
         GROUP BY 1, 2, 3`;

type RangeRow = FreshnessRow & {
  timeZone: string;
  first: string;
  last: string;
  previousFirst: string;
  from: string;
  to: string;
  previousFrom: string;
  dayStarts: string | null;
};
type StatementRow = (RangeRow & { kind: 'range' }) | (Row & { kind: 'rollup' });

async function queryRange(pool: pg.Pool, request: RangeRequest, withRollups: boolean): Promise<{ range: ResolvedRange; row: RangeRow; rollups: Row[] } | null> {
  const plan = planRange(request);
  const rollups = !withRollups ? null : plan.bucket === 'day' ? TENANT_DAY_ROLLUPS : TENANT_HOUR_ROLLUPS;
  const { rows } = await pool.query<StatementRow>({
    name: !withRollups ? 'analytics.range' : plan.bucket === 'day' ? 'analytics.range-and-tenant-days' : 'analytics.range-and-tenant-hours',
    text: rangeStatement(rollups),
    values: [
      request.timeZone ?? null, request.tenantId ?? null, request.now ?? new Date(), plan.first, plan.last, plan.span, request.watermark ?? ANALYTICS_WATERMARK,
      plan.hours ? utc(plan.hours.from) : null, plan.hours ? utc(plan.hours.to) : null, plan.hours ? utc(plan.hours.previousFrom) : null, plan.bucket,
    ],
  });
  let row: RangeRow | undefined;
  const found: Row[] = [];
  for (const r of rows) {
    if (r.kind === 'range') row = r;
    else found.push(r);
  }
  if (!row) return null;
  const from = new Date(Number(row.from));
  const to = new Date(Number(row.to));
  const range: ResolvedRange = {
    preset: plan.preset,
    bucket: plan.bucket,
    timeZone: row.timeZone,
    from,
    to,
    previousFrom: new Date(Number(row.previousFrom)),
    previousTo: from,
    buckets: plan.bucket === 'hour' ? hours(from, to) : (row.dayStarts ?? '').split(',').map((ms) => new Date(Number(ms))),
    days: plan.hours ? null : { first: row.first, last: row.last, previousFirst: row.previousFirst },
  };
  return { range, row, rollups: found };
}

/**
 * The instants of a range. 24 h: the last 24 whole hours up to the end of the current one. 7 d / 30 d: that
 * many local days, today included. Custom: local days, inclusive. Local days are the zone's (DST included: a
 * day can be 23 or 25 hours); rollups are UTC hours, so in a zone whose offset is not whole hours a local
 * day's edges fall on the UTC hour that starts within it. One statement, with the freshness beside it.
 * Null when the zone is the tenant's and there is no such tenant.
 */
export async function readRangeContext(pool: pg.Pool, request: RangeRequest): Promise<{ range: ResolvedRange; freshness: AnalyticsFreshness } | null> {
  const found = await queryRange(pool, request, false);
  return found && { range: found.range, freshness: freshnessOf(found.row, request.now) };
}

export async function resolveRange(pool: pg.Pool, request: RangeRequest): Promise<ResolvedRange> {
  const found = await readRangeContext(pool, request);
  if (!found) throw new AnalyticsRangeError('No such tenant.');
  return found.range;
}

/**
 * The merchant's Analytics page in ONE statement: the tenant's zone, the range in it, the rollups of the
 * range and of the one before it, and the refresh's freshness (the endpoint's p95 goal is 50 ms on a busy
 * machine, where every statement is another wait for a core). Null when there is no such tenant.
 */
export async function readTenantAnalytics(
  pool: pg.Pool,
  tenantId: string,
  request: Omit<RangeRequest, 'tenantId' | 'timeZone'>,
): Promise<{ report: AnalyticsReport; freshness: AnalyticsFreshness } | null> {
  const found = await queryRange(pool, { ...request, tenantId, timeZone: undefined }, true);
  return found && { report: assemble(found.range, found.rollups), freshness: freshnessOf(found.row, request.now) };
}

export interface CountSeries {
  metric: CountMetric;
  total: number;
  previous: number;
  series: number[];
}

export interface Breakdown {
  key: string;
  total: number;
  previous: number;
}

export interface AnalyticsReport {
  range: ResolvedRange;
  counts: CountSeries[];
  /** AI replies that were the fallback answer, over AI replies (0..1); null without AI replies. */
  fallbackRate: { current: number | null; previous: number | null; series: Array<number | null> };
  firstResponse: {
    p50: number | null;
    p90: number | null;
    previousP50: number | null;
    previousP90: number | null;
    count: number;
    previousCount: number;
    p50Series: Array<number | null>;
    p90Series: Array<number | null>;
  };
  deliveryFailuresByCode: Breakdown[];
  messagesOutBySender: Breakdown[];
}

interface Row {
  /** 1-based index into the range's buckets; 0 for the previous period. */
  bucket: number;
  metric: string;
  dimension: string;
  count: number;
}

/**
 * Which bucket a rollup hour falls in, without time-zone arithmetic per row: the buckets' starts (UTC hours
 * or the zone's midnights, from resolveRange) are a sorted array, and width_bucket finds the hour's place by
 * binary search. 0 marks the previous period. Rows come back already summed per bucket, metric, dimension.
 */
const BUCKET = `CASE WHEN r.hour < $3 THEN 0 ELSE width_bucket(r.hour, $4::timestamp[]) END`;

/**
 * The report for one tenant (`tenantId`) or for the platform (null), for a range already resolved. Two
 * periods, one query. A tenant's days come from its daily rollups (kept in its zone, which is the zone of its
 * ranges): 30 rows a metric, not 720. (The merchant's page uses readTenantAnalytics, which resolves the range
 * in the same statement; this is the operators' report.)
 */
export async function readAnalyticsReport(pool: pg.Pool, tenantId: string | null, range: ResolvedRange): Promise<AnalyticsReport> {
  if (tenantId && range.bucket === 'day' && range.days) {
    const { rows } = await pool.query<Row>({
      name: 'analytics.report-tenant-days',
      text: `SELECT CASE WHEN d.day < $2::date THEN 0 ELSE (d.day - $2::date) + 1 END AS bucket, d.metric, d.dimension, sum(d.count)::int AS count
             FROM analytics_daily_rollups d
             WHERE d.tenant_id = $4 AND d.day >= $1::date AND d.day <= $3::date
             GROUP BY 1, 2, 3`,
      values: [range.days.previousFirst, range.days.first, range.days.last, tenantId],
    });
    return assemble(range, rows);
  }
  const values = [utc(range.previousFrom), utc(range.to), utc(range.from), range.buckets.map(utc)];
  const { rows } = tenantId
    ? await pool.query<Row>({
        name: 'analytics.report-tenant',
        text: `SELECT ${BUCKET} AS bucket, r.metric, r.dimension, sum(r.count)::int AS count
               FROM analytics_rollups r
               WHERE r.tenant_id = $5 AND r.hour >= $1 AND r.hour < $2
               GROUP BY 1, 2, 3`,
        values: [...values, tenantId],
      })
    : await pool.query<Row>({
        name: 'analytics.report-platform',
        text: `SELECT ${BUCKET} AS bucket, r.metric, r.dimension, sum(r.count)::int AS count
               FROM analytics_platform_rollups r
               WHERE r.hour >= $1 AND r.hour < $2
               GROUP BY 1, 2, 3`,
        values,
      });
  return assemble(range, rows);
}

function assemble(range: ResolvedRange, rows: Row[]): AnalyticsReport {
  const n = range.buckets.length;
  const counts = new Map<string, CountSeries>(COUNT_METRICS.map((metric) => [metric, { metric, total: 0, previous: 0, series: new Array<number>(n).fill(0) }]));
  const bins = { current: new Map<string, number>(), previous: new Map<string, number>(), perBucket: Array.from({ length: n }, () => new Map<string, number>()) };
  const breakdowns = { delivery_failures: new Map<string, Breakdown>(), messages_out: new Map<string, Breakdown>() };

  for (const row of rows) {
    const current = row.bucket > 0;
    const at = current && row.bucket <= n ? row.bucket - 1 : undefined;
    if (row.metric === FIRST_RESPONSE_METRIC) {
      const into = current ? bins.current : bins.previous;
      into.set(row.dimension, (into.get(row.dimension) ?? 0) + row.count);
      if (at !== undefined) bins.perBucket[at]!.set(row.dimension, (bins.perBucket[at]!.get(row.dimension) ?? 0) + row.count);
      continue;
    }
    const series = counts.get(row.metric);
    if (!series) continue;
    if (current) {
      series.total += row.count;
      if (at !== undefined) series.series[at]! += row.count;
    } else {
      series.previous += row.count;
    }
    const breakdown = breakdowns[row.metric as keyof typeof breakdowns];
    if (breakdown) {
      const entry = breakdown.get(row.dimension) ?? { key: row.dimension, total: 0, previous: 0 };
      if (current) entry.total += row.count;
      else entry.previous += row.count;
      breakdown.set(row.dimension, entry);
    }
  }

  const of = (metric: CountMetric) => counts.get(metric)!;
  const rate = (part: number, whole: number) => (whole > 0 ? part / whole : null);
  const toBins = (m: Map<string, number>): LatencyBin[] => [...m].map(([dimension, count]) => ({ upperMs: binOfDimension(dimension), count }));
  const total = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
  const sorted = (m: Map<string, Breakdown>) => [...m.values()].filter((b) => b.total !== 0 || b.previous !== 0).sort((a, b) => b.total - a.total || b.previous - a.previous || a.key.localeCompare(b.key));

  return {
    range,
    counts: [...counts.values()],
    fallbackRate: {
      current: rate(of('ai_fallbacks').total, of('ai_replies').total),
      previous: rate(of('ai_fallbacks').previous, of('ai_replies').previous),
      series: of('ai_replies').series.map((replies, i) => rate(of('ai_fallbacks').series[i]!, replies)),
    },
    firstResponse: {
      p50: quantileFromBins(toBins(bins.current), 0.5),
      p90: quantileFromBins(toBins(bins.current), 0.9),
      previousP50: quantileFromBins(toBins(bins.previous), 0.5),
      previousP90: quantileFromBins(toBins(bins.previous), 0.9),
      count: total(bins.current),
      previousCount: total(bins.previous),
      p50Series: bins.perBucket.map((m) => quantileFromBins(toBins(m), 0.5)),
      p90Series: bins.perBucket.map((m) => quantileFromBins(toBins(m), 0.9)),
    },
    deliveryFailuresByCode: sorted(breakdowns.delivery_failures),
    messagesOutBySender: sorted(breakdowns.messages_out),
  };
}

export interface TopTenant {
  tenantId: string;
  name: string;
  messagesIn: number;
  messagesOut: number;
  aiReplies: number;
}

/** The busiest tenants of a range by messages in + out (operators). */
export async function readTopTenants(pool: pg.Pool, range: Pick<ResolvedRange, 'from' | 'to'>, limit = 10): Promise<TopTenant[]> {
  const { rows } = await pool.query<TopTenant>({
    name: 'analytics.top-tenants',
    text: `SELECT r.tenant_id AS "tenantId", t.name,
                  (sum(r.count) FILTER (WHERE r.metric = 'messages_in'))::int AS "messagesIn",
                  (sum(r.count) FILTER (WHERE r.metric = 'messages_out'))::int AS "messagesOut",
                  (sum(r.count) FILTER (WHERE r.metric = 'ai_replies'))::int AS "aiReplies"
           FROM analytics_rollups r JOIN tenants t ON t.id = r.tenant_id
           WHERE r.metric IN ('messages_in', 'messages_out', 'ai_replies') AND r.hour >= $1 AND r.hour < $2
           GROUP BY r.tenant_id, t.name
           ORDER BY coalesce(sum(r.count) FILTER (WHERE r.metric IN ('messages_in', 'messages_out')), 0) DESC, t.name
           LIMIT $3`,
    values: [utc(range.from), utc(range.to), limit],
  });
  return rows.map((r) => ({ ...r, messagesIn: r.messagesIn ?? 0, messagesOut: r.messagesOut ?? 0, aiReplies: r.aiReplies ?? 0 }));
}

export interface RollupCsvRow {
  bucket: string;
  metric: string;
  dimension: string;
  count: number;
  sum: string;
}

/** The rollups of the range as shown (bucketed in the range's zone), for the CSV download. */
export async function readRollupRows(pool: pg.Pool, tenantId: string | null, range: ResolvedRange): Promise<RollupCsvRow[]> {
  const bucket = `CASE WHEN $3 = 'day' THEN date_trunc('day', (r.hour AT TIME ZONE 'UTC') AT TIME ZONE $4) ELSE (r.hour AT TIME ZONE 'UTC') AT TIME ZONE $4 END`;
  const { rows } = await pool.query<RollupCsvRow>({
    text: `SELECT to_char(${bucket}, CASE WHEN $3 = 'day' THEN 'YYYY-MM-DD' ELSE 'YYYY-MM-DD HH24:MI' END) AS bucket,
                  r.metric, r.dimension, sum(r.count)::int AS count, sum(r.sum)::text AS sum
           FROM ${tenantId ? 'analytics_rollups' : 'analytics_platform_rollups'} r
           WHERE r.hour >= $1 AND r.hour < $2 ${tenantId ? 'AND r.tenant_id = $5' : ''}
           GROUP BY ${bucket}, r.metric, r.dimension
           HAVING sum(r.count) <> 0
           ORDER BY ${bucket}, r.metric, r.dimension`,
    values: [utc(range.from), utc(range.to), range.bucket, range.timeZone, ...(tenantId ? [tenantId] : [])],
  });
  return rows;
}

/** Whether PostgreSQL knows this IANA zone (the one that does the day arithmetic). */
export async function isKnownTimeZone(pool: pg.Pool, timeZone: string): Promise<boolean> {
  try {
    new Intl.DateTimeFormat('en', { timeZone });
    await pool.query(`SELECT now() AT TIME ZONE $1`, [timeZone]);
    return true;
  } catch {
    return false;
  }
}

/** `timestamp` parameters are UTC wall-clock text (the columns hold UTC without a zone). */
function utc(date: Date): string {
  return date.toISOString().replace('T', ' ').replace('Z', '');
}

function hours(from: Date, to: Date): Date[] {
  const out: Date[] = [];
  for (let t = from.getTime(); t < to.getTime(); t += HOUR_MS) out.push(new Date(t));
  return out;
}

function daysBetween(first: string, last: string): number {
  return Math.round((Date.parse(`${last}T00:00:00Z`) - Date.parse(`${first}T00:00:00Z`)) / (24 * HOUR_MS));
}
