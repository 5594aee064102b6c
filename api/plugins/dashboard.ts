import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { readReplyAccess } from '../../lib/billing/reply-access.js';
import { readReplyBacklog } from '../../lib/conversations/reply-backlog.js';
import { sqlPool } from '../../lib/db/sql.js';
import { backlogSchema } from './conversations.js';
import { requireAuth } from '../auth/context.js';
import { tenantDb } from '../auth/tenant-db.js';
import type { ApiContext } from '../deps.js';
import type { RouteRequest } from '../routes.js';

const DAY_MS = 24 * 60 * 60 * 1000;

export const dashboardSchema = z.object({
  tenant: z.object({ name: z.string() }),
  whatsapp: z.object({
    status: z.string(),
    phoneNumber: z.string().nullable(),
    lastError: z.string().nullable(),
  }),
  catalog: z.object({ productCount: z.number(), lastImportedAt: z.string().nullable() }),
  conversations: z.object({
    total: z.number(),
    recent: z.array(
      z.object({
        id: z.string(),
        channel: z.string(),
        customerAddress: z.string(),
        customerName: z.string().nullable(),
        lastMessageAt: z.string().nullable(),
        lastMessagePreview: z.string().nullable(),
      }),
    ),
  }),
  usage: z.object({ periodStart: z.string(), replies: z.number(), limit: z.number().nullable() }),
  /** The reply gate now (the billing page's `replies`): the home page shows why AI replies are paused. */
  replies: z.object({ paused: z.boolean(), reason: z.string().nullable(), message: z.string().nullable() }),
  /** Customer messages waiting for an AI reply under load, and those shed (lib/conversations/reply-backlog.ts). */
  backlog: backlogSchema,
  trial: z.object({
    plan: z.string(),
    trialEndsAt: z.string().nullable(),
    daysLeft: z.number().nullable(),
    expired: z.boolean(),
  }),
  emails: z.array(z.object({ id: z.string(), to: z.string(), subject: z.string(), status: z.string(), createdAt: z.string() })),
});

export type DashboardSummary = z.infer<typeof dashboardSchema>;

const readSummary = { schema: { response: { 200: dashboardSchema } } };

/** One call for the dashboard home (`/api/dashboard`): each card's numbers, all from the tenant's own rows. */
export function dashboardPlugin(ctx: ApiContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.get('', readSummary, summarizeDashboard);
  };

  async function summarizeDashboard(request: RouteRequest<typeof readSummary.schema>) {
    const db = tenantDb(ctx.prisma, request);
    const tenant = await db.tenant.findFirstOrThrow({});
    const tenantId = requireAuth(request).tenantId;
    const [account, catalog, total, recent, access, emails, backlog] = await Promise.all([
      db.integrationAccount.findFirst({ where: { channel: 'whatsapp' }, include: { identifiers: true } }),
      db.catalog.findFirst({}),
      db.conversation.count({}),
      db.conversation.findMany({
        orderBy: { lastMessageAt: { sort: 'desc', nulls: 'last' } },
        take: 5,
        include: { messages: { orderBy: { createdAt: 'desc' }, take: 1 } },
      }),
      // The billing period and the plan's limit, as the reply gate reads them (lib/billing/reply-access.ts).
      readReplyAccess(ctx.prisma, tenantId),
      db.emailOutbox.findMany({ orderBy: { createdAt: 'desc' }, take: 5 }),
      readReplyBacklog(sqlPool(ctx.prisma), tenantId),
    ]);
    const phone = account?.identifiers.find((i) => i.kind === 'whatsapp_number' || i.kind === 'phone_number');
    const now = Date.now();
    const daysLeft = tenant.trialEndsAt ? Math.max(0, Math.ceil((tenant.trialEndsAt.getTime() - now) / DAY_MS)) : null;
    return {
      tenant: { name: tenant.name },
      whatsapp: { status: account?.status ?? 'not_connected', phoneNumber: phone?.value ?? null, lastError: account?.lastError ?? null },
      catalog: { productCount: catalog?.productCount ?? 0, lastImportedAt: catalog?.lastImportedAt?.toISOString() ?? null },
      conversations: {
        total,
        recent: recent.map((c) => ({
          id: c.id,
          channel: c.channel,
          customerAddress: c.customerAddress,
          customerName: c.customerName,
          lastMessageAt: c.lastMessageAt?.toISOString() ?? null,
          lastMessagePreview: c.messages[0]?.body.slice(0, 120) ?? null,
        })),
      },
      usage: { periodStart: access.usage.periodStart.toISOString(), replies: access.usage.replies, limit: access.usage.limit },
      replies: access.decision.allowed
        ? { paused: false, reason: null, message: null }
        : { paused: true, reason: access.decision.reason, message: access.decision.message },
      backlog,
      trial: {
        plan: tenant.plan,
        trialEndsAt: tenant.trialEndsAt?.toISOString() ?? null,
        daysLeft: tenant.plan === 'trial' ? daysLeft : null,
        expired: tenant.plan === 'trial_expired',
      },
      emails: emails.map((e) => ({ id: e.id, to: e.to, subject: e.subject, status: e.status, createdAt: e.createdAt.toISOString() })),
    };
  }
}
