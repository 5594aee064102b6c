import { join } from 'node:path';
import { startFakeOpenAI } from '../../fakes/openai/server.js';
import { DEFAULT_FAKE_STRIPE_PORT, DEFAULT_FAKE_STRIPE_SECRET_KEY, DEFAULT_FAKE_STRIPE_WEBHOOK_SECRET } from '../../fakes/stripe/defaults.js';
import { startFakeStripe } from '../../fakes/stripe/server.js';
import { DEFAULT_FAKE_ACCOUNT_SID, DEFAULT_FAKE_AUTH_TOKEN } from '../../fakes/twilio/defaults.js';
import { startFakeTwilio } from '../../fakes/twilio/server.js';

/**
 * Master credentials of the local Twilio stand-in: the stand-in's own fixed defaults (one source, printed in
 * the dev banner and in fakes/twilio/README.md), so a restarted dev stack keeps working.
 */
export const LOCAL_TWILIO = {
  accountSid: DEFAULT_FAKE_ACCOUNT_SID,
  authToken: DEFAULT_FAKE_AUTH_TOKEN,
} as const;
export const LOCAL_OPENAI_KEY = 'local-stand-in-key';
/** The Stripe stand-in's fixed test-mode key and webhook secret (fakes/stripe/defaults.ts), printed in the banner. */
export const LOCAL_STRIPE = {
  secretKey: DEFAULT_FAKE_STRIPE_SECRET_KEY,
  webhookSecret: DEFAULT_FAKE_STRIPE_WEBHOOK_SECRET,
} as const;

export interface LocalProviders {
  twilioUrl: string | null;
  openaiUrl: string | null;
  stripeUrl: string | null;
  describe(): string[];
  stop(): Promise<void>;
}

/**
 * Starts a stand-in for each provider that has no real credentials in the environment, so the run
 * command works offline while the same code talks to the real services when keys are present.
 */
export async function startLocalProviders(env: NodeJS.ProcessEnv, options: { dataDir?: string; apiUrl?: string } = {}): Promise<LocalProviders> {
  const closers: Array<() => Promise<void>> = [];
  let twilioUrl: string | null = null;
  let openaiUrl: string | null = null;
  let stripeUrl: string | null = null;
  let stripeWebhookUrl: string | null = null;

  if (!env.TWILIO_ACCOUNT_SID) {
    const twilio = await startFakeTwilio({
      port: Number(env.FAKE_TWILIO_PORT ?? 4010),
      masterAccountSid: LOCAL_TWILIO.accountSid,
      masterAuthToken: LOCAL_TWILIO.authToken,
      // Like Postgres and Temporal, the stand-in keeps its accounts under .data/: the database points at
      // subaccounts and keys that must still exist after a restart (otherwise every send fails with 20003).
      ...(options.dataDir ? { stateFile: join(options.dataDir, 'twilio', 'state.json') } : {}),
    });
    closers.push(() => twilio.close());
    twilioUrl = twilio.url;
  }
  if (!env.OPENAI_API_KEY) {
    const openai = await startFakeOpenAI({ port: Number(env.FAKE_OPENAI_PORT ?? 4020) });
    closers.push(() => openai.close());
    openaiUrl = openai.url;
  }

  if (!env.STRIPE_SECRET_KEY) {
    // Events go straight to the API (it may still be starting: the stand-in retries with backoff).
    stripeWebhookUrl = options.apiUrl ? `${options.apiUrl}/webhooks/stripe` : null;
    const stripe = await startFakeStripe({
      port: Number(env.FAKE_STRIPE_PORT ?? DEFAULT_FAKE_STRIPE_PORT),
      secretKey: LOCAL_STRIPE.secretKey,
      webhookSecret: LOCAL_STRIPE.webhookSecret,
      ...(stripeWebhookUrl ? { webhookUrl: stripeWebhookUrl } : {}),
      // Customers, prices and subscriptions outlive a restart, like the database that points at them.
      ...(options.dataDir ? { stateFile: join(options.dataDir, 'stripe', 'state.json') } : {}),
    });
    closers.push(() => stripe.close());
    stripeUrl = stripe.url;
  }

  return {
    twilioUrl,
    openaiUrl,
    stripeUrl,
    describe: () => [
      ...(twilioUrl
        ? [
            `  twilio         local stand-in ${twilioUrl} (control API: ${twilioUrl}/_control)`,
            `                 master account ${LOCAL_TWILIO.accountSid}, auth token ${LOCAL_TWILIO.authToken} (stand-in only)`,
          ]
        : ['  twilio         real Twilio (credentials from env)']),
      `  openai         ${openaiUrl ? `local stand-in ${openaiUrl} (API key: any, e.g. ${LOCAL_OPENAI_KEY})` : 'real OpenAI-compatible endpoint (key from env)'}`,
      ...(stripeUrl
        ? [
            `  stripe         local stand-in ${stripeUrl} (control API: ${stripeUrl}/_control; webhooks -> ${stripeWebhookUrl ?? 'none'})`,
            `                 secret key ${LOCAL_STRIPE.secretKey}, webhook secret ${LOCAL_STRIPE.webhookSecret} (stand-in only)`,
          ]
        : ['  stripe         real Stripe (STRIPE_SECRET_KEY from env; STRIPE_WEBHOOK_SECRET verifies its webhooks)']),
    ],
    stop: async () => {
      await Promise.all(closers.map((close) => close()));
    },
  };
}

/** Environment for the worker and API so the real SDKs reach the stand-ins. */
export function devProviderEnv(env: NodeJS.ProcessEnv, providers: LocalProviders): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  if (providers.twilioUrl) {
    out.TWILIO_ACCOUNT_SID = LOCAL_TWILIO.accountSid;
    out.TWILIO_AUTH_TOKEN = LOCAL_TWILIO.authToken;
    out.TWILIO_API_BASE_URL = providers.twilioUrl;
  }
  if (providers.openaiUrl) {
    out.OPENAI_API_KEY = LOCAL_OPENAI_KEY;
    out.OPENAI_BASE_URL = providers.openaiUrl;
  }
  if (providers.stripeUrl) {
    out.STRIPE_SECRET_KEY = LOCAL_STRIPE.secretKey;
    out.STRIPE_API_BASE_URL = providers.stripeUrl;
    out.STRIPE_WEBHOOK_SECRET = LOCAL_STRIPE.webhookSecret;
  }
  return { ...out, OPENAI_MODEL: env.OPENAI_MODEL ?? 'gpt-4o-mini' };
}
