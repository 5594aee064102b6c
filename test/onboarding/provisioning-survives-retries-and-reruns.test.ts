// Crashes, retries and reruns never duplicate anything at Twilio; disconnect unwinds and reconnect works.
import { randomUUID } from 'node:crypto';
import { WorkflowNotFoundError, type WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workflowIds } from '../../lib/temporal/names.js';
import { checkNow, disconnect, onboardingStatus } from '../../workflows/contracts/onboarding.js';
import { whatsappOnboardingWorkflow, whatsappTestMessageWorkflow } from '../../workflows/onboarding.js';
import { workflowBundle } from '../support/temporal.js';
import { createTenant, eventually, keysOf, servicesOf, startOnboardingHarness, startTimeSkippingEnv, subaccountOf, uniquePhone, type OnboardingHarness } from './harness.js';

let env: TestWorkflowEnvironment;
let h: OnboardingHarness;
let worker: Worker;
let workerRun: Promise<void>;
const taskQueue = `onboarding-idem-${randomUUID()}`;

beforeAll(async () => {
  env = await startTimeSkippingEnv();
  h = await startOnboardingHarness(() => env);
  worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: workflowBundle(), activities: h.activities });
  workerRun = worker.run();
});
afterAll(async () => {
  worker?.shutdown();
  await workerRun;
  await h?.close();
  await env?.teardown();
});

const input = (tenantId: string, intent: 'connect' | 'disconnect' = 'connect') => ({ tenantId, intent, signup: { enabled: false, baseUrl: null } });
const start = (tenantId: string) =>
  env.client.workflow.start(whatsappOnboardingWorkflow, { taskQueue, workflowId: workflowIds.onboarding(tenantId), args: [input(tenantId)] });

/** Waits (real time) for the sender poll, then makes an ONLINE sender appear and asks for a check now. */
async function approveSender(handle: WorkflowHandle<typeof whatsappOnboardingWorkflow>, tenantId: string, phoneNumber: string) {
  // A reconnect finds the sender already ONLINE at its first poll and may pass this phase in a blink:
  // wait for "past provisioning", not for the exact phase.
  const phase = await eventually(async () => {
    const current = (await handle.query(onboardingStatus)).phase;
    return current === 'connecting' ? null : current;
  }, 'sender polling');
  const [sub] = subaccountOf(h.fake, tenantId);
  if (phase !== 'waiting_for_sender') return sub!;
  const existing = [...h.fake.state.senders.values()].find((s) => s.accountSid === sub!.sid);
  if (!existing) await h.control.createSender(sub!.sid, { phoneNumber, onlineAfterMs: 0 });
  // The run may have found the sender on its own and finished meanwhile; then there is nothing to wake.
  await handle.signal(checkNow).catch((err: unknown) => {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
  });
  return sub!;
}

async function connect(tenantId: string, phoneNumber: string) {
  const handle = await start(tenantId);
  const sub = await approveSender(handle, tenantId, phoneNumber);
  return { result: await handle.result(), sub };
}

describe('onboarding idempotency', () => {
  it('retries Messaging Service creation through two 500s and ends with exactly one service', async () => {
    const tenantId = await createTenant(h.prisma);
    await h.control.addFault({ method: 'POST', path: '/v1/Services', kind: '500', count: 2 });
    const before = h.requests.length;
    const { result, sub } = await connect(tenantId, uniquePhone());

    expect(result.phase).toBe('connected');
    const creates = h.requests.slice(before).filter((l) => l.startsWith('POST /v1/Services ->'));
    expect(creates.map((l) => l.split(' ')[3])).toEqual(['500', '500', '201']);
    expect(servicesOf(h.fake, sub.sid)).toHaveLength(1);
    expect(result.steps.find((s) => s.id === 'messagingService')!.state).toBe('done');
  });

  it('a rerun after completion reuses the subaccount, key and service', async () => {
    const tenantId = await createTenant(h.prisma);
    const first = await connect(tenantId, uniquePhone());
    const keyBefore = keysOf(h.fake, first.sub.sid).map((k) => k.sid);
    const accountBefore = await h.prisma.integrationAccount.findFirstOrThrow({ where: { tenantId } });

    // Same workflow id, a new run: the sender is already ONLINE, so it goes straight through.
    const second = await env.client.workflow.execute(whatsappOnboardingWorkflow, {
      taskQueue,
      workflowId: workflowIds.onboarding(tenantId),
      args: [input(tenantId)],
    });
    expect(second.phase).toBe('connected');
    expect(subaccountOf(h.fake, tenantId)).toHaveLength(1);
    expect(keysOf(h.fake, first.sub.sid).map((k) => k.sid)).toEqual(keyBefore);
    expect(servicesOf(h.fake, first.sub.sid)).toHaveLength(1);
    const accountAfter = await h.prisma.integrationAccount.findFirstOrThrow({ where: { tenantId }, include: { identifiers: true } });
    expect(accountAfter.apiKeySid).toBe(accountBefore.apiKeySid);
    expect(accountAfter.connectedAt).toEqual(accountBefore.connectedAt);
    expect(accountAfter.identifiers).toHaveLength(3);
    expect(await h.prisma.auditLog.count({ where: { tenantId, action: 'integration.connected' } })).toBe(1);
  });

  it('a key created but never stored (crash in between) is revoked and replaced, not left behind', async () => {
    const tenantId = await createTenant(h.prisma);
    const { sub } = await connect(tenantId, uniquePhone());
    const account = await h.prisma.integrationAccount.findFirstOrThrow({ where: { tenantId } });
    // Simulate the crash: the stored key is forgotten while an orphan of ours exists in the subaccount.
    await h.credentials.forgetApiKey({ tenantId, accountId: account.id });
    const orphan = keysOf(h.fake, sub.sid)[0]!.sid;

    await env.client.workflow.execute(whatsappOnboardingWorkflow, { taskQueue, workflowId: workflowIds.onboarding(tenantId), args: [input(tenantId)] });
    const keys = keysOf(h.fake, sub.sid);
    expect(keys).toHaveLength(1);
    expect(keys[0]!.sid).not.toBe(orphan);
  });

  it('disconnect revokes the key and unroutes webhooks; reconnect starts cleanly with a new key', async () => {
    const tenantId = await createTenant(h.prisma);
    const phone = uniquePhone();
    const { sub } = await connect(tenantId, phone);
    const oldKey = keysOf(h.fake, sub.sid)[0]!.sid;

    // After completion, the API signal-with-starts a run whose only job is the unwind.
    const handle = await env.client.workflow.signalWithStart(whatsappOnboardingWorkflow, {
      taskQueue,
      workflowId: workflowIds.onboarding(tenantId),
      args: [input(tenantId, 'disconnect')],
      signal: disconnect,
      signalArgs: [],
    });
    expect((await handle.result()).phase).toBe('disconnected');
    expect(keysOf(h.fake, sub.sid)).toHaveLength(0);
    const account = await h.prisma.integrationAccount.findFirstOrThrow({ where: { tenantId }, include: { identifiers: true, secrets: true } });
    expect(account).toMatchObject({ status: 'disconnected', apiKeySid: null });
    expect(account.identifiers).toEqual([]);
    expect(account.secrets.map((s) => s.name)).toEqual(['subaccount_auth_token']);

    const again = await connect(tenantId, phone);
    expect(again.result.phase).toBe('connected');
    expect(subaccountOf(h.fake, tenantId)).toHaveLength(1);
    const keys = keysOf(h.fake, sub.sid);
    expect(keys).toHaveLength(1);
    expect(keys[0]!.sid).not.toBe(oldKey);
    expect(servicesOf(h.fake, sub.sid)).toHaveLength(1);
  });

  it('refuses a WhatsApp number already connected to another tenant, naming the reason', async () => {
    // Stale routing data (say, a number moved to another subaccount by hand): it still belongs to tenant A.
    const phone = uniquePhone();
    const owner = await createTenant(h.prisma);
    const ownerAccount = await h.prisma.integrationAccount.create({ data: { tenantId: owner, status: 'disconnected' } });
    await h.prisma.integrationIdentifier.create({ data: { tenantId: owner, accountId: ownerAccount.id, kind: 'whatsapp_number', value: phone } });
    const other = await createTenant(h.prisma);
    const handle = await start(other);
    await approveSender(handle, other, phone);
    const error = await handle.result().catch((e: unknown) => e);
    expect((error as Error & { cause?: Error }).cause?.message).toBe(
      `The whatsapp number ${phone} is already connected to another WARA account; contact support.`,
    );
    const status = await handle.query(onboardingStatus);
    expect(status.failure?.step).toBe('identifiers');
    expect((await h.prisma.integrationAccount.findFirstOrThrow({ where: { tenantId: other } })).status).toBe('failed');
  });

  it('sends the test message through the Messaging Service once, even when run twice with one reference', async () => {
    const tenantId = await createTenant(h.prisma);
    const { result, sub } = await connect(tenantId, uniquePhone());
    const account = await h.prisma.integrationAccount.findFirstOrThrow({ where: { tenantId } });
    const args = {
      tenantId,
      accountId: account.id,
      subaccountSid: sub.sid,
      messagingServiceSid: result.messagingServiceSid!,
      to: '+447700900123',
      reference: 'req-1',
    };
    const run = (n: number) =>
      env.client.workflow.execute(whatsappTestMessageWorkflow, { taskQueue, workflowId: `test-message-${tenantId}-${n}`, args: [args] });
    const a = await run(1);
    const b = await run(2);
    expect(b.messageSid).toBe(a.messageSid);
    const { messages } = await h.control.messages({ accountSid: sub.sid, direction: 'outbound-api' });
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({ to: 'whatsapp:+447700900123', messagingServiceSid: result.messagingServiceSid });
  });
});

describe('check now', () => {
  it('a "check now" that arrives while a sender poll is in flight is not lost: the next poll follows at once', async () => {
    const tenantId = await createTenant(h.prisma);
    // The first poll is held until the test has made the sender appear and pressed "check now".
    let releaseFirstPoll!: () => void;
    const firstPollHeld = new Promise<void>((resolve) => (releaseFirstPoll = resolve));
    let polls = 0;
    let firstPollStarted!: () => void;
    const inFirstPoll = new Promise<void>((resolve) => (firstPollStarted = resolve));
    const activities = {
      ...h.activities,
      listWhatsAppSenders: async (ref: Parameters<typeof h.activities.listWhatsAppSenders>[0]) => {
        polls += 1;
        if (polls === 1) {
          const seen = await h.activities.listWhatsAppSenders(ref); // what Twilio says before the sender exists
          firstPollStarted();
          await firstPollHeld;
          return seen;
        }
        return h.activities.listWhatsAppSenders(ref);
      },
    };
    const queue = `onboarding-checknow-${randomUUID()}`;
    const held = await Worker.create({ connection: env.nativeConnection, taskQueue: queue, workflowBundle: workflowBundle(), activities });
    await held.runUntil(async () => {
      const firstDelayMs = 60 * 60_000;
      const handle = await env.client.workflow.start(whatsappOnboardingWorkflow, {
        taskQueue: queue,
        workflowId: workflowIds.onboarding(tenantId),
        args: [{ ...input(tenantId), polling: { firstDelayMs } }],
      });
      await inFirstPoll;
      const [sub] = subaccountOf(h.fake, tenantId);
      await h.control.createSender(sub!.sid, { phoneNumber: uniquePhone(), onlineAfterMs: 0 });
      await handle.signal(checkNow);
      releaseFirstPoll();
      // Real time, and before anyone awaits the result: the test server only skips time while a result
      // is awaited (and then to any workflow's next timer in this shared environment, so its clock cannot
      // tell). Waiting out the hour-long first delay would never show a second poll here.
      await eventually(async () => polls >= 2, 'the second poll, right after the first', 15_000);
      const result = await handle.result();
      expect(result.phase).toBe('connected');
      expect(polls).toBe(2);
    });
  });
});
