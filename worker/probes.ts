import OpenAI from 'openai';
import { analyticsFreshnessProbe as analyticsLagProbe } from '../activities/analytics.js';
import type { HealthProbe } from '../activities/health-probes.js';
import type { Alert } from '../lib/alerts/channels.js';
import { twilioMaster } from './activities.js';
import { ANALYTICS_WATERMARK } from '../lib/analytics/refresh.js';
import type { WorkerDeps } from './deps.js';

/** A probe that takes longer than this reports the dependency as down. */
const PROBE_TIMEOUT_MS = 5_000;

/**
 * HOOK for analytics (mission §8: "alert when the analytics refresh is stale"). The worker passes
 * ANALYTICS_STALE_AFTER_MINUTES (worker/activities.ts); without it (this default) there is no `analytics`
 * component. The worker's probe is activities/analytics.ts's: degraded past the limit and one alert per
 * stale episode. analyticsFreshnessProbe below (down when stale) is the original hook, kept for its test.
 */
export const ANALYTICS_REFRESH_MAX_AGE_MS: number | null = null;

/** The watermark the analytics refresh advances on every run (analytics_watermarks.name). */
export { ANALYTICS_WATERMARK };

/** Down when the analytics refresh has not run within `maxAgeMs` (or never ran). */
export function analyticsFreshnessProbe(
  prisma: WorkerDeps['prisma'],
  maxAgeMs: number,
  options: { watermark?: string; now?: () => number } = {},
): HealthProbe {
  const now = options.now ?? Date.now;
  return async () => {
    const mark = await prisma.analyticsWatermark.findUnique({ where: { name: options.watermark ?? ANALYTICS_WATERMARK } });
    const lastRun = mark?.lastRunAt ?? null;
    if (!lastRun) throw new Error('the analytics refresh has never run');
    const ageMs = now() - lastRun.getTime();
    const age = `${Math.round(ageMs / 60_000)} min`;
    if (ageMs > maxAgeMs) throw new Error(`the analytics refresh is stale: last run ${age} ago (limit ${Math.round(maxAgeMs / 60_000)} min)`);
    return `refreshed ${age} ago`;
  };
}

/** One probe per dependency the system cannot answer customers without. */
export function buildHealthProbes(
  { env, prisma, temporal }: WorkerDeps,
  options: { analyticsMaxAgeMs?: number | null; alert?: (alert: Alert) => Promise<unknown> } = {},
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

  const analyticsMaxAgeMs = options.analyticsMaxAgeMs === undefined ? ANALYTICS_REFRESH_MAX_AGE_MS : options.analyticsMaxAgeMs;
  // The refresh's lag (lib/analytics/freshness.ts): degraded past the limit, paged once per stale episode.
  if (analyticsMaxAgeMs !== null) probes.set('analytics', analyticsLagProbe({ prisma, maxLagMs: analyticsMaxAgeMs, ...(options.alert ? { alert: options.alert } : {}) }));
  return probes;
}
