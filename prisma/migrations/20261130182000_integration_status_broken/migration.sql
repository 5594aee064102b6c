-- A connection whose credentials stopped working (Twilio refused them: a rotated token, a revoked key, a
-- suspended or vanished subaccount). Shown as broken, with Twilio's reason, and reconnectable.
ALTER TYPE "integration_status" ADD VALUE 'broken';
