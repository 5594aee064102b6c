import OpenAI from 'openai';
import { analyticsFreshnessProbe } from '../activities/analytics.js';
import type { HealthProbe } from '../activities/health-probes.js';
import type { Alert } from '../lib/alerts/channels.js';
import { twilioMaster } from './activities.js';
import type { WorkerDeps } from './deps.js';

/** A probe that takes longer than this reports the dependency as down. */
const PROBE_TIMEOUT_MS = 5_000;

/** One probe per dependency the system cannot answer customers without, plus the analytics refresh's lag when a limit is set. */
export function buildHealthProbes(
  { env, prisma, temporal }: WorkerDeps,
  options: {
    /** ANALYTICS_STALE_AFTER_MINUTES in ms (worker/activities.ts); null or absent: no `analytics` component. */
    analyticsMaxAgeMs?: number | null;
    alert?: (alert: Alert) => Promise<unknown>;
  } = {},
): Map<string, HealthProbe> {
  const probes = new Map<string, HealthProbe>();

  probes.set('database', async () => {
    const rows = await prisma.$queryRaw<Array<{ version: string }>>`SELECT split_part(version(), ' ', 2) AS version`;
    return `PostgreSQL ${rows[0]?.version ?? '?'}`;
  });

  probes.set('temporal', async () => {
    const info = await temporal.workflowService.getSystemInfo({});
    return `server ${info.serverVersion || '?'}`;
  });

  const twilio = twilioMaster(env, PROBE_TIMEOUT_MS);
  if (twilio && env.TWILIO_ACCOUNT_SID) {
    const sid = env.TWILIO_ACCOUNT_SID;
    probes.set('twilio', async () => {
      // Fetching our own account proves the master credentials work, not just that the host answers.
      const account = await twilio.api.v2010.accounts(sid).fetch();
      return `account ${account.status}${env.TWILIO_API_BASE_URL ? ' (local stand-in)' : ''}`;
    });
  }

  if (env.OPENAI_API_KEY) {
    const openai = new OpenAI({ apiKey: env.OPENAI_API_KEY, baseURL: env.OPENAI_BASE_URL, maxRetries: 0, timeout: PROBE_TIMEOUT_MS });
    probes.set('openai', async () => {
      const models = await openai.models.list();
      return `${models.data.length} models${env.OPENAI_BASE_URL ? ' (local stand-in)' : ''}`;
    });
  }

  const analyticsMaxAgeMs = options.analyticsMaxAgeMs ?? null;
  // The refresh's lag (lib/analytics/freshness.ts): degraded past the limit, paged once per stale episode.
  if (analyticsMaxAgeMs !== null) probes.set('analytics', analyticsFreshnessProbe({ prisma, maxLagMs: analyticsMaxAgeMs, ...(options.alert ? { alert: options.alert } : {}) }));
  return probes;
}
