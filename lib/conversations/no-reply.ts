// Why an inbound message got no AI reply, recorded on the message itself so the dashboard can show it
// beside the message ("Not answered: you took this conversation over"), instead of a silence the merchant
// has to guess at. Written by the conversation workflow (opt-out, takeover) and by the reply's gate.
import { noteReplyLimitReached } from '../billing/handoffs.js';
import type { PrismaClient } from '../db/client.js';
import { sqlPool } from '../db/sql.js';
import type { GateReason } from './reply-gate.js';
import { insertReplyIntent, type NewReplyIntent, type ReplyIntent } from './reply-store.js';

/** Every reason a customer's message can go unanswered; the dashboard words them (status-look.ts). */
export type NoReplyReason =
  | 'opted_out'
  | 'ai_paused'
  /** Held for the shop's opening, which came after WhatsApp's window closed: handed to the merchant. */
  | 'window_closed_while_away'
  | GateReason
  /** Shed by the API's relay: more of the shop's messages were waiting than its backlog holds (inbound-relay.ts). */
  | 'overloaded'
  /** Derived, not stored: a burst is answered once, after its last message. */
  | 'answered_with_next';

/** Marks the turn's inbound messages; repeating it (a retried activity) writes the same value. */
export async function recordNoReply(
  prisma: PrismaClient,
  input: { tenantId: string; inboundSids: readonly string[]; reason: Exclude<NoReplyReason, 'answered_with_next'> },
): Promise<void> {
  if (input.inboundSids.length === 0) return;
  await sqlPool(prisma).query({
    name: 'no-reply.record',
    text: `UPDATE messages SET no_reply_reason = $3, updated_at = now() AT TIME ZONE 'UTC'
           WHERE tenant_id = $1 AND provider_message_sid = ANY($2) AND direction = 'inbound'`,
    values: [input.tenantId, [...input.inboundSids], input.reason],
  });
}

interface ThreadEntry {
  direction: 'inbound' | 'outbound';
  providerMessageSid: string | null;
  replyToMessageSid: string | null;
  noReplyReason: string | null;
  /** The sid keying the reply of the turn that answered it (recorded with that reply); null before that. */
  turnKeySid: string | null;
}

/**
 * Each message's no-reply reason as the thread shows it: the stored one; for an inbound message answered
 * in a later message's turn (recorded with that turn's reply), `answered_with_next`. For messages with
 * neither (not yet answered, or stored before turns were recorded) the burst is inferred from order: the
 * fate of a later message of the same burst (before any outbound), `answered_with_next` when it was
 * answered, or that later message's reason when it was not.
 * Oldest first in, same order out; outbound messages get null.
 */
export function noReplyReasons(thread: readonly ThreadEntry[]): Array<string | null> {
  const answered = new Set(thread.flatMap((m) => (m.replyToMessageSid ? [m.replyToMessageSid] : [])));
  const out: Array<string | null> = new Array(thread.length).fill(null);
  // Walk backwards: `burst` is what happened to the latest settled message of the current burst. Any
  // outbound message ends a burst (what came before it was a turn of its own).
  let burst: string | null = null;
  for (let i = thread.length - 1; i >= 0; i--) {
    const m = thread[i]!;
    if (m.direction === 'outbound') {
      burst = null;
      continue;
    }
    const own = m.providerMessageSid !== null && answered.has(m.providerMessageSid);
    const inLaterTurn = m.turnKeySid !== null && m.turnKeySid !== m.providerMessageSid;
    if (m.noReplyReason) out[i] = m.noReplyReason;
    else if (!own && inLaterTurn) out[i] = 'answered_with_next';
    else if (!own && burst) out[i] = burst;
    // A recorded turn says which messages it answered: messages before it that it does not name are not
    // its burst (they were answered elsewhere, or are still waiting), so nothing is inferred from it.
    if (m.turnKeySid !== null) burst = null;
    else if (own) burst = 'answered_with_next';
    else if (m.noReplyReason) burst = m.noReplyReason;
  }
  return out;
}

/**
 * A turn the reply gate refused (trial ended, account inactive, reply limit…): the intent row records the
 * decision, keyed by the turn's last sid like any reply (so a retry finds it), and the turn's messages say
 * why. The first refusal for the reply limit in a period also tells billing (the merchant is told once).
 */
export async function recordGatedTurn(
  prisma: PrismaClient,
  base: Pick<NewReplyIntent, 'tenantId' | 'conversationId' | 'replyToMessageSid' | 'source' | 'turnSids'>,
  inboundSids: readonly string[],
  gate: { reason: GateReason; message: string },
): Promise<ReplyIntent> {
  const intent = await insertReplyIntent(prisma, { ...base, body: '', status: 'not_sent', errorCode: gate.reason, errorMessage: gate.message });
  await recordNoReply(prisma, { tenantId: base.tenantId, inboundSids, reason: gate.reason });
  if (gate.reason === 'reply_limit') await noteReplyLimitReached(prisma, base.tenantId);
  return intent;
}
