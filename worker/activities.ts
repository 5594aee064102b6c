import nodemailer from 'nodemailer';
import { pino } from 'pino';
import { createAccountActivities } from '../activities/accounts.js';
import { createAgentActivities } from '../activities/agent.js';
import { createAlertActivities } from '../activities/alerts.js';
import { createAnalyticsActivities } from '../activities/analytics.js';
import { createBroadcastActivities } from '../activities/broadcasts.js';
import { createBillingActivities } from '../activities/billing.js';
import { createCatalogActivities } from '../activities/catalog.js';
import { createConversationStoreActivities } from '../activities/conversation-store.js';
import { createEmailActivities } from '../activities/email.js';
import { createHealthProbeActivities } from '../activities/health-probes.js';
import { createHealthStoreActivities } from '../activities/health-store.js';
import { createHealthTextfileActivities } from '../activities/health-textfile.js';
import { createIntegrationActivities } from '../activities/integrations.js';
import { createOpenAIActivities, createOpenAIClient } from '../activities/openai.js';
import { createStripeActivities, createStripeClient } from '../activities/stripe.js';
import { createSmsNumberActivities } from '../activities/sms-numbers.js';
import { createTwilioBroadcastActivities, MAX_IN_FLIGHT } from '../activities/twilio-broadcasts.js';
import { createTwilioMessagingActivities } from '../activities/twilio-messaging.js';
import { createTwilioNumbersActivities } from '../activities/twilio-numbers.js';
import { createTwilioProvisioningActivities } from '../activities/twilio-provisioning.js';
import { alertChannelsFromEnv } from '../lib/alerts/channels.js';
import { prismaAlertStore } from '../lib/alerts/store.js';
import { EmailVerifier, verificationUrl } from '../lib/auth/email-verification.js';
import type { Env } from '../lib/config/env.js';
import { tenantCredentialsFromKeys } from '../lib/crypto/tenant-credentials.js';
import { loggerOptions } from '../lib/logging.js';
import { createTwilioClient, type TwilioClient } from '../lib/twilio/client.js';
import { createPictureLoader, TWILIO_API_ORIGIN } from '../lib/twilio/pictures.js';
import type { ActivityTimings, WorkerDeps } from './deps.js';
import { buildHealthProbes } from './probes.js';

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
  // Twilio answers a send in well under a second; TWILIO_SEND_TIMEOUT_MS (10 s) means it is not going to.
  const sendTimeoutMs = timings.sendTimeoutMs ?? env.TWILIO_SEND_TIMEOUT_MS;
  // Built once: the health check's analytics probe pages through the same channels as the alert activity.
  const alerts = createAlertActivities({ channels: alertChannelsFromEnv(env, mailer), store: prismaAlertStore(prisma), log });
  const twilioAs = (timeoutMs: number) => (account: { accountSid: string; apiKey: string; apiSecret: string }) =>
    createTwilioClient({ ...account, ...twilioTransport(env, timeoutMs) });

  const email = createEmailActivities({
    prisma,
    transport: mailer,
    from: env.EMAIL_FROM,
    log,
    verificationLink: (claim) => verificationUrl(env.WEB_PUBLIC_URL, verifier.sign(claim)),
  });

  return {
    ...createAccountActivities({ prisma }),
    ...email,
    // The merchant's agent (issue 18): hand-offs flag the conversation and email the owners through `email`.
    ...createAgentActivities({ prisma, sendEmail: email.sendEmail, dashboardUrl: env.WEB_PUBLIC_URL }),
    ...createHealthProbeActivities({
      probes: buildHealthProbes(deps, {
        analyticsMaxAgeMs: env.ANALYTICS_STALE_AFTER_MINUTES > 0 ? env.ANALYTICS_STALE_AFTER_MINUTES * 60_000 : null,
        alert: alerts.sendAlert,
      }),
    }),
    ...createAnalyticsActivities({ prisma, chunkEvents: env.ANALYTICS_REFRESH_CHUNK_EVENTS }),
    ...createHealthStoreActivities({ prisma }),
    ...createHealthTextfileActivities({ dir: env.HEALTH_TEXTFILE_DIR ?? null }),
    ...createCatalogActivities({ prisma }),
    ...createIntegrationActivities({ prisma }),
    ...createConversationStoreActivities({ prisma }),
    ...createBillingActivities({ prisma }),
    // Built once here: the only process holding the Stripe secret key (the API never calls Stripe).
    ...createStripeActivities({ prisma, stripe: createStripeClient({ secretKey: env.STRIPE_SECRET_KEY, apiBaseUrl: env.STRIPE_API_BASE_URL }) }),
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
      smsMaxSegments: env.SMS_REPLY_MAX_SEGMENTS,
    }),
    ...createTwilioProvisioningActivities({
      // Master credentials stay in this process; subaccount clients are built per call from the stored key.
      master: twilioMaster(env, PROVISIONING_TIMEOUT_MS),
      connect: twilioAs(PROVISIONING_TIMEOUT_MS),
      credentials,
      publicUrl: env.SERVER_PUBLIC_URL,
    }),
    ...alerts,
    // SMS numbers and broadcasts (issue 16): buying / releasing numbers, and sending broadcasts exactly once.
    ...createSmsNumberActivities({ prisma }),
    ...createTwilioNumbersActivities({
      master: twilioMaster(env, PROVISIONING_TIMEOUT_MS),
      connect: twilioAs(PROVISIONING_TIMEOUT_MS),
      credentials,
      publicUrl: env.SERVER_PUBLIC_URL,
    }),
    ...createBroadcastActivities({ prisma }),
    ...createTwilioBroadcastActivities({
      prisma,
      credentials,
      // A broadcast keeps up to MAX_IN_FLIGHT sends open at once; the SDK's default pool is 20 connections.
      connect: (account) => createTwilioClient({ ...account, ...twilioTransport(env, sendTimeoutMs), maxSockets: MAX_IN_FLIGHT }),
      publicUrl: env.SERVER_PUBLIC_URL,
      settleMs: timings.settleMs ?? 2 * sendTimeoutMs,
    }),
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

