// The conversation activities built from configuration: one registration line in worker/activities.ts.
// Tests that need other timings (a short settle window) call the factories directly.
import { createConversationStoreActivities } from '../../activities/conversation-store.js';
import { createOpenAIActivities, createOpenAIClient } from '../../activities/openai.js';
import { createTwilioMessagingActivities } from '../../activities/twilio-messaging.js';
import type { Env } from '../config/env.js';
import { createSecretBox, createTenantCredentials, parseKeyring } from '../crypto/index.js';
import type { PrismaClient } from '../db/client.js';
import { createTwilioClient } from '../twilio/client.js';

/** Twilio answers a send in well under a second; 10 s means it is not going to. */
export const SEND_TIMEOUT_MS = 10_000;

export function createConversationActivities(env: Env, prisma: PrismaClient, overrides: { sendTimeoutMs?: number; settleMs?: number } = {}) {
  const sendTimeoutMs = overrides.sendTimeoutMs ?? SEND_TIMEOUT_MS;
  const transport = { timeoutMs: sendTimeoutMs, ...(env.TWILIO_API_BASE_URL ? { baseUrl: env.TWILIO_API_BASE_URL } : {}) };
  return {
    ...createConversationStoreActivities({ prisma }),
    ...createOpenAIActivities({
      prisma,
      openai: createOpenAIClient({ apiKey: env.OPENAI_API_KEY, baseURL: env.OPENAI_BASE_URL }),
      model: env.OPENAI_MODEL,
      timeoutMs: env.OPENAI_TIMEOUT_MS,
    }),
    ...createTwilioMessagingActivities({
      prisma,
      credentials: env.SECRETS_ENCRYPTION_KEYS ? createTenantCredentials(prisma, createSecretBox(parseKeyring(env.SECRETS_ENCRYPTION_KEYS))) : null,
      connect: (credentials) => createTwilioClient({ ...credentials, ...transport }),
      publicUrl: env.SERVER_PUBLIC_URL,
      templateContentSid: env.WHATSAPP_TEMPLATE_CONTENT_SID ?? null,
      // Twice the request timeout: by then an unanswered attempt has landed at Twilio or never will.
      settleMs: overrides.settleMs ?? 2 * sendTimeoutMs,
    }),
  };
}
