// CLI: `tsx fakes/stripe/main.ts` starts the fake Stripe on loopback.
// Env: FAKE_STRIPE_PORT (default 4030), FAKE_STRIPE_HOST (default 127.0.0.1), STRIPE_SECRET_KEY and
// STRIPE_WEBHOOK_SECRET (fixed fake defaults), FAKE_STRIPE_WEBHOOK_URL (where events go),
// FAKE_STRIPE_STATE_FILE (keep state across restarts), FAKE_STRIPE_PUBLIC_URL (hosted page links).
import { DEFAULT_FAKE_STRIPE_PORT, DEFAULT_FAKE_STRIPE_SECRET_KEY, DEFAULT_FAKE_STRIPE_WEBHOOK_SECRET } from './defaults.js';
import { startFakeStripe } from './server.js';

async function main(): Promise<void> {
  const env = process.env;
  const secretKey = env['STRIPE_SECRET_KEY'] || DEFAULT_FAKE_STRIPE_SECRET_KEY;
  // A real key must never reach a stand-in that logs and stores everything in plain files.
  if (secretKey.startsWith('sk_live_')) throw new Error('STRIPE_SECRET_KEY is a live key; the fake accepts test keys only');
  const fake = await startFakeStripe({
    port: Number(env['FAKE_STRIPE_PORT'] || DEFAULT_FAKE_STRIPE_PORT),
    host: env['FAKE_STRIPE_HOST'] || '127.0.0.1',
    secretKey,
    webhookSecret: env['STRIPE_WEBHOOK_SECRET'] || DEFAULT_FAKE_STRIPE_WEBHOOK_SECRET,
    ...(env['FAKE_STRIPE_WEBHOOK_URL'] ? { webhookUrl: env['FAKE_STRIPE_WEBHOOK_URL'] } : {}),
    ...(env['FAKE_STRIPE_STATE_FILE'] ? { stateFile: env['FAKE_STRIPE_STATE_FILE'] } : {}),
    ...(env['FAKE_STRIPE_PUBLIC_URL'] ? { publicUrl: env['FAKE_STRIPE_PUBLIC_URL'] } : {}),
    log: (line) => console.log(`[fake-stripe] ${line}`),
  });
  // Neither the key nor the webhook secret is printed.
  const hook = fake.state.config.webhookUrls[0] ?? 'none (set FAKE_STRIPE_WEBHOOK_URL or PATCH /_control/config)';
  console.log(`[fake-stripe] listening on ${fake.url} (webhooks -> ${hook}${env['FAKE_STRIPE_STATE_FILE'] ? `, state in ${env['FAKE_STRIPE_STATE_FILE']}` : ''})`);
  const stop = () => {
    void fake.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error('[fake-stripe] failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
