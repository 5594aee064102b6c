-- Analytics (mission §6): an event log written by triggers, hourly rollups refreshed from it by the
-- analytics-refresh workflow, and the watermark row. Replaces the unused placeholder tables of the init
-- migration (analytics_daily / analytics_hourly had one column per metric, no histogram, no dimension).

-- DropTable
DROP TABLE "analytics_daily";
DROP TABLE "analytics_hourly";

-- DropEnum
DROP TYPE "analytics_scope";

-- AlterTable
ALTER TABLE "tenants" ADD COLUMN "time_zone" TEXT NOT NULL DEFAULT 'UTC';

-- AlterTable
ALTER TABLE "analytics_watermarks" DROP COLUMN "last_event_at",
DROP COLUMN "last_message_id",
ADD COLUMN "batch_cursor_id" BIGINT,
ADD COLUMN "batch_cursor_xid" TEXT,
ADD COLUMN "batch_events" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN "batch_ms" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN "batch_snapshot" TEXT,
ADD COLUMN "batch_taken_at" TIMESTAMP(3),
ADD COLUMN "counted_snapshot" TEXT NOT NULL DEFAULT '1:1:',
ADD COLUMN "last_refresh_events" INTEGER,
ADD COLUMN "last_refresh_ms" INTEGER,
ADD COLUMN "pruned_before" TIMESTAMP(3);

-- CreateTable
CREATE TABLE "analytics_events" (
    "id" BIGSERIAL NOT NULL,
    "xid" xid8 NOT NULL DEFAULT pg_current_xact_id(),
    "tenant_id" TEXT NOT NULL,
    "metric" TEXT NOT NULL,
    "dimension" TEXT NOT NULL DEFAULT '',
    "occurred_at" TIMESTAMP(3) NOT NULL,
    "delta" INTEGER NOT NULL,
    "value" BIGINT NOT NULL DEFAULT 0,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "analytics_events_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "analytics_rollups" (
    "tenant_id" TEXT NOT NULL,
    "hour" TIMESTAMP(3) NOT NULL,
    "metric" TEXT NOT NULL,
    "dimension" TEXT NOT NULL DEFAULT '',
    "count" INTEGER NOT NULL DEFAULT 0,
    "sum" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "analytics_rollups_pkey" PRIMARY KEY ("tenant_id","hour","metric","dimension")
);

-- CreateTable
CREATE TABLE "analytics_daily_rollups" (
    "tenant_id" TEXT NOT NULL,
    "day" DATE NOT NULL,
    "metric" TEXT NOT NULL,
    "dimension" TEXT NOT NULL DEFAULT '',
    "count" INTEGER NOT NULL DEFAULT 0,
    "sum" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "analytics_daily_rollups_pkey" PRIMARY KEY ("tenant_id","day","metric","dimension")
);

-- CreateTable
CREATE TABLE "analytics_platform_rollups" (
    "hour" TIMESTAMP(3) NOT NULL,
    "metric" TEXT NOT NULL,
    "dimension" TEXT NOT NULL DEFAULT '',
    "count" INTEGER NOT NULL DEFAULT 0,
    "sum" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "analytics_platform_rollups_pkey" PRIMARY KEY ("hour","metric","dimension")
);

-- CreateIndex
CREATE INDEX "analytics_events_xid_id_idx" ON "analytics_events"("xid", "id");

-- CreateIndex
CREATE INDEX "analytics_events_tenant_id_occurred_at_idx" ON "analytics_events"("tenant_id", "occurred_at");

-- CreateIndex
CREATE INDEX "analytics_rollups_metric_hour_idx" ON "analytics_rollups"("metric", "hour");

-- AddForeignKey
ALTER TABLE "analytics_events" ADD CONSTRAINT "analytics_events_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "analytics_daily_rollups" ADD CONSTRAINT "analytics_daily_rollups_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "analytics_rollups" ADD CONSTRAINT "analytics_rollups_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- WARA: the capture of analytics events. Triggers, not code at each write point: every path that writes a
-- message, a conversation or a usage count (webhooks, replies, sends, status callbacks, manual replies,
-- broadcasts, SMS, and whatever comes next) is counted, in the same transaction as its change, with no
-- edit there. A row contributes a set of facts while it is as it is; a change writes the difference of the
-- old and the new row's facts (+1 for a fact that starts holding, -1 for one that stops), each at the
-- instant it counts for. So a delivery failure reported an hour after the send lands in the hour the
-- message was sent, and one that a later status overturns is taken back there.

-- The facts a message row contributes. "Sent" = Twilio has it (a sid) or it failed on its way.
CREATE FUNCTION analytics_message_facts(m messages) RETURNS TABLE (metric text, dimension text)
LANGUAGE sql IMMUTABLE AS $$
  SELECT f.metric, f.dimension
  FROM (VALUES
    ('messages_in', '', m.direction = 'inbound'),
    ('messages_out', m.source::text, m.direction = 'outbound' AND (m.provider_message_sid IS NOT NULL OR m.status IN ('failed', 'undelivered'))),
    ('ai_replies', '', m.direction = 'outbound' AND m.source = 'ai' AND (m.provider_message_sid IS NOT NULL OR m.status IN ('failed', 'undelivered'))),
    ('ai_fallbacks', '', m.direction = 'outbound' AND m.source = 'ai' AND m.fallback AND (m.provider_message_sid IS NOT NULL OR m.status IN ('failed', 'undelivered'))),
    -- The answer check refused a draft: corrected by the second draft, or replaced by the safe answer.
    ('answer_check_replacements', CASE WHEN m.fallback THEN 'safe_answer' ELSE 'corrected' END,
     m.direction = 'outbound' AND m.source = 'ai' AND (m.provider_message_sid IS NOT NULL OR m.status IN ('failed', 'undelivered'))
       -- CASE, not AND: the length of a non-array is an error, and this must never fail the business write.
       AND CASE WHEN jsonb_typeof(m.prompt -> 'rejected') = 'array' THEN jsonb_array_length(m.prompt -> 'rejected') > 0 ELSE false END),
    ('delivery_failures', coalesce(m.error_code, 'unknown'), m.direction = 'outbound' AND m.status IN ('failed', 'undelivered'))
  ) AS f(metric, dimension, holds)
  WHERE f.holds
$$;

CREATE FUNCTION analytics_capture_message() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  turn_started timestamp(3);
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO analytics_events (tenant_id, metric, dimension, occurred_at, delta)
    SELECT NEW.tenant_id, f.metric, f.dimension, NEW.created_at, 1 FROM analytics_message_facts(NEW) f;
  ELSE
    INSERT INTO analytics_events (tenant_id, metric, dimension, occurred_at, delta)
    SELECT d.tenant_id, d.metric, d.dimension, d.at, d.delta
    FROM (
      (SELECT NEW.tenant_id, f.metric, f.dimension, NEW.created_at AS at, 1 AS delta FROM analytics_message_facts(NEW) f
       EXCEPT ALL
       SELECT OLD.tenant_id, f.metric, f.dimension, OLD.created_at, 1 FROM analytics_message_facts(OLD) f)
      UNION ALL
      (SELECT OLD.tenant_id, f.metric, f.dimension, OLD.created_at, -1 FROM analytics_message_facts(OLD) f
       EXCEPT ALL
       SELECT NEW.tenant_id, f.metric, f.dimension, NEW.created_at, -1 FROM analytics_message_facts(NEW) f)
    ) AS d(tenant_id, metric, dimension, at, delta);
  END IF;

  -- First-response time: when Twilio takes an AI reply (its sid is recorded, by the send or by the first
  -- status callback), from the first customer message of the turn it answers. The turn's messages carry the
  -- reply's key (turn_key_sid, written with the reply row); the day bound keeps the look-up on the
  -- conversation's (conversation_id, created_at) index.
  IF NEW.direction = 'outbound' AND NEW.source = 'ai' AND NEW.reply_to_message_sid IS NOT NULL
     AND NEW.provider_message_sid IS NOT NULL AND (TG_OP = 'INSERT' OR OLD.provider_message_sid IS NULL) THEN
    SELECT min(i.created_at) INTO turn_started
    FROM messages i
    WHERE i.conversation_id = NEW.conversation_id AND i.direction = 'inbound'
      AND i.created_at >= NEW.created_at - interval '1 day' AND i.created_at <= NEW.created_at
      AND (i.turn_key_sid = NEW.reply_to_message_sid OR i.provider_message_sid = NEW.reply_to_message_sid);
    IF turn_started IS NOT NULL THEN
      INSERT INTO analytics_events (tenant_id, metric, dimension, occurred_at, delta, value)
      VALUES (NEW.tenant_id, 'first_response_ms', '', NEW.created_at, 1,
              greatest(0, round(extract(epoch FROM NEW.updated_at - turn_started) * 1000))::bigint);
    END IF;
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER "analytics_capture_insert" AFTER INSERT ON "messages"
  FOR EACH ROW EXECUTE FUNCTION analytics_capture_message();
-- Only changes that can move a fact fire it (status callbacks mostly do not); `prompt` is written once, with
-- the row, so it is left out here rather than compared (a few KB of JSON) on every status callback.
CREATE TRIGGER "analytics_capture_update" AFTER UPDATE ON "messages"
  FOR EACH ROW
  WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.provider_message_sid IS DISTINCT FROM NEW.provider_message_sid
        OR OLD.error_code IS DISTINCT FROM NEW.error_code OR OLD.fallback IS DISTINCT FROM NEW.fallback
        OR OLD.source IS DISTINCT FROM NEW.source OR OLD.direction IS DISTINCT FROM NEW.direction
        OR OLD.created_at IS DISTINCT FROM NEW.created_at OR OLD.tenant_id IS DISTINCT FROM NEW.tenant_id)
  EXECUTE FUNCTION analytics_capture_message();

-- Conversations: started (a new row), opted out and taken over (the moment each flag turns on; START and
-- resume do not take one back: they are events, not states).
CREATE FUNCTION analytics_capture_conversation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO analytics_events (tenant_id, metric, dimension, occurred_at, delta)
  SELECT NEW.tenant_id, f.metric, '', f.at, 1
  FROM (VALUES
    ('conversations_started', NEW.created_at, TG_OP = 'INSERT'),
    ('opt_outs', coalesce(NEW.opted_out_at, NEW.updated_at), NEW.opted_out AND (TG_OP = 'INSERT' OR NOT OLD.opted_out)),
    ('takeovers', coalesce(NEW.ai_paused_at, NEW.updated_at), NEW.ai_paused AND (TG_OP = 'INSERT' OR NOT OLD.ai_paused))
  ) AS f(metric, at, holds)
  WHERE f.holds;
  RETURN NULL;
END $$;

CREATE TRIGGER "analytics_capture_insert" AFTER INSERT ON "conversations"
  FOR EACH ROW EXECUTE FUNCTION analytics_capture_conversation();
CREATE TRIGGER "analytics_capture_update" AFTER UPDATE ON "conversations"
  FOR EACH ROW
  WHEN ((NEW.opted_out AND NOT OLD.opted_out) OR (NEW.ai_paused AND NOT OLD.ai_paused))
  EXECUTE FUNCTION analytics_capture_conversation();

-- Replies used: every change of billing's own counter, as billing counts it (usage_counters).
CREATE FUNCTION analytics_capture_usage() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO analytics_events (tenant_id, metric, dimension, occurred_at, delta)
  SELECT NEW.tenant_id, 'replies_used', '', NEW.updated_at, NEW.replies - CASE WHEN TG_OP = 'INSERT' THEN 0 ELSE OLD.replies END
  WHERE NEW.replies <> CASE WHEN TG_OP = 'INSERT' THEN 0 ELSE OLD.replies END;
  RETURN NULL;
END $$;

CREATE TRIGGER "analytics_capture_insert" AFTER INSERT ON "usage_counters"
  FOR EACH ROW EXECUTE FUNCTION analytics_capture_usage();
CREATE TRIGGER "analytics_capture_update" AFTER UPDATE ON "usage_counters"
  FOR EACH ROW WHEN (OLD.replies IS DISTINCT FROM NEW.replies) EXECUTE FUNCTION analytics_capture_usage();

-- WARA: the one watermark row. '1:1:' is a snapshot in which no transaction is visible: nothing counted yet.
INSERT INTO "analytics_watermarks" ("id", "name", "counted_snapshot", "updated_at")
VALUES ('analytics', 'analytics', '1:1:', CURRENT_TIMESTAMP)
ON CONFLICT ("name") DO NOTHING;

-- WARA: backfill, so a database that already has conversations starts with its history: every row's facts
-- as they stand now (a first-response time from when its send was attempted, the closest record there is).
INSERT INTO analytics_events (tenant_id, metric, dimension, occurred_at, delta)
SELECT m.tenant_id, f.metric, f.dimension, m.created_at, 1 FROM messages m CROSS JOIN LATERAL analytics_message_facts(m) f;

INSERT INTO analytics_events (tenant_id, metric, dimension, occurred_at, delta, value)
SELECT r.tenant_id, 'first_response_ms', '', r.created_at, 1,
       greatest(0, round(extract(epoch FROM coalesce(r.send_attempted_at, r.created_at) - t.started) * 1000))::bigint
FROM messages r
CROSS JOIN LATERAL (
  SELECT min(i.created_at) AS started FROM messages i
  WHERE i.conversation_id = r.conversation_id AND i.direction = 'inbound'
    AND i.created_at >= r.created_at - interval '1 day' AND i.created_at <= r.created_at
    AND (i.turn_key_sid = r.reply_to_message_sid OR i.provider_message_sid = r.reply_to_message_sid)
) AS t
WHERE r.direction = 'outbound' AND r.source = 'ai' AND r.reply_to_message_sid IS NOT NULL
  AND r.provider_message_sid IS NOT NULL AND t.started IS NOT NULL;

INSERT INTO analytics_events (tenant_id, metric, dimension, occurred_at, delta)
SELECT c.tenant_id, f.metric, '', f.at, 1
FROM conversations c
CROSS JOIN LATERAL (VALUES
  ('conversations_started', c.created_at, true),
  ('opt_outs', coalesce(c.opted_out_at, c.updated_at), c.opted_out),
  ('takeovers', coalesce(c.ai_paused_at, c.updated_at), c.ai_paused)
) AS f(metric, at, holds)
WHERE f.holds;

INSERT INTO analytics_events (tenant_id, metric, dimension, occurred_at, delta)
SELECT u.tenant_id, 'replies_used', '', u.updated_at, u.replies FROM usage_counters u WHERE u.replies <> 0;
