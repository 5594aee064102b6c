-- Hand-edited parts of this migration (Prisma cannot express them) are marked "-- WARA:".

-- WARA: trigram matching for fuzzy product names (trusted extension: no superuser needed on PG >= 13).
CREATE EXTENSION IF NOT EXISTS "pg_trgm";

-- WARA: the document products are searched by (column products.search_vector). SKU as-is ('simple'),
-- text stemmed ('english') and unstemmed ('simple', for non-English catalogues); weights rank name/SKU
-- over category over description. A function keeps the generated-column expression short, so the schema
-- can repeat it verbatim (Prisma diffs it as the column default). Changing it later needs a migration that
-- also rewrites stored values (UPDATE products SET name = name).
CREATE FUNCTION product_search_vector(sku TEXT, name TEXT, category TEXT, description TEXT)
RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT setweight(to_tsvector('simple'::regconfig, coalesce(sku, '')), 'A') ||
           setweight(to_tsvector('english'::regconfig, coalesce(name, '')), 'A') ||
           setweight(to_tsvector('simple'::regconfig, coalesce(name, '')), 'A') ||
           setweight(to_tsvector('english'::regconfig, coalesce(category, '')), 'B') ||
           setweight(to_tsvector('english'::regconfig, coalesce(description, '')), 'C');
$$;

-- CreateEnum
CREATE TYPE "subscription_status" AS ENUM ('trialing', 'trial_expired', 'active', 'past_due', 'unpaid', 'canceled', 'incomplete', 'incomplete_expired', 'paused');

-- CreateEnum
CREATE TYPE "catalog_import_status" AS ENUM ('pending', 'running', 'completed', 'failed');

-- CreateEnum
CREATE TYPE "catalog_file_format" AS ENUM ('csv', 'json');

-- CreateEnum
CREATE TYPE "conversation_status" AS ENUM ('open', 'archived');

-- CreateEnum
CREATE TYPE "message_direction" AS ENUM ('inbound', 'outbound');

-- CreateEnum
CREATE TYPE "message_status" AS ENUM ('received', 'queued', 'sending', 'sent', 'delivered', 'read', 'failed', 'undelivered', 'not_sent');

-- CreateEnum
CREATE TYPE "message_source" AS ENUM ('customer', 'ai', 'human', 'system', 'template', 'broadcast');

-- CreateEnum
CREATE TYPE "broadcast_status" AS ENUM ('draft', 'running', 'completed', 'cancelled', 'failed');

-- CreateEnum
CREATE TYPE "integration_provider" AS ENUM ('twilio');

-- CreateEnum
CREATE TYPE "channel" AS ENUM ('whatsapp', 'sms');

-- CreateEnum
CREATE TYPE "integration_status" AS ENUM ('not_connected', 'connecting', 'waiting_for_sender', 'connected', 'failed', 'disconnected');

-- CreateEnum
CREATE TYPE "identifier_kind" AS ENUM ('phone_number', 'whatsapp_number', 'messaging_service_sid', 'account_sid');

-- CreateEnum
CREATE TYPE "audit_actor_type" AS ENUM ('user', 'admin', 'system', 'workflow', 'webhook');

-- CreateEnum
CREATE TYPE "analytics_scope" AS ENUM ('tenant', 'global');

-- CreateEnum
CREATE TYPE "health_status" AS ENUM ('ok', 'degraded', 'failed');

-- CreateEnum
CREATE TYPE "alert_severity" AS ENUM ('info', 'warning', 'critical');

-- CreateEnum
CREATE TYPE "email_status" AS ENUM ('pending', 'sent', 'captured', 'failed');

-- CreateEnum
CREATE TYPE "tenant_status" AS ENUM ('active', 'suspended', 'closed');

-- CreateEnum
CREATE TYPE "user_role" AS ENUM ('owner', 'member');

-- CreateTable
CREATE TABLE "plans" (
    "id" TEXT NOT NULL,
    "code" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "monthly_reply_limit" INTEGER NOT NULL,
    "price_id" TEXT,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "plans_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "subscriptions" (
    "id" TEXT NOT NULL,
    "tenant_id" TEXT NOT NULL,
    "stripe_customer_id" TEXT,
    "stripe_subscription_id" TEXT,
    "status" "subscription_status" NOT NULL DEFAULT 'trialing',
    "plan_code" TEXT NOT NULL DEFAULT 'trial',
    "current_period_start" TIMESTAMP(3),
    "current_period_end" TIMESTAMP(3),
    "cancel_at_period_end" BOOLEAN NOT NULL DEFAULT false,
    "billing_workflow_id" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "subscriptions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "usage_counters" (
    "id" TEXT NOT NULL,
    "tenant_id" TEXT NOT NULL,
    "period_start" TIMESTAMP(3) NOT NULL,
    "period_end" TIMESTAMP(3),
    "replies" INTEGER NOT NULL DEFAULT 0,
    "limit_reached_at" TIMESTAMP(3),
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "usage_counters_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "processed_stripe_events" (
    "id" TEXT NOT NULL,
    "event_id" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "processed_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "processed_stripe_events_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "catalogs" (
    "id" TEXT NOT NULL,
    "tenant_id" TEXT NOT NULL,
    "default_currency" VARCHAR(3) NOT NULL DEFAULT 'USD',
    "product_count" INTEGER NOT NULL DEFAULT 0,
    "last_imported_at" TIMESTAMP(3),
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "catalogs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "products" (
    "id" TEXT NOT NULL,
    "tenant_id" TEXT NOT NULL,
    "sku" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT,
    "price" DECIMAL(14,3),
    "currency" VARCHAR(3) NOT NULL DEFAULT 'USD',
    "stock" INTEGER,
    "category" TEXT,
    "url" TEXT,
    "image_url" TEXT,
    "attributes" JSONB,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "row_hash" TEXT,
    "last_import_id" TEXT,
    -- WARA: generated, never written by the app (see product_search_vector above).
    "search_vector" tsvector GENERATED ALWAYS AS (product_search_vector("sku", "name", "category", "description")) STORED,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "products_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "catalog_imports" (
    "id" TEXT NOT NULL,
    "tenant_id" TEXT NOT NULL,
    "upload_id" TEXT NOT NULL,
    "file_name" TEXT NOT NULL,
    "format" "catalog_file_format" NOT NULL,
    "status" "catalog_import_status" NOT NULL DEFAULT 'pending',
    "rows_total" INTEGER,
    "rows_done" INTEGER NOT NULL DEFAULT 0,
    "created_count" INTEGER NOT NULL DEFAULT 0,
    "updated_count" INTEGER NOT NULL DEFAULT 0,
    "unchanged_count" INTEGER NOT NULL DEFAULT 0,
    "rejected_count" INTEGER NOT NULL DEFAULT 0,
    "error" TEXT,
    "workflow_id" TEXT,
    "created_by_user_id" TEXT,
    "started_at" TIMESTAMP(3),
    "finished_at" TIMESTAMP(3),
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "catalog_imports_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "catalog_import_errors" (
    "id" TEXT NOT NULL,
    "tenant_id" TEXT NOT NULL,
    "import_id" TEXT NOT NULL,
    "row_number" INTEGER NOT NULL,
    "field" TEXT,
    "reason" TEXT NOT NULL,
    "value" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "catalog_import_errors_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "conversations" (
    "id" TEXT NOT NULL,
    "tenant_id" TEXT NOT NULL,
    "account_id" TEXT,
    "channel" "channel" NOT NULL,
    "customer_address" TEXT NOT NULL,
    "customer_name" TEXT,
    "workflow_id" TEXT,
    "status" "conversation_status" NOT NULL DEFAULT 'open',
    "ai_paused" BOOLEAN NOT NULL DEFAULT false,
    "ai_paused_at" TIMESTAMP(3),
    "ai_paused_by" TEXT,
    "opted_out" BOOLEAN NOT NULL DEFAULT false,
    "opted_out_at" TIMESTAMP(3),
    "last_inbound_at" TIMESTAMP(3),
    "last_message_at" TIMESTAMP(3),
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "conversations_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "messages" (
    "id" TEXT NOT NULL,
    "tenant_id" TEXT NOT NULL,
    "conversation_id" TEXT NOT NULL,
    "direction" "message_direction" NOT NULL,
    "provider_message_sid" TEXT,
    "reply_to_message_sid" TEXT,
    "body" TEXT NOT NULL,
    "media" JSONB,
    "status" "message_status" NOT NULL,
    "error_code" TEXT,
    "error_message" TEXT,
    "source" "message_source" NOT NULL,
    "content_sid" TEXT,
    "broadcast_id" TEXT,
    "model" TEXT,
    "prompt_tokens" INTEGER,
    "completion_tokens" INTEGER,
    "latency_ms" INTEGER,
    "fallback" BOOLEAN NOT NULL DEFAULT false,
    "products_used" JSONB,
    "status_updated_at" TIMESTAMP(3),
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "messages_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "broadcasts" (
    "id" TEXT NOT NULL,
    "tenant_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "content_sid" TEXT NOT NULL,
    "content_variables" JSONB,
    "status" "broadcast_status" NOT NULL DEFAULT 'draft',
    "recipients_total" INTEGER NOT NULL DEFAULT 0,
    "sent_count" INTEGER NOT NULL DEFAULT 0,
    "failed_count" INTEGER NOT NULL DEFAULT 0,
    "skipped_count" INTEGER NOT NULL DEFAULT 0,
    "workflow_id" TEXT,
    "created_by_user_id" TEXT,
    "started_at" TIMESTAMP(3),
    "finished_at" TIMESTAMP(3),
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "broadcasts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "integration_accounts" (
    "id" TEXT NOT NULL,
    "tenant_id" TEXT NOT NULL,
    "provider" "integration_provider" NOT NULL DEFAULT 'twilio',
    "channel" "channel" NOT NULL DEFAULT 'whatsapp',
    "status" "integration_status" NOT NULL DEFAULT 'not_connected',
    "subaccount_sid" TEXT,
    "api_key_sid" TEXT,
    "messaging_service_sid" TEXT,
    "sender_sid" TEXT,
    "onboarding_workflow_id" TEXT,
    "last_error" TEXT,
    "connected_at" TIMESTAMP(3),
    "disconnected_at" TIMESTAMP(3),
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "integration_accounts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "integration_identifiers" (
    "id" TEXT NOT NULL,
    "tenant_id" TEXT NOT NULL,
    "account_id" TEXT NOT NULL,
    "kind" "identifier_kind" NOT NULL,
    "value" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "integration_identifiers_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "encrypted_secrets" (
    "id" TEXT NOT NULL,
    "tenant_id" TEXT NOT NULL,
    "account_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "key_id" TEXT NOT NULL,
    "iv" BYTEA NOT NULL,
    "ciphertext" BYTEA NOT NULL,
    "auth_tag" BYTEA NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "encrypted_secrets_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "audit_logs" (
    "id" TEXT NOT NULL,
    "tenant_id" TEXT,
    "actor_user_id" TEXT,
    "actor_type" "audit_actor_type" NOT NULL,
    "action" TEXT NOT NULL,
    "target_type" TEXT,
    "target_id" TEXT,
    "details" JSONB,
    "ip" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "audit_logs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "analytics_daily" (
    "id" TEXT NOT NULL,
    "scope" "analytics_scope" NOT NULL,
    "tenant_id" TEXT,
    "day" DATE NOT NULL,
    "messages_in" INTEGER NOT NULL DEFAULT 0,
    "messages_out" INTEGER NOT NULL DEFAULT 0,
    "replies" INTEGER NOT NULL DEFAULT 0,
    "fallback_replies" INTEGER NOT NULL DEFAULT 0,
    "delivery_failures" INTEGER NOT NULL DEFAULT 0,
    "new_conversations" INTEGER NOT NULL DEFAULT 0,
    "active_conversations" INTEGER NOT NULL DEFAULT 0,
    "latency_ms_sum" BIGINT NOT NULL DEFAULT 0,
    "latency_count" INTEGER NOT NULL DEFAULT 0,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "analytics_daily_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "analytics_hourly" (
    "id" TEXT NOT NULL,
    "scope" "analytics_scope" NOT NULL,
    "tenant_id" TEXT,
    "hour" TIMESTAMP(3) NOT NULL,
    "messages_in" INTEGER NOT NULL DEFAULT 0,
    "messages_out" INTEGER NOT NULL DEFAULT 0,
    "replies" INTEGER NOT NULL DEFAULT 0,
    "fallback_replies" INTEGER NOT NULL DEFAULT 0,
    "delivery_failures" INTEGER NOT NULL DEFAULT 0,
    "new_conversations" INTEGER NOT NULL DEFAULT 0,
    "active_conversations" INTEGER NOT NULL DEFAULT 0,
    "latency_ms_sum" BIGINT NOT NULL DEFAULT 0,
    "latency_count" INTEGER NOT NULL DEFAULT 0,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "analytics_hourly_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "analytics_watermarks" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "last_event_at" TIMESTAMP(3),
    "last_message_id" TEXT,
    "last_run_at" TIMESTAMP(3),
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "analytics_watermarks_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "health_check_runs" (
    "id" TEXT NOT NULL,
    "started_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMP(3),
    "status" "health_status" NOT NULL,
    "components" JSONB NOT NULL,
    "workflow_id" TEXT,
    "run_id" TEXT,

    CONSTRAINT "health_check_runs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "alerts" (
    "id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "severity" "alert_severity" NOT NULL,
    "message" TEXT NOT NULL,
    "channel" TEXT NOT NULL,
    "sent_at" TIMESTAMP(3),
    "error" TEXT,
    "details" JSONB,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "alerts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "email_outbox" (
    "id" TEXT NOT NULL,
    "tenant_id" TEXT,
    "to" TEXT NOT NULL,
    "subject" TEXT NOT NULL,
    "text" TEXT NOT NULL,
    "html" TEXT,
    "status" "email_status" NOT NULL DEFAULT 'pending',
    "error" TEXT,
    "sent_at" TIMESTAMP(3),
    "workflow_id" TEXT,
    "idempotency_key" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "email_outbox_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "tenants" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "slug" TEXT NOT NULL,
    "plan" TEXT NOT NULL DEFAULT 'trial',
    "status" "tenant_status" NOT NULL DEFAULT 'active',
    "trial_ends_at" TIMESTAMP(3),
    "attribution" JSONB,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "tenants_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "users" (
    "id" TEXT NOT NULL,
    "tenant_id" TEXT NOT NULL,
    "email" TEXT NOT NULL,
    "name" TEXT,
    "password_hash" TEXT,
    "google_sub" TEXT,
    "role" "user_role" NOT NULL DEFAULT 'owner',
    "is_admin" BOOLEAN NOT NULL DEFAULT false,
    "last_login_at" TIMESTAMP(3),
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "users_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "sessions" (
    "id" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "tenant_id" TEXT NOT NULL,
    "csrf_token_hash" TEXT NOT NULL,
    "expires_at" TIMESTAMP(3) NOT NULL,
    "revoked_at" TIMESTAMP(3),
    "last_seen_at" TIMESTAMP(3),
    "ip" TEXT,
    "user_agent" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "sessions_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "plans_code_key" ON "plans"("code");

-- CreateIndex
CREATE UNIQUE INDEX "plans_price_id_key" ON "plans"("price_id");

-- CreateIndex
CREATE UNIQUE INDEX "subscriptions_tenant_id_key" ON "subscriptions"("tenant_id");

-- CreateIndex
CREATE UNIQUE INDEX "subscriptions_stripe_customer_id_key" ON "subscriptions"("stripe_customer_id");

-- CreateIndex
CREATE UNIQUE INDEX "subscriptions_stripe_subscription_id_key" ON "subscriptions"("stripe_subscription_id");

-- CreateIndex
CREATE INDEX "subscriptions_status_idx" ON "subscriptions"("status");

-- CreateIndex
CREATE UNIQUE INDEX "usage_counters_tenant_id_period_start_key" ON "usage_counters"("tenant_id", "period_start");

-- CreateIndex
CREATE UNIQUE INDEX "processed_stripe_events_event_id_key" ON "processed_stripe_events"("event_id");

-- CreateIndex
CREATE UNIQUE INDEX "catalogs_tenant_id_key" ON "catalogs"("tenant_id");

-- CreateIndex
CREATE INDEX "products_search_vector_idx" ON "products" USING GIN ("search_vector");

-- CreateIndex
CREATE INDEX "products_name_trgm_idx" ON "products" USING GIN ("name" gin_trgm_ops);

-- CreateIndex
CREATE INDEX "products_tenant_id_category_idx" ON "products"("tenant_id", "category");

-- CreateIndex
CREATE UNIQUE INDEX "products_tenant_id_sku_key" ON "products"("tenant_id", "sku");

-- CreateIndex
CREATE INDEX "catalog_imports_tenant_id_created_at_idx" ON "catalog_imports"("tenant_id", "created_at" DESC);

-- CreateIndex
CREATE UNIQUE INDEX "catalog_imports_tenant_id_upload_id_key" ON "catalog_imports"("tenant_id", "upload_id");

-- CreateIndex
CREATE INDEX "catalog_import_errors_import_id_row_number_idx" ON "catalog_import_errors"("import_id", "row_number");

-- CreateIndex
CREATE INDEX "catalog_import_errors_tenant_id_idx" ON "catalog_import_errors"("tenant_id");

-- CreateIndex
CREATE INDEX "conversations_tenant_id_last_message_at_idx" ON "conversations"("tenant_id", "last_message_at" DESC);

-- CreateIndex
CREATE UNIQUE INDEX "conversations_tenant_id_channel_customer_address_key" ON "conversations"("tenant_id", "channel", "customer_address");

-- CreateIndex
CREATE UNIQUE INDEX "messages_provider_message_sid_key" ON "messages"("provider_message_sid");

-- CreateIndex
CREATE UNIQUE INDEX "messages_reply_to_message_sid_key" ON "messages"("reply_to_message_sid");

-- CreateIndex
CREATE INDEX "messages_tenant_id_created_at_id_idx" ON "messages"("tenant_id", "created_at" DESC, "id");

-- CreateIndex
CREATE INDEX "messages_conversation_id_created_at_idx" ON "messages"("conversation_id", "created_at");

-- CreateIndex
CREATE INDEX "messages_created_at_idx" ON "messages"("created_at");

-- CreateIndex
CREATE INDEX "messages_broadcast_id_idx" ON "messages"("broadcast_id");

-- CreateIndex
CREATE INDEX "broadcasts_tenant_id_created_at_idx" ON "broadcasts"("tenant_id", "created_at" DESC);

-- CreateIndex
CREATE UNIQUE INDEX "integration_accounts_subaccount_sid_key" ON "integration_accounts"("subaccount_sid");

-- CreateIndex
CREATE UNIQUE INDEX "integration_accounts_tenant_id_provider_channel_key" ON "integration_accounts"("tenant_id", "provider", "channel");

-- CreateIndex
CREATE INDEX "integration_identifiers_account_id_idx" ON "integration_identifiers"("account_id");

-- CreateIndex
CREATE UNIQUE INDEX "integration_identifiers_kind_value_key" ON "integration_identifiers"("kind", "value");

-- CreateIndex
CREATE INDEX "encrypted_secrets_tenant_id_idx" ON "encrypted_secrets"("tenant_id");

-- CreateIndex
CREATE INDEX "encrypted_secrets_key_id_idx" ON "encrypted_secrets"("key_id");

-- CreateIndex
CREATE UNIQUE INDEX "encrypted_secrets_account_id_name_key" ON "encrypted_secrets"("account_id", "name");

-- CreateIndex
CREATE INDEX "audit_logs_tenant_id_created_at_idx" ON "audit_logs"("tenant_id", "created_at");

-- CreateIndex
CREATE INDEX "audit_logs_action_created_at_idx" ON "audit_logs"("action", "created_at");

-- CreateIndex
CREATE INDEX "audit_logs_created_at_idx" ON "audit_logs"("created_at");

-- CreateIndex
CREATE INDEX "analytics_daily_day_idx" ON "analytics_daily"("day");

-- CreateIndex
-- WARA: NULLS NOT DISTINCT so the global row (tenant_id NULL) is unique per bucket too.
CREATE UNIQUE INDEX "analytics_daily_scope_tenant_id_day_key" ON "analytics_daily"("scope", "tenant_id", "day") NULLS NOT DISTINCT;

-- CreateIndex
CREATE INDEX "analytics_hourly_hour_idx" ON "analytics_hourly"("hour");

-- CreateIndex
-- WARA: NULLS NOT DISTINCT so the global row (tenant_id NULL) is unique per bucket too.
CREATE UNIQUE INDEX "analytics_hourly_scope_tenant_id_hour_key" ON "analytics_hourly"("scope", "tenant_id", "hour") NULLS NOT DISTINCT;

-- CreateIndex
CREATE UNIQUE INDEX "analytics_watermarks_name_key" ON "analytics_watermarks"("name");

-- CreateIndex
CREATE INDEX "health_check_runs_started_at_idx" ON "health_check_runs"("started_at");

-- CreateIndex
CREATE INDEX "alerts_kind_created_at_idx" ON "alerts"("kind", "created_at");

-- CreateIndex
CREATE INDEX "alerts_created_at_idx" ON "alerts"("created_at");

-- CreateIndex
CREATE UNIQUE INDEX "email_outbox_idempotency_key_key" ON "email_outbox"("idempotency_key");

-- CreateIndex
CREATE INDEX "email_outbox_status_created_at_idx" ON "email_outbox"("status", "created_at");

-- CreateIndex
CREATE INDEX "email_outbox_tenant_id_created_at_idx" ON "email_outbox"("tenant_id", "created_at");

-- CreateIndex
CREATE UNIQUE INDEX "tenants_slug_key" ON "tenants"("slug");

-- CreateIndex
CREATE UNIQUE INDEX "users_email_key" ON "users"("email");

-- CreateIndex
CREATE UNIQUE INDEX "users_google_sub_key" ON "users"("google_sub");

-- CreateIndex
CREATE INDEX "users_tenant_id_idx" ON "users"("tenant_id");

-- CreateIndex
CREATE INDEX "sessions_user_id_idx" ON "sessions"("user_id");

-- CreateIndex
CREATE INDEX "sessions_expires_at_idx" ON "sessions"("expires_at");

-- AddForeignKey
ALTER TABLE "subscriptions" ADD CONSTRAINT "subscriptions_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "usage_counters" ADD CONSTRAINT "usage_counters_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "catalogs" ADD CONSTRAINT "catalogs_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "products" ADD CONSTRAINT "products_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "catalog_imports" ADD CONSTRAINT "catalog_imports_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "catalog_import_errors" ADD CONSTRAINT "catalog_import_errors_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "catalog_import_errors" ADD CONSTRAINT "catalog_import_errors_import_id_fkey" FOREIGN KEY ("import_id") REFERENCES "catalog_imports"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "conversations" ADD CONSTRAINT "conversations_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "conversations" ADD CONSTRAINT "conversations_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "integration_accounts"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "messages" ADD CONSTRAINT "messages_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "messages" ADD CONSTRAINT "messages_conversation_id_fkey" FOREIGN KEY ("conversation_id") REFERENCES "conversations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "messages" ADD CONSTRAINT "messages_broadcast_id_fkey" FOREIGN KEY ("broadcast_id") REFERENCES "broadcasts"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "broadcasts" ADD CONSTRAINT "broadcasts_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "integration_accounts" ADD CONSTRAINT "integration_accounts_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "integration_identifiers" ADD CONSTRAINT "integration_identifiers_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "integration_identifiers" ADD CONSTRAINT "integration_identifiers_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "integration_accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "encrypted_secrets" ADD CONSTRAINT "encrypted_secrets_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "encrypted_secrets" ADD CONSTRAINT "encrypted_secrets_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "integration_accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "audit_logs" ADD CONSTRAINT "audit_logs_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "analytics_daily" ADD CONSTRAINT "analytics_daily_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "analytics_hourly" ADD CONSTRAINT "analytics_hourly_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "email_outbox" ADD CONSTRAINT "email_outbox_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "users" ADD CONSTRAINT "users_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- WARA: invariants Prisma cannot declare.
ALTER TABLE "users" ADD CONSTRAINT "users_email_lowercase_check" CHECK ("email" = lower("email"));
ALTER TABLE "analytics_daily" ADD CONSTRAINT "analytics_daily_scope_check"
    CHECK (("scope" = 'global') = ("tenant_id" IS NULL));
ALTER TABLE "analytics_hourly" ADD CONSTRAINT "analytics_hourly_scope_check"
    CHECK (("scope" = 'global') = ("tenant_id" IS NULL));
ALTER TABLE "messages" ADD CONSTRAINT "messages_reply_to_outbound_check"
    CHECK ("reply_to_message_sid" IS NULL OR "direction" = 'outbound');
