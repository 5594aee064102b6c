import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { writeAudit } from '../../lib/audit.js';
import {
  conversationSummarySchema,
  messageItemSchema,
  NOT_A_MESSAGE,
  replyDetails,
  smsSegmentsOf,
  threadMessageSchema,
  toConversationSummary,
  toMessageItem,
  windowSchema,
} from '../../lib/conversations/feed.js';
import { queueManualReply, setAiPaused as pauseOrResume } from '../../lib/conversations/conversation-handoffs.js';
import { readReplyAccess } from '../../lib/billing/reply-access.js';
import { noReplyReasons } from '../../lib/conversations/no-reply.js';
import { readReplyBacklog } from '../../lib/conversations/reply-backlog.js';
import { sqlPool } from '../../lib/db/sql.js';
import { agentReplyDetails } from '../../lib/agent/reply-details.js';
import { workflowIds } from '../../lib/temporal/names.js';
import { requireAuth } from '../auth/context.js';
import { temporalLinksFor } from '../auth/operator-links.js';
import { tenantDb } from '../auth/tenant-db.js';
import type { ApiContext } from '../deps.js';
import { HttpError, notFound } from '../errors.js';
import type { RouteReply, RouteRequest } from '../routes.js';

const page = { limit: z.coerce.number().int().min(1).max(100).default(50), cursor: z.string().max(64).optional() };
const feedQuery = z.object({
  ...page,
  direction: z.enum(['inbound', 'outbound']).optional(),
  status: z.enum(['received', 'queued', 'sending', 'sent', 'delivered', 'read', 'failed', 'undelivered', 'not_sent']).optional(),
  q: z.string().trim().max(200).optional(),
  /** Polling: only messages created or updated after this time (use the previous answer's `serverTime`). */
  since: z.iso.datetime().optional(),
  /** Only conversations the agent handed to the merchant (the "needs you" filter). */
  needsYou: z.enum(['true', 'false']).optional(),
});
const listQuery = z.object({ ...page, q: z.string().trim().max(200).optional(), needsYou: z.enum(['true', 'false']).optional() });
const idParams = z.object({ id: z.string().min(1).max(64) });
const replyBody = z.object({ body: z.string().trim().min(1, 'Write a message first.').max(1600, 'WhatsApp messages are limited to 1600 characters.') });

/** Customer messages waiting for an AI reply under load, and those shed (lib/conversations/reply-backlog.ts). */
export const backlogSchema = z.object({
  waiting: z.number().int().nonnegative(),
  oldestWaitingSeconds: z.number().int().nonnegative().nullable(),
  delayed: z.boolean(),
  notAnsweredLastHour: z.number().int().nonnegative(),
});
export const feedSchema = z.object({ items: z.array(messageItemSchema), nextCursor: z.string().nullable(), serverTime: z.string(), backlog: backlogSchema });
export const listSchema = z.object({ items: z.array(conversationSummarySchema), nextCursor: z.string().nullable() });
export const detailSchema = z.object({
  conversation: conversationSummarySchema.extend({
    optedOutAt: z.string().nullable(),
    takeover: z.object({ aiPaused: z.boolean(), since: z.string().nullable(), by: z.string().nullable() }),
    window: windowSchema,
    /** The conversation's runs in the Temporal UI: operators only (null for merchants). */
    workflow: z.object({ id: z.string(), url: z.string().nullable() }),
  }),
  messages: z.array(threadMessageSchema),
});
const takeoverSchema = z.object({ id: z.string(), aiPaused: z.boolean() });
const manualReplySchema = z.object({ message: messageItemSchema });

/** Messages shown in a conversation view; older ones stay in the feed. */
const THREAD_LIMIT = 200;
const customer = { select: { channel: true, customerAddress: true, customerName: true, needsAttentionAt: true } } as const;

const readFeed = { schema: { querystring: feedQuery, response: { 200: feedSchema } } };
const readList = { schema: { querystring: listQuery, response: { 200: listSchema } } };
const readThread = { schema: { params: idParams, response: { 200: detailSchema } } };
const changeTakeover = { schema: { params: idParams, response: { 200: takeoverSchema } } };
const sendManualReply = { schema: { params: idParams, body: replyBody, response: { 202: manualReplySchema } } };

/**
 * The activity feed and conversation views of the dashboard, plus takeover / resume / manual reply
 * (routes under /api: `/messages` and `/conversations`).
 */
export function conversationsPlugin(ctx: ApiContext): FastifyPluginAsyncZod {
  const { env, prisma, workflows, relay } = ctx;

  return async (app) => {
    app.get('/messages', readFeed, listMessages);
    app.get('/conversations', readList, listConversations);
    app.get('/conversations/:id', readThread, readConversation);
    app.post('/conversations/:id/takeover', changeTakeover, takeOverConversation);
    app.post('/conversations/:id/resume', changeTakeover, resumeConversation);
    app.post('/conversations/:id/reply', sendManualReply, replyByHand);
  };

  async function listMessages(request: RouteRequest<typeof readFeed.schema>) {
    const db = tenantDb(prisma, request);
    const { limit, cursor, direction, status, q, since, needsYou } = request.query;
    const serverTime = new Date().toISOString();
    const backlog = readReplyBacklog(sqlPool(prisma), requireAuth(request).tenantId);
    const rows = await db.message.findMany({
      where: {
        ...(direction ? { direction } : {}),
        ...(status ? { status } : {}),
        ...(q ? { OR: [{ body: { contains: q, mode: 'insensitive' } }, { conversation: { customerAddress: { contains: q } } }] } : {}),
        ...(since ? { updatedAt: { gt: new Date(since) } } : {}),
        ...(needsYou === 'true' ? { conversation: { needsAttentionAt: { not: null } } } : {}),
        ...NOT_A_MESSAGE,
      },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: limit + 1,
      ...(cursor ? { cursor: { id: cursor }, skip: 1 } : {}),
      include: { conversation: customer },
    });
    const items = rows.slice(0, limit).map((m) => toMessageItem(m, m.conversation));
    return { items, nextCursor: rows.length > limit ? items[items.length - 1]!.id : null, serverTime, backlog: await backlog };
  }

  async function listConversations(request: RouteRequest<typeof readList.schema>) {
    const db = tenantDb(prisma, request);
    const { limit, cursor, q, needsYou } = request.query;
    const rows = await db.conversation.findMany({
      where: {
        ...(q ? { OR: [{ customerAddress: { contains: q } }, { customerName: { contains: q, mode: 'insensitive' } }] } : {}),
        ...(needsYou === 'true' ? { needsAttentionAt: { not: null } } : {}),
      },
      orderBy: [{ lastMessageAt: { sort: 'desc', nulls: 'last' } }, { id: 'desc' }],
      take: limit + 1,
      ...(cursor ? { cursor: { id: cursor }, skip: 1 } : {}),
      include: { messages: { orderBy: { createdAt: 'desc' }, take: 1, select: { body: true } } },
    });
    const now = Date.now();
    const items = rows.slice(0, limit).map((c) => toConversationSummary(c, c.messages[0]?.body ?? null, now));
    return { items, nextCursor: rows.length > limit ? items[items.length - 1]!.id : null };
  }

  async function readConversation(request: RouteRequest<typeof readThread.schema>) {
    const db = tenantDb(prisma, request);
    const conversation = await db.conversation.findFirst({ where: { id: request.params.id } });
    if (!conversation) throw notFound('Conversation');
    const recent = await db.message.findMany({
      where: { conversationId: conversation.id, ...NOT_A_MESSAGE },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: THREAD_LIMIT,
    });
    const thread = recent.reverse();
    const noReply = noReplyReasons(thread);
    const last = thread[thread.length - 1];
    const workflowId = workflows.conversations.workflowId(conversation);
    const temporal = temporalLinksFor(request, env);
    return {
      conversation: {
        ...toConversationSummary(conversation, last?.body ?? null, Date.now()),
        optedOutAt: conversation.optedOutAt?.toISOString() ?? null,
        takeover: { aiPaused: conversation.aiPaused, since: conversation.aiPausedAt?.toISOString() ?? null, by: conversation.aiPausedBy },
        workflow: { id: workflowId, url: temporal.workflows(workflowId) },
      },
      messages: thread.map((m, i) => ({
        ...toMessageItem(m, conversation),
        noReplyReason: noReply[i] ?? null,
        providerMessageSid: m.providerMessageSid,
        replyToMessageSid: m.replyToMessageSid,
        contentSid: m.contentSid,
        model: m.model,
        tokens: { prompt: m.promptTokens, completion: m.completionTokens },
        latencyMs: m.latencyMs,
        ...replyDetails(m.productsUsed, m.prompt),
        workflowUrl: m.source === 'ai' && m.replyToMessageSid ? temporal.workflows(workflowIds.reply(m.replyToMessageSid), workflowId) : null,
        segments: smsSegmentsOf(conversation.channel, m),
        ...agentReplyDetails(m),
      })),
    };
  }

  function takeOverConversation(request: RouteRequest<typeof changeTakeover.schema>) {
    return setAiPaused(request, true);
  }

  function resumeConversation(request: RouteRequest<typeof changeTakeover.schema>) {
    return setAiPaused(request, false);
  }

  async function setAiPaused(request: RouteRequest<typeof changeTakeover.schema>, paused: boolean) {
    const auth = requireAuth(request);
    const found = await tenantDb(prisma, request).conversation.findFirst({ where: { id: request.params.id } });
    if (!found) throw notFound('Conversation');
    if (!paused) {
      // Handing a conversation back to the AI costs replies: it stops at the same gate as the reply path
      // (REPLY_COSTING_ACTIONS in lib/billing/reply-access.ts); the merchant keeps answering by hand.
      const { decision } = await readReplyAccess(prisma, auth.tenantId);
      if (!decision.allowed) throw new HttpError(402, decision.message, decision.reason);
    }
    // The flag the dashboard shows and the row that tells the workflow, in one transaction (the relay
    // delivers it now, or its sweeper after a Temporal outage).
    const action = await pauseOrResume(prisma, { tenantId: auth.tenantId, conversationId: found.id, paused, by: auth.userId });
    relay.handOff({ key: action.key, signal: paused ? { kind: 'takeover', by: auth.userId } : { kind: 'resume' }, conversation: action.conversation });
    await writeAudit(prisma, {
      tenantId: auth.tenantId,
      actorUserId: auth.userId,
      actorType: 'user',
      action: paused ? 'conversation.takeover' : 'conversation.resume',
      targetType: 'conversation',
      targetId: found.id,
      ip: request.ip,
    });
    return { id: found.id, aiPaused: action.conversation.aiPaused };
  }

  async function replyByHand(request: RouteRequest<typeof sendManualReply.schema>, reply: RouteReply<typeof sendManualReply.schema>) {
    const auth = requireAuth(request);
    const conversation = await tenantDb(prisma, request).conversation.findFirst({ where: { id: request.params.id } });
    if (!conversation) throw notFound('Conversation');
    if (conversation.optedOut) throw new HttpError(409, 'This customer opted out (STOP); they can only be messaged after they send START.', 'opted_out');
    // Stored first, so the merchant sees it at once; its id makes the workflow's send exactly-once, and its
    // hand-off row makes sure the workflow hears of it.
    const queued = await queueManualReply(prisma, { tenantId: auth.tenantId, conversationId: conversation.id, body: request.body.body });
    relay.handOff({ key: queued.key, signal: { kind: 'manual_reply', messageId: queued.message.id }, conversation: queued.conversation });
    await writeAudit(prisma, {
      tenantId: auth.tenantId,
      actorUserId: auth.userId,
      actorType: 'user',
      action: 'conversation.manual_reply',
      targetType: 'message',
      targetId: queued.message.id,
      // The message's conversation, so the entry leads to the thread (never the text: the trail is exported).
      details: { conversationId: conversation.id },
      ip: request.ip,
    });
    return reply.code(202).send({ message: toMessageItem(queued.message, conversation) });
  }
}
