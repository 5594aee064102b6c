// The merchant's agent, where it acts on the merchant's side (issue 18): a conversation handed over by the
// hand-off rules is paused and flagged "needs you", and the shop's owners are emailed. Both steps repeat
// harmlessly (the flag is set to the same values; the email's outbox row is keyed by the hand-off message).
import { handoffEmail, type HandoffReason } from '../lib/agent/handoff.js';
import { markHandedOff } from '../lib/agent/attention-store.js';
import { recordNoReply } from '../lib/conversations/no-reply.js';
import type { PrismaClient } from '../lib/db/client.js';
import type { SendEmailInput } from './email.js';

export interface AgentDeps {
  prisma: PrismaClient;
  /** The email activity's sender (outbox-backed, captured without SMTP), composed in worker/activities.ts. */
  sendEmail: (input: SendEmailInput) => Promise<{ status: string }>;
  /** WEB_PUBLIC_URL: the email links to the conversation in the dashboard. */
  dashboardUrl: string;
}

export interface HandOffInput {
  tenantId: string;
  conversationId: string;
  /** The message that told the customer (the away message, for `window_closed_while_away`): keys the email, so a retry sends it once. */
  messageId: string;
  reason: HandoffReason;
  /** Customer messages this hand-off leaves unanswered by the AI (the held turn): marked with the reason. */
  unanswered?: string[];
}

export function createAgentActivities(deps: AgentDeps) {
  return {
    /** Pauses the AI for the conversation, flags it for the merchant, and emails the shop's owners. */
    async handOffToMerchant(input: HandOffInput): Promise<{ notified: number }> {
      const conversation = await markHandedOff(deps.prisma, input);
      if (!conversation) return { notified: 0 };
      if (input.unanswered?.length && input.reason === 'window_closed_while_away') {
        await recordNoReply(deps.prisma, { tenantId: input.tenantId, inboundSids: input.unanswered, reason: input.reason });
      }
      const tenant = await deps.prisma.tenant.findUnique({
        where: { id: input.tenantId },
        select: { name: true, users: { where: { role: 'owner' }, select: { id: true, email: true }, orderBy: { createdAt: 'asc' }, take: 5 } },
      });
      if (!tenant) return { notified: 0 };
      const customer = conversation.customerName ?? conversation.customerAddress.replace(/^whatsapp:/, '');
      const url = new URL(`/app/conversations/${encodeURIComponent(input.conversationId)}`, deps.dashboardUrl).toString();
      const email = handoffEmail({ shop: tenant.name, customer, reason: input.reason, url });
      for (const user of tenant.users) {
        await deps.sendEmail({ idempotencyKey: `handoff:${input.messageId}:${user.id}`, tenantId: input.tenantId, to: user.email, ...email });
      }
      return { notified: tenant.users.length };
    },
  };
}

export type AgentActivities = ReturnType<typeof createAgentActivities>;

