// The onboarding workflow against the Twilio stand-in and the real database, on Temporal's time-skipping
// server: Meta's review of the sender takes days of workflow time and seconds of wall time.
import { randomUUID } from 'node:crypto';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workflowIds } from '../../lib/temporal/names.js';
import { onboardingStatus } from '../../workflows/contracts/onboarding.js';
import { whatsappOnboardingWorkflow } from '../../workflows/onboarding.js';
import { workflowBundle } from '../support/temporal.js';
import {
  createTenant,
  DAY,
  eventually,
  historyText,
  keysOf,
  MASTER_TOKEN,
  PUBLIC_URL,
  servicesOf,
  startOnboardingHarness,
  startTimeSkippingEnv,
  subaccountOf,
  uniquePhone,
  type OnboardingHarness,
} from './harness.js';

let env: TestWorkflowEnvironment;
let h: OnboardingHarness;

beforeAll(async () => {
  env = await startTimeSkippingEnv();
  h = await startOnboardingHarness(() => env);
});
afterAll(async () => {
  await h?.close();
  await env?.teardown();
});

async function startOnboarding(tenantId: string, taskQueue: string): Promise<WorkflowHandle<typeof whatsappOnboardingWorkflow>> {
  return env.client.workflow.start(whatsappOnboardingWorkflow, {
    taskQueue,
    workflowId: workflowIds.onboarding(tenantId),
    args: [{ tenantId, signup: { enabled: true, baseUrl: 'https://signup.example/whatsapp' } }],
  });
}

/** Real-time wait for the activities before the sender poll: the subaccount exists once this returns. */
async function waitForSenderStep(handle: WorkflowHandle<typeof whatsappOnboardingWorkflow>) {
  return eventually(async () => {
    const s = await handle.query(onboardingStatus);
    return s.phase === 'waiting_for_sender' && s.steps.find((x) => x.id === 'sender')!.attempts > 0 ? s : null;
  }, 'the workflow to start polling senders');
}

function worker(taskQueue: string) {
  return Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: workflowBundle(), activities: h.activities });
}

describe('WhatsApp onboarding workflow (time-skipping)', () => {
  it('waits out 3 days of PENDING_VERIFICATION, then connects — in seconds of wall time, secrets nowhere in history', async () => {
    const tenantId = await createTenant(h.prisma);
    const taskQueue = `onboarding-${randomUUID()}`;
    const w = await worker(taskQueue);
    const wallStart = Date.now();
    const phone = uniquePhone();

    const { result, history, startedAt, waiting } = await w.runUntil(async () => {
      const handle = await startOnboarding(tenantId, taskQueue);
      const waiting = await waitForSenderStep(handle);
      const startedAt = await env.currentTimeMs();
      const [sub] = subaccountOf(h.fake, tenantId);
      // What Meta's embedded signup does: a sender appears, pending review, approved 3 days later.
      await h.control.createSender(sub!.sid, {
        phoneNumber: phone,
        timeline: [
          { status: 'CREATING', afterMs: 0 },
          { status: 'PENDING_VERIFICATION', afterMs: 60_000 },
          { status: 'ONLINE', afterMs: 3 * DAY },
        ],
      });
      const result = await handle.result();
      return { result, history: await handle.fetchHistory(), startedAt, waiting };
    });

    // The signup link points the hosted page at this tenant's subaccount.
    const [sub] = subaccountOf(h.fake, tenantId);
    expect(waiting.signup).toEqual({
      mode: 'embedded',
      url: `https://signup.example/whatsapp?accountSid=${sub!.sid}&state=${encodeURIComponent(tenantId)}`,
      subaccountSid: sub!.sid,
    });

    expect(result.phase).toBe('connected');
    expect(result.steps.every((s) => s.state === 'done')).toBe(true);
    expect(result.sender).toMatchObject({ phoneNumber: phone, status: 'ONLINE' });
    const polls = result.steps.find((s) => s.id === 'sender')!.attempts;
    // Backoff from 1 minute up to 6 hours: a few dozen polls over 3 days, not thousands.
    expect(polls).toBeGreaterThan(5);
    expect(polls).toBeLessThan(40);
    expect((await env.currentTimeMs()) - startedAt).toBeGreaterThanOrEqual(3 * DAY);
    expect(Date.now() - wallStart).toBeLessThan(45_000);

    // Twilio: one subaccount, one key, one service with our webhooks and the sender attached.
    expect(subaccountOf(h.fake, tenantId)).toHaveLength(1);
    expect(keysOf(h.fake, sub!.sid)).toHaveLength(1);
    const services = servicesOf(h.fake, sub!.sid);
    expect(services).toHaveLength(1);
    expect(services[0]).toMatchObject({
      inboundRequestUrl: `${PUBLIC_URL}/webhooks/twilio/whatsapp`,
      statusCallback: `${PUBLIC_URL}/webhooks/twilio/status`,
    });
    expect(services[0]!.channelSenders.map((c) => c.senderSid)).toEqual([result.sender!.sid]);

    // Database: connected, with the identifiers inbound webhooks are routed by.
    const account = await h.prisma.integrationAccount.findFirstOrThrow({ where: { tenantId }, include: { identifiers: true } });
    expect(account).toMatchObject({ status: 'connected', subaccountSid: sub!.sid, messagingServiceSid: services[0]!.sid });
    expect(account.connectedAt).toBeInstanceOf(Date);
    expect(account.identifiers.map((i) => [i.kind, i.value]).sort()).toEqual(
      [
        ['account_sid', sub!.sid],
        ['messaging_service_sid', services[0]!.sid],
        ['whatsapp_number', phone],
      ].sort(),
    );

    // Secrets: ciphertext only in the database, absent from the workflow history.
    const key = keysOf(h.fake, sub!.sid)[0]!;
    const secrets = await h.prisma.encryptedSecret.findMany({ where: { accountId: account.id } });
    expect(secrets.map((s) => s.name).sort()).toEqual(['api_key_secret', 'subaccount_auth_token']);
    for (const row of secrets) {
      const stored = Buffer.concat([row.iv, row.ciphertext, row.authTag]).toString('latin1');
      expect(stored).not.toContain(key.secret);
      expect(stored).not.toContain(sub!.authToken);
      expect(row.keyId).toBe('test2');
    }
    expect(await h.credentials.loadAuthToken({ tenantId, accountId: account.id })).toBe(sub!.authToken);
    const text = historyText(history);
    expect(text).toContain(sub!.sid); // the search does see payloads
    for (const secret of [key.secret, sub!.authToken, MASTER_TOKEN]) expect(text).not.toContain(secret);
  });

  it('fails with Meta’s reason when the sender goes OFFLINE', async () => {
    const tenantId = await createTenant(h.prisma);
    const taskQueue = `onboarding-${randomUUID()}`;
    const w = await worker(taskQueue);

    const { error, status } = await w.runUntil(async () => {
      const handle = await startOnboarding(tenantId, taskQueue);
      await waitForSenderStep(handle);
      const [sub] = subaccountOf(h.fake, tenantId);
      await h.control.createSender(sub!.sid, {
        phoneNumber: uniquePhone(),
        timeline: [
          { status: 'PENDING_VERIFICATION', afterMs: 0 },
          { status: 'OFFLINE', afterMs: DAY },
        ],
        offlineReasons: [{ code: '63113', message: 'Business verification rejected' }],
      });
      const error = await handle.result().catch((e: unknown) => e);
      return { error, status: await handle.query(onboardingStatus) };
    });

    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect((error as WorkflowFailedError).cause?.message).toContain('Business verification rejected (63113)');
    expect(status.phase).toBe('failed');
    expect(status.failure).toEqual({ step: 'sender', reason: expect.stringContaining('Business verification rejected') });
    expect(status.steps.find((s) => s.id === 'sender')!.state).toBe('failed');
    expect(status.steps.find((s) => s.id === 'signup')!.state).toBe('done');
    const account = await h.prisma.integrationAccount.findFirstOrThrow({ where: { tenantId } });
    expect(account.status).toBe('failed');
    expect(account.lastError).toContain('Business verification rejected');
    const audit = await h.prisma.auditLog.findMany({ where: { tenantId, action: 'integration.failed' } });
    expect(audit).toHaveLength(1);
  });

  it('gives up after 14 days without an ONLINE sender', async () => {
    const tenantId = await createTenant(h.prisma);
    const taskQueue = `onboarding-${randomUUID()}`;
    const w = await worker(taskQueue);
    const error = await w.runUntil(async () => {
      const handle = await startOnboarding(tenantId, taskQueue);
      return handle.result().catch((e: unknown) => e);
    });
    expect((error as WorkflowFailedError).cause?.message).toMatch(/No WhatsApp sender came online within 14 days/);
  });
});
