import OpenAI from 'openai';
import type { HealthProbe } from '../activities/health-probes.js';
import { createTwilioClient } from '../lib/twilio/client.js';
import type { WorkerDeps } from './activities.js';

/** One probe per dependency the system cannot answer customers without. */
export function buildHealthProbes({ env, prisma, temporal }: WorkerDeps): Map<string, HealthProbe> {
  const probes = new Map<string, HealthProbe>();

  probes.set('database', async () => {
    const rows = await prisma.$queryRaw<Array<{ version: string }>>`SELECT split_part(version(), ' ', 2) AS version`;
    return `PostgreSQL ${rows[0]?.version ?? '?'}`;
  });

  probes.set('temporal', async () => {
    const info = await temporal.workflowService.getSystemInfo({});
    return `server ${info.serverVersion || '?'}`;
  });

  if (env.TWILIO_ACCOUNT_SID && env.TWILIO_AUTH_TOKEN) {
    const twilio = createTwilioClient({
      accountSid: env.TWILIO_ACCOUNT_SID,
      authToken: env.TWILIO_AUTH_TOKEN,
      baseUrl: env.TWILIO_API_BASE_URL,
    });
    const sid = env.TWILIO_ACCOUNT_SID;
    probes.set('twilio', async () => {
      // Fetching our own account proves the master credentials work, not just that the host answers.
      const account = await twilio.api.v2010.accounts(sid).fetch();
      return `account ${account.status}${env.TWILIO_API_BASE_URL ? ' (local stand-in)' : ''}`;
    });
  }

  if (env.OPENAI_API_KEY) {
    const openai = new OpenAI({ apiKey: env.OPENAI_API_KEY, baseURL: env.OPENAI_BASE_URL, maxRetries: 0, timeout: 5_000 });
    probes.set('openai', async () => {
      const models = await openai.models.list();
      return `${models.data.length} models${env.OPENAI_BASE_URL ? ' (local stand-in)' : ''}`;
    });
  }
  return probes;
}
