// The refresh as it runs in production: driven every minute (simulated minutes on Temporal's time-skipping
// server, so no real waiting; a database outage's retry backoff skipped the same way), then the real Temporal
// Schedule (interval, overlap SKIP) on the dev server, backfilled instead of waited for. And freshness: the
// health check reports the lag, and a stale refresh pages once per stale episode, not once per check.
import { randomUUID } from 'node:crypto';
import { ScheduleOverlapPolicy } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAlertActivities } from '../../activities/alerts.js';
import { analyticsFreshnessProbe, createAnalyticsActivities } from '../../activities/analytics.js';
import { createHealthProbeActivities } from '../../activities/health-probes.js';
import type { Alert, AlertChannel } from '../../lib/alerts/channels.js';
import { prismaAlertStore } from '../../lib/alerts/store.js';
import { createPrismaClient, type PrismaClient } from '../../lib/db/client.js';
import { ANALYTICS_WATERMARK, lockForRebuild } from '../../lib/analytics/refresh.js';
import { closeSqlPool, sqlPool } from '../../lib/db/sql.js';
import { analyticsRefreshSchedule } from '../../worker/analytics-schedule.js';
import { analyticsRefreshWorkflow, healthCheckWorkflow } from '../../workflows/index.js';
import { testEnv } from '../support/api.js';
import { eventually } from '../support/eventually.js';
import { connectDevServer, createTimeSkippingEnv, workflowBundle } from '../support/temporal.js';
import { startTestWorker } from '../support/worker.js';
import { isolatedDatabase, type IsolatedDatabase } from './support.js';

let prisma: PrismaClient;
beforeAll(() => {
  prisma = createPrismaClient(testEnv().DATABASE_URL, { max: 4 });
});
afterAll(async () => {
  await closeSqlPool(prisma);
  await prisma.$disconnect();
});

async function shop(db: PrismaClient = prisma): Promise<{ tenantId: string; conversationId: string }> {
  const tenantId = `t_sched_${randomUUID().slice(0, 8)}`;
  const conversationId = randomUUID();
  const pool = sqlPool(db);
  await pool.query(`INSERT INTO tenants (id, name, slug, updated_at) VALUES ($1, 'Scheduled Shop', $1, now())`, [tenantId]);
  await pool.query(`INSERT INTO conversations (id, tenant_id, channel, customer_address, updated_at) VALUES ($1, $2, 'whatsapp', 'whatsapp:+15550009999', now())`, [conversationId, tenantId]);
  return { tenantId, conversationId };
}

async function customerWrites(s: { tenantId: string; conversationId: string }, n: number, db: PrismaClient = prisma): Promise<void> {
  for (let i = 0; i < n; i++) {
    await sqlPool(db).query(
      `INSERT INTO messages (id, tenant_id, conversation_id, direction, provider_message_sid, body, status, source, created_at, updated_at)
       VALUES ($1, $2, $3, 'inbound', $4, 'hello', 'received', 'customer', now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC')`,
      [randomUUID(), s.tenantId, s.conversationId, `SM${randomUUID().replaceAll('-', '')}`],
    );
  }
}

async function countedIn(tenantId: string, db: PrismaClient = prisma): Promise<number> {
  const { rows } = await sqlPool(db).query<{ n: number }>(
    `SELECT coalesce(sum(count), 0)::int AS n FROM analytics_rollups WHERE tenant_id = $1 AND metric = 'messages_in'`, [tenantId]);
  return rows[0]!.n;
}

describe('the scheduled refresh, on time-skipping time', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    env = await createTimeSkippingEnv();
  });
  afterAll(async () => {
    await env?.teardown();
  });

  // The refresh reads every tenant's events past one global watermark: a database of its own, so the backlog is
  // exactly what this test writes (other files write messages into the shared one at the same time).
  let own: IsolatedDatabase;
  let db: PrismaClient;
  beforeAll(async () => {
    own = await isolatedDatabase('scheduled');
    db = createPrismaClient(own.url, { max: 4 });
  });
  afterAll(async () => {
    if (db) {
      await closeSqlPool(db);
      await db.$disconnect();
    }
    await own?.drop();
  });

  it('each minute counts what committed before it, works a backlog off over several runs, and rides out a database outage', async () => {
    const s = await shop(db);
    const real = createAnalyticsActivities({ prisma: db, chunkEvents: 7 });
    let outage = 2; // the first two chunk attempts find the database down
    const activities = {
      ...real,
      async refreshAnalyticsChunk() {
        if (outage-- > 0) throw ApplicationFailure.retryable('connect ECONNREFUSED 127.0.0.1:5432', 'DatabaseUnavailable');
        return real.refreshAnalyticsChunk();
      },
    };
    const taskQueue = `analytics-${randomUUID()}`;
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: workflowBundle(), activities });
    await worker.runUntil(async () => {
      const started = await env.currentTimeMs();
      const wall = Date.now();
      let written = 0;
      for (let minute = 0; minute < 6; minute++) {
        const n = [3, 0, 40, 5, 0, 2][minute]!;
        await customerWrites(s, n, db);
        written += n;
        // What the Schedule does each minute (SKIP: the previous run has finished by then).
        const result = await env.client.workflow.execute(analyticsRefreshWorkflow, { taskQueue, workflowId: `analytics-refresh:scheduled-${minute}`, args: [{ maxChunks: 3 }] });
        if (minute === 2) {
          // 40+ events, 3 chunks of 7: this run stops short and leaves the rest to the next ones.
          expect(result.caughtUp).toBe(false);
          expect(await countedIn(s.tenantId, db)).toBeLessThan(written);
        } else if (minute > 3) {
          expect(result.caughtUp).toBe(true);
          expect(await countedIn(s.tenantId, db)).toBe(written);
        }
        await env.sleep('1 minute');
      }
      expect(await countedIn(s.tenantId, db)).toBe(written);
      // Six scheduled minutes plus the outage's backoff passed on the server's clock, not the wall's.
      expect((await env.currentTimeMs()) - started).toBeGreaterThanOrEqual(6 * 60_000);
      expect(Date.now() - wall).toBeLessThan(60_000);
    });
  });

  it('a run that meets a rebuild ends at once, successfully, "skipped: rebuild in progress"; the next run counts what it left', async () => {
    const s = await shop(db);
    const real = createAnalyticsActivities({ prisma: db });
    let attempts = 0;
    const activities = {
      ...real,
      async refreshAnalyticsChunk() {
        attempts++;
        return real.refreshAnalyticsChunk();
      },
    };
    const taskQueue = `analytics-busy-${randomUUID()}`;
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: workflowBundle(), activities });
    const run = (label: string) => env.client.workflow.execute(analyticsRefreshWorkflow, { taskQueue, workflowId: `analytics-refresh:busy-${label}-${randomUUID()}`, args: [{}] });
    await worker.runUntil(async () => {
      await run('before');
      await customerWrites(s, 3, db);
      // What rebuildAnalytics holds for its whole transaction (minutes at a million events).
      const rebuild = await own.pool.connect();
      try {
        await rebuild.query('BEGIN');
        await lockForRebuild(rebuild, ANALYTICS_WATERMARK);
        attempts = 0;
        const during = await run('during');
        expect(during).toMatchObject({ skipped: 'rebuild in progress', chunks: 1, events: 0, caughtUp: false });
        expect(attempts).toBe(1); // one activity attempt: nothing failed, nothing was retried
      } finally {
        await rebuild.query('ROLLBACK').catch(() => undefined);
        rebuild.release();
      }
      expect(await countedIn(s.tenantId, db)).toBe(0);
      const after = await run('after');
      expect(after).toMatchObject({ caughtUp: true, events: 3 });
      expect(after.skipped).toBeUndefined();
      expect(await countedIn(s.tenantId, db)).toBe(3);
    });
  });
});

describe('the Temporal Schedule on the dev server', () => {
  it('runs the refresh every interval with overlap SKIP; a backfill of past minutes runs it without waiting for them', async () => {
    const s = await shop();
    const env = testEnv({ TEMPORAL_TASK_QUEUE: `analytics-schedule-${randomUUID().slice(0, 8)}` });
    const worker = await startTestWorker(env);
    const temporal = await connectDevServer();
    const scheduleId = `analytics-refresh-test-${randomUUID().slice(0, 8)}`;
    try {
      const options = { ...analyticsRefreshSchedule(env.TEMPORAL_TASK_QUEUE, 60), scheduleId, state: { paused: true } };
      options.action = { ...options.action, workflowId: `analytics-refresh:${scheduleId}` };
      const handle = await temporal.client.schedule.create(options);
      const described = await handle.describe();
      expect(described.spec.intervals?.map((i) => i.every)).toEqual([60_000]);
      expect(described.policies.overlap).toBe(ScheduleOverlapPolicy.SKIP);
      expect(described.action.type === 'startWorkflow' && described.action.workflowType).toBe('analyticsRefreshWorkflow');

      await customerWrites(s, 4);
      const now = Date.now();
      await handle.backfill({ start: new Date(now - 5 * 60_000), end: new Date(now), overlap: ScheduleOverlapPolicy.SKIP });
      await eventually(async () => (await countedIn(s.tenantId)) === 4, 'the backfilled runs to count the messages');
      await eventually(async () => ((await handle.describe()).info.recentActions.length) >= 1, 'a recorded scheduled action');
      await handle.delete();
    } finally {
      await temporal.teardown();
      await worker.stop();
    }
  });
});

describe('freshness in the health check', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    env = await createTimeSkippingEnv();
  });
  afterAll(async () => {
    await env?.teardown();
  });

  it('reports the lag; a stale refresh is degraded and pages once per stale episode, not once per check', async () => {
    const watermark = `analytics-test-${randomUUID().slice(0, 8)}`;
    const setLastRun = (at: Date) =>
      sqlPool(prisma).query(
        `INSERT INTO analytics_watermarks (id, name, last_run_at, updated_at) VALUES ($1, $1, $2, now()) ON CONFLICT (name) DO UPDATE SET last_run_at = excluded.last_run_at`,
        [watermark, at.toISOString()],
      );
    const paged: Alert[] = [];
    const channel: AlertChannel = { name: 'slack', send: async (alert) => void paged.push(alert) };
    const alerts = createAlertActivities({ channels: [channel], store: prismaAlertStore(prisma), log: () => undefined });
    const probe = analyticsFreshnessProbe({ prisma, maxLagMs: 15 * 60_000, alert: alerts.sendAlert, watermark });
    const activities = {
      ...createHealthProbeActivities({ probes: new Map([['analytics', probe]]) }),
      ...alerts,
      recordHealthCheckStarted: async () => undefined,
      recordHealthCheckFinished: async () => undefined,
      writeHealthTextfile: async () => ({ path: null }),
    };
    const taskQueue = `freshness-${randomUUID()}`;
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: workflowBundle(), activities });
    const check = () => env.client.workflow.execute(healthCheckWorkflow, { taskQueue, workflowId: `health-check:test:${randomUUID()}`, args: [{ trigger: 'scheduled' }] });
    await worker.runUntil(async () => {
      await setLastRun(new Date(Date.now() - 40_000));
      const fresh = await check();
      expect(fresh.status).toBe('ok');
      expect(fresh.components[0]).toMatchObject({ name: 'analytics', status: 'up' });
      expect(fresh.components[0]!.detail).toMatch(/^lag 4\d s \(limit 15 min\)$/);

      const stalled = new Date(Date.now() - 3 * 60 * 60_000);
      await setLastRun(stalled);
      for (let hour = 0; hour < 3; hour++) {
        const stale = await check();
        expect(stale.status).toBe('degraded');
        expect(stale.components[0]!.detail).toMatch(/^analytics refresh lag 3 h 0 min \(limit 15 min\): charts stop at /);
      }
      expect(paged.map((a) => a.dedupeKey)).toEqual([`analytics.stale:${stalled.toISOString()}`]);
      expect(paged[0]!.title).toBe('Analytics refresh is stale');

      // Refreshing again, then stalling again: a new episode, a new page.
      const stalledAgain = new Date(Date.now() - 30 * 60_000);
      await setLastRun(stalledAgain);
      await check();
      expect(paged.map((a) => a.dedupeKey)).toEqual([`analytics.stale:${stalled.toISOString()}`, `analytics.stale:${stalledAgain.toISOString()}`]);
    });
  });
});
