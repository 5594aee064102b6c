import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AUDIT_ACTIONS, writeAudit } from '../../lib/audit.js';
import { auditCsv } from '../../lib/audit/export.js';
import { maskIp } from '../../lib/audit/ip-mask.js';
import { InvalidCursorError, readAuditEntry, readAuditPage, type AuditFilter, type AuditRow } from '../../lib/audit/query.js';
import { sqlPool } from '../../lib/db/sql.js';
import { requireAuth, type AuthContext } from '../auth/context.js';
import { temporalLinksFor } from '../auth/operator-links.js';
import type { ApiContext } from '../deps.js';
import { HttpError, notFound } from '../errors.js';
import type { RouteReply, RouteRequest } from '../routes.js';

/** An empty query parameter (`?action=`, what a form sends for "any") means "no filter". */
const optional = <S extends z.ZodType>(schema: S) => z.preprocess((v) => (v === '' ? undefined : v), schema.optional());

/** Filters a merchant may use on their own shop's trail. */
export const auditFilterQuery = z.object({
  action: optional(z.string().trim().max(100).regex(/^[\w.]+$/, 'an action or area, e.g. auth. or auth.login')),
  actor: optional(z.string().trim().max(254)),
  from: optional(z.iso.datetime({ offset: true })),
  to: optional(z.iso.datetime({ offset: true })),
});
/** Operators may also narrow to one tenant, or `none` for platform entries. */
export const opsAuditFilterQuery = auditFilterQuery.extend({ tenant: optional(z.string().trim().max(64)) });
const pageQuery = { cursor: optional(z.string().max(200)), limit: z.coerce.number().int().min(1).max(200).default(50) };

export const auditEntrySchema = z.object({
  id: z.string(),
  createdAt: z.string(),
  action: z.string(),
  tenant: z.object({ id: z.string(), name: z.string().nullable() }).nullable(),
  actor: z.object({ type: z.string(), userId: z.string().nullable(), email: z.string().nullable(), workflowId: z.string().nullable() }),
  target: z.object({ type: z.string().nullable(), id: z.string().nullable() }),
  /** Masked: 203.0.113.x, 2001:db8:85a3:x:x:x:x:x. */
  ip: z.string().nullable(),
});
export const auditPageSchema = z.object({ items: z.array(auditEntrySchema), nextCursor: z.string().nullable() });
export const auditDetailSchema = auditEntrySchema.extend({
  details: z.unknown(),
  /** The acting workflow's runs in the Temporal UI: operators only (null for merchants). */
  workflowUrl: z.string().nullable(),
});

export type AuditScope = 'tenant' | 'operator';
/** An operator's look at one tenant's trail is recorded once in this window (every export is recorded). */
const VIEW_RECORDED_EVERY_MS = 10 * 60_000;
const idParams = z.object({ id: z.string().min(1).max(64) });

/**
 * The audit trail's routes, for a merchant's own shop (`scope: 'tenant'`, always narrowed to the caller's
 * tenant) or for operators (every tenant, filterable). Registered by this file's plugin at /api/audit and
 * by the ops plugin at /api/ops/audit (which checks the operator first).
 */
export function auditRoutes(ctx: ApiContext, scope: AuditScope): FastifyPluginAsyncZod {
  const { env, prisma } = ctx;
  const operators = scope === 'operator';
  const query = operators ? opsAuditFilterQuery : auditFilterQuery;
  const readPage = { schema: { querystring: query.extend(pageQuery), response: { 200: auditPageSchema } } };
  const readEntry = { schema: { params: idParams, response: { 200: auditDetailSchema } } };
  const exportCsv = { schema: { querystring: query } };

  return async (app) => {
    app.get('', readPage, listAuditEntries);
    app.get('/export.csv', exportCsv, exportAuditCsv);
    app.get('/:id', readEntry, readAuditLogEntry);
  };

  /** What the caller may see: a merchant only their tenant, whatever they ask for. */
  function filterFor(auth: AuthContext, q: z.infer<typeof opsAuditFilterQuery>): AuditFilter {
    const filter: AuditFilter = {
      ...(q.action ? { actionPrefix: q.action } : {}),
      ...(q.actor ? { actor: q.actor } : {}),
      ...(q.from ? { from: new Date(q.from) } : {}),
      ...(q.to ? { to: new Date(q.to) } : {}),
    };
    if (!operators) return { ...filter, tenantId: auth.tenantId };
    if (q.tenant === 'none') return { ...filter, tenantId: null };
    return q.tenant ? { ...filter, tenantId: q.tenant } : filter;
  }

  async function listAuditEntries(request: RouteRequest<typeof readPage.schema>) {
    const auth = requireAuth(request);
    const filter = filterFor(auth, request.query);
    let page;
    try {
      page = await readAuditPage(sqlPool(prisma), filter, { limit: request.query.limit, cursor: request.query.cursor ?? null });
    } catch (err) {
      if (err instanceof InvalidCursorError) throw new HttpError(400, err.message, 'invalid_cursor');
      throw err;
    }
    // Reading the trail is itself on the trail (operators): once per operator and tenant looked at every
    // few minutes, not once per filter change or "load older" (each export is always recorded).
    if (operators && !request.query.cursor && !(await viewedRecently(auth, filter))) {
      await recordOperatorAccess(auth, request, AUDIT_ACTIONS.ops.auditViewed, filter);
    }
    return { items: page.rows.map((row) => toEntry(row)), nextCursor: page.nextCursor };
  }

  async function readAuditLogEntry(request: RouteRequest<typeof readEntry.schema>) {
    const auth = requireAuth(request);
    const row = await readAuditEntry(sqlPool(prisma), request.params.id, operators ? {} : { tenantId: auth.tenantId });
    if (!row) throw notFound('Audit entry');
    // An operator opening an entry is on the trail too, under that entry's tenant (the shop sees that WARA
    // staff looked, not who): every time, as each open is a deliberate look at one record.
    if (operators) {
      await writeAudit(prisma, {
        tenantId: row.tenantId,
        actorUserId: auth.userId,
        actorType: 'operator',
        action: AUDIT_ACTIONS.ops.auditEntryOpened,
        targetType: 'audit_entry',
        targetId: row.id,
        details: { action: row.action },
        ip: request.ip,
      });
    }
    const links = temporalLinksFor(request, env);
    return { ...toEntry(row), details: row.details ?? null, workflowUrl: row.workflowId ? links.workflows(row.workflowId) : null };
  }

  async function exportAuditCsv(request: RouteRequest<typeof exportCsv.schema>, reply: RouteReply<typeof exportCsv.schema>) {
    const auth = requireAuth(request);
    const filter = filterFor(auth, request.query);
    if (operators) await recordOperatorAccess(auth, request, AUDIT_ACTIONS.ops.auditExported, filter);
    else {
      await writeAudit(prisma, { tenantId: auth.tenantId, actorUserId: auth.userId, actorType: 'user', action: AUDIT_ACTIONS.audit.exported, details: describeFilter(filter), ip: request.ip });
    }
    const day = new Date().toISOString().slice(0, 10);
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="wara-audit-${day}.csv"`)
      .header('cache-control', 'no-store')
      .send(auditCsv(sqlPool(prisma), filter, { hideOperatorIdentity: !operators, onError: (err) => request.log.error({ err }, 'audit export ended early') }));
  }

  /**
   * An operator read the trail. Recorded under the tenant they looked at, when one: the merchant sees that
   * WARA staff looked at their trail (not who), and the platform trail has every access either way.
   */
  async function recordOperatorAccess(auth: AuthContext, request: RouteRequest, action: string, filter: AuditFilter) {
    await writeAudit(prisma, {
      tenantId: typeof filter.tenantId === 'string' ? filter.tenantId : null,
      actorUserId: auth.userId,
      actorType: 'operator',
      action,
      details: describeFilter(filter),
      ip: request.ip,
    });
  }

  async function viewedRecently(auth: AuthContext, filter: AuditFilter): Promise<boolean> {
    const since = new Date(Date.now() - VIEW_RECORDED_EVERY_MS);
    const tenantId = typeof filter.tenantId === 'string' ? filter.tenantId : null;
    const seen = await prisma.auditLog.findFirst({
      where: { action: AUDIT_ACTIONS.ops.auditViewed, actorUserId: auth.userId, tenantId, createdAt: { gte: since } },
      select: { id: true },
    });
    return seen !== null;
  }

  function toEntry(row: AuditRow): z.infer<typeof auditEntrySchema> {
    // Merchants see that an operator acted, not which one.
    const hidden = !operators && row.actorType === 'operator';
    return {
      id: row.id,
      createdAt: row.createdAt.toISOString(),
      action: row.action,
      tenant: row.tenantId ? { id: row.tenantId, name: row.tenantName } : null,
      actor: { type: row.actorType, userId: hidden ? null : row.actorUserId, email: hidden ? null : row.actorEmail, workflowId: row.workflowId },
      target: { type: row.targetType, id: row.targetId },
      ip: maskIp(row.ip),
    };
  }
}

function describeFilter(filter: AuditFilter): Record<string, string | null> {
  return {
    ...(filter.tenantId !== undefined ? { tenant: filter.tenantId } : {}),
    ...(filter.actionPrefix ? { action: filter.actionPrefix } : {}),
    ...(filter.actor ? { actor: filter.actor } : {}),
    ...(filter.from ? { from: filter.from.toISOString() } : {}),
    ...(filter.to ? { to: filter.to.toISOString() } : {}),
  };
}

/** A merchant's own audit trail (prefix /api/audit). */
export function auditPlugin(ctx: ApiContext): FastifyPluginAsyncZod {
  return auditRoutes(ctx, 'tenant');
}
