// Disconnecting mid-onboarding — by the dashboard's signal or by cancelling the run in the Temporal UI —
// revokes the key and marks the connection disconnected. On the real dev server: the Java time-skipping
// server does not complete a workflow task that cancels a scheduled activity, and no timer is skipped here.
import { randomUUID } from 'node:crypto';
import { WorkflowFailedError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workflowIds } from '../../lib/temporal/names.js';
import { disconnect, onboardingStatus } from '../../workflows/contracts/onboarding.js';
import { whatsappOnboardingWorkflow } from '../../workflows/onboarding.js';
import { connectDevServer, workflowBundle } from '../support/temporal.js';
import { createTenant, eventually, keysOf, startOnboardingHarness, subaccountOf, type OnboardingHarness } from './harness.js';

let env: TestWorkflowEnvironment;
let h: OnboardingHarness;
let worker: Worker;
let running: Promise<void>;
const taskQueue = `onboarding-disconnect-${randomUUID()}`;

beforeAll(async () => {
  env = await connectDevServer();
  h = await startOnboardingHarness();
  worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: workflowBundle(), activities: h.activities });
  running = worker.run();
});
afterAll(async () => {
  worker?.shutdown();
  await running;
  await h?.close();
  await env?.teardown();
});

async function startAndWaitForSenderPoll(tenantId: string) {
  const handle = await env.client.workflow.start(whatsappOnboardingWorkflow, {
    taskQueue,
    workflowId: workflowIds.onboarding(tenantId),
    args: [{ tenantId, signup: { enabled: false, baseUrl: null } }],
  });
  await eventually(async () => {
    const s = await handle.query(onboardingStatus);
    return s.steps.find((x) => x.id === 'sender')!.nextPollAt !== null;
  }, 'the first sender poll');
  const [sub] = subaccountOf(h.fake, tenantId);
  expect(keysOf(h.fake, sub!.sid)).toHaveLength(1);
  return { handle, sub: sub! };
}

describe('disconnect while waiting for Meta', () => {
  it('the disconnect signal revokes the key and ends the run disconnected', async () => {
    const tenantId = await createTenant(h.prisma);
    const { handle, sub } = await startAndWaitForSenderPoll(tenantId);
    await handle.signal(disconnect);
    const result = await handle.result();
    expect(result.phase).toBe('disconnected');
    expect(result.steps.filter((s) => s.state === 'waiting')).toEqual([]);
    expect(keysOf(h.fake, sub.sid)).toHaveLength(0);
    const account = await h.prisma.integrationAccount.findFirstOrThrow({ where: { tenantId }, include: { secrets: true } });
    expect(account).toMatchObject({ status: 'disconnected', apiKeySid: null });
    expect(account.secrets.map((s) => s.name)).toEqual(['subaccount_auth_token']);
    expect(await h.prisma.auditLog.count({ where: { tenantId, action: 'integration.disconnected' } })).toBe(1);
  });

  it('cancelling the run unwinds the same way before it ends cancelled', async () => {
    const tenantId = await createTenant(h.prisma);
    const { handle, sub } = await startAndWaitForSenderPoll(tenantId);
    await handle.cancel();
    const error = await handle.result().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect(keysOf(h.fake, sub.sid)).toHaveLength(0);
    expect((await h.prisma.integrationAccount.findFirstOrThrow({ where: { tenantId } })).status).toBe('disconnected');
  });
});
