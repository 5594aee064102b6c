import { WorkflowFailedError } from '@temporalio/client';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AUDIT_ACTIONS, writeAudit } from '../../lib/audit.js';
import { readReplyAccess } from '../../lib/billing/reply-access.js';
import { audienceCondition, audienceSchema, type Audience } from '../../lib/broadcasts/audience.js';
import { firstNameOf, previewSms, renderTemplate, templateValues, variablesSchema, type Variables } from '../../lib/broadcasts/message.js';
import { countRecipients } from '../../lib/broadcasts/recipients.js';
import {
  type BROADCAST_STATUSES,
  broadcastDetailSchema,
  broadcastSummarySchema,
  recipientPage,
  recipientPageSchema,
  RECIPIENT_FILTERS,
  storedCounts,
} from '../../lib/broadcasts/views.js';
import type { Channel } from '../../lib/conversations/addresses.js';
import { sqlPool } from '../../lib/db/sql.js';
import { workflowIds } from '../../lib/temporal/names.js';
import type { BroadcastProgress, BroadcastTemplate } from '../../workflows/contracts/broadcast.js';
import { requireAuth, type AuthContext } from '../auth/context.js';
import { temporalLinksFor } from '../auth/operator-links.js';
import { tenantDb } from '../auth/tenant-db.js';
import type { ApiContext } from '../deps.js';
import { HttpError, notFound } from '../errors.js';
import type { RouteReply, RouteRequest } from '../routes.js';

export { broadcastDetailSchema, recipientPageSchema };

const channelSchema = z.enum(['whatsapp', 'sms']);
const messageFields = {
  channel: channelSchema,
  audience: audienceSchema,
  /** WhatsApp: an approved template and where each of its placeholders' values come from. */
  contentSid: z.string().regex(/^HX[0-9a-fA-F]{32}$/, 'Pick an approved WhatsApp template.').optional(),
  variables: variablesSchema.default({}),
  /** SMS: the text; `{{first_name}}` is the recipient's first name; an opt-out footer is added. */
  text: z.string().trim().min(1, 'Write the message first.').max(1400, 'SMS text is limited to 1400 characters (the opt-out footer needs room).').optional(),
};
const previewBody = z.object(messageFields);
const createBody = z.object({
  ...messageFields,
  name: z.string().trim().min(1, 'Give the broadcast a name.').max(120),
  /** ISO time to send at; absent or null sends now. */
  scheduledAt: z.iso.datetime({ offset: true }).nullable().optional(),
});
type MessageInput = z.infer<typeof previewBody>;

export const sendersSchema = z.object({
  whatsapp: z.object({ ready: z.boolean(), ratePerSecond: z.number(), reason: z.string().nullable() }),
  sms: z.object({ ready: z.boolean(), ratePerSecond: z.number(), numbers: z.number(), reason: z.string().nullable() }),
});
export const broadcastListSchema = z.object({ items: z.array(broadcastSummarySchema), senders: sendersSchema });
export const templatesSchema = z.object({
  templates: z.array(
    z.object({ contentSid: z.string(), friendlyName: z.string(), language: z.string(), body: z.string(), placeholders: z.array(z.string()), approval: z.string() }),
  ),
});
export const previewSchema = z.object({
  recipients: z.number(),
  ratePerSecond: z.number(),
  /** How long sending everyone takes at the rate. */
  estimatedSeconds: z.number(),
  sample: z
    .object({
      to: z.string(),
      name: z.string().nullable(),
      text: z.string(),
      /** SMS only. */
      segments: z.object({ count: z.number(), encoding: z.enum(['GSM-7', 'UCS-2']), characters: z.number() }).nullable(),
    })
    .nullable(),
  problems: z.array(z.string()),
});
const actionSchema = z.object({ id: z.string(), status: z.string() });

const idParams = z.object({ id: z.string().min(1).max(64) });
const recipientsQuery = z.object({
  status: z.enum(RECIPIENT_FILTERS).optional(),
  cursor: z.string().regex(/^\d{1,9}$/).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

const listRoute = { schema: { response: { 200: broadcastListSchema } } };
const templatesRoute = { schema: { response: { 200: templatesSchema } } };
const previewRoute = { schema: { body: previewBody, response: { 200: previewSchema } } };
const createRoute = { schema: { body: createBody, response: { 201: broadcastDetailSchema } } };
const detailRoute = { schema: { params: idParams, response: { 200: broadcastDetailSchema } } };
const recipientsRoute = { schema: { params: idParams, querystring: recipientsQuery, response: { 200: recipientPageSchema } } };
const actionRoute = { schema: { params: idParams, response: { 202: actionSchema } } };

const ACTIVE = ['draft', 'scheduled', 'running', 'paused'] as const;
const FINISHED = new Set(['completed', 'cancelled', 'failed']);

/**
 * Broadcasts (prefix /api/broadcasts): list, approved templates, preview (count + a rendered sample), create
 * (now or scheduled), progress with per-recipient paging, pause / resume / cancel. Routes never talk to Twilio:
 * the broadcast workflow sends, a short workflow reads the templates.
 */
export function broadcastsPlugin(ctx: ApiContext): FastifyPluginAsyncZod {
  const { env, prisma, workflows } = ctx;
  const pool = sqlPool(prisma);

  return async (app) => {
    app.get('', listRoute, listBroadcasts);
    app.get('/templates', templatesRoute, listTemplates);
    app.post('/preview', previewRoute, previewBroadcast);
    app.post('', createRoute, createBroadcast);
    app.get('/:id', detailRoute, readBroadcast);
    app.get('/:id/recipients', recipientsRoute, listRecipients);
    app.post('/:id/pause', actionRoute, pauseSending);
    app.post('/:id/resume', actionRoute, resumeSending);
    app.post('/:id/cancel', actionRoute, cancelSending);
  };

  /** Who can send on each channel now, and how fast (per sender, times the senders). */
  async function senders(request: RouteRequest) {
    const db = tenantDb(prisma, request);
    const [account, smsNumbers] = await Promise.all([
      db.integrationAccount.findFirst({ where: { channel: 'whatsapp' } }),
      db.smsNumber.count({ where: { status: 'active' } }),
    ]);
    const connected = account?.status === 'connected';
    const notConnected = 'Connect WhatsApp first: broadcasts are sent through your Twilio account.';
    return {
      whatsapp: { ready: connected, ratePerSecond: env.BROADCAST_WHATSAPP_RATE_PER_SECOND, reason: connected ? null : notConnected },
      sms: {
        ready: connected && smsNumbers > 0,
        ratePerSecond: env.BROADCAST_SMS_RATE_PER_SECOND * Math.max(1, smsNumbers),
        numbers: smsNumbers,
        reason: !connected ? notConnected : smsNumbers === 0 ? 'Add an SMS number first (SMS page).' : null,
      },
    };
  }

  async function listBroadcasts(request: RouteRequest<typeof listRoute.schema>) {
    const rows = await tenantDb(prisma, request).broadcast.findMany({ orderBy: { createdAt: 'desc' }, take: 100 });
    const items = await Promise.all(rows.map(async (b) => summary(b, FINISHED.has(b.status) ? storedCounts(b) : await countRecipients(pool, b.id))));
    return { items, senders: await senders(request) };
  }

  async function listTemplates(request: RouteRequest<typeof templatesRoute.schema>) {
    const auth = requireAuth(request);
    return templatesOf(auth.tenantId);
  }

  /** Only a connected tenant has templates to read (and a run to wait for). */
  async function templatesOf(tenantId: string): Promise<{ templates: BroadcastTemplate[] }> {
    const account = await prisma.integrationAccount.findFirst({ where: { tenantId, channel: 'whatsapp' }, select: { status: true } });
    if (account?.status !== 'connected') return { templates: [] };
    try {
      return await workflows.broadcasts.templates(tenantId);
    } catch (err) {
      if (!(err instanceof WorkflowFailedError)) throw err;
      throw new HttpError(502, 'Could not read your WhatsApp templates from Twilio; try again in a minute.', 'templates_unavailable');
    }
  }

  /** What a compose form's message means: the template (checked against Twilio's approved list) or the SMS text. */
  async function resolveMessage(auth: AuthContext, input: MessageInput): Promise<{ template: BroadcastTemplate | null; problems: string[] }> {
    if (input.channel === 'sms') return { template: null, problems: input.text ? [] : ['Write the SMS text.'] };
    if (!input.contentSid) return { template: null, problems: ['Pick an approved WhatsApp template.'] };
    const { templates } = await templatesOf(auth.tenantId);
    const template = templates.find((t) => t.contentSid === input.contentSid) ?? null;
    if (!template) return { template: null, problems: ['That template is not approved for WhatsApp (or no longer exists); pick another.'] };
    const missing = template.placeholders.filter((p) => !Object.hasOwn(input.variables, p));
    return { template, problems: missing.length > 0 ? [`Say what goes into ${missing.map((p) => `{{${p}}}`).join(', ')}.`] : [] };
  }

  async function audienceSize(tenantId: string, channel: Channel, audience: Audience): Promise<{ count: number; sample: { address: string; firstName: string | null; name: string | null } | null }> {
    const where = audienceCondition(tenantId, channel, audience);
    const { rows } = await pool.query<{ count: number; address: string | null; firstName: string | null; name: string | null }>({
      text: `SELECT count(*) OVER ()::int AS count, c.customer_address AS address, c.first_name AS "firstName", c.customer_name AS name
             FROM conversations c WHERE ${where.text} ORDER BY c.created_at, c.id LIMIT 1`,
      values: where.values,
    });
    const row = rows[0];
    return row ? { count: row.count, sample: { address: row.address!.replace(/^whatsapp:/, ''), firstName: row.firstName, name: row.name } } : { count: 0, sample: null };
  }

  function render(input: MessageInput, template: BroadcastTemplate | null, recipient: { firstName: string | null; name: string | null }) {
    const who = { firstName: recipient.firstName, profileName: recipient.name };
    if (input.channel === 'sms') {
      const sms = previewSms(input.text ?? '', who);
      return { text: sms.text, segments: { count: sms.segments.segments, encoding: sms.segments.encoding, characters: sms.segments.characters }, tooLong: sms.tooLong };
    }
    return { text: template ? renderTemplate(template.body, templateValues(input.variables, who)) : '', segments: null, tooLong: false };
  }

  async function previewBroadcast(request: RouteRequest<typeof previewRoute.schema>) {
    const auth = requireAuth(request);
    const input = request.body;
    const [{ template, problems }, audience, available] = await Promise.all([
      resolveMessage(auth, input),
      audienceSize(auth.tenantId, input.channel, input.audience),
      senders(request),
    ]);
    const sender = available[input.channel];
    if (!sender.ready && sender.reason) problems.push(sender.reason);
    if (audience.count === 0) problems.push('No opted-in customer matches this audience.');
    const sample = audience.sample ?? { address: '+15555550100', firstName: 'Ana', name: null };
    const rendered = problems.some((p) => p.startsWith('Pick') || p.startsWith('That template') || p.startsWith('Write')) ? null : render(input, template, sample);
    if (rendered?.tooLong) problems.push('The SMS is longer than 1600 characters with the footer; shorten it.');
    return {
      recipients: audience.count,
      ratePerSecond: sender.ratePerSecond,
      estimatedSeconds: Math.ceil(audience.count / sender.ratePerSecond),
      sample: rendered && { to: sample.address, name: firstNameOf({ firstName: sample.firstName, profileName: sample.name }), text: rendered.text, segments: rendered.segments },
      problems,
    };
  }

  async function createBroadcast(request: RouteRequest<typeof createRoute.schema>, reply: RouteReply<typeof createRoute.schema>) {
    const auth = requireAuth(request);
    const input = request.body;
    const access = await readReplyAccess(prisma, auth.tenantId);
    if (!access.decision.allowed) throw new HttpError(402, access.decision.message.replace('AI replies are', 'Broadcasts are'), 'billing_gate', { reason: access.decision.reason });
    const available = await senders(request);
    const sender = available[input.channel];
    if (!sender.ready) throw new HttpError(409, sender.reason ?? 'This channel cannot send yet.', 'channel_not_ready');
    const { template, problems } = await resolveMessage(auth, input);
    if (problems.length > 0) throw new HttpError(422, problems.join(' '), 'invalid_message');
    if (input.channel === 'sms' && render(input, null, { firstName: 'Maximilian', name: null }).tooLong) {
      throw new HttpError(422, 'The SMS is longer than 1600 characters with the footer; shorten it.', 'invalid_message');
    }
    const scheduledAt = input.scheduledAt ? new Date(input.scheduledAt) : null;
    if (scheduledAt && (scheduledAt.getTime() < Date.now() - 60_000 || scheduledAt.getTime() > Date.now() + 90 * 86_400_000)) {
      throw new HttpError(422, 'Pick a time in the next 90 days.', 'invalid_schedule');
    }
    const { count } = await audienceSize(auth.tenantId, input.channel, input.audience);
    if (count === 0) throw new HttpError(422, 'No opted-in customer matches this audience.', 'empty_audience');

    // One active broadcast per channel: the sender's rate is shared, two at once would each get half of it.
    const broadcast = await prisma.$transaction(async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`broadcast:${auth.tenantId}:${input.channel}`}))`;
      const active = await tx.broadcast.findFirst({ where: { tenantId: auth.tenantId, channel: input.channel, status: { in: [...ACTIVE] } } });
      if (active) throw new HttpError(409, `“${active.name}” is still ${active.status} on ${input.channel === 'sms' ? 'SMS' : 'WhatsApp'}; wait for it to finish or cancel it.`, 'broadcast_active');
      const created = await tx.broadcast.create({
        data: {
          tenantId: auth.tenantId,
          name: input.name,
          channel: input.channel,
          contentSid: input.channel === 'whatsapp' ? input.contentSid! : null,
          contentVariables: input.channel === 'whatsapp' ? (input.variables as Variables) : undefined,
          body: input.channel === 'whatsapp' ? template!.body : input.text!,
          audience: input.audience,
          ratePerSecond: sender.ratePerSecond,
          scheduledAt,
          status: scheduledAt ? 'scheduled' : 'running',
          createdByUserId: auth.userId,
        },
      });
      await writeAudit(tx, {
        tenantId: auth.tenantId,
        actorUserId: auth.userId,
        actorType: 'user',
        action: AUDIT_ACTIONS.broadcast.created,
        targetType: 'broadcast',
        targetId: created.id,
        details: { name: input.name, channel: input.channel, recipients: count, scheduledAt: scheduledAt?.toISOString() ?? null, contentSid: created.contentSid },
        ip: request.ip,
      });
      return created;
    });
    try {
      const run = await workflows.broadcasts.start({
        tenantId: auth.tenantId,
        broadcastId: broadcast.id,
        channel: input.channel,
        ratePerSecond: sender.ratePerSecond,
        scheduledAt: scheduledAt?.toISOString() ?? null,
      });
      await prisma.broadcast.update({ where: { id: broadcast.id }, data: { workflowId: run.workflowId } });
    } catch (err) {
      await prisma.broadcast.update({ where: { id: broadcast.id }, data: { status: 'failed', lastError: 'Sending could not be started; nothing was sent.' } });
      request.log.error({ err }, 'broadcast workflow start failed');
      throw new HttpError(503, 'Sending could not be started right now; nothing was sent. Try again in a minute.', 'temporal_unavailable');
    }
    return reply.code(201).send(await detail(request, broadcast.id));
  }

  async function readBroadcast(request: RouteRequest<typeof detailRoute.schema>) {
    return detail(request, request.params.id);
  }

  async function detail(request: RouteRequest, id: string) {
    const auth = requireAuth(request);
    const b = await tenantDb(prisma, request).broadcast.findFirst({ where: { id } });
    if (!b) throw notFound('Broadcast');
    const live = !FINISHED.has(b.status) || (b.finishedAt !== null && Date.now() - b.finishedAt.getTime() < 7 * 86_400_000);
    const [counts, progress] = await Promise.all([
      live ? countRecipients(pool, b.id) : Promise.resolve(storedCounts(b)),
      FINISHED.has(b.status) ? Promise.resolve(null) : workflows.broadcasts.progress(auth.tenantId, b.id),
    ]);
    const workflowId = workflowIds.broadcast(auth.tenantId, b.id);
    const audience = audienceSchema.catch(audienceSchema.parse({})).parse(b.audience);
    return {
      broadcast: { ...summary(b, counts), audience, contentSid: b.contentSid, body: b.body },
      progress: progress && progressView(progress),
      workflow: { id: workflowId, url: temporalLinksFor(request, env).workflows(workflowId) },
    };
  }

  async function listRecipients(request: RouteRequest<typeof recipientsRoute.schema>) {
    const b = await tenantDb(prisma, request).broadcast.findFirst({ where: { id: request.params.id }, select: { id: true } });
    if (!b) throw notFound('Broadcast');
    const { status, cursor, limit } = request.query;
    return recipientPage(pool, { broadcastId: b.id, afterSeq: cursor ? Number(cursor) : 0, limit, filter: status ?? null });
  }

  /** The broadcast for a signal, or 404 / 409 when it is not the tenant's or no longer running. */
  async function activeBroadcast(request: RouteRequest<typeof actionRoute.schema>, allowed: readonly BroadcastRow['status'][], verb: string) {
    const b = await tenantDb(prisma, request).broadcast.findFirst({ where: { id: request.params.id } });
    if (!b) throw notFound('Broadcast');
    if (!allowed.includes(b.status)) throw new HttpError(409, `This broadcast is ${b.status}; it cannot be ${verb}.`, 'not_active');
    return b;
  }

  async function signalled(request: RouteRequest<typeof actionRoute.schema>, reply: RouteReply<typeof actionRoute.schema>, kind: 'pause' | 'resume' | 'cancel') {
    const auth = requireAuth(request);
    const allowed: BroadcastRow['status'][] = { pause: ['running', 'scheduled'] as const, resume: ['paused'] as const, cancel: ['scheduled', 'running', 'paused'] as const }[kind].slice();
    const verb = { pause: 'paused', resume: 'resumed', cancel: 'cancelled' }[kind];
    const b = await activeBroadcast(request, allowed, verb);
    await workflows.broadcasts[kind](auth.tenantId, b.id, auth.userId);
    // The workflow records its own state; the list shows the request at once.
    const status = kind === 'pause' ? 'paused' : kind === 'resume' ? 'running' : b.status;
    if (kind !== 'cancel') await prisma.broadcast.updateMany({ where: { id: b.id, tenantId: auth.tenantId, status: { in: allowed } }, data: { status } });
    const action = { pause: AUDIT_ACTIONS.broadcast.paused, resume: AUDIT_ACTIONS.broadcast.resumed, cancel: AUDIT_ACTIONS.broadcast.canceled }[kind];
    await writeAudit(prisma, { tenantId: auth.tenantId, actorUserId: auth.userId, actorType: 'user', action, targetType: 'broadcast', targetId: b.id, details: { name: b.name }, ip: request.ip });
    return reply.code(202).send({ id: b.id, status });
  }

  function pauseSending(request: RouteRequest<typeof actionRoute.schema>, reply: RouteReply<typeof actionRoute.schema>) {
    return signalled(request, reply, 'pause');
  }
  function resumeSending(request: RouteRequest<typeof actionRoute.schema>, reply: RouteReply<typeof actionRoute.schema>) {
    return signalled(request, reply, 'resume');
  }
  function cancelSending(request: RouteRequest<typeof actionRoute.schema>, reply: RouteReply<typeof actionRoute.schema>) {
    return signalled(request, reply, 'cancel');
  }
}

type BroadcastRow = {
  id: string;
  name: string;
  channel: Channel;
  status: (typeof BROADCAST_STATUSES)[number];
  scheduledAt: Date | null;
  startedAt: Date | null;
  finishedAt: Date | null;
  createdAt: Date;
  ratePerSecond: number | null;
  lastError: string | null;
};

function summary(b: BroadcastRow, counts: z.infer<typeof broadcastSummarySchema>['counts']): z.infer<typeof broadcastSummarySchema> {
  return {
    id: b.id,
    name: b.name,
    channel: b.channel,
    status: b.status,
    scheduledAt: b.scheduledAt?.toISOString() ?? null,
    startedAt: b.startedAt?.toISOString() ?? null,
    finishedAt: b.finishedAt?.toISOString() ?? null,
    createdAt: b.createdAt.toISOString(),
    ratePerSecond: b.ratePerSecond,
    counts,
    lastError: b.lastError,
  };
}

function progressView(p: BroadcastProgress) {
  return {
    phase: p.phase,
    processed: p.processed,
    effectiveRate: Math.round(p.effectiveRate * 100) / 100,
    pausedBy: p.paused?.by ?? null,
    pausedReason: p.paused?.message ?? null,
    throttledUntil: p.throttledUntil,
    lastThrottleCode: p.lastThrottleCode,
    batches: p.batches,
    run: p.run,
  };
}
