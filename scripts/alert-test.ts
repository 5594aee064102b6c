// npm run alert:test — one clearly-marked test alert through every configured channel (Slack webhook,
// email), recorded in the alerts table like any other; one line per channel. Exit code 1 when a channel
// failed, 2 on bad configuration.
import nodemailer from 'nodemailer';
import { alertChannelsFromEnv } from '../lib/alerts/channels.js';
import { prismaAlertStore } from '../lib/alerts/store.js';
import { sendTestAlert } from '../lib/alerts/test-alert.js';
import { AUDIT_ACTIONS, writeAudit } from '../lib/audit.js';
import { ConfigError } from '../lib/config/env.js';
import { createPrismaClient } from '../lib/db/client.js';
import { commandUser, describeCliError, loadCliEnv } from './cli-env.js';

async function main(): Promise<number> {
  const { env } = await loadCliEnv();
  const prisma = createPrismaClient(env.DATABASE_URL, { max: 1 });
  const mailer = env.SMTP_URL ? nodemailer.createTransport(env.SMTP_URL) : null;
  try {
    const channels = alertChannelsFromEnv(env, mailer);
    const by = commandUser();
    const sent = await sendTestAlert({ channels, store: prismaAlertStore(prisma) }, `${by} (npm run alert:test)`);
    if (sent.channels.length === 0) console.log('no alert channel configured (SLACK_WEBHOOK_URL, or SMTP_URL + ALERT_EMAIL_TO): the alert was recorded only');
    for (const c of sent.channels) console.log(`${c.channel.padEnd(6)} ${c.status.padEnd(7)} ${`${c.latencyMs} ms`.padEnd(8)}${c.reason ? ` — ${c.reason}` : ''}`);
    await writeAudit(prisma, {
      tenantId: null,
      actorType: 'system',
      action: AUDIT_ACTIONS.ops.alertTested,
      targetType: 'alert',
      targetId: sent.alert.dedupeKey,
      details: { channels: sent.channels.map((c) => ({ channel: c.channel, status: c.status, latencyMs: c.latencyMs })), via: 'cli', by },
    });
    console.log(`recorded as alert ${sent.alert.dedupeKey}`);
    return sent.channels.some((c) => c.status === 'failed') ? 1 : 0;
  } finally {
    mailer?.close();
    await prisma.$disconnect();
  }
}

main().then(
  (code) => (process.exitCode = code),
  (err: unknown) => {
    console.error(err instanceof ConfigError ? err.message : `test alert failed to run: ${describeCliError(err)}`);
    process.exitCode = 2;
  },
);
