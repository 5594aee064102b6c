// The agent's own writes on a conversation: the away message (once per closed spell, keyed by the turn's
// last MessageSid so a retried activity repeats nothing) and the hand-off to the merchant (AI paused, the
// conversation flagged "needs you" until the merchant replies by hand or hands it back).
import { randomUUID } from 'node:crypto';
import type { PrismaClient } from '../db/client.js';
import { isUniqueViolation, sqlPool } from '../db/sql.js';
import { HANDOFF_ACTOR, HANDOFF_REASONS, type HandoffReason } from './handoff.js';

/** The away message's key in `messages.reply_to_message_sid`: not the inbound sid, which the real answer keeps. */
export const awayKey = (inboundSid: string) => `away:${inboundSid}`;

/** Stores the away message as a queued system message (not an AI reply: never counted as usage). */
export async function recordAwayMessage(
  prisma: PrismaClient,
  input: { tenantId: string; conversationId: string; inboundSid: string; body: string; agentVersion: number | null },
): Promise<{ messageId: string }> {
  const key = awayKey(input.inboundSid);
  try {
    const { rows } = await sqlPool(prisma).query<{ id: string }>({
      name: 'agent.insert-away',
      text: `WITH clock AS (SELECT $6::timestamptz AT TIME ZONE 'UTC' AS at),
             message AS (
               INSERT INTO messages (id, tenant_id, conversation_id, direction, reply_to_message_sid, body, status, source,
                                     agent_version, status_updated_at, created_at, updated_at)
               SELECT $1, $2, $3, 'outbound', $4, $5, 'queued', 'system', $7::int, clock.at, clock.at, clock.at FROM clock
               RETURNING id
             ),
             touched AS (UPDATE conversations SET last_message_at = clock.at, updated_at = clock.at FROM clock WHERE conversations.id = $3)
             SELECT id FROM message`,
      values: [randomUUID(), input.tenantId, input.conversationId, key, input.body, new Date(), input.agentVersion],
    });
    return { messageId: rows[0]!.id };
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    const { rows } = await sqlPool(prisma).query<{ id: string }>({
      name: 'agent.find-away',
      text: 'SELECT id FROM messages WHERE reply_to_message_sid = $1',
      values: [key],
    });
    return { messageId: rows[0]!.id };
  }
}

/**
 * The hand-off on the conversation: AI paused (like a takeover, by the agent), flagged as needing the merchant
 * with the reason. Repeating it changes nothing but the reason; null when the conversation is not this tenant's.
 */
export async function markHandedOff(
  prisma: PrismaClient,
  input: { tenantId: string; conversationId: string; reason: HandoffReason },
): Promise<{ customerAddress: string; customerName: string | null } | null> {
  const now = new Date();
  const found = await prisma.conversation.findFirst({
    where: { id: input.conversationId, tenantId: input.tenantId },
    select: { id: true, aiPaused: true, aiPausedAt: true, needsAttentionAt: true, customerAddress: true, customerName: true },
  });
  if (!found) return null;
  await prisma.conversation.update({
    where: { id: found.id },
    data: {
      aiPaused: true,
      // A merchant who had already taken over keeps their name on the pause.
      ...(found.aiPaused ? {} : { aiPausedAt: now, aiPausedBy: HANDOFF_ACTOR }),
      needsAttentionAt: found.needsAttentionAt ?? now,
      handoffReason: input.reason,
    },
  });
  return { customerAddress: found.customerAddress, customerName: found.customerName };
}

/** The hand-off a stored reply made (a retried draft returns it again, so the workflow still pauses). */
export async function storedHandoff(prisma: PrismaClient, messageId: string): Promise<HandoffReason | null> {
  const { rows } = await sqlPool(prisma).query<{ handoff: string | null }>({
    name: 'agent.stored-handoff',
    text: `SELECT prompt->>'handoff' AS handoff FROM messages WHERE id = $1`,
    values: [messageId],
  });
  const reason = rows[0]?.handoff ?? null;
  return (HANDOFF_REASONS as readonly string[]).includes(reason ?? '') ? (reason as HandoffReason) : null;
}
