-- Which turn answered an inbound message, recorded when the turn's reply row is written (same statement):
-- the MessageSid that keys that reply. The thread used to infer bursts from created_at order, which is wrong
-- when a message is stored before the previous turn's reply row but answered in the next turn.
ALTER TABLE "messages" ADD COLUMN "turn_key_sid" TEXT;
