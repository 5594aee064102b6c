-- SMS as a channel and broadcasts (issue 16): a tenant's SMS numbers, explicit opt-in with its source and
-- time plus merchant tags on each customer (a conversation: one number on one channel), and broadcasts with
-- one row per recipient (the exactly-once key of a broadcast send).

-- Consent lives on the conversation, beside the opt-out it already had: one row per customer and channel is
-- the one source of truth for "may we message this customer on this channel" (opted in AND NOT opted out).
ALTER TABLE "conversations" ADD COLUMN "opted_in_at" TIMESTAMP(3);
-- How the customer opted in: keyword (START/YES/UNSTOP), website_form, checkout, in_store, import, verbal, other.
ALTER TABLE "conversations" ADD COLUMN "opt_in_source" TEXT;
-- How they opted out: keyword (STOP…), words (asked in a sentence), carrier (Twilio 21610 on a send).
ALTER TABLE "conversations" ADD COLUMN "opt_out_source" TEXT;
ALTER TABLE "conversations" ADD COLUMN "first_name" TEXT;
ALTER TABLE "conversations" ADD COLUMN "tags" TEXT[] NOT NULL DEFAULT ARRAY[]::TEXT[];
CREATE INDEX "conversations_tenant_id_channel_opted_in_at_idx" ON "conversations"("tenant_id", "channel", "opted_in_at");
CREATE INDEX "conversations_tags_idx" ON "conversations" USING GIN ("tags");

-- Broadcasts: the table existed as a placeholder (never written). SMS broadcasts have text instead of a template.
ALTER TYPE "broadcast_status" ADD VALUE IF NOT EXISTS 'scheduled' BEFORE 'running';
ALTER TYPE "broadcast_status" ADD VALUE IF NOT EXISTS 'paused' BEFORE 'completed';
ALTER TABLE "broadcasts" ALTER COLUMN "content_sid" DROP NOT NULL;
ALTER TABLE "broadcasts" ADD COLUMN "channel" "channel" NOT NULL DEFAULT 'whatsapp';
ALTER TABLE "broadcasts" ADD COLUMN "body" TEXT;
ALTER TABLE "broadcasts" ADD COLUMN "audience" JSONB NOT NULL DEFAULT '{}';
ALTER TABLE "broadcasts" ADD COLUMN "rate_per_second" DOUBLE PRECISION;
ALTER TABLE "broadcasts" ADD COLUMN "scheduled_at" TIMESTAMP(3);
ALTER TABLE "broadcasts" ADD COLUMN "delivered_count" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "broadcasts" ADD COLUMN "last_error" TEXT;

-- One row per recipient, frozen when the broadcast starts. Unique on (broadcast, conversation): a customer is
-- in a broadcast once, whatever retries or restarts do. `message_id` is the outbound message row of the send
-- (its id derives from this row's, so a retried claim finds it); the message row carries the exactly-once
-- send stamp and the provider sid, like every reply.
CREATE TABLE "broadcast_recipients" (
    "id" TEXT NOT NULL,
    "tenant_id" TEXT NOT NULL,
    "broadcast_id" TEXT NOT NULL,
    "seq" INTEGER NOT NULL,
    "conversation_id" TEXT NOT NULL,
    "customer_address" TEXT NOT NULL,
    "first_name" TEXT,
    -- pending → sending → sent | failed | skipped
    "status" TEXT NOT NULL DEFAULT 'pending',
    "error_code" TEXT,
    "message_id" TEXT,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "broadcast_recipients_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "broadcast_recipients_broadcast_id_conversation_id_key" ON "broadcast_recipients"("broadcast_id", "conversation_id");
CREATE UNIQUE INDEX "broadcast_recipients_broadcast_id_seq_key" ON "broadcast_recipients"("broadcast_id", "seq");
CREATE INDEX "broadcast_recipients_broadcast_id_status_seq_idx" ON "broadcast_recipients"("broadcast_id", "status", "seq");
CREATE INDEX "broadcast_recipients_tenant_id_idx" ON "broadcast_recipients"("tenant_id");
ALTER TABLE "broadcast_recipients" ADD CONSTRAINT "broadcast_recipients_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "broadcast_recipients" ADD CONSTRAINT "broadcast_recipients_broadcast_id_fkey" FOREIGN KEY ("broadcast_id") REFERENCES "broadcasts"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "broadcast_recipients" ADD CONSTRAINT "broadcast_recipients_conversation_id_fkey" FOREIGN KEY ("conversation_id") REFERENCES "conversations"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "broadcast_recipients" ADD CONSTRAINT "broadcast_recipients_message_id_fkey" FOREIGN KEY ("message_id") REFERENCES "messages"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- A tenant's SMS numbers, bought into its Twilio subaccount and attached to its Messaging Service by the
-- `sms-number:{tenant}` workflow, which this row mirrors for the dashboard.
CREATE TABLE "sms_numbers" (
    "id" TEXT NOT NULL,
    "tenant_id" TEXT NOT NULL,
    "account_id" TEXT NOT NULL,
    "phone_number" TEXT NOT NULL,
    -- Twilio's IncomingPhoneNumber sid (PN…), once bought.
    "phone_number_sid" TEXT,
    "iso_country" TEXT,
    -- buying → active → releasing → released, or failed
    "status" TEXT NOT NULL DEFAULT 'buying',
    "workflow_id" TEXT,
    "last_error" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "released_at" TIMESTAMP(3),

    CONSTRAINT "sms_numbers_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "sms_numbers_phone_number_sid_key" ON "sms_numbers"("phone_number_sid");
CREATE INDEX "sms_numbers_tenant_id_idx" ON "sms_numbers"("tenant_id");
-- WARA: a number is held by at most one tenant while it is not released (a released number may be bought again).
CREATE UNIQUE INDEX "sms_numbers_phone_number_held_key" ON "sms_numbers"("phone_number") WHERE "status" <> 'released' AND "status" <> 'failed';
ALTER TABLE "sms_numbers" ADD CONSTRAINT "sms_numbers_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "sms_numbers" ADD CONSTRAINT "sms_numbers_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "integration_accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE;
