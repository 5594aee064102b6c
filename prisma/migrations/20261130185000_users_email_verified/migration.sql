-- An email address is trusted once its owner followed the signed link we sent to it (or Google vouched for
-- it). Until then the account cannot connect WhatsApp or pay, and Google sign-in never links to it.
ALTER TABLE "users" ADD COLUMN "email_verified_at" TIMESTAMP(3);
-- Accounts created through Google: Google verified the address.
UPDATE "users" SET "email_verified_at" = "created_at" WHERE "google_sub" IS NOT NULL;
