import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyticsFreshnessProbe } from '../../activities/analytics.js';
import { ComponentDegraded, createHealthProbeActivities, type HealthProbe } from '../../activities/health-probes.js';
import { createHealthTextfileActivities } from '../../activities/health-textfile.js';
import { createPrismaClient, type PrismaClient } from '../../lib/db/client.js';
import { HEALTH_TEXTFILE_NAME } from '../../lib/health/textfile.js';
import type { HealthCheckResult } from '../../lib/health/types.js';
import { buildHealthProbes } from '../../worker/probes.js';
import { healthCheckWorkflow } from '../../workflows/health-check.js';
import { testEnv } from '../support/api.js';
import { createTimeSkippingEnv, workflowBundle } from '../support/temporal.js';

/*
 * The scheduled health check also leaves its result where node_exporter's textfile collector reads it:
 * `wara_health.prom` in HEALTH_TEXTFILE_DIR, replaced atomically (never half a file), in Prometheus' text
 * format. A stale analytics refresh shows there as a degraded component (the probe the worker wires pages for it).
 */
let dir: string;
let temporal: TestWorkflowEnvironment;
let prisma: PrismaClient;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wara-textfile-'));
  temporal = await createTimeSkippingEnv();
  prisma = createPrismaClient(testEnv().DATABASE_URL, { max: 2 });
});
afterAll(async () => {
  await temporal?.teardown();
  await prisma?.$disconnect();
  await rm(dir, { recursive: true, force: true });
});

const result: HealthCheckResult = {
  status: 'failed',
  components: [
    { name: 'database', status: 'up', latencyMs: 4, detail: 'PostgreSQL 17.6' },
    { name: 'twilio', status: 'degraded', latencyMs: 1612, detail: 'slow' },
    { name: 'open"ai', status: 'down', latencyMs: null, detail: 'connect ECONNREFUSED' },
  ],
};

/** The sample lines of a Prometheus text file, `name{labels}` → value; throws on a line that is neither. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('# HELP ') || line.startsWith('# TYPE ')) continue;
    const m = /^([a-z_]+(?:\{(?:[a-z_]+="(?:[^"\\]|\\.)*",?)*\})?) (-?[\d.e+]+)$/.exec(line);
    if (!m) throw new Error(`not a Prometheus sample line: ${line}`);
    out.set(m[1]!, Number(m[2]));
  }
  return out;
}

describe('the textfile exporter activity', () => {
  it('writes wara_health.prom atomically (no temporary file left), in the text format, and replaces it', async () => {
    const { writeHealthTextfile } = createHealthTextfileActivities({ dir, now: () => 1_800_000_000_000 });
    const written = await writeHealthTextfile({ result, trigger: 'scheduled' });
    expect(written.path).toBe(join(dir, HEALTH_TEXTFILE_NAME));
    const first = samples(await readFile(written.path!, 'utf8'));
    expect(first.get('wara_health_check_success')).toBe(0);
    expect(first.get('wara_health_check_status{status="failed"}')).toBe(1);
    expect(first.get('wara_health_check_status{status="ok"}')).toBe(0);
    expect(first.get('wara_health_check_last_run_timestamp_seconds{trigger="scheduled"}')).toBe(1_800_000_000);
    expect(first.get('wara_health_component_up{component="database"}')).toBe(1);
    expect(first.get('wara_health_component_up{component="open\\"ai"}')).toBe(0);
    expect(first.get('wara_health_component_degraded{component="twilio"}')).toBe(1);
    expect(first.get('wara_health_component_latency_seconds{component="twilio"}')).toBe(1.612);

    await writeHealthTextfile({ result: { status: 'ok', components: [{ name: 'database', status: 'up', latencyMs: 3, detail: null }] }, trigger: 'manual' });
    const second = samples(await readFile(written.path!, 'utf8'));
    expect(second.get('wara_health_check_success')).toBe(1);
    expect(second.has('wara_health_component_up{component="twilio"}')).toBe(false);
    expect(await readdir(dir)).toEqual([HEALTH_TEXTFILE_NAME]);
  });

  it('does nothing without a directory configured', async () => {
    expect(await createHealthTextfileActivities({ dir: null }).writeHealthTextfile({ result, trigger: 'scheduled' })).toEqual({ path: null });
  });
});

describe('the health check workflow', () => {
  async function runCheck(probes: Map<string, HealthProbe>, textfileDir: string) {
    const alerts: string[] = [];
    const taskQueue = `textfile-${randomUUID()}`;
    const worker = await Worker.create({
      connection: temporal.nativeConnection,
      taskQueue,
      workflowBundle: workflowBundle(),
      activities: {
        ...createHealthProbeActivities({ probes }),
        ...createHealthTextfileActivities({ dir: textfileDir }),
        recordHealthCheckStarted: async () => {},
        recordHealthCheckFinished: async () => {},
        sendAlert: async (alert: { title: string }) => {
          alerts.push(alert.title);
          return { delivered: true, channels: ['log'] };
        },
      },
    });
    const outcome = await worker.runUntil(
      temporal.client.workflow.execute(healthCheckWorkflow, { taskQueue, workflowId: `health-check:textfile:${randomUUID()}`, args: [{ trigger: 'scheduled' }] }),
    );
    return { outcome, alerts };
  }

  it('writes its result as the textfile after recording it', async () => {
    const own = await mkdtemp(join(dir, 'run-'));
    const { outcome } = await runCheck(new Map<string, HealthProbe>([['database', async () => 'PostgreSQL'], ['temporal', async () => 'server']]), own);
    expect(outcome.status).toBe('ok');
    const text = samples(await readFile(join(own, HEALTH_TEXTFILE_NAME), 'utf8'));
    expect(text.get('wara_health_check_success')).toBe(1);
    expect(text.get('wara_health_component_up{component="temporal"}')).toBe(1);
  });

  it('analytics: a stale refresh is a degraded component in the textfile, paged once by its probe, not as a failed check', async () => {
    const watermark = `health-test-${randomUUID()}`;
    await prisma.analyticsWatermark.create({ data: { name: watermark, lastRunAt: new Date(Date.now() - 3 * 60 * 60_000) } });
    const paged: string[] = [];
    // The probe the worker wires (activities/analytics.ts), on a watermark of this test's own.
    const stale = analyticsFreshnessProbe({ prisma, maxLagMs: 2 * 60 * 60_000, watermark, alert: async (alert) => void paged.push(alert.dedupeKey) });
    await expect(stale()).rejects.toThrow(ComponentDegraded);
    await expect(stale()).rejects.toThrow(/^analytics refresh lag 3 h 0 min \(limit 2 h 0 min\): charts stop at /);

    const own = await mkdtemp(join(dir, 'run-'));
    paged.length = 0;
    const { outcome, alerts } = await runCheck(new Map<string, HealthProbe>([['database', async () => 'PostgreSQL'], ['analytics', stale]]), own);
    expect(outcome.status).toBe('degraded');
    // Charts being behind pages once (the probe's alert), and the check itself raises no "failed" alert.
    expect(alerts).toEqual([]);
    expect(new Set(paged).size).toBe(1);
    expect([...paged][0]).toMatch(/^analytics\.stale:/);
    const text = samples(await readFile(join(own, HEALTH_TEXTFILE_NAME), 'utf8'));
    expect(text.get('wara_health_check_success')).toBe(1);
    expect(text.get('wara_health_check_status{status="degraded"}')).toBe(1);
    expect(text.get('wara_health_component_up{component="analytics"}')).toBe(1);
    expect(text.get('wara_health_component_degraded{component="analytics"}')).toBe(1);
    expect(text.get('wara_health_component_degraded{component="database"}')).toBe(0);
    await prisma.analyticsWatermark.delete({ where: { name: watermark } });

    // The worker's probes: no analytics component without ANALYTICS_STALE_AFTER_MINUTES; with it, the same
    // degraded-when-stale probe (a 1 ms limit is always exceeded: degraded, never down).
    const env = testEnv();
    expect([...buildHealthProbes({ env, prisma, temporal: temporal.client }).keys()]).not.toContain('analytics');
    const wired = buildHealthProbes({ env, prisma, temporal: temporal.client }, { analyticsMaxAgeMs: 1 });
    const probed = await createHealthProbeActivities({ probes: new Map([['analytics', wired.get('analytics')!]]) }).probeComponent('analytics');
    expect(probed).toMatchObject({ name: 'analytics', status: 'degraded', detail: expect.stringMatching(/analytics refresh (lag |has never finished)/) });
  });
});
