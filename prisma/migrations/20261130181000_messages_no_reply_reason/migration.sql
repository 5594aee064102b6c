-- Why an inbound message got no AI reply (opted out, AI paused, trial ended, reply limit…), so the
-- dashboard can say so next to the message instead of leaving the merchant to guess.
ALTER TABLE "messages" ADD COLUMN "no_reply_reason" TEXT;
