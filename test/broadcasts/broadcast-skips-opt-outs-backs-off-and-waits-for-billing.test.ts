// The broadcast workflow (time-skipping server, real activities and database, the Twilio stand-in): a customer
// who says STOP mid-broadcast gets nothing after it, Twilio's 21610 is an opt-out, 429 / 20429 and 63018 slow it
// down without sending anyone twice, a closed billing gate pauses it, and a long broadcast continues as new.
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BatchReport, BatchInput } from '../../activities/twilio-broadcasts.js';
import { recordOptOutChange } from '../../lib/conversations/opt-out-store.js';
import { workflowIds } from '../../lib/temporal/names.js';
import { batchSize, broadcastWorkflow } from '../../workflows/broadcast.js';
import { broadcastProgress, resumeBroadcast } from '../../workflows/contracts/broadcast.js';
import { eventually } from '../support/eventually.js';
import { createTimeSkippingEnv, runTestWorker, workflowBundle } from '../support/temporal.js';
import { broadcastActivities, sentPerRecipient, startBroadcastHarness, type BroadcastHarness } from './harness.js';

let env: TestWorkflowEnvironment;
let h: BroadcastHarness;
let worker: { stop(): Promise<void> };
const taskQueue = `broadcasts-guards-${randomUUID()}`;

beforeAll(async () => {
  env = await createTimeSkippingEnv();
  h = await startBroadcastHarness();
  worker = await runTestWorker(env, taskQueue, broadcastActivities(h));
});
afterAll(async () => {
  await worker?.stop();
  await h?.close();
  await env?.teardown();
});

function start(tenantId: string, broadcastId: string, channel: 'whatsapp' | 'sms', ratePerSecond: number, queue = taskQueue) {
  return env.client.workflow.start(broadcastWorkflow, {
    taskQueue: queue,
    workflowId: workflowIds.broadcast(tenantId, broadcastId),
    args: [{ tenantId, broadcastId, channel, ratePerSecond, scheduledAt: null }],
  });
}

const recipientOf = (broadcastId: string, phone: string, channel: 'whatsapp' | 'sms' = 'whatsapp') =>
  h.prisma.broadcastRecipient.findFirstOrThrow({ where: { broadcastId, customerAddress: channel === 'whatsapp' ? `whatsapp:${phone}` : phone } });

describe('opted-out customers get nothing', () => {
  it('a customer who sends STOP mid-broadcast gets nothing after it; everyone else gets one message', async () => {
    const shop = await h.connectShop({ label: 'stop' });
    const customers = await h.addCustomers(shop, 'whatsapp', 30);
    const id = await h.createBroadcast(shop, { channel: 'whatsapp', ratePerSecond: 10 });
    const handle = await start(shop.tenantId, id, 'whatsapp', 10);
    await eventually(async () => (await handle.query(broadcastProgress)).processed >= 10, 'the first batch', 20_000);

    // What the conversation workflow records when the customer's STOP arrives.
    const quitter = customers.at(-1)!;
    const conversation = await h.prisma.conversation.findFirstOrThrow({ where: { tenantId: shop.tenantId, customerAddress: `whatsapp:${quitter}` } });
    await recordOptOutChange(h.prisma, { tenantId: shop.tenantId, conversationId: conversation.id, inboundSid: `SM${randomUUID().replace(/-/g, '')}`, optedOut: true });

    expect((await handle.result()).status).toBe('completed');
    const sent = await sentPerRecipient(h.control, shop.subaccountSid);
    // Only the STOP confirmation would reach them, and this test sends none: the broadcast sent nothing.
    expect(sent.has(quitter)).toBe(false);
    expect(sent.size).toBe(29);
    expect([...sent.values()].every((m) => m.length === 1)).toBe(true);
    expect(await recipientOf(id, quitter)).toMatchObject({ status: 'skipped', errorCode: 'opted_out' });
    expect(await h.prisma.broadcast.findUniqueOrThrow({ where: { id } })).toMatchObject({ sentCount: 29, skippedCount: 1 });
  });

  it('Twilio’s 21610 (the customer texted STOP to the number) skips them and records their opt-out', async () => {
    const shop = await h.connectShop({ label: '21610', sms: true });
    const customers = await h.addCustomers(shop, 'sms', 5);
    const blocked = customers[2]!;
    await h.control.setOptOut(shop.smsNumber!, blocked);
    const id = await h.createBroadcast(shop, { channel: 'sms', ratePerSecond: 20 });
    expect((await (await start(shop.tenantId, id, 'sms', 20)).result()).status).toBe('completed');

    const sent = await sentPerRecipient(h.control, shop.subaccountSid);
    expect(sent.size).toBe(4);
    expect(sent.has(blocked)).toBe(false);
    expect(await recipientOf(id, blocked, 'sms')).toMatchObject({ status: 'skipped', errorCode: '21610' });
    const conversation = await h.prisma.conversation.findFirstOrThrow({ where: { tenantId: shop.tenantId, customerAddress: blocked } });
    expect(conversation).toMatchObject({ optedOut: true, optOutSource: 'carrier' });
    const audit = await h.prisma.auditLog.findFirst({ where: { tenantId: shop.tenantId, action: 'conversation.opted_out_by_carrier' } });
    expect(audit?.targetId).toBe(conversation.id);
  });
});

describe('Twilio says slow down', () => {
  it('backs off on 429 / 20429, slows down, and still sends everyone exactly once', async () => {
    const shop = await h.connectShop({ label: '429' });
    const customers = await h.addCustomers(shop, 'whatsapp', 25);
    await h.control.addFault({ method: 'POST', path: `/2010-04-01/Accounts/${shop.subaccountSid}/Messages.json`, kind: '429', count: 3, retryAfterSeconds: 1 });
    const id = await h.createBroadcast(shop, { channel: 'whatsapp', ratePerSecond: 10 });
    const handle = await start(shop.tenantId, id, 'whatsapp', 10);
    expect((await handle.result()).status).toBe('completed');

    const progress = await handle.query(broadcastProgress);
    expect(progress.lastThrottleCode).toBe('20429');
    const sent = await sentPerRecipient(h.control, shop.subaccountSid);
    expect([...sent.keys()].sort()).toEqual([...customers].sort());
    expect([...sent.values()].every((m) => m.length === 1)).toBe(true);
    // A refused send was never accepted: its stamp was lifted and it went out once, later, with no look-up.
    const messages = await h.prisma.message.findMany({ where: { broadcastId: id } });
    expect(messages.every((m) => m.providerMessageSid !== null)).toBe(true);
    const timers = ((await handle.fetchHistory()).events ?? []).filter((e) => e.timerStartedEventAttributes);
    expect(timers.some((e) => Number(e.timerStartedEventAttributes!.startToFireTimeout!.seconds ?? 0) >= 1)).toBe(true);
  });

  it('waits as long as Twilio’s Retry-After asks (7 s here), not a fixed second, and counts the throttle', async () => {
    const shop = await h.connectShop({ label: 'retry-after' });
    const customers = await h.addCustomers(shop, 'whatsapp', 12);
    await h.control.addFault({ method: 'POST', path: `/2010-04-01/Accounts/${shop.subaccountSid}/Messages.json`, kind: '429', count: 1, retryAfterSeconds: 7 });
    const id = await h.createBroadcast(shop, { channel: 'whatsapp', ratePerSecond: 10 });
    const handle = await start(shop.tenantId, id, 'whatsapp', 10);
    expect((await handle.result()).status).toBe('completed');

    const progress = await handle.query(broadcastProgress);
    expect(progress).toMatchObject({ lastThrottleCode: '20429', throttles: 1 });
    const events = (await handle.fetchHistory()).events ?? [];
    // The batch reported Twilio's 7 s, and the workflow's backoff timer is that long (it was 1 s whatever Twilio said).
    const reports = events
      .map((e) => e.activityTaskCompletedEventAttributes?.result?.payloads?.[0]?.data)
      .filter((d): d is Uint8Array => d instanceof Uint8Array && d.length > 0)
      .map((d) => JSON.parse(Buffer.from(d).toString('utf8')) as Partial<BatchReport>);
    expect(reports.find((r) => r.throttled)?.throttled).toEqual({ retryAfterMs: 7_000, code: '20429' });
    const timers = events.filter((e) => e.timerStartedEventAttributes).map((e) => Number(e.timerStartedEventAttributes!.startToFireTimeout!.seconds ?? 0));
    expect(Math.max(...timers)).toBeGreaterThanOrEqual(7);
    const sent = await sentPerRecipient(h.control, shop.subaccountSid);
    expect([...sent.keys()].sort()).toEqual([...customers].sort());
    expect([...sent.values()].every((m) => m.length === 1)).toBe(true);
  });

  it('sends a message WhatsApp failed with 63018 once more, and slows down', async () => {
    const shop = await h.connectShop({ label: '63018' });
    const customers = await h.addCustomers(shop, 'whatsapp', 40);
    const id = await h.createBroadcast(shop, { channel: 'whatsapp', ratePerSecond: 10 });
    const handle = await start(shop.tenantId, id, 'whatsapp', 10);
    await eventually(async () => (await handle.query(broadcastProgress)).processed >= 10, 'the first batch', 20_000);

    // What Twilio's status callback records when WhatsApp refuses the message for the sender's rate.
    const unlucky = customers[2]!;
    const recipient = await recipientOf(id, unlucky);
    await h.prisma.message.update({ where: { id: recipient.messageId! }, data: { status: 'failed', errorCode: '63018' } });

    expect((await handle.result()).status).toBe('completed');
    expect((await handle.query(broadcastProgress)).lastThrottleCode).toBe('63018');
    const sent = await sentPerRecipient(h.control, shop.subaccountSid);
    expect(sent.get(unlucky)).toHaveLength(2);
    expect([...sent.entries()].filter(([to]) => to !== unlucky).every(([, m]) => m.length === 1)).toBe(true);
    expect(await recipientOf(id, unlucky)).toMatchObject({ status: 'sent', attempts: 1, messageId: `${recipient.id}#1` });
  });
});

describe('the billing gate', () => {
  it('a tenant whose trial ended cannot send: the broadcast waits, paused by billing, until a plan and a resume', async () => {
    const shop = await h.connectShop({ label: 'gate' });
    await h.addCustomers(shop, 'whatsapp', 5);
    await h.prisma.tenant.update({ where: { id: shop.tenantId }, data: { plan: 'trial_expired' } });
    const id = await h.createBroadcast(shop, { channel: 'whatsapp', ratePerSecond: 10 });
    const handle = await start(shop.tenantId, id, 'whatsapp', 10);

    await eventually(async () => (await handle.query(broadcastProgress)).paused?.by === 'billing', 'the billing pause', 20_000);
    expect((await handle.query(broadcastProgress)).paused?.message).toMatch(/trial has ended/);
    await eventually(async () => (await h.prisma.broadcast.findUniqueOrThrow({ where: { id } })).status === 'paused', 'the paused status', 10_000);
    expect(await h.prisma.auditLog.count({ where: { tenantId: shop.tenantId, action: 'broadcast.paused' } })).toBe(1);
    expect((await sentPerRecipient(h.control, shop.subaccountSid)).size).toBe(0);

    await h.prisma.tenant.update({ where: { id: shop.tenantId }, data: { plan: 'trial' } });
    await handle.signal(resumeBroadcast, { by: 'test' });
    expect((await handle.result()).status).toBe('completed');
    expect((await sentPerRecipient(h.control, shop.subaccountSid)).size).toBe(5);
  });
});

describe('a long broadcast keeps its history bounded', () => {
  it('continues as new after 250 batches, carrying where it was', async () => {
    const queue = `broadcasts-can-${randomUUID()}`;
    const total = 260 * batchSize(500);
    let handled = 0;
    const activities = {
      async startBroadcast() {
        return { total, blocked: null, fatal: null };
      },
      async recordBroadcastPhase() {},
      async finishBroadcast() {},
      async sendBroadcastBatch(input: BatchInput): Promise<BatchReport> {
        const n = Math.min(input.limit, total - handled);
        handled += n;
        return { processed: n, calls: n, sent: n, failed: 0, skipped: 0, done: handled >= total, throttled: null, blocked: null, fatal: null, maxSeq: handled };
      },
    };
    const w = await Worker.create({ connection: env.nativeConnection, taskQueue: queue, workflowBundle: workflowBundle(), activities });
    await w.runUntil(async () => {
      const handle = await start('tenant-can', randomUUID(), 'whatsapp', 500, queue);
      expect(await handle.result()).toMatchObject({ status: 'completed', total });
      const first = await env.client.workflow.getHandle(handle.workflowId, handle.firstExecutionRunId).fetchHistory();
      const last = await env.client.workflow.getHandle(handle.workflowId).fetchHistory();
      expect(first.events!.at(-1)!.workflowExecutionContinuedAsNewEventAttributes).toBeTruthy();
      expect(first.events!.length).toBeLessThan(4_000);
      expect(last.events!.length).toBeLessThan(first.events!.length);
      expect(handled).toBe(total);
    });
  });
});
