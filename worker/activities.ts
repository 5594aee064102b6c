import nodemailer from 'nodemailer';
import { pino } from 'pino';
import { createAccountActivities } from '../activities/accounts.js';
import { createAlertActivities } from '../activities/alerts.js';
import { createCatalogActivities } from '../activities/catalog.js';
import { createConversationStoreActivities } from '../activities/conversation-store.js';
import { createEmailActivities } from '../activities/email.js';
import { createHealthProbeActivities } from '../activities/health-probes.js';
import { createHealthStoreActivities } from '../activities/health-store.js';
import { createIntegrationActivities } from '../activities/integrations.js';
import { createOpenAIActivities, createOpenAIClient } from '../activities/openai.js';
import { createTwilioMessagingActivities } from '../activities/twilio-messaging.js';
import { createTwilioProvisioningActivities } from '../activities/twilio-provisioning.js';
import { emailChannel, slackChannel, type AlertChannel, type MailSender } from '../lib/alerts/channels.js';
import { prismaAlertStore } from '../lib/alerts/store.js';
import { EmailVerifier, verificationUrl } from '../lib/auth/email-verification.js';
import type { Env } from '../lib/config/env.js';
import { tenantCredentialsFromKeys } from '../lib/crypto/tenant-credentials.js';
import { loggerOptions } from '../lib/logging.js';
import { createTwilioClient, type TwilioClient } from '../lib/twilio/client.js';
import { createPictureLoader, TWILIO_API_ORIGIN } from '../lib/twilio/pictures.js';
import type { ActivityTimings, WorkerDeps } from './deps.js';
import { buildHealthProbes } from './probes.js';

/** Twilio answers a send in well under a second; 10 s means it is not going to. */
const SEND_TIMEOUT_MS = 10_000;
/** Provisioning calls (subaccounts, keys, services) may take a few seconds at Twilio. */
const PROVISIONING_TIMEOUT_MS = 20_000;

/**
 * The composition root: every activity the worker registers, built once from the real clients. The only
 * place activities and their clients are composed; tests call this (with shorter timings where they must).
 */
export function createActivities(deps: WorkerDeps, timings: ActivityTimings = {}) {
  const { env, prisma } = deps;
  const mailer = env.SMTP_URL ? nodemailer.createTransport(env.SMTP_URL) : null;
  // Structured and redacted like the API's logs; LOG_LEVEL=silent keeps test output readable.
  const logger = pino(loggerOptions(env.LOG_LEVEL));
  const log = (message: string, fields: Record<string, unknown>) => logger.info(fields, message);
  const credentials = tenantCredentialsFromKeys(prisma, env.SECRETS_ENCRYPTION_KEYS);
  const verifier = new EmailVerifier(env.APP_SECRET ?? null);
  const sendTimeoutMs = timings.sendTimeoutMs ?? SEND_TIMEOUT_MS;
  const twilioAs = (timeoutMs: number) => (account: { accountSid: string; apiKey: string; apiSecret: string }) =>
    createTwilioClient({ ...account, ...twilioTransport(env, timeoutMs) });

  return {
    ...createAccountActivities({ prisma }),
    ...createEmailActivities({
      prisma,
      transport: mailer,
      from: env.EMAIL_FROM,
      log,
      verificationLink: (claim) => verificationUrl(env.WEB_PUBLIC_URL, verifier.sign(claim)),
    }),
    ...createHealthProbeActivities({ probes: buildHealthProbes(deps) }),
    ...createHealthStoreActivities({ prisma }),
    ...createCatalogActivities({ prisma }),
    ...createIntegrationActivities({ prisma }),
    ...createConversationStoreActivities({ prisma }),
    ...createOpenAIActivities({
      prisma,
      openai: createOpenAIClient({ apiKey: env.OPENAI_API_KEY, baseURL: env.OPENAI_BASE_URL }),
      model: env.OPENAI_MODEL,
      timeoutMs: env.OPENAI_TIMEOUT_MS,
      loadPicture: createPictureLoader({
        prisma,
        credentials,
        allowedOrigins: [TWILIO_API_ORIGIN, ...(env.TWILIO_API_BASE_URL ? [env.TWILIO_API_BASE_URL] : [])],
      }),
    }),
    ...createTwilioMessagingActivities({
      prisma,
      credentials,
      connect: twilioAs(sendTimeoutMs),
      publicUrl: env.SERVER_PUBLIC_URL,
      templateContentSid: env.WHATSAPP_TEMPLATE_CONTENT_SID ?? null,
      // Twice the request timeout: by then an unanswered attempt has landed at Twilio or never will.
      settleMs: timings.settleMs ?? 2 * sendTimeoutMs,
    }),
    ...createTwilioProvisioningActivities({
      // Master credentials stay in this process; subaccount clients are built per call from the stored key.
      master: twilioMaster(env, PROVISIONING_TIMEOUT_MS),
      connect: twilioAs(PROVISIONING_TIMEOUT_MS),
      credentials,
      publicUrl: env.SERVER_PUBLIC_URL,
    }),
    ...createAlertActivities({ channels: alertChannels(env, mailer), store: prismaAlertStore(prisma), log }),
  };
}

/** Where the Twilio SDK's requests go (a stand-in in dev and tests) and how long one may take. */
export function twilioTransport(env: Env, timeoutMs: number): { timeoutMs: number; baseUrl?: string } {
  return { timeoutMs, ...(env.TWILIO_API_BASE_URL ? { baseUrl: env.TWILIO_API_BASE_URL } : {}) };
}

/** The master account's client, or null when no master credentials are configured. */
export function twilioMaster(env: Env, timeoutMs: number): TwilioClient | null {
  if (!env.TWILIO_ACCOUNT_SID || !env.TWILIO_AUTH_TOKEN) return null;
  return createTwilioClient({ accountSid: env.TWILIO_ACCOUNT_SID, authToken: env.TWILIO_AUTH_TOKEN, ...twilioTransport(env, timeoutMs) });
}

function alertChannels(env: Env, mailer: MailSender | null): AlertChannel[] {
  const channels: AlertChannel[] = [];
  if (env.SLACK_WEBHOOK_URL) channels.push(slackChannel(env.SLACK_WEBHOOK_URL));
  if (mailer && env.ALERT_EMAIL_TO) channels.push(emailChannel(mailer, env.ALERT_EMAIL_TO, env.EMAIL_FROM));
  return channels;
}
