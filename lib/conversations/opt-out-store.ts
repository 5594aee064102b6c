// An opt-out change (STOP / START, or a request in words) with its one confirmation. Keyed by the inbound
// MessageSid that asked: the confirmation is that message's reply intent (unique), so a retry neither flips
// the flag twice nor confirms twice.
import { writeAudit } from '../audit.js';
import type { PrismaClient } from '../db/client.js';
import { OPT_IN_CONFIRMATION, optOutConfirmation } from './opt-out.js';
import { findReplyIntent, insertReplyIntent } from './reply-store.js';

export interface OptOutChange {
  tenantId: string;
  conversationId: string;
  inboundSid: string;
  optedOut: boolean;
  /** The customer's language, for the confirmation's wording; the keyword path leaves it English. */
  language?: string | null;
  /** `keyword` (STOP/START) or `words` (the model read an opt-out request), for the audit trail. */
  via?: 'keyword' | 'words';
}

export async function recordOptOutChange(prisma: PrismaClient, change: OptOutChange): Promise<{ messageId: string }> {
  const existing = await findReplyIntent(prisma, change.inboundSid);
  if (existing) return { messageId: existing.messageId };
  const now = new Date();
  await prisma.$transaction(async (tx) => {
    await tx.conversation.update({
      where: { id: change.conversationId, tenantId: change.tenantId },
      data: { optedOut: change.optedOut, optedOutAt: change.optedOut ? now : null },
    });
    await writeAudit(tx, {
      tenantId: change.tenantId,
      actorType: 'workflow',
      action: change.optedOut ? 'conversation.opted_out' : 'conversation.opted_in',
      targetType: 'conversation',
      targetId: change.conversationId,
      details: { messageSid: change.inboundSid, via: change.via ?? 'keyword' },
    });
  });
  const intent = await insertReplyIntent(prisma, {
    tenantId: change.tenantId,
    conversationId: change.conversationId,
    replyToMessageSid: change.inboundSid,
    body: change.optedOut ? optOutConfirmation(change.language ?? null) : OPT_IN_CONFIRMATION,
    source: 'system',
    status: 'queued',
  });
  return { messageId: intent.messageId };
}
