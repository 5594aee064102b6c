import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStripeActivities, createStripeClient } from '../../activities/stripe.js';
import { FakeStripeControl } from '../../fakes/stripe/control-client.js';
import type { FakeStripe } from '../../fakes/stripe/server.js';
import { createAccount } from '../../lib/auth/accounts.js';
import { REPLY_METER_EVENT } from '../../lib/billing/plans.js';
import { insertReplyIntent } from '../../lib/conversations/reply-store.js';
import { createPrismaClient, type PrismaClient } from '../../lib/db/client.js';
import { closeSqlPool } from '../../lib/db/sql.js';
import { testEnv } from '../support/api.js';
import { STRIPE_KEY, startStripeStandIn } from './harness.js';

/*
 * Counted AI replies reach Stripe's meter once each, whatever retries and crashes happen: the reply is
 * counted by the statement that inserts its intent (unique per inbound message, so a retried draft counts
 * nothing), and reported with its message id as the meter event's identifier, so a report repeated after
 * a crash (Stripe took it, our row was not yet deleted) is refused by Stripe and billed once. The stand-in's
 * record of meter events is the ground truth.
 */

let fake: FakeStripe;
let control: FakeStripeControl;
let prisma: PrismaClient;
let stripeActivities: ReturnType<typeof createStripeActivities>;

beforeAll(async () => {
  fake = await startStripeStandIn();
  control = new FakeStripeControl(fake.url);
  prisma = createPrismaClient(testEnv().DATABASE_URL, { max: 2 });
  stripeActivities = createStripeActivities({ prisma, stripe: createStripeClient({ secretKey: STRIPE_KEY, apiBaseUrl: fake.url }) });
  await stripeActivities.ensureStripeCatalog(); // the meter
});
afterAll(async () => {
  await fake?.close();
  await closeSqlPool(prisma);
  await prisma?.$disconnect();
});

async function shopWithCustomer() {
  const { tenant } = await createAccount(prisma, {
    email: `meter-${randomUUID()}@shop.example`,
    password: null,
    name: null,
    companyName: 'Meter shop',
    attribution: {},
    trialDays: 14,
    ip: null,
  });
  const owner = await prisma.user.findFirstOrThrow({ where: { tenantId: tenant.id } });
  const { customerId } = await stripeActivities.ensureStripeCustomer({ tenantId: tenant.id, email: owner.email });
  const account = await prisma.integrationAccount.create({ data: { tenantId: tenant.id, status: 'connected' } });
  const conversation = await prisma.conversation.create({
    data: { tenantId: tenant.id, accountId: account.id, channel: 'whatsapp', customerAddress: `whatsapp:+1555${Date.now() % 10_000_000}` },
  });
  return { tenantId: tenant.id, customerId: customerId!, conversationId: conversation.id };
}

/** An AI reply to one inbound message, as draftReply stores it (a retry of the same turn inserts nothing new). */
const reply = (shop: { tenantId: string; conversationId: string }, inboundSid: string) =>
  insertReplyIntent(prisma, { tenantId: shop.tenantId, conversationId: shop.conversationId, replyToMessageSid: inboundSid, body: 'It is 19.90 USD.', source: 'ai', status: 'queued' });

const ours = async (customer: string) => (await control.meterEvents({ customer, eventName: REPLY_METER_EVENT }));

describe('usage reported to Stripe meter events', () => {
  it('a reply retried after a crash, and reported again after a crash, is billed once', async () => {
    const shop = await shopWithCustomer();
    const inbound = `SM${randomUUID().replaceAll('-', '')}`;
    const first = await reply(shop, inbound);
    const retried = await reply(shop, inbound); // the draft activity ran again after a worker crash
    expect(retried.messageId).toBe(first.messageId);
    expect(await prisma.meterEventOutbox.findMany({ where: { tenantId: shop.tenantId } })).toEqual([
      expect.objectContaining({ messageId: first.messageId }),
    ]);
    const counter = await prisma.usageCounter.findFirstOrThrow({ where: { tenantId: shop.tenantId } });
    expect(counter.replies).toBe(1);

    const reported = await stripeActivities.reportUsage({ max: 500 });
    expect(reported.reported).toBeGreaterThanOrEqual(1);
    expect(await prisma.meterEventOutbox.count({ where: { tenantId: shop.tenantId } })).toBe(0);

    // A crash after Stripe took the event and before our row was deleted: the row is still there next run.
    await prisma.meterEventOutbox.create({ data: { messageId: first.messageId, tenantId: shop.tenantId, occurredAt: new Date() } });
    const again = await stripeActivities.reportUsage({ max: 500 });
    expect(again.duplicates).toBeGreaterThanOrEqual(1);
    expect(await prisma.meterEventOutbox.count({ where: { tenantId: shop.tenantId } })).toBe(0);

    const { events, totals } = await ours(shop.customerId);
    expect(events.map((e) => e.identifier)).toEqual([first.messageId]);
    expect(events[0]).toMatchObject({ customer: shop.customerId, value: 1, error: null });
    expect(totals).toEqual([expect.objectContaining({ customer: shop.customerId, value: 1, count: 1 })]);
  });

  it('every counted reply is reported, in batches, and refused or unsent turns are not', async () => {
    const shop = await shopWithCustomer();
    const sent = [];
    for (let i = 0; i < 5; i++) sent.push((await reply(shop, `SM${randomUUID().replaceAll('-', '')}`)).messageId);
    // A turn the gate refused is a record, not a reply: not counted, not reported.
    await insertReplyIntent(prisma, {
      tenantId: shop.tenantId, conversationId: shop.conversationId, replyToMessageSid: `SM${randomUUID().replaceAll('-', '')}`,
      body: '', source: 'ai', status: 'not_sent', errorCode: 'reply_limit',
    });
    expect(await prisma.meterEventOutbox.count({ where: { tenantId: shop.tenantId } })).toBe(5);
    // Two at a time, until nothing of this shop is left (other files' rows may be in the outbox too).
    for (let round = 0; round < 20 && (await prisma.meterEventOutbox.count({ where: { tenantId: shop.tenantId } })) > 0; round++) {
      await stripeActivities.reportUsage({ max: 2 });
    }
    const { events, totals } = await ours(shop.customerId);
    expect(events.map((e) => e.identifier).sort()).toEqual([...sent].sort());
    expect(totals[0]).toMatchObject({ value: 5, count: 5 });
  });
});
