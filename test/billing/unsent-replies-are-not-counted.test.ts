import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConversationStoreActivities } from '../../activities/conversation-store.js';
import { createStripeActivities, createStripeClient } from '../../activities/stripe.js';
import { createTwilioMessagingActivities } from '../../activities/twilio-messaging.js';
import { FakeStripeControl } from '../../fakes/stripe/control-client.js';
import type { FakeStripe } from '../../fakes/stripe/server.js';
import { createAccount } from '../../lib/auth/accounts.js';
import { REPLY_METER_EVENT } from '../../lib/billing/plans.js';
import { readReplyAccess } from '../../lib/billing/reply-access.js';
import { insertReplyIntent } from '../../lib/conversations/reply-store.js';
import { createPrismaClient, type PrismaClient } from '../../lib/db/client.js';
import { closeSqlPool } from '../../lib/db/sql.js';
import { testEnv } from '../support/api.js';
import { STRIPE_KEY, startStripeStandIn } from './harness.js';

/*
 * "Each AI reply sent counts once" (issue 13): a reply is counted (and put in the meter outbox) when it is
 * queued, as a reservation the reply gate reads; a reply that then is not sent — Twilio gave up, Twilio
 * refused it, the send path decided not to send — gives its count back and leaves the meter outbox, exactly
 * once however often the give-up is recorded. What Stripe's meter receives is the stand-in's record.
 */

let fake: FakeStripe;
let control: FakeStripeControl;
let prisma: PrismaClient;
let stripeActivities: ReturnType<typeof createStripeActivities>;
let store: ReturnType<typeof createConversationStoreActivities>;
let messaging: ReturnType<typeof createTwilioMessagingActivities>;

beforeAll(async () => {
  fake = await startStripeStandIn();
  control = new FakeStripeControl(fake.url);
  prisma = createPrismaClient(testEnv().DATABASE_URL, { max: 2 });
  stripeActivities = createStripeActivities({ prisma, stripe: createStripeClient({ secretKey: STRIPE_KEY, apiBaseUrl: fake.url }) });
  store = createConversationStoreActivities({ prisma });
  messaging = createTwilioMessagingActivities({
    prisma,
    credentials: null,
    connect: () => {
      throw new Error('no Twilio in this test');
    },
    publicUrl: 'http://127.0.0.1:1',
    templateContentSid: null,
  });
  await stripeActivities.ensureStripeCatalog(); // the meter
});
afterAll(async () => {
  await fake?.close();
  await closeSqlPool(prisma);
  await prisma?.$disconnect();
});

/** A trial shop with its Stripe customer and one WhatsApp conversation (`connected` says whether it can send). */
async function shop(connected: boolean) {
  const { tenant } = await createAccount(prisma, {
    email: `unsent-${randomUUID()}@shop.example`,
    password: null,
    name: null,
    companyName: 'Unsent shop',
    attribution: {},
    trialDays: 14,
    ip: null,
  });
  const owner = await prisma.user.findFirstOrThrow({ where: { tenantId: tenant.id } });
  const { customerId } = await stripeActivities.ensureStripeCustomer({ tenantId: tenant.id, email: owner.email });
  // No Twilio subaccount: the send path settles an AI reply as "not connected" without calling Twilio.
  const account = await prisma.integrationAccount.create({ data: { tenantId: tenant.id, status: connected ? 'connected' : 'disconnected' } });
  const conversation = await prisma.conversation.create({
    data: { tenantId: tenant.id, accountId: account.id, channel: 'whatsapp', customerAddress: `whatsapp:+1555${Math.floor(Math.random() * 10_000_000)}` },
  });
  const tenantId = tenant.id;
  return {
    tenantId,
    customerId: customerId!,
    /** An AI reply to a new inbound message, as draftReply stores it (counted, in the meter outbox). */
    reply: async () =>
      (
        await insertReplyIntent(prisma, {
          tenantId,
          conversationId: conversation.id,
          replyToMessageSid: `SM${randomUUID().replaceAll('-', '')}`,
          body: 'It is 19.90 USD.',
          source: 'ai',
          status: 'queued',
        })
      ).messageId,
    used: async () => (await readReplyAccess(prisma, tenantId)).usage.replies,
    outbox: async () => (await prisma.meterEventOutbox.findMany({ where: { tenantId }, orderBy: { occurredAt: 'asc' } })).map((r) => r.messageId),
  };
}

async function reportEverything(tenantId: string): Promise<void> {
  for (let round = 0; round < 20 && (await prisma.meterEventOutbox.count({ where: { tenantId } })) > 0; round++) {
    await stripeActivities.reportUsage({ max: 50 });
  }
}

describe('replies that are not sent are not counted', () => {
  it('a reply that gives up sending gives its count back and is not metered, once however often it is recorded', async () => {
    const s = await shop(true);
    const gaveUp = await s.reply();
    const sent = await s.reply();
    expect(await s.used()).toBe(2);

    await store.recordSendGaveUp({ messageId: gaveUp, reason: 'Twilio kept answering 503' });
    await store.recordSendGaveUp({ messageId: gaveUp, reason: 'Twilio kept answering 503' }); // the activity retried
    expect(await s.used()).toBe(1);
    expect(await s.outbox()).toEqual([sent]);
    expect(await prisma.message.findUniqueOrThrow({ where: { id: gaveUp } })).toMatchObject({ status: 'failed', errorCode: 'send_gave_up' });

    // A reply Twilio took (its sid recorded) is sent: a late give-up changes nothing, neither message nor count.
    await prisma.message.update({ where: { id: sent }, data: { providerMessageSid: `SM${randomUUID().replaceAll('-', '')}`, status: 'sent' } });
    await store.recordSendGaveUp({ messageId: sent, reason: 'late' });
    expect(await s.used()).toBe(1);
    expect((await prisma.message.findUniqueOrThrow({ where: { id: sent } })).status).toBe('sent');

    await reportEverything(s.tenantId);
    const { events, totals } = await control.meterEvents({ customer: s.customerId, eventName: REPLY_METER_EVENT });
    expect(events.map((e) => e.identifier)).toEqual([sent]);
    expect(totals).toEqual([expect.objectContaining({ value: 1, count: 1 })]);
  });

  it('a reply the send path does not send (WhatsApp not connected) is not counted, and a retried send changes nothing', async () => {
    const s = await shop(false);
    const reply = await s.reply();
    expect(await s.used()).toBe(1);
    expect(await messaging.sendMessage({ messageId: reply, withinWindow: true })).toMatchObject({ outcome: 'not_sent', reason: 'not_connected' });
    expect(await messaging.sendMessage({ messageId: reply, withinWindow: true })).toMatchObject({ outcome: 'not_sent' });
    expect(await s.used()).toBe(0);
    expect(await s.outbox()).toEqual([]);
    expect((await prisma.message.findUniqueOrThrow({ where: { id: reply } })).status).toBe('not_sent');
  });

  it('a reply that used the last of the allowance and then gave up sending leaves room for the next one', async () => {
    const s = await shop(true);
    const access = await readReplyAccess(prisma, s.tenantId);
    expect(access.usage.limit).toBeGreaterThan(1);
    // The period's allowance all but used: one reply more fills it.
    await prisma.usageCounter.create({ data: { tenantId: s.tenantId, periodStart: access.usage.periodStart, replies: access.usage.limit! - 1 } });
    const last = await s.reply();
    expect((await readReplyAccess(prisma, s.tenantId)).decision).toMatchObject({ allowed: false, reason: 'reply_limit' });

    await store.recordSendGaveUp({ messageId: last, reason: 'Twilio kept answering 503' });
    expect(await s.used()).toBe(access.usage.limit! - 1);
    expect((await readReplyAccess(prisma, s.tenantId)).decision.allowed).toBe(true);
  });
});
