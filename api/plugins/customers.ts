import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AUDIT_ACTIONS, writeAudit } from '../../lib/audit.js';
import { tagSchema } from '../../lib/broadcasts/audience.js';
import { MAY_MESSAGE, MERCHANT_OPT_IN_SOURCES, recordOptIns } from '../../lib/broadcasts/consent.js';
import { sqlPool } from '../../lib/db/sql.js';
import { requireAuth } from '../auth/context.js';
import { tenantDb } from '../auth/tenant-db.js';
import type { ApiContext } from '../deps.js';
import { HttpError, notFound } from '../errors.js';
import type { RouteRequest } from '../routes.js';

export const customerSchema = z.object({
  id: z.string(),
  channel: z.enum(['whatsapp', 'sms']),
  /** E.164 */
  phone: z.string(),
  firstName: z.string().nullable(),
  profileName: z.string().nullable(),
  tags: z.array(z.string()),
  /** May receive broadcasts: opted in and not opted out since. */
  reachable: z.boolean(),
  optedInAt: z.string().nullable(),
  optInSource: z.string().nullable(),
  optedOut: z.boolean(),
  optedOutAt: z.string().nullable(),
  optOutSource: z.string().nullable(),
  lastInboundAt: z.string().nullable(),
});
export const customerPageSchema = z.object({
  items: z.array(customerSchema),
  nextCursor: z.string().nullable(),
  /** Every tag in use on this channel, with how many customers carry it. */
  tags: z.array(z.object({ tag: z.string(), customers: z.number() })),
});
export const optInResultSchema = z.object({ added: z.number(), updated: z.number(), refused: z.array(z.string()) });

const phone = z
  .string()
  .trim()
  .transform((s) => s.replace(/^whatsapp:/i, '').replace(/[\s\-().]/g, ''))
  .pipe(z.string().regex(/^\+[1-9]\d{7,14}$/, 'Numbers in international format, e.g. +14155550123'));
const listQuery = z.object({
  channel: z.enum(['whatsapp', 'sms']).default('whatsapp'),
  consent: z.enum(['all', 'reachable', 'opted_out', 'not_opted_in']).default('all'),
  tag: tagSchema.optional(),
  q: z.string().trim().max(100).optional(),
  cursor: z.string().max(64).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
const optInBody = z.object({
  channel: z.enum(['whatsapp', 'sms']),
  source: z.enum(MERCHANT_OPT_IN_SOURCES as [string, ...string[]]),
  /** When the customers consented, per the merchant's records; default now. */
  consentedAt: z.iso.datetime({ offset: true }).optional(),
  customers: z
    .array(z.object({ phone, firstName: z.string().trim().min(1).max(60).nullable().optional(), tags: z.array(tagSchema).max(20).default([]) }))
    .min(1, 'Add at least one customer.')
    .max(5_000, 'At most 5,000 customers at a time.'),
});
const idParams = z.object({ id: z.string().min(1).max(64) });
const updateBody = z.object({ firstName: z.string().trim().max(60).nullable().optional(), tags: z.array(tagSchema).max(20).optional() });

const listRoute = { schema: { querystring: listQuery, response: { 200: customerPageSchema } } };
const optInRoute = { schema: { body: optInBody, response: { 200: optInResultSchema } } };
const updateRoute = { schema: { params: idParams, body: updateBody, response: { 200: customerSchema } } };

type CustomerRow = {
  id: string;
  channel: 'whatsapp' | 'sms';
  customerAddress: string;
  firstName: string | null;
  customerName: string | null;
  tags: string[];
  optedInAt: Date | null;
  optInSource: string | null;
  optedOut: boolean;
  optedOutAt: Date | null;
  optOutSource: string | null;
  lastInboundAt: Date | null;
};

/**
 * The broadcast audience's customers (prefix /api/customers): a customer is a conversation, one number on one
 * channel. List with consent and tags, record opt-ins in bulk (source and time: the evidence a broadcast
 * needs), set a customer's first name and tags.
 */
export function customersPlugin(ctx: ApiContext): FastifyPluginAsyncZod {
  const { prisma } = ctx;
  const pool = sqlPool(prisma);

  return async (app) => {
    app.get('', listRoute, listCustomers);
    app.post('/opt-ins', optInRoute, recordCustomerOptIns);
    app.patch('/:id', updateRoute, updateCustomer);
  };

  async function listCustomers(request: RouteRequest<typeof listRoute.schema>) {
    const auth = requireAuth(request);
    const { channel, consent, tag, q, cursor, limit } = request.query;
    const values: unknown[] = [auth.tenantId, channel];
    const param = (v: unknown) => `$${values.push(v)}`;
    const where = ['c.tenant_id = $1', 'c.channel = $2::channel'];
    if (consent === 'reachable') where.push(MAY_MESSAGE);
    if (consent === 'opted_out') where.push('c.opted_out');
    if (consent === 'not_opted_in') where.push('c.opted_in_at IS NULL AND NOT c.opted_out');
    if (tag) where.push(`c.tags @> ARRAY[${param(tag)}]::text[]`);
    if (q) where.push(`(c.customer_address ILIKE ${param(`%${q}%`)} OR coalesce(c.first_name, c.customer_name, '') ILIKE ${param(`%${q}%`)})`);
    if (cursor) where.push(`c.id > ${param(cursor)}`);
    const { rows } = await pool.query<CustomerRow>({
      text: `SELECT c.id, c.channel::text AS channel, c.customer_address AS "customerAddress", c.first_name AS "firstName",
                    c.customer_name AS "customerName", c.tags, c.opted_in_at AS "optedInAt", c.opt_in_source AS "optInSource",
                    c.opted_out AS "optedOut", c.opted_out_at AS "optedOutAt", c.opt_out_source AS "optOutSource",
                    c.last_inbound_at AS "lastInboundAt"
             FROM conversations c WHERE ${where.join(' AND ')} ORDER BY c.id LIMIT ${param(limit + 1)}`,
      values,
    });
    const { rows: tags } = await pool.query<{ tag: string; customers: number }>({
      text: `SELECT t AS tag, count(*)::int AS customers FROM conversations c, unnest(c.tags) AS t
             WHERE c.tenant_id = $1 AND c.channel = $2::channel GROUP BY t ORDER BY t LIMIT 200`,
      values: [auth.tenantId, channel],
    });
    const page = rows.slice(0, limit);
    return { items: page.map(view), nextCursor: rows.length > limit ? page[page.length - 1]!.id : null, tags };
  }

  async function recordCustomerOptIns(request: RouteRequest<typeof optInRoute.schema>) {
    const auth = requireAuth(request);
    const body = request.body;
    const account = await tenantDb(prisma, request).integrationAccount.findFirst({ where: { channel: 'whatsapp' }, select: { id: true } });
    const consentedAt = body.consentedAt ? new Date(body.consentedAt) : new Date();
    if (consentedAt.getTime() > Date.now() + 60_000) throw new HttpError(422, 'Consent cannot be in the future.', 'invalid_consent_time');
    const result = await recordOptIns(pool, {
      tenantId: auth.tenantId,
      accountId: account?.id ?? null,
      channel: body.channel,
      source: body.source as (typeof MERCHANT_OPT_IN_SOURCES)[number],
      consentedAt,
      customers: body.customers.map((c) => ({ phone: c.phone, firstName: c.firstName ?? null, tags: c.tags })),
    });
    await writeAudit(prisma, {
      tenantId: auth.tenantId,
      actorUserId: auth.userId,
      actorType: 'user',
      action: AUDIT_ACTIONS.customers.optInsRecorded,
      targetType: 'customers',
      targetId: body.channel,
      details: { channel: body.channel, source: body.source, consentedAt: consentedAt.toISOString(), added: result.added, updated: result.updated, refused: result.refused.length },
      ip: request.ip,
    });
    return result;
  }

  async function updateCustomer(request: RouteRequest<typeof updateRoute.schema>) {
    const auth = requireAuth(request);
    const db = tenantDb(prisma, request);
    const found = await db.conversation.findFirst({ where: { id: request.params.id }, select: { id: true } });
    if (!found) throw notFound('Customer');
    const { firstName, tags } = request.body;
    const row = await prisma.conversation.update({
      where: { id: found.id, tenantId: auth.tenantId },
      data: { ...(firstName !== undefined ? { firstName } : {}), ...(tags !== undefined ? { tags: [...new Set(tags)].sort() } : {}) },
    });
    await writeAudit(prisma, {
      tenantId: auth.tenantId,
      actorUserId: auth.userId,
      actorType: 'user',
      action: AUDIT_ACTIONS.customers.updated,
      targetType: 'conversation',
      targetId: row.id,
      details: { ...(firstName !== undefined ? { firstName: firstName !== null } : {}), ...(tags !== undefined ? { tags: row.tags } : {}) },
      ip: request.ip,
    });
    return view(row);
  }
}

function view(c: CustomerRow): z.infer<typeof customerSchema> {
  return {
    id: c.id,
    channel: c.channel,
    phone: c.customerAddress.replace(/^whatsapp:/, ''),
    firstName: c.firstName,
    profileName: c.customerName,
    tags: c.tags,
    reachable: c.optedInAt !== null && !c.optedOut,
    optedInAt: c.optedInAt?.toISOString() ?? null,
    optInSource: c.optInSource,
    optedOut: c.optedOut,
    optedOutAt: c.optedOutAt?.toISOString() ?? null,
    optOutSource: c.optOutSource,
    lastInboundAt: c.lastInboundAt?.toISOString() ?? null,
  };
}
