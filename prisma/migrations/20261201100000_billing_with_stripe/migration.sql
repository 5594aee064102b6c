-- Billing with Stripe (issue 13): plans with prices, the subscription's pause state, Stripe invoices as the
-- billing page shows them, and two outboxes (Stripe events and limit notices for the billing workflow;
-- replies to report to Stripe's meter).

-- Plans: what the landing page and Checkout sell. `lookup_key` names the plan's Stripe price (created by the
-- worker if missing, found again by this key); `price_cents` is null for the trial, which is not for sale.
ALTER TABLE "plans" ADD COLUMN "price_cents" INTEGER;
ALTER TABLE "plans" ADD COLUMN "currency" TEXT NOT NULL DEFAULT 'usd';
ALTER TABLE "plans" ADD COLUMN "lookup_key" TEXT;
ALTER TABLE "plans" ADD COLUMN "sort_order" INTEGER NOT NULL DEFAULT 0;
CREATE UNIQUE INDEX "plans_lookup_key_key" ON "plans"("lookup_key");

-- WARA: seed. The trial has Starter's allowance; limits are AI replies per billing period.
INSERT INTO "plans" ("id", "code", "name", "monthly_reply_limit", "price_cents", "currency", "lookup_key", "sort_order", "active", "updated_at") VALUES
  ('plan_trial',   'trial',   'Free trial', 1000,  NULL,  'usd', NULL,                    0, true, CURRENT_TIMESTAMP),
  ('plan_starter', 'starter', 'Starter',    1000,  2900,  'usd', 'wara_starter_monthly',  1, true, CURRENT_TIMESTAMP),
  ('plan_growth',  'growth',  'Growth',     5000,  7900,  'usd', 'wara_growth_monthly',   2, true, CURRENT_TIMESTAMP),
  ('plan_scale',   'scale',   'Scale',      20000, 19900, 'usd', 'wara_scale_monthly',    3, true, CURRENT_TIMESTAMP)
ON CONFLICT ("code") DO NOTHING;

-- Why AI replies are paused for a paying (or formerly paying) merchant: `payment_required` (the grace period
-- after a failed payment ran out, or Stripe gave up), `subscription_ended` (cancelled). Null: not paused.
ALTER TABLE "subscriptions" ADD COLUMN "replies_paused_reason" TEXT;
-- Set while a failed payment's grace period runs (the billing workflow's durable timer ends it).
ALTER TABLE "subscriptions" ADD COLUMN "grace_ends_at" TIMESTAMP(3);

-- The event id stays the idempotency key; the tenant it was routed to is kept for the operator's eye.
ALTER TABLE "processed_stripe_events" ADD COLUMN "tenant_id" TEXT;

-- Signals owed to a tenant's billing workflow (`billing:{tenant}`): a Stripe event (stored by the webhook in
-- the same statement as its processed_stripe_events row) or "replies hit the limit" (stored by the reply
-- gate). The API's billing relay signals-with-start and deletes the row; its sweeper re-sends what a crash
-- or a Temporal outage left behind.
CREATE TABLE "billing_handoffs" (
    "key" TEXT NOT NULL,
    "tenant_id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "payload" JSONB,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "attempted_at" TIMESTAMP(3),

    CONSTRAINT "billing_handoffs_pkey" PRIMARY KEY ("key")
);
CREATE INDEX "billing_handoffs_created_at_idx" ON "billing_handoffs"("created_at");
ALTER TABLE "billing_handoffs" ADD CONSTRAINT "billing_handoffs_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Stripe's invoices of a tenant as last read from Stripe (the billing page lists them; Stripe stays the truth).
CREATE TABLE "invoices" (
    "id" TEXT NOT NULL,
    "tenant_id" TEXT NOT NULL,
    "stripe_invoice_id" TEXT NOT NULL,
    "stripe_subscription_id" TEXT,
    "number" TEXT,
    "status" TEXT NOT NULL,
    "amount_due" INTEGER NOT NULL,
    "amount_paid" INTEGER NOT NULL,
    "currency" TEXT NOT NULL,
    "hosted_invoice_url" TEXT,
    "period_start" TIMESTAMP(3),
    "period_end" TIMESTAMP(3),
    "stripe_created_at" TIMESTAMP(3) NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "invoices_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "invoices_stripe_invoice_id_key" ON "invoices"("stripe_invoice_id");
CREATE INDEX "invoices_tenant_id_stripe_created_at_idx" ON "invoices"("tenant_id", "stripe_created_at");
ALTER TABLE "invoices" ADD CONSTRAINT "invoices_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Replies counted but not yet reported to Stripe's meter: one row per counted AI reply, written by the same
-- statement that counts it (lib/conversations/reply-store.ts), deleted once Stripe has it. The reply's
-- message id is the meter event's `identifier`, so reporting a row twice bills it once.
CREATE TABLE "meter_event_outbox" (
    "message_id" TEXT NOT NULL,
    "tenant_id" TEXT NOT NULL,
    "occurred_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "meter_event_outbox_pkey" PRIMARY KEY ("message_id")
);
CREATE INDEX "meter_event_outbox_occurred_at_idx" ON "meter_event_outbox"("occurred_at");
ALTER TABLE "meter_event_outbox" ADD CONSTRAINT "meter_event_outbox_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- WARA: the usage period, defined once for every reader and writer (the reply counter, the reply gate, the
-- dashboard): a live Stripe subscription's current period as last read from Stripe, otherwise the UTC
-- calendar month of `at`. Inlined by the planner (a plain SQL expression), so it costs nothing per reply.
CREATE FUNCTION "usage_period_start"(status "subscription_status", period_start TIMESTAMP(3), at TIMESTAMP(3))
RETURNS TIMESTAMP(3) LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE
    WHEN period_start IS NOT NULL AND status IN ('trialing', 'active', 'past_due', 'unpaid') THEN period_start
    ELSE date_trunc('month', at)::timestamp(3)
  END
$$;
