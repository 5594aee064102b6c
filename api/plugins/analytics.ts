import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { COUNT_METRICS } from '../../lib/analytics/metrics.js';
import {
  AnalyticsRangeError,
  RANGE_PRESETS,
  isKnownTimeZone,
  readAnalyticsReport,
  readRangeContext,
  readRollupRows,
  readTenantAnalytics,
  readTopTenants,
  resolveRange,
  type AnalyticsReport,
  type RangeRequest,
  type ResolvedRange,
} from '../../lib/analytics/report.js';
import { setTenantTimeZone } from '../../lib/analytics/rebuild.js';
import { AnalyticsBusyError } from '../../lib/analytics/refresh.js';
import { AUDIT_ACTIONS, writeAudit } from '../../lib/audit.js';
import { readReplyAccess } from '../../lib/billing/reply-access.js';
import { csvText } from '../../lib/csv/writer.js';
import { sqlPool } from '../../lib/db/sql.js';
import { requireAuth, requireOperator } from '../auth/context.js';
import { temporalLinksFor } from '../auth/operator-links.js';
import type { ApiContext } from '../deps.js';
import { HttpError, notFound } from '../errors.js';
import type { RouteReply, RouteRequest } from '../routes.js';

const day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'a day as YYYY-MM-DD')
  .refine((d) => {
    const ms = Date.parse(`${d}T00:00:00Z`);
    return d >= '1970-01-01' && d <= '9999-12-31' && Number.isFinite(ms) && new Date(ms).toISOString().startsWith(d);
  }, 'a day that exists on the calendar');
const timeZone = z.string().min(1).max(64).regex(/^[A-Za-z0-9_+\-/]+$/, 'an IANA time zone such as Europe/Paris');

export const rangeQuery = z.object({
  range: z.enum(RANGE_PRESETS).default('7d'),
  from: day.optional(),
  to: day.optional(),
  bucket: z.enum(['hour', 'day']).optional(),
});
const opsRangeQuery = rangeQuery.extend({ tz: timeZone.default('UTC') });

const breakdownSchema = z.object({ key: z.string(), total: z.number(), previous: z.number() });

/** GET /api/analytics and GET /api/ops/analytics: the rollups of a range and of the range before it. */
export const analyticsReportSchema = z.object({
  scope: z.enum(['tenant', 'platform']),
  timeZone: z.string(),
  range: z.object({
    preset: z.enum(RANGE_PRESETS),
    bucket: z.enum(['hour', 'day']),
    from: z.string(),
    to: z.string(),
    previousFrom: z.string(),
    previousTo: z.string(),
  }),
  /** Start of each bucket (ISO instants); every series has one value per bucket. */
  buckets: z.array(z.string()),
  counts: z.array(z.object({ metric: z.enum(COUNT_METRICS), total: z.number(), previous: z.number(), series: z.array(z.number()) })),
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
  /** Merchants: replies used in the current billing period against the plan's limit. Null for operators. */
  usage: z.object({ periodStart: z.string(), periodEnd: z.string(), replies: z.number(), limit: z.number().nullable() }).nullable(),
  /** Operators: the busiest tenants of the range. Null for merchants. */
  topTenants: z.array(z.object({ tenantId: z.string(), name: z.string(), messagesIn: z.number(), messagesOut: z.number(), aiReplies: z.number() })).nullable(),
  /** The rollups hold every event committed before `countedThrough` (null: no refresh has finished yet). */
  freshness: z.object({ countedThrough: z.string().nullable(), lagSeconds: z.number().nullable() }),
});
export type AnalyticsReportBody = z.infer<typeof analyticsReportSchema>;

export const timeZoneSchema = z.object({ timeZone: z.string() });
export const rebuildStartedSchema = z.object({
  workflowId: z.string(),
  runId: z.string(),
  alreadyRunning: z.boolean(),
  temporalUiUrl: z.string().nullable(),
});

const readReport = { schema: { querystring: rangeQuery, response: { 200: analyticsReportSchema } } };
const exportCsv = { schema: { querystring: rangeQuery } };
const setTimeZone = { schema: { body: z.object({ timeZone }), response: { 200: timeZoneSchema } } };
const readOpsReport = { schema: { querystring: opsRangeQuery, response: { 200: analyticsReportSchema } } };
const exportOpsCsv = { schema: { querystring: opsRangeQuery } };
const startRebuild = { schema: { body: z.object({ tenantId: z.string().min(1).max(64).nullable() }), response: { 202: rebuildStartedSchema } } };

/** A merchant's analytics (prefix /api/analytics): their own rollups, in their time zone. */
export function analyticsPlugin(ctx: ApiContext): FastifyPluginAsyncZod {
  const pool = () => sqlPool(ctx.prisma);

  return async (app) => {
    app.get('', readReport, readTenantReport);
    app.get('/export.csv', exportCsv, exportTenantCsv);
    app.put('/time-zone', setTimeZone, changeTimeZone);
  };

  /**
   * The page's data. Two statements, side by side: the reply usage (billing's own query), and everything
   * else in one (the tenant's zone, the range in it, the rollups, the refresh's freshness). The session
   * hook's read comes before; nothing waits on anything else.
   */
  async function readTenantReport(request: RouteRequest<typeof readReport.schema>) {
    const { tenantId } = requireAuth(request);
    const usage = readReplyAccess(ctx.prisma, tenantId);
    usage.catch(() => undefined);
    const found = await rangeErrors(() => readTenantAnalytics(pool(), tenantId, rangeOf(request.query)));
    if (!found) throw notFound('Tenant');
    const access = await usage;
    const replies = { periodStart: access.usage.periodStart.toISOString(), periodEnd: access.usage.periodEnd.toISOString(), replies: access.usage.replies, limit: access.usage.limit };
    return toBody('tenant', found.report, found.freshness, { usage: replies, topTenants: null });
  }

  async function exportTenantCsv(request: RouteRequest<typeof exportCsv.schema>, reply: RouteReply<typeof exportCsv.schema>) {
    const { tenantId } = requireAuth(request);
    const found = await rangeErrors(() => readRangeContext(pool(), { ...rangeOf(request.query), tenantId }));
    if (!found) throw notFound('Tenant');
    return sendCsv(reply, found.range, await readRollupRows(pool(), tenantId, found.range));
  }

  async function changeTimeZone(request: RouteRequest<typeof setTimeZone.schema>) {
    const { tenantId } = requireAuth(request);
    const zone = request.body.timeZone;
    if (!(await isKnownTimeZone(pool(), zone))) throw new HttpError(400, `"${zone}" is not a time zone we know; pick one from the list.`, 'unknown_time_zone');
    try {
      await setTenantTimeZone(pool(), tenantId, zone);
    } catch (err) {
      // A rebuild holds the rollups for a minute or two: say so now rather than time out behind it.
      if (err instanceof AnalyticsBusyError) throw new HttpError(409, err.message, 'analytics_busy');
      throw err;
    }
    return { timeZone: zone };
  }
}

/**
 * The operators' analytics (prefix /api/ops/analytics): every tenant together, the busiest tenants, and the
 * full rebuild. Operators only: the hook answers 401 / 403 before any handler or validation runs.
 */
export function opsAnalyticsPlugin(ctx: ApiContext): FastifyPluginAsyncZod {
  const pool = () => sqlPool(ctx.prisma);

  return async (app) => {
    app.addHook('onRequest', async (request) => void requireOperator(request));
    app.get('', readOpsReport, readPlatformReport);
    app.get('/export.csv', exportOpsCsv, exportPlatformCsv);
    app.post('/rebuild', startRebuild, startAnalyticsRebuild);
  };

  async function readPlatformReport(request: RouteRequest<typeof readOpsReport.schema>) {
    const zone = await knownZone(request.query.tz);
    const found = await rangeErrors(() => readRangeContext(pool(), { ...rangeOf(request.query), timeZone: zone }));
    if (!found) throw new HttpError(400, `"${zone}" is not a time zone we know.`, 'unknown_time_zone');
    const [report, topTenants] = await Promise.all([readAnalyticsReport(pool(), null, found.range), readTopTenants(pool(), found.range)]);
    const freshness = found.freshness;
    return toBody('platform', report, freshness, { usage: null, topTenants });
  }

  async function exportPlatformCsv(request: RouteRequest<typeof exportOpsCsv.schema>, reply: RouteReply<typeof exportOpsCsv.schema>) {
    const range = await resolve(pool(), request.query, await knownZone(request.query.tz));
    return sendCsv(reply, range, await readRollupRows(pool(), null, range));
  }

  /** Starts `analytics-rebuild:{tenant|all}` (one per scope at a time) and records who asked. */
  async function startAnalyticsRebuild(request: RouteRequest<typeof startRebuild.schema>, reply: RouteReply<typeof startRebuild.schema>) {
    const auth = requireOperator(request);
    const tenantId = request.body.tenantId;
    if (tenantId && !(await ctx.prisma.tenant.findUnique({ where: { id: tenantId }, select: { id: true } }))) throw notFound('Tenant');
    const run = await ctx.workflows.analytics.startRebuild(tenantId);
    await writeAudit(ctx.prisma, {
      tenantId,
      actorUserId: auth.userId,
      actorType: 'operator',
      workflowId: run.workflowId,
      action: AUDIT_ACTIONS.ops.analyticsRebuilt,
      targetType: tenantId ? 'tenant' : 'platform',
      targetId: tenantId ?? 'all',
      details: { via: 'dashboard', alreadyRunning: run.alreadyRunning },
      ip: request.ip,
    });
    const links = temporalLinksFor(request, ctx.env);
    return reply.code(202).send({ workflowId: run.workflowId, runId: run.runId, alreadyRunning: run.alreadyRunning, temporalUiUrl: run.runId ? links.run(run.workflowId, run.runId) : null });
  }

  async function knownZone(zone: string): Promise<string> {
    if (!(await isKnownTimeZone(pool(), zone))) throw new HttpError(400, `"${zone}" is not a time zone we know.`, 'unknown_time_zone');
    return zone;
  }
}

function rangeOf(query: z.infer<typeof rangeQuery>): Pick<RangeRequest, 'preset' | 'from' | 'to' | 'bucket'> {
  return { preset: query.range, from: query.from, to: query.to, bucket: query.bucket };
}

/** A range that makes no sense is the asker's mistake: 400 with the reason. */
async function rangeErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof AnalyticsRangeError) throw new HttpError(400, err.message, 'invalid_range');
    throw err;
  }
}

async function resolve(pool: ReturnType<typeof sqlPool>, query: z.infer<typeof rangeQuery>, zone: string): Promise<ResolvedRange> {
  return rangeErrors(() => resolveRange(pool, { ...rangeOf(query), timeZone: zone }));
}

function toBody(
  scope: 'tenant' | 'platform',
  report: AnalyticsReport,
  freshness: { countedThrough: Date | null; lagMs: number | null },
  extra: Pick<AnalyticsReportBody, 'usage' | 'topTenants'>,
): AnalyticsReportBody {
  const { range } = report;
  return {
    scope,
    timeZone: range.timeZone,
    range: {
      preset: range.preset,
      bucket: range.bucket,
      from: range.from.toISOString(),
      to: range.to.toISOString(),
      previousFrom: range.previousFrom.toISOString(),
      previousTo: range.previousTo.toISOString(),
    },
    buckets: range.buckets.map((b) => b.toISOString()),
    counts: report.counts,
    fallbackRate: report.fallbackRate,
    firstResponse: report.firstResponse,
    deliveryFailuresByCode: report.deliveryFailuresByCode,
    messagesOutBySender: report.messagesOutBySender,
    ...extra,
    freshness: { countedThrough: freshness.countedThrough?.toISOString() ?? null, lagSeconds: freshness.lagMs === null ? null : Math.round(freshness.lagMs / 1000) },
  };
}

async function sendCsv(reply: RouteReply, range: ResolvedRange, rows: Awaited<ReturnType<typeof readRollupRows>>) {
  const header = [range.bucket === 'day' ? `day (${range.timeZone})` : `hour (${range.timeZone})`, 'metric', 'dimension', 'count', 'sum'];
  const text = await csvText(header, rows.map((r) => [r.bucket, r.metric, r.dimension, r.count, r.sum]));
  const name = `wara-analytics-${range.from.toISOString().slice(0, 10)}-${range.to.toISOString().slice(0, 10)}.csv`;
  return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${name}"`).header('cache-control', 'no-store').send(text);
}
