import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { writeAudit } from '../../lib/audit.js';
import {
  conversationSummarySchema,
  messageItemSchema,
  replyDetails,
  threadMessageSchema,
  toConversationSummary,
  toMessageItem,
  windowSchema,
} from '../../lib/conversations/feed.js';
import { conversationWorkflowId, conversationWorkflowOptions, signalConversation, temporalUiWorkflowUrl } from '../../lib/conversations/workflow-client.js';
import { manualReply, resumeAi, takeOver } from '../../lib/conversations/workflow-contract.js';
import { workflowIds } from '../../lib/temporal/names.js';
import { requireAuth } from '../auth/context.js';
import { tenantDb } from '../auth/tenant-db.js';
import type { ApiDeps } from '../deps.js';
import { HttpError, notFound } from '../errors.js';

const page = { limit: z.coerce.number().int().min(1).max(100).default(50), cursor: z.string().max(64).optional() };
const feedQuery = z.object({
  ...page,
  direction: z.enum(['inbound', 'outbound']).optional(),
  status: z.enum(['received', 'queued', 'sending', 'sent', 'delivered', 'read', 'failed', 'undelivered', 'not_sent']).optional(),
  q: z.string().trim().max(200).optional(),
  /** Polling: only messages created or updated after this time (use the previous answer's `serverTime`). */
  since: z.iso.datetime().optional(),
});
const listQuery = z.object({ ...page, q: z.string().trim().max(200).optional() });
const idParams = z.object({ id: z.string().min(1).max(64) });
const replyBody = z.object({ body: z.string().trim().min(1, 'Write a message first.').max(1600, 'WhatsApp messages are limited to 1600 characters.') });

const feedSchema = z.object({ items: z.array(messageItemSchema), nextCursor: z.string().nullable(), serverTime: z.string() });
const listSchema = z.object({ items: z.array(conversationSummarySchema), nextCursor: z.string().nullable() });
const detailSchema = z.object({
  conversation: conversationSummarySchema.extend({
    optedOutAt: z.string().nullable(),
    takeover: z.object({ aiPaused: z.boolean(), since: z.string().nullable(), by: z.string().nullable() }),
    window: windowSchema,
    workflow: z.object({ id: z.string(), url: z.string() }),
  }),
  messages: z.array(threadMessageSchema),
});
const takeoverSchema = z.object({ id: z.string(), aiPaused: z.boolean() });
const manualReplySchema = z.object({ message: messageItemSchema });

/** Messages shown in a conversation view; older ones stay in the feed. */
const THREAD_LIMIT = 200;
const customer = { select: { channel: true, customerAddress: true, customerName: true } } as const;

/** The activity feed and conversation views of the dashboard, plus takeover / resume / manual reply. */
export function conversationsPlugin(deps: ApiDeps): FastifyPluginAsyncZod {
  const { env, prisma, temporal } = deps;
  const workflow = conversationWorkflowOptions(env);
  const uiUrl = (...ids: [string, ...string[]]) => temporalUiWorkflowUrl(env.TEMPORAL_UI_URL, env.TEMPORAL_NAMESPACE, ...ids);

  return async (app) => {
    app.get('/api/messages', { schema: { querystring: feedQuery, response: { 200: feedSchema } } }, async (request) => {
      const db = tenantDb(prisma, request);
      const { limit, cursor, direction, status, q, since } = request.query;
      const serverTime = new Date().toISOString();
      const rows = await db.message.findMany({
        where: {
          ...(direction ? { direction } : {}),
          ...(status ? { status } : {}),
          ...(q ? { OR: [{ body: { contains: q, mode: 'insensitive' } }, { conversation: { customerAddress: { contains: q } } }] } : {}),
          ...(since ? { updatedAt: { gt: new Date(since) } } : {}),
        },
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        take: limit + 1,
        ...(cursor ? { cursor: { id: cursor }, skip: 1 } : {}),
        include: { conversation: customer },
      });
      const items = rows.slice(0, limit).map((m) => toMessageItem(m, m.conversation));
      return { items, nextCursor: rows.length > limit ? items[items.length - 1]!.id : null, serverTime };
    });

    app.get('/api/conversations', { schema: { querystring: listQuery, response: { 200: listSchema } } }, async (request) => {
      const db = tenantDb(prisma, request);
      const { limit, cursor, q } = request.query;
      const rows = await db.conversation.findMany({
        where: q ? { OR: [{ customerAddress: { contains: q } }, { customerName: { contains: q, mode: 'insensitive' } }] } : {},
        orderBy: [{ lastMessageAt: { sort: 'desc', nulls: 'last' } }, { id: 'desc' }],
        take: limit + 1,
        ...(cursor ? { cursor: { id: cursor }, skip: 1 } : {}),
        include: { messages: { orderBy: { createdAt: 'desc' }, take: 1, select: { body: true } } },
      });
      const now = Date.now();
      const items = rows.slice(0, limit).map((c) => toConversationSummary(c, c.messages[0]?.body ?? null, now));
      return { items, nextCursor: rows.length > limit ? items[items.length - 1]!.id : null };
    });

    app.get('/api/conversations/:id', { schema: { params: idParams, response: { 200: detailSchema } } }, async (request) => {
      const db = tenantDb(prisma, request);
      const conversation = await db.conversation.findFirst({ where: { id: request.params.id } });
      if (!conversation) throw notFound('Conversation');
      const recent = await db.message.findMany({
        where: { conversationId: conversation.id },
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        take: THREAD_LIMIT,
      });
      const thread = recent.reverse();
      const last = thread[thread.length - 1];
      const workflowId = conversationWorkflowId(conversation);
      return {
        conversation: {
          ...toConversationSummary(conversation, last?.body ?? null, Date.now()),
          optedOutAt: conversation.optedOutAt?.toISOString() ?? null,
          takeover: { aiPaused: conversation.aiPaused, since: conversation.aiPausedAt?.toISOString() ?? null, by: conversation.aiPausedBy },
          workflow: { id: workflowId, url: uiUrl(workflowId) },
        },
        messages: thread.map((m) => ({
          ...toMessageItem(m, conversation),
          providerMessageSid: m.providerMessageSid,
          replyToMessageSid: m.replyToMessageSid,
          contentSid: m.contentSid,
          model: m.model,
          tokens: { prompt: m.promptTokens, completion: m.completionTokens },
          latencyMs: m.latencyMs,
          ...replyDetails(m.productsUsed, m.prompt),
          workflowUrl: m.source === 'ai' && m.replyToMessageSid ? uiUrl(workflowIds.reply(m.replyToMessageSid), workflowId) : null,
        })),
      };
    });

    for (const action of ['takeover', 'resume'] as const) {
      app.post(`/api/conversations/:id/${action}`, { schema: { params: idParams, response: { 200: takeoverSchema } } }, async (request) => {
        const auth = requireAuth(request);
        const db = tenantDb(prisma, request);
        const paused = action === 'takeover';
        const found = await db.conversation.findFirst({ where: { id: request.params.id } });
        if (!found) throw notFound('Conversation');
        const conversation = await db.conversation.update({
          where: { id: found.id },
          data: { aiPaused: paused, aiPausedAt: paused ? new Date() : null, aiPausedBy: paused ? auth.userId : null },
        });
        await writeAudit(prisma, {
          tenantId: auth.tenantId,
          actorUserId: auth.userId,
          actorType: 'user',
          action: paused ? 'conversation.takeover' : 'conversation.resume',
          targetType: 'conversation',
          targetId: conversation.id,
          ip: request.ip,
        });
        // The database flag is what the dashboard shows; the signal is what silences (or wakes) the AI.
        if (paused) await signalConversation(temporal, workflow, conversation, takeOver, [{ by: auth.userId }]);
        else await signalConversation(temporal, workflow, conversation, resumeAi, []);
        return { id: conversation.id, aiPaused: conversation.aiPaused };
      });
    }

    app.post('/api/conversations/:id/reply', { schema: { params: idParams, body: replyBody, response: { 202: manualReplySchema } } }, async (request, reply) => {
      const auth = requireAuth(request);
      const db = tenantDb(prisma, request);
      const conversation = await db.conversation.findFirst({ where: { id: request.params.id } });
      if (!conversation) throw notFound('Conversation');
      if (conversation.optedOut) throw new HttpError(409, 'This customer opted out (STOP); they can only be messaged after they send START.', 'opted_out');
      // Stored first, so the merchant sees it at once; its id makes the workflow's send exactly-once.
      const message = await db.message.create({
        data: { tenantId: auth.tenantId, conversationId: conversation.id, direction: 'outbound', body: request.body.body, status: 'queued', source: 'human', statusUpdatedAt: new Date() },
      });
      await db.conversation.update({ where: { id: conversation.id }, data: { lastMessageAt: message.createdAt } });
      await writeAudit(prisma, {
        tenantId: auth.tenantId,
        actorUserId: auth.userId,
        actorType: 'user',
        action: 'conversation.manual_reply',
        targetType: 'message',
        targetId: message.id,
        ip: request.ip,
      });
      await signalConversation(temporal, workflow, conversation, manualReply, [{ messageId: message.id }]);
      return reply.code(202).send({ message: toMessageItem(message, conversation) });
    });
  };
}
