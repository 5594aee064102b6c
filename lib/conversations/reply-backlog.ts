// How late a shop's AI replies are running, from what is stored: its customer messages waiting for a turn
// (their hand-off rows, api/webhooks/inbound-relay.ts) and the ones shed in the last hour because too many
// were waiting (`no_reply_reason = 'overloaded'`). The dashboard says so instead of leaving the merchant to
// wonder why customers wait: "replies are delayed" is a state the merchant is told, never a silence.
import type pg from 'pg';

/** Waiting longer than this, a shop's messages are "delayed" on its dashboard. */
export const DELAYED_AFTER_SECONDS = 30;

export interface ReplyBacklog {
  /** Customer messages stored and not yet handed to their conversation. */
  waiting: number;
  oldestWaitingSeconds: number | null;
  /** The oldest has waited `DELAYED_AFTER_SECONDS` or more. */
  delayed: boolean;
  /** Messages not answered by the AI in the last hour because the shop's backlog was full. */
  notAnsweredLastHour: number;
}

export async function readReplyBacklog(pool: pg.Pool, tenantId: string): Promise<ReplyBacklog> {
  const { rows } = await pool.query<{ waiting: number; oldest: number | null; shed: number }>({
    name: 'reply-backlog',
    text: `SELECT w.waiting, w.oldest,
                  (SELECT count(*)::int FROM messages
                   WHERE tenant_id = $1 AND created_at > (now() AT TIME ZONE 'UTC') - interval '1 hour'
                     AND direction = 'inbound' AND no_reply_reason = 'overloaded') AS shed
           FROM (SELECT count(*)::int AS waiting,
                        extract(epoch FROM (now() AT TIME ZONE 'UTC') - min(created_at))::float8 AS oldest
                 FROM inbound_handoffs WHERE tenant_id = $1 AND kind = 'inbound') w`,
    values: [tenantId],
  });
  const row = rows[0]!;
  const oldest = row.oldest === null ? null : Math.max(0, Math.floor(row.oldest));
  return { waiting: row.waiting, oldestWaitingSeconds: oldest, delayed: oldest !== null && oldest >= DELAYED_AFTER_SECONDS, notAnsweredLastHour: row.shed };
}
