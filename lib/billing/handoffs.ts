// The billing workflow's outbox (table billing_handoffs), like the conversations' inbound_handoffs: whatever
// the billing workflow must hear is first committed as a row, then a relay in the API signals-with-start
// `billing:{tenant}` and deletes it (api/webhooks/billing-relay.ts). So a Stripe webhook is acknowledged
// after one statement, a Temporal outage delays billing instead of losing an event, and a crash between
// commit and signal is repaired by the relay's sweeper.
import type pg from 'pg';
import { z } from 'zod';
import type { PrismaClient } from '../db/client.js';
import { sqlPool } from '../db/sql.js';

/** What a hand-off row asks the billing workflow to hear. */
export type BillingSignal =
  | { kind: 'stripe_event'; eventId: string; type: string }
  | { kind: 'limit_reached'; periodStart: string; limit: number | null };

export interface BillingHandOff {
  key: string;
  tenantId: string;
  signal: BillingSignal;
}

const stripePayload = z.object({ eventId: z.string(), type: z.string() });
const limitPayload = z.object({ periodStart: z.string(), limit: z.number().nullable() });

/** A stored row back into its signal (null: a kind or payload this code does not know; left for inspection). */
export function billingSignalOf(row: { kind: string; payload: unknown }): BillingSignal | null {
  if (row.kind === 'stripe_event') {
    const p = stripePayload.safeParse(row.payload);
    return p.success ? { kind: 'stripe_event', ...p.data } : null;
  }
  if (row.kind === 'limit_reached') {
    const p = limitPayload.safeParse(row.payload);
    return p.success ? { kind: 'limit_reached', ...p.data } : null;
  }
  return null;
}

const STORE_STRIPE_EVENT = `
WITH stored AS (
  INSERT INTO processed_stripe_events (id, event_id, type, tenant_id, processed_at)
  VALUES ($1, $2, $3, $4, now() AT TIME ZONE 'UTC')
  ON CONFLICT (event_id) DO NOTHING
  RETURNING event_id
), handoff AS (
  INSERT INTO billing_handoffs (key, tenant_id, kind, payload, created_at)
  SELECT 'stripe:' || stored.event_id, $4, 'stripe_event', jsonb_build_object('eventId', stored.event_id, 'type', $3::text), now() AT TIME ZONE 'UTC'
  FROM stored
  ON CONFLICT (key) DO NOTHING
)
SELECT count(*)::int AS stored FROM stored`;

/**
 * A verified Stripe event for a tenant, once: its id row and its hand-off row in one statement. A repeat
 * (Stripe delivers at least once) stores nothing and returns null; the first returns its hand-off.
 */
export async function storeStripeEvent(
  pool: pg.Pool,
  event: { id: string; type: string },
  tenantId: string,
  rowId: string,
): Promise<BillingHandOff | null> {
  const { rows } = await pool.query<{ stored: number }>({
    name: 'billing.store-stripe-event',
    text: STORE_STRIPE_EVENT,
    values: [rowId, event.id, event.type, tenantId],
  });
  if (rows[0]?.stored !== 1) return null;
  return { key: `stripe:${event.id}`, tenantId, signal: { kind: 'stripe_event', eventId: event.id, type: event.type } };
}

const NOTE_LIMIT_REACHED = `
WITH period AS (
  SELECT usage_period_start(s.status, s.current_period_start, (now() AT TIME ZONE 'UTC')::timestamp(3)) AS start,
         p.monthly_reply_limit AS reply_limit
  FROM tenants t LEFT JOIN subscriptions s ON s.tenant_id = t.id LEFT JOIN plans p ON p.code = t.plan
  WHERE t.id = $1
), marked AS (
  UPDATE usage_counters u SET limit_reached_at = now() AT TIME ZONE 'UTC', updated_at = now() AT TIME ZONE 'UTC'
  FROM period
  WHERE u.tenant_id = $1 AND u.period_start = period.start AND u.limit_reached_at IS NULL
  RETURNING to_char(u.period_start, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS period_start, period.reply_limit
)
INSERT INTO billing_handoffs (key, tenant_id, kind, payload, created_at)
SELECT 'limit:' || $1 || ':' || marked.period_start || ':' || coalesce(marked.reply_limit::text, '-'), $1, 'limit_reached',
       jsonb_build_object('periodStart', marked.period_start, 'limit', marked.reply_limit), now() AT TIME ZONE 'UTC'
FROM marked
ON CONFLICT (key) DO NOTHING
RETURNING key`;

/**
 * The first reply the limit refused in this period: marks the period's counter (so later refusals write
 * nothing) and leaves the billing workflow a `limit_reached` hand-off, which its relay delivers (the workflow
 * tells the merchant once). Returns the hand-off key when this call was the first.
 */
export async function noteReplyLimitReached(prisma: PrismaClient, tenantId: string): Promise<string | null> {
  const { rows } = await sqlPool(prisma).query<{ key: string }>({ name: 'billing.note-limit-reached', text: NOTE_LIMIT_REACHED, values: [tenantId] });
  return rows[0]?.key ?? null;
}
