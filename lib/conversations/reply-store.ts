// The outbound intent: an AI (or system) reply is a Message row keyed by the inbound MessageSid it answers
// (`reply_to_message_sid`, unique) and written BEFORE anything is sent. Whoever inserts second — a retried
// activity, a duplicate reply workflow — gets the first row back instead of a second reply.
import { Prisma, type PrismaClient } from '../db/client.js';
import type { HistoryEntry } from '../ai/prompt.js';
import { countReply } from './reply-gate.js';

export interface ReplyIntent {
  messageId: string;
  /** False when the row records a decision not to send (gate closed, …). */
  send: boolean;
  reason: string | null;
}

export interface NewReplyIntent {
  tenantId: string;
  conversationId: string;
  replyToMessageSid: string;
  body: string;
  source: 'ai' | 'system';
  status: 'queued' | 'not_sent';
  errorCode?: string | null;
  errorMessage?: string | null;
  model?: string | null;
  promptTokens?: number | null;
  completionTokens?: number | null;
  latencyMs?: number | null;
  fallback?: boolean;
  productsUsed?: Prisma.InputJsonValue;
  prompt?: Prisma.InputJsonValue;
}

export async function findReplyIntent(prisma: PrismaClient, replyToMessageSid: string): Promise<ReplyIntent | null> {
  const row = await prisma.message.findUnique({
    where: { replyToMessageSid },
    select: { id: true, status: true, errorCode: true },
  });
  return row && { messageId: row.id, send: row.status !== 'not_sent', reason: row.status === 'not_sent' ? row.errorCode : null };
}

/** Inserts the intent, or returns the one that won the race (unique violation on reply_to_message_sid). */
export async function insertReplyIntent(prisma: PrismaClient, intent: NewReplyIntent): Promise<ReplyIntent> {
  try {
    const row = await prisma.message.create({
      data: {
        tenantId: intent.tenantId,
        conversationId: intent.conversationId,
        direction: 'outbound',
        replyToMessageSid: intent.replyToMessageSid,
        body: intent.body,
        status: intent.status,
        source: intent.source,
        errorCode: intent.errorCode ?? null,
        errorMessage: intent.errorMessage ?? null,
        model: intent.model ?? null,
        promptTokens: intent.promptTokens ?? null,
        completionTokens: intent.completionTokens ?? null,
        latencyMs: intent.latencyMs ?? null,
        fallback: intent.fallback ?? false,
        ...(intent.productsUsed === undefined ? {} : { productsUsed: intent.productsUsed }),
        ...(intent.prompt === undefined ? {} : { prompt: intent.prompt }),
        statusUpdatedAt: new Date(),
      },
      select: { id: true },
    });
    await prisma.conversation.update({ where: { id: intent.conversationId }, data: { lastMessageAt: new Date() } });
    // Usage is counted once per AI reply, here: the insert is the one step that cannot happen twice.
    if (intent.source === 'ai' && intent.status === 'queued') await countReply(prisma, intent.tenantId, new Date());
    return { messageId: row.id, send: intent.status !== 'not_sent', reason: intent.status === 'not_sent' ? (intent.errorCode ?? null) : null };
  } catch (err) {
    if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002') {
      const existing = await findReplyIntent(prisma, intent.replyToMessageSid);
      if (existing) return existing;
    }
    throw err;
  }
}

export interface ReplyContext {
  tenantName: string;
  history: HistoryEntry[];
  /** Bodies of the turn's inbound messages, in the order they arrived. */
  turn: string[];
}

/** The conversation as the model should see it: earlier messages as history, this turn's messages last. */
export async function loadReplyContext(
  prisma: PrismaClient,
  input: { tenantId: string; conversationId: string; inboundSids: string[] },
  historyLimit: number,
): Promise<ReplyContext> {
  const [tenant, recent] = await Promise.all([
    prisma.tenant.findUniqueOrThrow({ where: { id: input.tenantId }, select: { name: true } }),
    prisma.message.findMany({
      where: { conversationId: input.conversationId, tenantId: input.tenantId, status: { not: 'not_sent' } },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: historyLimit + input.inboundSids.length,
      select: { direction: true, body: true, providerMessageSid: true },
    }),
  ]);
  const turnSids = new Set(input.inboundSids);
  const all = recent.reverse();
  // Messages that arrived after this turn belong to the next turn, not to this one's history.
  const lastOfTurn = all.findLastIndex((m) => m.providerMessageSid !== null && turnSids.has(m.providerMessageSid));
  const ordered = lastOfTurn >= 0 ? all.slice(0, lastOfTurn + 1) : all;
  const turn = ordered.filter((m) => m.providerMessageSid !== null && turnSids.has(m.providerMessageSid)).map((m) => m.body);
  const history = ordered
    .filter((m) => !(m.providerMessageSid !== null && turnSids.has(m.providerMessageSid)) && m.body.trim() !== '')
    .map((m): HistoryEntry => ({ role: m.direction === 'inbound' ? 'user' : 'assistant', body: m.body }));
  return { tenantName: tenant.name, history, turn };
}
