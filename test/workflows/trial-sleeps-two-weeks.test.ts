import { randomUUID } from 'node:crypto';
import { type TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccountActivities } from '../../activities/accounts.js';
import type { EmailActivities, SendEmailInput } from '../../activities/email.js';
import { subscriptionStarted, trialStateQuery } from '../../workflows/contracts/trial.js';
import { trialWorkflow } from '../../workflows/trial.js';
import { createTimeSkippingEnv, workflowBundle } from '../support/temporal.js';

const DAY = 24 * 60 * 60 * 1000;
let env: TestWorkflowEnvironment;

beforeAll(async () => {
  env = await createTimeSkippingEnv();
});
afterAll(async () => {
  await env?.teardown();
});

function recordingActivities() {
  const emails: Array<SendEmailInput & { at: number }> = [];
  const expired: string[] = [];
  const activities: EmailActivities & AccountActivities = {
    sendEmail: async (input) => {
      emails.push({ ...input, at: await env.currentTimeMs() });
      return { status: 'captured' };
    },
    sendVerificationEmail: async () => {
      throw new Error('the trial sends no verification email');
    },
    markTrialExpired: async ({ tenantId }) => {
      expired.push(tenantId);
      return { expired: true };
    },
  };
  return { activities, emails, expired };
}

async function startWorker(activities: EmailActivities & AccountActivities) {
  const taskQueue = `trial-${randomUUID()}`;
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: workflowBundle(), activities });
  return { worker, taskQueue };
}

describe('trial workflow (time-skipping)', () => {
  it('sleeps 14 days, reminds 3 days and 1 day before, then expires the trial — in seconds of wall time', async () => {
    const { activities, emails, expired } = recordingActivities();
    const { worker, taskQueue } = await startWorker(activities);
    const start = await env.currentTimeMs();
    const wallStart = Date.now();
    const trialEndsAt = new Date(start + 14 * DAY).toISOString();

    const state = await worker.runUntil(
      env.client.workflow.execute(trialWorkflow, {
        taskQueue,
        workflowId: `trial:tenant-a-${randomUUID()}`,
        args: [{ tenantId: 'tenant-a', ownerEmail: 'owner@shop.example', trialEndsAt, billingUrl: 'http://web/app/billing' }],
      }),
    );

    expect(state.phase).toBe('expired');
    expect(state.remindersSent).toEqual([3, 1]);
    expect(expired).toEqual(['tenant-a']);
    expect(emails.map((e) => e.idempotencyKey)).toEqual([
      'trial-reminder:tenant-a:3d',
      'trial-reminder:tenant-a:1d',
      'trial-ended:tenant-a',
    ]);
    // Each reminder went out at its moment of (skipped) time, within a minute.
    expect(Math.abs(emails[0]!.at - (start + 11 * DAY))).toBeLessThan(60_000);
    expect(Math.abs(emails[1]!.at - (start + 13 * DAY))).toBeLessThan(60_000);
    expect(emails[2]!.at).toBeGreaterThanOrEqual(start + 14 * DAY);
    expect(Date.now() - wallStart).toBeLessThan(30_000);
  });

  it('a subscription during the trial ends it converted: no more reminders, no expiry', async () => {
    const { activities, emails, expired } = recordingActivities();
    const { worker, taskQueue } = await startWorker(activities);
    const start = await env.currentTimeMs();
    const trialEndsAt = new Date(start + 14 * DAY).toISOString();

    const state = await worker.runUntil(async () => {
      const handle = await env.client.workflow.start(trialWorkflow, {
        taskQueue,
        workflowId: `trial:tenant-b-${randomUUID()}`,
        args: [{ tenantId: 'tenant-b', ownerEmail: 'owner@b.example', trialEndsAt, billingUrl: 'http://web/app/billing' }],
      });
      await env.sleep(12 * DAY); // past the 3-day reminder, before the 1-day one
      expect((await handle.query(trialStateQuery)).remindersSent).toEqual([3]);
      await handle.signal(subscriptionStarted, { planCode: 'growth' });
      return handle.result();
    });

    expect(state).toMatchObject({ phase: 'converted', planCode: 'growth', remindersSent: [3] });
    expect(emails).toHaveLength(1);
    expect(expired).toEqual([]);
  });

  it('a 2-day trial skips the 3-day reminder instead of sending it late', async () => {
    const { activities, emails } = recordingActivities();
    const { worker, taskQueue } = await startWorker(activities);
    const start = await env.currentTimeMs();
    const state = await worker.runUntil(
      env.client.workflow.execute(trialWorkflow, {
        taskQueue,
        workflowId: `trial:tenant-c-${randomUUID()}`,
        args: [{ tenantId: 'tenant-c', ownerEmail: 'o@c.example', trialEndsAt: new Date(start + 2 * DAY).toISOString(), billingUrl: 'x' }],
      }),
    );
    expect(state.remindersSent).toEqual([1]);
    expect(emails.map((e) => e.idempotencyKey)).toEqual(['trial-reminder:tenant-c:1d', 'trial-ended:tenant-c']);
  });
});
