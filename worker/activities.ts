import type { Client } from '@temporalio/client';
import nodemailer from 'nodemailer';
import { pino } from 'pino';
import { createAccountActivities } from '../activities/accounts.js';
import { createAlertActivities } from '../activities/alerts.js';
import { createCatalogActivities } from '../activities/catalog.js';
import { createEmailActivities } from '../activities/email.js';
import { createHealthProbeActivities } from '../activities/health-probes.js';
import { createHealthStoreActivities } from '../activities/health-store.js';
import { createIntegrationActivities } from '../activities/integrations.js';
import { createConversationActivities } from '../lib/conversations/worker-activities.js';
import { createTwilioProvisioningActivities, type TwilioProvisioningDeps } from '../activities/twilio-provisioning.js';
import { emailChannel, slackChannel, type AlertChannel, type MailSender } from '../lib/alerts/channels.js';
import { prismaAlertStore } from '../lib/alerts/store.js';
import { loggerOptions } from '../lib/logging.js';
import type { Env } from '../lib/config/env.js';
import { createSecretBox, createTenantCredentials, parseKeyring } from '../lib/crypto/index.js';
import type { PrismaClient } from '../lib/db/client.js';
import { createTwilioClient } from '../lib/twilio/client.js';
import { buildHealthProbes } from './probes.js';

export interface WorkerDeps {
  env: Env;
  prisma: PrismaClient;
  temporal: Client;
}

/** The composition root: every activity, built from the real clients. Tests build theirs with stand-ins. */
export function createActivities(deps: WorkerDeps) {
  const { env, prisma } = deps;
  const mailer = env.SMTP_URL ? nodemailer.createTransport(env.SMTP_URL) : null;
  // Structured and redacted like the API's logs; LOG_LEVEL=silent keeps test output readable.
  const logger = pino(loggerOptions(env.LOG_LEVEL));
  const log = (message: string, fields: Record<string, unknown>) => logger.info(fields, message);
  return {
    ...createAccountActivities({ prisma }),
    ...createEmailActivities({ prisma, transport: mailer, from: env.EMAIL_FROM, log }),
    ...createHealthProbeActivities({ probes: buildHealthProbes(deps) }),
    ...createHealthStoreActivities({ prisma }),
    ...createCatalogActivities({ prisma }),
    ...createConversationActivities(env, prisma),
    ...createIntegrationActivities({ prisma }),
    ...createTwilioProvisioningActivities(twilioProvisioningDeps(env, prisma)),
    ...createAlertActivities({
      channels: alertChannels(env, mailer),
      store: prismaAlertStore(prisma),
      log,
    }),
  };
}

function alertChannels(env: Env, mailer: MailSender | null): AlertChannel[] {
  const channels: AlertChannel[] = [];
  if (env.SLACK_WEBHOOK_URL) channels.push(slackChannel(env.SLACK_WEBHOOK_URL));
  if (mailer && env.ALERT_EMAIL_TO) channels.push(emailChannel(mailer, env.ALERT_EMAIL_TO, env.EMAIL_FROM));
  return channels;
}

/** Master credentials stay in this process; subaccount clients are built per call from the stored API key. */
function twilioProvisioningDeps(env: Env, prisma: PrismaClient): TwilioProvisioningDeps {
  const transport = { timeoutMs: 20_000, ...(env.TWILIO_API_BASE_URL ? { baseUrl: env.TWILIO_API_BASE_URL } : {}) };
  return {
    master:
      env.TWILIO_ACCOUNT_SID && env.TWILIO_AUTH_TOKEN
        ? createTwilioClient({ accountSid: env.TWILIO_ACCOUNT_SID, authToken: env.TWILIO_AUTH_TOKEN, ...transport })
        : null,
    connect: (credentials) => createTwilioClient({ ...credentials, ...transport }),
    credentials: env.SECRETS_ENCRYPTION_KEYS
      ? createTenantCredentials(prisma, createSecretBox(parseKeyring(env.SECRETS_ENCRYPTION_KEYS)))
      : null,
    publicUrl: env.SERVER_PUBLIC_URL,
  };
}
