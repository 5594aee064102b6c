import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { writeAudit } from '../../lib/audit.js';
import { fallbackAnswer } from '../../lib/ai/answer-check.js';

import { KnowledgeLimitError, createKnowledge, deleteKnowledge, knowledgeInputSchema, listKnowledge, updateKnowledge } from '../../lib/agent/knowledge-store.js';
import { KnowledgeFileError, MAX_KNOWLEDGE_FILE_BYTES, extractKnowledgeText } from '../../lib/agent/knowledge-text.js';
import { KNOWLEDGE_KINDS, KNOWLEDGE_TOPICS } from '../../lib/agent/knowledge-topics.js';
import { agentSettingsSchema } from '../../lib/agent/settings.js';
import { StaleSettingsError, listAgentVersions, loadAgentProfile, saveAgentSettings } from '../../lib/agent/settings-store.js';
import { testChatAnswerSchema, testChatRequestSchema } from '../../lib/agent/test-chat.js';
import { FixedWindowLimiter } from '../../lib/conversations/rate-limit.js';
import { requireAuth } from '../auth/context.js';
import { tenantDb } from '../auth/tenant-db.js';
import type { ApiContext } from '../deps.js';
import { AgentUnavailableError } from '../workflows/agent.js';
import { HttpError, notFound } from '../errors.js';
import type { RouteReply, RouteRequest } from '../routes.js';

export const agentSettingsResponseSchema = z.object({
  /** null: never saved (the settings shown are the defaults). */
  version: z.number().nullable(),
  savedAt: z.string().nullable(),
  settings: agentSettingsSchema,
  versions: z.array(z.object({ version: z.number(), savedAt: z.string(), byUserId: z.string().nullable() })),
});
export const knowledgeItemSchema = z.object({
  id: z.string(),
  kind: z.enum(KNOWLEDGE_KINDS),
  topic: z.enum(KNOWLEDGE_TOPICS),
  title: z.string(),
  body: z.string(),
  source: z.enum(['written', 'upload']),
  fileName: z.string().nullable(),
  byteSize: z.number().nullable(),
  pageCount: z.number().nullable(),
  passages: z.number(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export const knowledgeListSchema = z.object({ items: z.array(knowledgeItemSchema) });
export const attentionSchema = z.object({ needsYou: z.number() });
export const testChatResponseSchema = z.object({ answer: testChatAnswerSchema });

const saveBody = z.object({ baseVersion: z.number().int().min(1).nullable(), settings: agentSettingsSchema });
const idParams = z.object({ id: z.string().min(1).max(64) });
const uploadQuery = z.object({
  kind: z.enum(KNOWLEDGE_KINDS).default('policy'),
  topic: z.enum(KNOWLEDGE_TOPICS).default('other'),
  title: z.string().trim().min(1).max(200).optional(),
  fileName: z.string().trim().min(1).max(255).default('document'),
});

const readSettings = { schema: { response: { 200: agentSettingsResponseSchema } } };
const writeSettings = { schema: { body: saveBody, response: { 200: agentSettingsResponseSchema } } };
const readKnowledge = { schema: { response: { 200: knowledgeListSchema } } };
const addKnowledge = { schema: { body: knowledgeInputSchema, response: { 201: knowledgeItemSchema } } };
const editKnowledge = { schema: { params: idParams, body: knowledgeInputSchema, response: { 200: knowledgeItemSchema } } };
const removeKnowledge = { schema: { params: idParams } };
const uploadKnowledge = { schema: { querystring: uploadQuery, response: { 201: knowledgeItemSchema } } };
const readAttention = { schema: { response: { 200: attentionSchema } } };
const askTestChat = { schema: { body: testChatRequestSchema, response: { 200: testChatResponseSchema } } };

/** The model costs money per question: enough for a merchant trying things out, not for a script. */
const TEST_CHAT_PER_MINUTE = 20;

/**
 * The merchant's agent (prefix /api/agent): versioned settings (persona, languages, business hours, hand-off
 * rules), knowledge (FAQ entries and policies, written or uploaded as Markdown, text or PDF), the "needs you"
 * count for the navigation badge, and the test chat, which runs the live reply's composition in a workflow
 * without sending, storing or counting anything.
 */
export function agentPlugin(ctx: ApiContext): FastifyPluginAsyncZod {
  const { prisma, workflows } = ctx;
  const testChatLimiter = new FixedWindowLimiter(TEST_CHAT_PER_MINUTE);

  return async (app) => {
    app.get('/settings', readSettings, readAgentSettings);
    app.put('/settings', writeSettings, saveSettings);
    app.get('/knowledge', readKnowledge, listKnowledgeItems);
    app.post('/knowledge', addKnowledge, addKnowledgeItem);
    app.put('/knowledge/:id', editKnowledge, editKnowledgeItem);
    app.delete('/knowledge/:id', removeKnowledge, removeKnowledgeItem);
    app.get('/attention', readAttention, readNeedsYou);
    app.post('/test-chat', askTestChat, askAgent);
    // Uploads arrive as the raw file (Content-Type application/pdf, text/markdown or text/plain; the name in
    // `?fileName=`), buffered up to twice the file limit so an oversize file gets our 413, not Fastify's.
    await app.register(async (uploads) => {
      uploads.removeAllContentTypeParsers();
      uploads.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: 2 * MAX_KNOWLEDGE_FILE_BYTES }, (_request, body, done) => done(null, body));
      uploads.post('/knowledge/uploads', { ...uploadKnowledge, bodyLimit: 2 * MAX_KNOWLEDGE_FILE_BYTES }, uploadKnowledgeFile);
    });
  };

  async function settingsAnswer(tenantId: string) {
    const [profile, versions] = await Promise.all([loadAgentProfile(prisma, tenantId), listAgentVersions(prisma, tenantId)]);
    return { version: profile.version, savedAt: profile.savedAt?.toISOString() ?? null, settings: profile.settings, versions };
  }

  function readAgentSettings(request: RouteRequest<typeof readSettings.schema>) {
    return settingsAnswer(requireAuth(request).tenantId);
  }

  async function saveSettings(request: RouteRequest<typeof writeSettings.schema>) {
    const auth = requireAuth(request);
    try {
      const saved = await saveAgentSettings(prisma, { tenantId: auth.tenantId, baseVersion: request.body.baseVersion, settings: request.body.settings, userId: auth.userId });
      await writeAudit(prisma, {
        tenantId: auth.tenantId, actorUserId: auth.userId, actorType: 'user', action: 'agent.settings_saved',
        targetType: 'agent_settings', targetId: String(saved.version), ip: request.ip,
      });
    } catch (err) {
      if (err instanceof StaleSettingsError) {
        throw new HttpError(409, 'The agent settings were changed in another tab or by someone else. Reload to see the newest version, then make your change again.', 'stale_settings', { currentVersion: err.current });
      }
      throw err;
    }
    return settingsAnswer(auth.tenantId);
  }

  async function listKnowledgeItems(request: RouteRequest<typeof readKnowledge.schema>) {
    return { items: await listKnowledge(prisma, requireAuth(request).tenantId) };
  }

  async function addKnowledgeItem(request: RouteRequest<typeof addKnowledge.schema>, reply: RouteReply<typeof addKnowledge.schema>) {
    const auth = requireAuth(request);
    const item = await storeKnowledge(() => createKnowledge(prisma, { tenantId: auth.tenantId, userId: auth.userId, document: request.body }));
    await auditKnowledge(request, 'agent.knowledge_added', item.id);
    return reply.code(201).send(item);
  }

  async function editKnowledgeItem(request: RouteRequest<typeof editKnowledge.schema>) {
    const auth = requireAuth(request);
    const item = await updateKnowledge(prisma, { tenantId: auth.tenantId, id: request.params.id, document: request.body });
    if (!item) throw notFound('Knowledge entry');
    await auditKnowledge(request, 'agent.knowledge_changed', item.id);
    return item;
  }

  async function removeKnowledgeItem(request: RouteRequest<typeof removeKnowledge.schema>, reply: RouteReply<typeof removeKnowledge.schema>) {
    const auth = requireAuth(request);
    if (!(await deleteKnowledge(prisma, { tenantId: auth.tenantId, id: request.params.id }))) throw notFound('Knowledge entry');
    await auditKnowledge(request, 'agent.knowledge_deleted', request.params.id);
    return reply.code(204).send();
  }

  /** The file read whole, its text extracted (PDF.js for PDFs), then stored with its passages in one transaction. */
  async function uploadKnowledgeFile(request: RouteRequest<typeof uploadKnowledge.schema>, reply: RouteReply<typeof uploadKnowledge.schema>) {
    const auth = requireAuth(request);
    const bytes = request.body;
    if (!Buffer.isBuffer(bytes)) throw new HttpError(400, 'Send the file itself as the request body.', 'no_file');
    const { fileName, kind, topic } = request.query;
    const contentType = request.headers['content-type'] ?? null;
    let extracted;
    try {
      extracted = await extractKnowledgeText({ bytes, contentType, fileName });
    } catch (err) {
      if (err instanceof KnowledgeFileError) throw new HttpError(err.statusCode, err.message, err.code);
      throw err;
    }
    const title = request.query.title ?? (fileName.replace(/\.[A-Za-z0-9]{1,8}$/, '').trim() || 'Uploaded document');
    const parsed = knowledgeInputSchema.safeParse({ kind, topic, title, body: extracted.text });
    if (!parsed.success) throw new HttpError(422, parsed.error.issues[0]?.message ?? 'The document could not be stored.', 'invalid_document');
    const item = await storeKnowledge(() =>
      createKnowledge(prisma, {
        tenantId: auth.tenantId,
        userId: auth.userId,
        document: parsed.data,
        upload: { fileName, contentType, byteSize: bytes.byteLength, pageCount: extracted.pages },
      }),
    );
    await auditKnowledge(request, 'agent.knowledge_uploaded', item.id, { fileName, format: extracted.format, bytes: bytes.byteLength, pages: extracted.pages });
    return reply.code(201).send(item);
  }

  async function readNeedsYou(request: RouteRequest<typeof readAttention.schema>) {
    // tenantDb: the count is scoped like every dashboard read.
    requireAuth(request);
    const db = tenantDb(prisma, request);
    return { needsYou: await db.conversation.count({ where: { needsAttentionAt: { not: null } } }) };
  }

  /** One test question through the test chat workflow; the merchant waits for the answer. */
  async function askAgent(request: RouteRequest<typeof askTestChat.schema>) {
    const auth = requireAuth(request);
    if (!testChatLimiter.take(auth.tenantId)) {
      throw new HttpError(429, `The test chat takes at most ${TEST_CHAT_PER_MINUTE} questions a minute; wait a moment.`, 'rate_limited');
    }
    let result;
    try {
      result = await workflows.agent.testChat({ tenantId: auth.tenantId, requestId: randomUUID(), message: request.body.message, history: request.body.history });
    } catch (err) {
      // A state of the system, not of the request: 409 with words, so the page says it and the merchant retries.
      if (err instanceof AgentUnavailableError) throw new HttpError(409, err.message, 'agent_unavailable');
      throw err;
    }
    if (!result.ok) {
      const tenant = await prisma.tenant.findUnique({ where: { id: auth.tenantId }, select: { name: true } });
      throw new HttpError(
        503,
        `The AI could not answer right now (${result.reason}). A customer would get the safe answer: “${fallbackAnswer(tenant?.name ?? 'the shop')}”`,
        'ai_unavailable',
      );
    }
    return { answer: result.answer };
  }

  async function storeKnowledge<T>(store: () => Promise<T>): Promise<T> {
    try {
      return await store();
    } catch (err) {
      if (err instanceof KnowledgeLimitError) throw new HttpError(409, err.message, 'too_many_documents');
      throw err;
    }
  }

  async function auditKnowledge(request: RouteRequest, action: string, id: string, details?: Record<string, string | number | null>) {
    const auth = requireAuth(request);
    await writeAudit(prisma, {
      tenantId: auth.tenantId, actorUserId: auth.userId, actorType: 'user', action,
      targetType: 'knowledge_document', targetId: id, ip: request.ip, ...(details ? { details } : {}),
    });
  }
}

