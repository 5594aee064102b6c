// CLI: `tsx fakes/twilio/main.ts` starts the fake Twilio on loopback.
// Env: FAKE_TWILIO_PORT (default 4010), FAKE_TWILIO_HOST (default 127.0.0.1),
// TWILIO_ACCOUNT_SID / TWILIO_AUTH_TOKEN (the master credentials; fixed fake defaults),
// FAKE_TWILIO_SENDER_ONLINE_AFTER_MS (default 60000), FAKE_TWILIO_STATE_FILE (keep accounts, keys,
// services, numbers... across restarts in this JSON file; unset = memory only).
import { DEFAULT_FAKE_ACCOUNT_SID, DEFAULT_FAKE_AUTH_TOKEN, DEFAULT_FAKE_TWILIO_PORT } from './defaults.js';
import { startFakeTwilio } from './server.js';

async function main(): Promise<void> {
  const port = Number(process.env['FAKE_TWILIO_PORT'] ?? DEFAULT_FAKE_TWILIO_PORT);
  const host = process.env['FAKE_TWILIO_HOST'] ?? '127.0.0.1';
  const onlineAfter = Number(process.env['FAKE_TWILIO_SENDER_ONLINE_AFTER_MS'] ?? 60_000);
  const fake = await startFakeTwilio({
    port,
    host,
    masterAccountSid: process.env['TWILIO_ACCOUNT_SID'] || DEFAULT_FAKE_ACCOUNT_SID,
    masterAuthToken: process.env['TWILIO_AUTH_TOKEN'] || DEFAULT_FAKE_AUTH_TOKEN,
    senderOnlineAfterMs: onlineAfter,
    ...(process.env['FAKE_TWILIO_STATE_FILE'] ? { stateFile: process.env['FAKE_TWILIO_STATE_FILE'] } : {}),
    log: (line) => console.log(`[fake-twilio] ${line}`),
  });
  // The account SID is an identifier, not a secret; the token is never printed.
  console.log(`[fake-twilio] listening on ${fake.url} (master ${fake.state.masterAccountSid})`);
  if (process.env['FAKE_TWILIO_STATE_FILE']) console.log(`[fake-twilio] state file ${process.env['FAKE_TWILIO_STATE_FILE']}`);
  const stop = () => {
    void fake.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error('[fake-twilio] failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
