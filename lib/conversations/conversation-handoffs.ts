// The merchant's actions on a conversation, each with its hand-off row in the SAME transaction: the flag or
// the message the dashboard shows, and the row that makes sure the conversation's workflow hears of it
// (api/webhooks/inbound-relay.ts delivers it, its sweeper re-delivers it after a Temporal outage). So the
// dashboard can never say "paused" while the workflow never learned it, and a manual reply never stays
// queued for ever.
import { randomUUID } from 'node:crypto';
import type { Message, Prisma } from '@prisma/client';
import type { PrismaClient } from '../db/client.js';
import type { ConversationRow } from './inbound-store.js';

type Tx = Prisma.TransactionClient;

export interface MerchantAction {
  /** The hand-off row's key and the signal it carries, for the relay to deliver at once. */
  key: string;
  conversation: ConversationRow & { aiPausedAt: Date | null; aiPausedBy: string | null };
}

const asRow = (c: { id: string; tenantId: string; channel: 'whatsapp' | 'sms'; customerAddress: string; aiPaused: boolean; optedOut: boolean; lastInboundAt: Date | null; aiPausedAt: Date | null; aiPausedBy: string | null }) => ({
  id: c.id, tenantId: c.tenantId, channel: c.channel, customerAddress: c.customerAddress, aiPaused: c.aiPaused,
  optedOut: c.optedOut, lastInboundAt: c.lastInboundAt, aiPausedAt: c.aiPausedAt, aiPausedBy: c.aiPausedBy,
});

/** Takeover (`paused`) or resume: the flag and its hand-off row, committed together. */
export async function setAiPaused(prisma: PrismaClient, input: { tenantId: string; conversationId: string; paused: boolean; by: string }): Promise<MerchantAction> {
  return prisma.$transaction(async (tx: Tx) => {
    const conversation = await tx.conversation.update({
      where: { id: input.conversationId, tenantId: input.tenantId },
      // Handing back to the AI also settles a hand-off: the conversation no longer needs the merchant.
      data: { aiPaused: input.paused, aiPausedAt: input.paused ? new Date() : null, aiPausedBy: input.paused ? input.by : null, ...(input.paused ? {} : { needsAttentionAt: null, handoffReason: null }) },
    });
    const kind = input.paused ? 'takeover' : 'resume';
    const key = `${kind}:${randomUUID()}`;
    await tx.inboundHandoff.create({
      data: { messageSid: key, tenantId: input.tenantId, conversationId: conversation.id, kind, ...(input.paused ? { payload: { by: input.by } } : {}) },
    });
    return { key, conversation: asRow(conversation) };
  });
}

/** A manual reply: the outbound message (its id keys the send) and its hand-off row, committed together. */
export async function queueManualReply(
  prisma: PrismaClient,
  input: { tenantId: string; conversationId: string; body: string },
): Promise<MerchantAction & { message: Message }> {
  return prisma.$transaction(async (tx: Tx) => {
    const message = await tx.message.create({
      data: { tenantId: input.tenantId, conversationId: input.conversationId, direction: 'outbound', body: input.body, status: 'queued', source: 'human', statusUpdatedAt: new Date() },
    });
    const conversation = await tx.conversation.update({
      where: { id: input.conversationId, tenantId: input.tenantId },
      // The merchant answered: a conversation the agent handed over no longer waits for them.
      data: { lastMessageAt: message.createdAt, needsAttentionAt: null },
    });
    const key = `manual_reply:${message.id}`;
    await tx.inboundHandoff.create({
      data: { messageSid: key, tenantId: input.tenantId, conversationId: conversation.id, kind: 'manual_reply', payload: { messageId: message.id } },
    });
    return { key, conversation: asRow(conversation), message };
  });
}
