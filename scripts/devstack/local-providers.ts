import { startFakeOpenAI } from '../../fakes/openai/server.js';
import { startFakeTwilio } from '../../fakes/twilio/server.js';

/** Master credentials of the local Twilio stand-in: fixed so a restarted dev stack keeps working. */
export const LOCAL_TWILIO = {
  accountSid: 'AC00000000000000000000000000000001',
  authToken: 'local-stand-in-auth-token-0001',
} as const;
export const LOCAL_OPENAI_KEY = 'local-stand-in-key';

export interface LocalProviders {
  twilioUrl: string | null;
  openaiUrl: string | null;
  describe(): string[];
  stop(): Promise<void>;
}

/**
 * Starts a stand-in for each provider that has no real credentials in the environment, so the run
 * command works offline while the same code talks to the real services when keys are present.
 */
export async function startLocalProviders(env: NodeJS.ProcessEnv): Promise<LocalProviders> {
  const closers: Array<() => Promise<void>> = [];
  let twilioUrl: string | null = null;
  let openaiUrl: string | null = null;

  if (!env.TWILIO_ACCOUNT_SID) {
    const twilio = await startFakeTwilio({
      port: Number(env.FAKE_TWILIO_PORT ?? 4010),
      masterAccountSid: LOCAL_TWILIO.accountSid,
      masterAuthToken: LOCAL_TWILIO.authToken,
    });
    closers.push(() => twilio.close());
    twilioUrl = twilio.url;
  }
  if (!env.OPENAI_API_KEY) {
    const openai = await startFakeOpenAI({ port: Number(env.FAKE_OPENAI_PORT ?? 4020) });
    closers.push(() => openai.close());
    openaiUrl = openai.url;
  }

  return {
    twilioUrl,
    openaiUrl,
    describe: () => [
      `  twilio         ${twilioUrl ? `local stand-in ${twilioUrl} (control API: ${twilioUrl}/_control)` : 'real Twilio (credentials from env)'}`,
      `  openai         ${openaiUrl ? `local stand-in ${openaiUrl}` : 'real OpenAI-compatible endpoint (key from env)'}`,
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
  return { ...out, OPENAI_MODEL: env.OPENAI_MODEL ?? 'gpt-4o-mini' };
}
