// An opt-out change (STOP / START, or a request in words) with its one confirmation. Keyed by the inbound
// MessageSid that asked: the confirmation is that message's reply intent (unique), so a retry neither flips
// the flag twice nor confirms twice.
import { AUDIT_ACTIONS, writeAudit } from '../audit.js';
import type { PrismaClient } from '../db/client.js';
import { consentChange } from '../broadcasts/consent.js';
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
  /** The conversation workflow that recorded it, for the audit trail. */
  workflowId?: string | null;
}

export async function recordOptOutChange(prisma: PrismaClient, change: OptOutChange): Promise<{ messageId: string }> {
  const existing = await findReplyIntent(prisma, change.inboundSid);
  if (existing) return { messageId: existing.messageId };
  const now = new Date();
  const via = change.via ?? 'keyword';
  const { channel } = await prisma.$transaction(async (tx) => {
    const updated = await tx.conversation.update({
      where: { id: change.conversationId, tenantId: change.tenantId },
      // The consent columns change with it (lib/broadcasts/consent.ts): START is an opt-in, STOP says how.
      data: { optedOut: change.optedOut, optedOutAt: change.optedOut ? now : null, ...consentChange(change.optedOut, via, now) },
      select: { channel: true },
    });
    await writeAudit(tx, {
      tenantId: change.tenantId,
      actorType: 'workflow',
      workflowId: change.workflowId ?? null,
      action: change.optedOut ? AUDIT_ACTIONS.conversation.optedOut : AUDIT_ACTIONS.conversation.optedIn,
      targetType: 'conversation',
      targetId: change.conversationId,
      details: { messageSid: change.inboundSid, via },
    });
    return updated;
  });
  // An SMS keyword was already answered by Twilio (Advanced Opt-Out confirms STOP and START itself, and refuses
  // our send to an opted-out number with 21610): ours is recorded, not sent.
  const carrierConfirms = channel === 'sms' && via === 'keyword';
  const intent = await insertReplyIntent(prisma, {
    tenantId: change.tenantId,
    conversationId: change.conversationId,
    replyToMessageSid: change.inboundSid,
    body: change.optedOut ? optOutConfirmation(change.language ?? null) : OPT_IN_CONFIRMATION,
    source: 'system',
    status: carrierConfirms ? 'not_sent' : 'queued',
    ...(carrierConfirms ? { errorCode: 'carrier_confirms', errorMessage: 'Twilio confirms SMS keywords (STOP, START) itself.' } : {}),
  });
  return { messageId: intent.messageId };
}
