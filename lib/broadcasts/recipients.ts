// A broadcast's recipients in the database: frozen from the audience when sending starts, claimed a batch at a
// time (each claimed recipient gets its outbound message row, whose id derives from the recipient's, so a retried
// claim finds it), settled from what Twilio answered, and counted for the progress page. Plain SQL: a 100,000-
// recipient broadcast at 500 msg/s runs these a few times a second.
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { audienceCondition, type Audience } from './audience.js';
import type { Channel } from '../conversations/addresses.js';

export type RecipientStatus = 'pending' | 'sending' | 'sent' | 'failed' | 'skipped';

/** A claimed recipient with its message row (null before the claim wrote one). */
export interface ClaimedRecipient {
  id: string;
  seq: number;
  conversationId: string;
  customerAddress: string;
  firstName: string | null;
  attempts: number;
  status: RecipientStatus;
  optedOut: boolean;
  messageId: string | null;
  providerMessageSid: string | null;
  sendAttemptedAt: Date | null;
  messageStatus: string | null;
  messageBody: string | null;
  errorCode: string | null;
}

/** The message row of a recipient's n-th attempt (a 63018 retry is a new message: the first one failed). */
export const messageIdFor = (recipientId: string, attempt: number): string => `${recipientId}#${attempt}`;

const now = "now() AT TIME ZONE 'UTC'";

/** The audit entry for the start of sending (`broadcast.started`), written with the start itself. */
export interface StartedEntry {
  action: string;
  /** The workflow that started sending (null outside an activity). */
  workflowId: string | null;
}

/**
 * Freezes the audience into recipient rows, once: under the broadcast's row lock, and only while it has none.
 * The first start (started_at still empty) also writes `started`'s audit entry in the same transaction, so a
 * retried start can neither lose it (it commits with started_at) nor write it twice (started_at is set then).
 * Returns the number of recipients (the existing count on a repeat) and whether this call was the first start.
 */
export async function freezeRecipients(
  pool: pg.Pool,
  input: { tenantId: string; broadcastId: string; channel: Channel; audience: Audience; started?: StartedEntry },
): Promise<{ total: number; firstStart: boolean }> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const locked = await client.query<{ startedAt: Date | null }>('SELECT started_at AS "startedAt" FROM broadcasts WHERE id = $1 FOR UPDATE', [input.broadcastId]);
    const firstStart = locked.rows[0] !== undefined && locked.rows[0].startedAt === null;
    const existing = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM broadcast_recipients WHERE broadcast_id = $1', [input.broadcastId]);
    let total = existing.rows[0]!.n;
    if (total === 0) {
      const where = audienceCondition(input.tenantId, input.channel, input.audience);
      const b = `$${where.values.length + 1}`;
      const inserted = await client.query(
        `INSERT INTO broadcast_recipients (id, tenant_id, broadcast_id, seq, conversation_id, customer_address, first_name, created_at, updated_at)
         SELECT ${b}::text || ':' || n.seq, n.tenant_id, ${b}::text, n.seq, n.id, n.customer_address, n.first_name, ${now}, ${now}
         FROM (SELECT c.id, c.tenant_id, c.customer_address,
                      coalesce(nullif(trim(c.first_name), ''), nullif(split_part(trim(c.customer_name), ' ', 1), '')) AS first_name,
                      row_number() OVER (ORDER BY c.created_at, c.id)::int AS seq
               FROM conversations c WHERE ${where.text}) AS n`,
        [...where.values, input.broadcastId],
      );
      total = inserted.rowCount ?? 0;
    }
    await client.query(
      `UPDATE broadcasts SET recipients_total = $2, status = CASE WHEN status IN ('draft', 'scheduled') THEN 'running'::broadcast_status ELSE status END,
              started_at = coalesce(started_at, ${now}), updated_at = ${now} WHERE id = $1`,
      [input.broadcastId, total],
    );
    if (firstStart && input.started) {
      await client.query(
        `INSERT INTO audit_logs (id, tenant_id, actor_type, workflow_id, action, target_type, target_id, details, created_at)
         VALUES ($1, $2, 'workflow', $3, $4, 'broadcast', $5, $6::jsonb, ${now})`,
        [randomUUID(), input.tenantId, input.started.workflowId, input.started.action, input.broadcastId, JSON.stringify({ recipients: total, channel: input.channel })],
      );
    }
    await client.query('COMMIT');
    return { total, firstStart };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

const CLAIM_COLUMNS = `
  r.id, r.seq, r.conversation_id AS "conversationId", r.customer_address AS "customerAddress", r.first_name AS "firstName",
  r.attempts, r.status, c.opted_out AS "optedOut", r.message_id AS "messageId", m.provider_message_sid AS "providerMessageSid",
  m.send_attempted_at AS "sendAttemptedAt", m.status::text AS "messageStatus", m.body AS "messageBody", m.error_code AS "errorCode"
FROM broadcast_recipients r
JOIN conversations c ON c.id = r.conversation_id
LEFT JOIN messages m ON m.id = r.message_id`;

/**
 * The next recipients to handle: first those a previous batch left `sending` (a crash, a throttled send, a send
 * whose outcome is not known yet), then pending ones in order. Only one batch of a broadcast runs at a time.
 */
export async function nextRecipients(pool: pg.Pool, broadcastId: string, limit: number): Promise<ClaimedRecipient[]> {
  const { rows: leftover } = await pool.query<ClaimedRecipient>({
    name: 'broadcast.leftover',
    text: `SELECT ${CLAIM_COLUMNS} WHERE r.broadcast_id = $1 AND r.status = 'sending' ORDER BY r.seq LIMIT $2`,
    values: [broadcastId, limit],
  });
  if (leftover.length >= limit) return leftover;
  const { rows: pending } = await pool.query<ClaimedRecipient>({
    name: 'broadcast.pending',
    text: `SELECT ${CLAIM_COLUMNS} WHERE r.broadcast_id = $1 AND r.status = 'pending' ORDER BY r.seq LIMIT $2`,
    values: [broadcastId, limit - leftover.length],
  });
  return [...leftover, ...pending];
}

export interface NewMessage {
  recipientId: string;
  messageId: string;
  conversationId: string;
  body: string;
}

/** Writes the claimed recipients' message rows (or finds them: ids are deterministic) and marks them sending. */
export async function claimRecipients(pool: pg.Pool, input: { tenantId: string; broadcastId: string; contentSid: string | null; messages: NewMessage[] }): Promise<void> {
  if (input.messages.length === 0) return;
  const rows = JSON.stringify(input.messages.map((m) => ({ rid: m.recipientId, id: m.messageId, conversation_id: m.conversationId, body: m.body })));
  await pool.query({
    name: 'broadcast.claim',
    text: `WITH x AS (SELECT * FROM jsonb_to_recordset($4::jsonb) AS x(rid text, id text, conversation_id text, body text)),
           inserted AS (
             INSERT INTO messages (id, tenant_id, conversation_id, direction, body, status, source, content_sid, broadcast_id,
                                   created_at, status_updated_at, updated_at)
             SELECT x.id, $1, x.conversation_id, 'outbound', x.body, 'queued', 'broadcast', $3, $2, ${now}, ${now}, ${now} FROM x
             ON CONFLICT (id) DO NOTHING
           )
           UPDATE broadcast_recipients r SET status = 'sending', message_id = x.id, updated_at = ${now}
           FROM x WHERE r.id = x.rid AND r.status = 'pending'`,
    values: [input.tenantId, input.broadcastId, input.contentSid, rows],
  });
}

/** Recipients settled without a send: opted out since the audience was frozen. */
export async function skipRecipients(pool: pg.Pool, items: Array<{ recipientId: string; messageId: string | null; code: string; reason: string }>): Promise<void> {
  if (items.length === 0) return;
  await pool.query({
    name: 'broadcast.skip',
    text: `WITH x AS (SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(rid text, mid text, code text, reason text)),
           m AS (UPDATE messages m SET status = 'not_sent', error_code = x.code, error_message = x.reason, status_updated_at = ${now}, updated_at = ${now}
                 FROM x WHERE m.id = x.mid AND m.provider_message_sid IS NULL)
           UPDATE broadcast_recipients r SET status = 'skipped', error_code = x.code, updated_at = ${now}
           FROM x WHERE r.id = x.rid AND r.status IN ('pending', 'sending')`,
    values: [JSON.stringify(items.map((i) => ({ rid: i.recipientId, mid: i.messageId, code: i.code, reason: i.reason })))],
  });
}

/**
 * Stamps the send attempt on these message rows BEFORE Twilio is called (the exactly-once rule of
 * activities/twilio-messaging.ts), only where no attempt is stamped and the customer has not opted out since.
 * Returns the ids stamped: the only ones this batch may send.
 */
export async function stampAttempts(pool: pg.Pool, messageIds: string[], at: Date): Promise<Set<string>> {
  if (messageIds.length === 0) return new Set();
  const { rows } = await pool.query<{ id: string }>({
    name: 'broadcast.stamp',
    text: `UPDATE messages m SET send_attempts = m.send_attempts + 1, send_attempted_at = $2::timestamptz AT TIME ZONE 'UTC',
             updated_at = $2::timestamptz AT TIME ZONE 'UTC'
           FROM conversations c
           WHERE m.id = ANY($1::text[]) AND c.id = m.conversation_id AND m.provider_message_sid IS NULL
             AND m.send_attempted_at IS NULL AND m.status = 'queued' AND NOT c.opted_out
           RETURNING m.id`,
    values: [messageIds, at],
  });
  return new Set(rows.map((r) => r.id));
}

/** Twilio answered "not accepted" (429): the stamp is lifted, so the next batch sends it without a look-up. */
export async function clearAttempt(pool: pg.Pool, messageId: string): Promise<void> {
  await pool.query({
    name: 'broadcast.clear-attempt',
    text: 'UPDATE messages SET send_attempted_at = NULL WHERE id = $1 AND provider_message_sid IS NULL',
    values: [messageId],
  });
}

export interface SentItem {
  recipientId: string;
  messageId: string;
  sid: string;
  status: string;
}

/** Twilio accepted these: the sid on the message (first writer wins, the status callback may have been first). */
export async function recordSent(pool: pg.Pool, items: SentItem[]): Promise<void> {
  if (items.length === 0) return;
  await pool.query({
    name: 'broadcast.record-sent',
    text: `WITH x AS (SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(rid text, mid text, sid text, status text)),
           m AS (UPDATE messages m SET provider_message_sid = x.sid,
                   status = CASE WHEN x.status IN ('accepted', 'scheduled') THEN 'queued'::message_status ELSE x.status::message_status END,
                   status_updated_at = ${now}, updated_at = ${now}
                 FROM x WHERE m.id = x.mid AND m.provider_message_sid IS NULL)
           UPDATE broadcast_recipients r SET status = 'sent', error_code = NULL, updated_at = ${now}
           FROM x WHERE r.id = x.rid AND r.status = 'sending'`,
    values: [JSON.stringify(items.map((i) => ({ rid: i.recipientId, mid: i.messageId, sid: i.sid, status: normaliseStatus(i.status) })))],
  });
}

export interface FailedItem {
  recipientId: string;
  messageId: string;
  code: string;
  reason: string;
  /** `skipped` for an opt-out Twilio found (21610): the customer was not failed, they said stop. */
  as: 'failed' | 'skipped';
}

/** Twilio refused these for good (4xx): the message failed with Twilio's code, and so did the recipient. */
export async function recordFailed(pool: pg.Pool, items: FailedItem[]): Promise<void> {
  if (items.length === 0) return;
  await pool.query({
    name: 'broadcast.record-failed',
    text: `WITH x AS (SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(rid text, mid text, code text, reason text, as_status text)),
           m AS (UPDATE messages m SET status = 'failed', error_code = x.code, error_message = x.reason, status_updated_at = ${now}, updated_at = ${now}
                 FROM x WHERE m.id = x.mid AND m.provider_message_sid IS NULL)
           UPDATE broadcast_recipients r SET status = x.as_status, error_code = x.code, updated_at = ${now}
           FROM x WHERE r.id = x.rid AND r.status = 'sending'`,
    values: [JSON.stringify(items.map((i) => ({ rid: i.recipientId, mid: i.messageId, code: i.code, reason: i.reason, as_status: i.as })))],
  });
}

/**
 * Recipients among the recently sent whose message WhatsApp failed with 63018 (over the sender's rate): back to
 * pending for another attempt (a new message: the failed one was never delivered), at most `maxAttempts`.
 */
export async function requeueRateLimited(pool: pg.Pool, input: { broadcastId: string; afterSeq: number; maxAttempts: number }): Promise<number> {
  const { rowCount } = await pool.query({
    name: 'broadcast.requeue-63018',
    text: `UPDATE broadcast_recipients r SET status = 'pending', attempts = r.attempts + 1, updated_at = ${now}
           FROM messages m
           WHERE r.broadcast_id = $1 AND r.status = 'sent' AND r.seq > $2 AND m.id = r.message_id
             AND m.error_code = '63018' AND r.attempts + 1 < $3`,
    values: [input.broadcastId, input.afterSeq, input.maxAttempts],
  });
  return rowCount ?? 0;
}

/** Twilio's message statuses as ours (Twilio's `accepted` / `scheduled` are our `queued`). */
function normaliseStatus(status: string): string {
  return ['queued', 'sending', 'sent', 'delivered', 'read', 'failed', 'undelivered'].includes(status) ? status : 'queued';
}

export interface RecipientCounts {
  total: number;
  pending: number;
  /** Accepted by Twilio and not failed since (delivered ones included). */
  sent: number;
  delivered: number;
  /** Refused by Twilio, or failed / undelivered after acceptance. */
  failed: number;
  /** Opted out before their turn came. */
  skipped: number;
}

export async function countRecipients(pool: pg.Pool, broadcastId: string): Promise<RecipientCounts> {
  const { rows } = await pool.query<RecipientCounts>({
    name: 'broadcast.counts',
    text: `SELECT count(*)::int AS total,
                  count(*) FILTER (WHERE r.status IN ('pending', 'sending'))::int AS pending,
                  count(*) FILTER (WHERE r.status = 'sent' AND coalesce(m.status::text, '') NOT IN ('failed', 'undelivered'))::int AS sent,
                  count(*) FILTER (WHERE r.status = 'sent' AND m.status::text IN ('delivered', 'read'))::int AS delivered,
                  count(*) FILTER (WHERE r.status = 'failed' OR (r.status = 'sent' AND m.status::text IN ('failed', 'undelivered')))::int AS failed,
                  count(*) FILTER (WHERE r.status = 'skipped')::int AS skipped
           FROM broadcast_recipients r LEFT JOIN messages m ON m.id = r.message_id
           WHERE r.broadcast_id = $1`,
    values: [broadcastId],
  });
  return rows[0]!;
}

/** Whether anything is left to do: pending recipients, or sends whose outcome is not settled yet. */
export async function remainingRecipients(pool: pg.Pool, broadcastId: string): Promise<number> {
  const { rows } = await pool.query<{ n: number }>({
    name: 'broadcast.remaining',
    text: `SELECT count(*)::int AS n FROM broadcast_recipients WHERE broadcast_id = $1 AND status IN ('pending', 'sending')`,
    values: [broadcastId],
  });
  return rows[0]!.n;
}
