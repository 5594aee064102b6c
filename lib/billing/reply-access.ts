// "May this tenant get AI replies, and how much of the period is used?" as the dashboard and the API ask
// it: the same reply gate (lib/conversations/reply-gate.ts) on the same rows the reply path reads, with
// the usage period from the database's usage_period_start.
import { replyGate, type GateDecision, type GateTenant } from '../conversations/reply-gate.js';
import type { PrismaClient } from '../db/client.js';
import { sqlPool } from '../db/sql.js';

export interface ReplyUsage {
  periodStart: Date;
  /** The subscription's period end, or the calendar month's end. */
  periodEnd: Date;
  replies: number;
  limit: number | null;
  /** When the first reply was refused for the limit in this period (the merchant was told then). */
  limitReachedAt: Date | null;
}

export interface ReplyAccess {
  decision: GateDecision;
  usage: ReplyUsage;
}

/**
 * Actions of the API that cost AI replies, and so stop at the gate like the reply path does. The rule: an
 * action costs replies when it asks the AI to answer customers. Handing a conversation back to the AI
 * (`resume`) does; a merchant's own manual reply, the WhatsApp test message and taking a conversation over
 * do not (they stay open while AI replies are paused: that is how the merchant keeps answering).
 */
export const REPLY_COSTING_ACTIONS = ['conversation.resume'] as const;

const READ_ACCESS = `
SELECT t.plan, t.status::text AS status, s.replies_paused_reason AS "pausedReason", p.monthly_reply_limit AS "replyLimit",
       coalesce(u.replies, 0) AS "repliesUsed", u.limit_reached_at AS "limitReachedAt", period.start AS "periodStart",
       CASE WHEN period.start = s.current_period_start AND s.current_period_end IS NOT NULL THEN s.current_period_end
            ELSE (period.start + interval '1 month')::timestamp(3) END AS "periodEnd"
FROM tenants t
LEFT JOIN subscriptions s ON s.tenant_id = t.id
LEFT JOIN plans p ON p.code = t.plan
CROSS JOIN LATERAL (SELECT usage_period_start(s.status, s.current_period_start, (now() AT TIME ZONE 'UTC')::timestamp(3)) AS start) AS period
LEFT JOIN usage_counters u ON u.tenant_id = t.id AND u.period_start = period.start
WHERE t.id = $1`;

export async function readReplyAccess(prisma: PrismaClient, tenantId: string): Promise<ReplyAccess> {
  const { rows } = await sqlPool(prisma).query<GateTenant & { limitReachedAt: Date | null; periodStart: Date; periodEnd: Date }>({
    name: 'billing.read-access',
    text: READ_ACCESS,
    values: [tenantId],
  });
  const row = rows[0];
  const now = new Date();
  if (!row) {
    const start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
    return { decision: replyGate(null), usage: { periodStart: start, periodEnd: start, replies: 0, limit: null, limitReachedAt: null } };
  }
  return {
    decision: replyGate(row),
    usage: { periodStart: row.periodStart, periodEnd: row.periodEnd, replies: row.repliesUsed, limit: row.replyLimit, limitReachedAt: row.limitReachedAt },
  };
}
