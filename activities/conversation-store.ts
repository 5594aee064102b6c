// The conversation's own records in our database, written by its workflows: fallback answers, opt-out
// changes with their one confirmation, and sends that had to be given up. Every write is keyed (inbound
// MessageSid or message id), so a retried activity repeats harmlessly.
import { fallbackAnswer } from '../lib/ai/answer-check.js';
import { recordOptOutChange } from '../lib/conversations/opt-out-store.js';
import { recordGatedTurn, recordNoReply } from '../lib/conversations/no-reply.js';
import { replyGate } from '../lib/conversations/reply-gate.js';
import { insertReplyIntent, loadReplyState, type ReplyIntent } from '../lib/conversations/reply-store.js';
import type { PrismaClient } from '../lib/db/client.js';
import type { ReplyInput } from '../workflows/contracts/reply.js';

export interface ConversationStoreDeps {
  prisma: PrismaClient;
}

export function createConversationStoreActivities({ prisma }: ConversationStoreDeps) {
  return {
    /** The answer when drafting failed (OpenAI down, timing out, no key): clear, honest, and sent. */
    async recordFallbackReply(input: ReplyInput & { reason: string }): Promise<ReplyIntent> {
      const replyTo = input.inboundSids[input.inboundSids.length - 1]!;
      const state = await loadReplyState(prisma, { tenantId: input.tenantId, replyToMessageSid: replyTo });
      if (state.intent) return state.intent;
      const base = { tenantId: input.tenantId, conversationId: input.conversationId, replyToMessageSid: replyTo, source: 'ai' as const };
      const gate = replyGate(state.tenant);
      if (!gate.allowed) {
        return recordGatedTurn(prisma, base, input.inboundSids, gate);
      }
      return insertReplyIntent(prisma, {
        ...base,
        body: fallbackAnswer(gate.tenant.name),
        status: 'queued',
        fallback: true,
        prompt: { messages: null, rejected: null, fallbackReason: input.reason.slice(0, 500) },
      });
    },

    /**
     * STOP / START: the conversation's flag and its confirmation message, keyed by the keyword's MessageSid,
     * so a retry neither flips the flag twice nor confirms twice.
     */
    async recordOptOutChange(input: { tenantId: string; conversationId: string; inboundSid: string; optedOut: boolean }): Promise<{ messageId: string }> {
      return recordOptOutChange(prisma, { ...input, via: 'keyword' });
    },

    /** The turn got no AI reply (opted out, taken over): its messages say why in the dashboard. */
    async recordNoReply(input: { tenantId: string; inboundSids: string[]; reason: 'opted_out' | 'ai_paused' }): Promise<void> {
      await recordNoReply(prisma, input);
    },

    /** Twilio kept failing for this message: mark it so, unless Twilio's own callbacks already decided. */
    async recordSendGaveUp(input: { messageId: string; reason: string }): Promise<void> {
      await prisma.message.updateMany({
        where: { id: input.messageId, providerMessageSid: null, status: { in: ['queued', 'sending'] } },
        data: { status: 'failed', errorCode: 'send_gave_up', errorMessage: input.reason.slice(0, 500), statusUpdatedAt: new Date() },
      });
    },
  };
}

export type ConversationStoreActivities = ReturnType<typeof createConversationStoreActivities>;
