-- The outbox between the API and the conversation workflows carries every signal the API owes a workflow,
-- not only inbound messages: takeover, resume and manual replies too, so none is lost to a Temporal blip.
-- Inbound rows keep their MessageSid as the key; the others use `<kind>:<id>`.
ALTER TABLE "inbound_handoffs" ADD COLUMN "kind" TEXT NOT NULL DEFAULT 'inbound';
ALTER TABLE "inbound_handoffs" ADD COLUMN "payload" JSONB;
