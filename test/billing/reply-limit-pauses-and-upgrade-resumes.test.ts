import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeStripeControl } from '../../fakes/stripe/control-client.js';
import type { FakeStripe } from '../../fakes/stripe/server.js';
import { stripeClientFor } from '../../fakes/stripe/testing.js';
import { workflowIds } from '../../lib/temporal/names.js';
import { billingState } from '../../workflows/contracts/billing.js';
import { authHeaders } from '../support/api.js';
import { eventually, sentTo, sleep, startConversationHarness, uniquePhone, type ConversationHarness, type Shop } from '../conversations/harness.js';
import { STRIPE_KEY, startStripeStandIn, stripeEnv, subscribe } from './harness.js';

/*
 * The reply limit end to end: WhatsApp messages through the Twilio stand-in, replies drafted by the OpenAI
 * stand-in and sent by the production worker, billing through the Stripe stand-in's signed webhooks. At
 * the plan's limit the next customer message is stored and shown "not answered: reply limit reached", the
 * merchant is emailed once (however many messages go unanswered), handing a conversation back to the AI is
 * refused like the reply path refuses it, and an upgrade (as the portal does it) answers the next message.
 */

let fake: FakeStripe;
let h: ConversationHarness;
let shop: Shop;
const control = () => new FakeStripeControl(fake.url);
const stripe = () => stripeClientFor(fake.url, STRIPE_KEY);

beforeAll(async () => {
  fake = await startStripeStandIn();
  h = await startConversationHarness({ env: stripeEnv(fake) });
  await control().config({ webhookUrl: `${h.publicUrl}/webhooks/stripe` });
  shop = await h.connectShop('limit');
});
afterAll(async () => {
  await h?.close();
  await fake?.close();
});

const SILENCE_MS = 1500;
const say = async (customer: string, body: string) => (await h.control.inbound({ to: shop.phone, from: customer, body, wait: true })).message.sid;
const sentCount = (customer: string, n: number) => eventually(async () => (await sentTo(h.control, customer)).length === n, `${n} messages to ${customer}`);
const billing = () => eventually(() => h.api.deps.temporal.workflow.getHandle(workflowIds.billing(shop.tenantId)).query(billingState).catch(() => null), 'the billing workflow');
const limitEmails = async () => h.prisma.emailOutbox.count({ where: { tenantId: shop.tenantId, idempotencyKey: { startsWith: `reply-limit:${shop.tenantId}:` } } });
const plan = async () => (await h.prisma.tenant.findUniqueOrThrow({ where: { id: shop.tenantId } })).plan;

describe('reply limit', () => {
  it('pauses AI replies at the limit, tells the merchant once, and an upgrade resumes them at once', async () => {
    const customerId = await eventually(async () => {
      const state = await billing();
      return state.lastSyncedAt ? state.customerId : null;
    }, 'the Stripe customer');
    const subscriptionId = await subscribe({ stripe: stripe(), control: control() }, customerId, 'starter');
    await eventually(async () => (await plan()) === 'starter', 'the Starter plan, from the webhooks');
    const sub = await h.prisma.subscription.findUniqueOrThrow({ where: { tenantId: shop.tenantId } });
    // 999 of Starter's 1,000 replies already used this billing period.
    await h.prisma.usageCounter.create({ data: { tenantId: shop.tenantId, periodStart: sub.currentPeriodStart!, replies: 999 } });

    const customer = uniquePhone();
    await say(customer, 'How much is the blue cotton t-shirt?');
    await sentCount(customer, 1); // the 1,000th reply

    const unanswered = await say(customer, 'And the ceramic coffee mug?');
    await eventually(async () => (await h.prisma.message.findUnique({ where: { providerMessageSid: unanswered } }))?.noReplyReason === 'reply_limit', 'the limit marker');
    const intent = await h.prisma.message.findUniqueOrThrow({ where: { replyToMessageSid: unanswered } });
    expect(intent).toMatchObject({ status: 'not_sent', errorCode: 'reply_limit' });
    await eventually(async () => (await limitEmails()) === 1, 'the limit email');

    // More messages go unanswered; the merchant is not told again.
    const again = await say(customer, 'Hello? Is anyone there?');
    await eventually(async () => (await h.prisma.message.findUnique({ where: { providerMessageSid: again } }))?.noReplyReason === 'reply_limit', 'the second limit marker');
    await sleep(SILENCE_MS);
    expect(await sentTo(h.control, customer)).toHaveLength(1);
    expect(await limitEmails()).toBe(1);
    expect(await h.prisma.auditLog.count({ where: { tenantId: shop.tenantId, action: 'billing.usage_limit_reached' } })).toBe(1);
    expect((await billing()).limitNotices).toHaveLength(1);

    // The API's gate: handing a conversation back to the AI costs replies; the merchant's own reply does not.
    const conversation = await h.prisma.conversation.findFirstOrThrow({ where: { tenantId: shop.tenantId, customerAddress: `whatsapp:${customer}` } });
    await h.api.app.inject({ method: 'POST', url: `/api/conversations/${conversation.id}/takeover`, headers: authHeaders(shop.session) });
    const resume = await h.api.app.inject({ method: 'POST', url: `/api/conversations/${conversation.id}/resume`, headers: authHeaders(shop.session) });
    expect(resume.statusCode).toBe(402);
    expect(resume.json()).toMatchObject({ error: 'reply_limit' });
    const manual = await h.api.app.inject({ method: 'POST', url: `/api/conversations/${conversation.id}/reply`, headers: authHeaders(shop.session), payload: { body: 'Ada here: the mug is 8.00 USD.' } });
    expect(manual.statusCode).toBe(202);
    await sentCount(customer, 2);

    // Upgrade, as the customer portal's "Switch to Growth" does it: the next message is answered.
    const growth = (await stripe().prices.list({ lookup_keys: ['wara_growth_monthly'], active: true })).data[0]!;
    const item = (await stripe().subscriptions.retrieve(subscriptionId)).items.data[0]!;
    await stripe().subscriptions.update(subscriptionId, { items: [{ id: item.id, price: growth.id }] });
    await eventually(async () => (await plan()) === 'growth', 'the Growth plan, from the webhooks');
    expect((await h.api.app.inject({ method: 'POST', url: `/api/conversations/${conversation.id}/resume`, headers: authHeaders(shop.session) })).statusCode).toBe(200);
    await say(customer, 'Great, and the wool beanie hat?');
    await sentCount(customer, 3);
    const audits = await h.prisma.auditLog.findMany({ where: { tenantId: shop.tenantId, action: { startsWith: 'billing.' } }, orderBy: { createdAt: 'asc' } });
    expect(audits.map((a) => a.action)).toEqual(
      expect.arrayContaining(['billing.subscription_started', 'billing.usage_limit_reached', 'billing.subscription_changed', 'billing.replies_resumed']),
    );
    // The page's banner and numbers read the same gate.
    const page = (await h.api.app.inject({ method: 'GET', url: '/api/billing', headers: { cookie: shop.session.cookie } })).json<{
      replies: { paused: boolean };
      usage: { replies: number; limit: number };
      plan: { code: string };
    }>();
    expect(page).toMatchObject({ replies: { paused: false }, usage: { replies: 1001, limit: 5000 }, plan: { code: 'growth' } });
  });
});
