import { randomUUID } from 'node:crypto';
import { type TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertActivities } from '../../activities/alerts.js';
import type { HealthProbeActivities } from '../../activities/health-probes.js';
import type { HealthStoreActivities } from '../../activities/health-store.js';
import type { HealthTextfileActivities } from '../../activities/health-textfile.js';
import type { ComponentStatus } from '../../lib/health/types.js';
import { healthCheckWorkflow } from '../../workflows/health-check.js';
import { createTimeSkippingEnv, workflowBundle } from '../support/temporal.js';

type Activities = HealthProbeActivities & HealthStoreActivities & HealthTextfileActivities & AlertActivities;

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await createTimeSkippingEnv();
});
afterAll(async () => {
  await env?.teardown();
});

/** Activities whose probes answer from a script: `states[name]` is consumed one answer per probe. */
function scriptedActivities(states: Record<string, Array<'up' | 'down'>>) {
  const probed: string[] = [];
  const alerts: string[] = [];
  const finished: Array<{ status: string }> = [];
  const activities: Activities = {
    listHealthComponents: async () => Object.keys(states),
    probeComponent: async (name): Promise<ComponentStatus> => {
      probed.push(name);
      const status = states[name]?.shift() ?? 'up';
      return { name, status, latencyMs: 1, detail: status === 'down' ? 'connection refused' : null };
    },
    recordHealthCheckStarted: async () => {},
    recordHealthCheckFinished: async ({ result }) => {
      finished.push({ status: result.status });
    },
    writeHealthTextfile: async () => ({ path: null }),
    sendAlert: async (alert) => {
      alerts.push(alert.title);
      return { delivered: true, channels: ['log'] };
    },
  };
  return { activities, probed, alerts, finished };
}

async function runCheck(activities: Activities, recheckAfterMs?: number) {
  const taskQueue = `health-${randomUUID()}`;
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: workflowBundle(), activities });
  return worker.runUntil(
    env.client.workflow.execute(healthCheckWorkflow, {
      taskQueue,
      workflowId: `health-check:test:${randomUUID()}`,
      args: [{ trigger: 'scheduled', ...(recheckAfterMs === undefined ? {} : { recheckAfterMs }) }],
    }),
  );
}

describe('health check workflow', () => {
  it('reports ok and sends no alert when everything is up', async () => {
    const { activities, alerts, finished } = scriptedActivities({ database: ['up'], temporal: ['up'] });
    const result = await runCheck(activities);
    expect(result.status).toBe('ok');
    expect(alerts).toEqual([]);
    expect(finished).toEqual([{ status: 'ok' }]);
  });

  it('re-probes a component that blipped after the grace period and does not page', async () => {
    const { activities, probed, alerts } = scriptedActivities({ database: ['down', 'up'], twilio: ['up'] });
    const wallStart = Date.now();
    const timeStart = await env.currentTimeMs();
    const result = await runCheck(activities);
    expect(result.status).toBe('ok');
    expect(probed.filter((n) => n === 'database')).toHaveLength(2);
    expect(probed.filter((n) => n === 'twilio')).toHaveLength(1);
    expect(alerts).toEqual([]);
    // The two-minute grace timer was skipped, not waited for.
    expect((await env.currentTimeMs()) - timeStart).toBeGreaterThanOrEqual(2 * 60_000);
    expect(Date.now() - wallStart).toBeLessThan(30_000);
  });

  it('alerts once, naming the component, when it stays down', async () => {
    const { activities, alerts } = scriptedActivities({ database: ['up'], openai: ['down', 'down'] });
    const result = await runCheck(activities);
    expect(result.status).toBe('failed');
    expect(result.components.find((c) => c.name === 'openai')).toMatchObject({ status: 'down', detail: 'connection refused' });
    expect(alerts).toEqual(['Health check failed: openai down']);
  });

  it('a manual run (recheckAfterMs 0) answers at once without re-probing', async () => {
    const { activities, probed } = scriptedActivities({ database: ['down', 'up'] });
    const result = await runCheck(activities, 0);
    expect(result.status).toBe('failed');
    expect(probed).toEqual(['database']);
  });
});
