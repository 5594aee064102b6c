import type { Client } from '@temporalio/client';
import nodemailer from 'nodemailer';
import { createAlertActivities } from '../activities/alerts.js';
import { createCatalogActivities } from '../activities/catalog.js';
import { createHealthProbeActivities } from '../activities/health-probes.js';
import { createHealthStoreActivities } from '../activities/health-store.js';
import { emailChannel, slackChannel, type AlertChannel } from '../lib/alerts/channels.js';
import { prismaAlertStore } from '../lib/alerts/store.js';
import type { Env } from '../lib/config/env.js';
import type { PrismaClient } from '../lib/db/client.js';
import { buildHealthProbes } from './probes.js';

export interface WorkerDeps {
  env: Env;
  prisma: PrismaClient;
  temporal: Client;
}

/** The composition root: every activity, built from the real clients. Tests build theirs with stand-ins. */
export function createActivities(deps: WorkerDeps) {
  const { env, prisma } = deps;
  return {
    ...createHealthProbeActivities({ probes: buildHealthProbes(deps) }),
    ...createHealthStoreActivities({ prisma }),
    ...createCatalogActivities({ prisma }),
    ...createAlertActivities({
      channels: alertChannels(env),
      store: prismaAlertStore(prisma),
      log: (message, fields) => console.warn(JSON.stringify({ level: 'warn', msg: message, ...fields })),
    }),
  };
}

function alertChannels(env: Env): AlertChannel[] {
  const channels: AlertChannel[] = [];
  if (env.SLACK_WEBHOOK_URL) channels.push(slackChannel(env.SLACK_WEBHOOK_URL));
  if (env.SMTP_URL && env.ALERT_EMAIL_TO) {
    channels.push(emailChannel(nodemailer.createTransport(env.SMTP_URL), env.ALERT_EMAIL_TO));
  }
  return channels;
}
