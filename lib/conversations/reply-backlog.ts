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
  return toBacklog(rows[0]!);
}

/** A shop's counts as read (`oldest` in fractional seconds, null when nothing waits) as the dashboard says them. */
function toBacklog(row: { waiting: number; oldest: number | null; shed: number }): ReplyBacklog {
  const oldest = row.oldest === null ? null : Math.max(0, Math.floor(row.oldest));
  return { waiting: row.waiting, oldestWaitingSeconds: oldest, delayed: oldest !== null && oldest >= DELAYED_AFTER_SECONDS, notAnsweredLastHour: row.shed };
}

/** One shop's backlog, for operators (every shop with messages waiting, or shed in the last hour). */
export interface ShopBacklog extends ReplyBacklog {
  tenantId: string;
  tenantName: string;
}

/** Across shops: what /metrics reports, and the head of the operators' list. */
export interface BacklogTotals {
  waiting: number;
  oldestWaitingSeconds: number | null;
  shopsDelayed: number;
  notAnsweredLastHour: number;
}

const WAITING_BY_SHOP = `
  SELECT tenant_id, count(*)::int AS waiting, extract(epoch FROM (now() AT TIME ZONE 'UTC') - min(created_at))::float8 AS oldest
  FROM inbound_handoffs WHERE kind = 'inbound' GROUP BY tenant_id`;
// The partial index on shed messages (migration 20261201160000) keeps this from reading the hour's messages.
const SHED_BY_SHOP = `
  SELECT tenant_id, count(*)::int AS shed FROM messages
  WHERE no_reply_reason = 'overloaded' AND created_at > (now() AT TIME ZONE 'UTC') - interval '1 hour' GROUP BY tenant_id`;

/**
 * The shops whose replies are running late, the longest-waiting first, then those that had messages shed in
 * the last hour; at most `limit` of them, with the totals over every shop.
 */
export async function readBacklogByShop(pool: pg.Pool, limit = 100): Promise<{ shops: ShopBacklog[]; totals: BacklogTotals }> {
  const { rows } = await pool.query<{ tenant_id: string; name: string; waiting: number; oldest: number | null; shed: number }>({
    name: 'reply-backlog-by-shop',
    text: `WITH w AS (${WAITING_BY_SHOP}), s AS (${SHED_BY_SHOP})
           SELECT t.id AS tenant_id, t.name, coalesce(w.waiting, 0) AS waiting, w.oldest, coalesce(s.shed, 0) AS shed
           FROM w FULL JOIN s ON s.tenant_id = w.tenant_id
           JOIN tenants t ON t.id = coalesce(w.tenant_id, s.tenant_id)
           ORDER BY w.oldest DESC NULLS LAST, shed DESC, t.name`,
    values: [],
  });
  const all = rows.map((r): ShopBacklog => ({ tenantId: r.tenant_id, tenantName: r.name, ...toBacklog(r) }));
  const ages = all.map((s) => s.oldestWaitingSeconds).filter((a): a is number => a !== null);
  return {
    shops: all.slice(0, limit),
    totals: {
      waiting: all.reduce((n, s) => n + s.waiting, 0),
      oldestWaitingSeconds: ages.length > 0 ? Math.max(...ages) : null,
      shopsDelayed: all.filter((s) => s.delayed).length,
      notAnsweredLastHour: all.reduce((n, s) => n + s.notAnsweredLastHour, 0),
    },
  };
}
