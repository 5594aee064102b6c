// The conversation's own records in our database, written by its workflows: fallback answers, opt-out
// changes with their one confirmation, and sends that had to be given up. Every write is keyed (inbound
// MessageSid or message id), so a retried activity repeats harmlessly.
import { storedHandoff } from '../lib/agent/attention-store.js';
import { handOffAfterFallback, handoffMessage, type HandoffReason } from '../lib/agent/handoff.js';
import { loadReplyAgentState } from '../lib/agent/settings-store.js';
import { fallbackAnswer } from '../lib/ai/answer-check.js';
import { recordOptOutChange } from '../lib/conversations/opt-out-store.js';
import { recordGatedTurn, recordNoReply } from '../lib/conversations/no-reply.js';
import { replyGate } from '../lib/conversations/reply-gate.js';
import { insertReplyIntent, loadReplyState, settleUnsent, type ReplyIntent } from '../lib/conversations/reply-store.js';
import type { PrismaClient } from '../lib/db/client.js';
import { sqlPool } from '../lib/db/sql.js';
import type { ReplyInput } from '../workflows/contracts/reply.js';
import { actingWorkflow } from './workflow-actor.js';

export interface ConversationStoreDeps {
  prisma: PrismaClient;
}

export function createConversationStoreActivities({ prisma }: ConversationStoreDeps) {
  return {
    /** The answer when drafting failed (OpenAI down, timing out, no key): clear, honest, and sent. */
    async recordFallbackReply(input: ReplyInput & { reason: string }): Promise<ReplyIntent & { handoff?: HandoffReason }> {
      const replyTo = input.inboundSids[input.inboundSids.length - 1]!;
      const state = await loadReplyState(prisma, { tenantId: input.tenantId, replyToMessageSid: replyTo });
      if (state.intent) {
        const handoff = state.intent.send ? await storedHandoff(prisma, state.intent.messageId) : null;
        return handoff ? { ...state.intent, handoff } : state.intent;
      }
      const base = { tenantId: input.tenantId, conversationId: input.conversationId, replyToMessageSid: replyTo, turnSids: input.inboundSids, source: 'ai' as const };
      const gate = replyGate(state.tenant);
      if (!gate.allowed) {
        return recordGatedTurn(prisma, base, input.inboundSids, gate);
      }
      // The second fallback in a row hands the conversation to the merchant (issue 18, lib/agent/handoff.ts);
      // the customer's language is unknown here (the model is down): the shop's first language, else English.
      const { agent, previousFallback } = await loadReplyAgentState(prisma, { tenantId: input.tenantId, conversationId: input.conversationId, replyToMessageSid: replyTo });
      const handoff: HandoffReason | null = handOffAfterFallback(agent.settings.handoff, true, previousFallback) ? 'repeated_fallback' : null;
      const intent = await insertReplyIntent(prisma, {
        ...base,
        body: handoff ? handoffMessage(agent.settings.handoff, gate.tenant.name, agent.settings.languages[0] ?? 'en') : fallbackAnswer(gate.tenant.name),
        status: 'queued',
        fallback: true,
        agentVersion: agent.version,
        prompt: { messages: null, rejected: null, fallbackReason: input.reason.slice(0, 500), handoff },
      });
      return handoff ? { ...intent, handoff } : intent;
    },

    /**
     * STOP / START: the conversation's flag and its confirmation message, keyed by the keyword's MessageSid,
     * so a retry neither flips the flag twice nor confirms twice.
     */
    async recordOptOutChange(input: { tenantId: string; conversationId: string; inboundSid: string; optedOut: boolean }): Promise<{ messageId: string }> {
      return recordOptOutChange(prisma, { ...input, via: 'keyword', workflowId: actingWorkflow().workflowId });
    },

    /** The turn got no AI reply (opted out, taken over): its messages say why in the dashboard. */
    async recordNoReply(input: { tenantId: string; inboundSids: string[]; reason: 'opted_out' | 'ai_paused' }): Promise<void> {
      await recordNoReply(prisma, input);
    },

    /**
     * Twilio kept failing for this message: mark it so, unless Twilio's own callbacks already decided. An AI
     * reply that was never sent is not a reply used: it leaves the period's count and the meter outbox (once).
     */
    async recordSendGaveUp(input: { messageId: string; reason: string }): Promise<void> {
      await settleUnsent(sqlPool(prisma), {
        messageId: input.messageId,
        status: 'failed',
        errorCode: 'send_gave_up',
        errorMessage: input.reason,
        at: new Date(),
        onlyWhilePending: true,
      });
    },
  };
}

export type ConversationStoreActivities = ReturnType<typeof createConversationStoreActivities>;
