// The billing clock: renewals, trials, a declining card's dunning (past_due, retries, cancel), paying
// an open invoice, cancel at period end, plan switches, and metered usage billed in arrears.
import Stripe from 'stripe';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeStripeControl } from './control-client.js';
import { startFakeStripe, type FakeStripe } from './server.js';
import { stripeClientFor } from './testing.js';

const KEY = 'sk_test_local_billing_tests';
const DAY = 86_400;
/** A fixed start on the 15th, so monthly periods are easy to read (15 Jan → 15 Feb → 15 Mar). */
const START_MS = Date.UTC(2027, 0, 15, 12, 0, 0);
let fake: FakeStripe;
let stripe: Stripe;
let control: FakeStripeControl;
let pro: Stripe.Price;
let business: Stripe.Price;

beforeAll(async () => {
  fake = await startFakeStripe({ secretKey: KEY, webhookSecret: 'whsec_billing', now: () => START_MS });
  stripe = stripeClientFor(fake.url, KEY);
  control = new FakeStripeControl(fake.url);
});
afterAll(() => fake.close());
beforeEach(async () => {
  await control.reset();
  pro = await stripe.prices.create({ currency: 'usd', unit_amount: 2900, recurring: { interval: 'month' }, nickname: 'Pro', product_data: { name: 'Pro' } });
  business = await stripe.prices.create({ currency: 'usd', unit_amount: 9900, recurring: { interval: 'month' }, nickname: 'Business', product_data: { name: 'Business' } });
});

async function subscribe(opts: { trialDays?: number; items?: Stripe.Checkout.SessionCreateParams.LineItem[] } = {}): Promise<{ customer: string; sub: string }> {
  const now = (await control.clock()).now;
  const session = await stripe.checkout.sessions.create({
    mode: 'subscription',
    customer_email: 'shop@example.test',
    line_items: opts.items ?? [{ price: pro.id, quantity: 1 }],
    success_url: 'http://app.test/ok',
    ...(opts.trialDays ? { subscription_data: { trial_end: now + opts.trialDays * DAY } } : {}),
  });
  const res = await fetch(`${session.url}/pay`, { method: 'POST', redirect: 'manual' });
  expect(res.status).toBe(303);
  const done = await stripe.checkout.sessions.retrieve(session.id);
  return { customer: done.customer as string, sub: done.subscription as string };
}

const types = async (since: number): Promise<string[]> => (await control.events()).events.slice(since).map((e) => e.type);
const eventCount = async (): Promise<number> => (await control.events()).events.length;

describe('renewals', () => {
  it('renews monthly on the anchor day with a paid invoice and a period move', async () => {
    const { sub } = await subscribe();
    const first = await stripe.subscriptions.retrieve(sub);
    expect(first.status).toBe('active');
    expect(first.items.data[0]?.current_period_end).toBe(Date.UTC(2027, 1, 15, 12) / 1000);
    const mark = await eventCount();
    const adv = await control.advanceClock({ days: 31 });
    expect(adv.processed).toBe(1);
    const renewed = await stripe.subscriptions.retrieve(sub, { expand: ['latest_invoice'] });
    expect(renewed.items.data[0]).toMatchObject({ current_period_start: Date.UTC(2027, 1, 15, 12) / 1000, current_period_end: Date.UTC(2027, 2, 15, 12) / 1000 });
    expect(renewed.latest_invoice).toMatchObject({ status: 'paid', amount_paid: 2900, billing_reason: 'subscription_cycle', attempt_count: 1 });
    expect(await types(mark)).toEqual(['customer.subscription.updated', 'invoice.created', 'invoice.finalized', 'invoice.paid', 'invoice.payment_succeeded']);
    const update = (await control.events({ type: 'customer.subscription.updated' })).events.at(-1);
    expect(update?.created).toBe(Date.UTC(2027, 1, 15, 12) / 1000);
    expect(update?.data.previous_attributes).toMatchObject({ current_period_start: Date.UTC(2027, 0, 15, 12) / 1000 });
    const invoices = await stripe.invoices.list({ subscription: sub, limit: 10 });
    expect(invoices.data.map((i) => i.billing_reason)).toEqual(['subscription_cycle', 'subscription_create']);
  });

  it('sends trial_will_end three days before the trial ends, then charges and activates', async () => {
    const { sub } = await subscribe({ trialDays: 7 });
    const mark = await eventCount();
    await control.advanceClock({ days: 4 });
    expect(await types(mark)).toEqual(['customer.subscription.trial_will_end']);
    await control.advanceClock({ days: 3 });
    const after = await stripe.subscriptions.retrieve(sub, { expand: ['latest_invoice'] });
    expect(after.status).toBe('active');
    expect(after.latest_invoice).toMatchObject({ status: 'paid', amount_paid: 2900 });
    const update = (await control.events({ type: 'customer.subscription.updated' })).events.at(-1);
    expect(update?.data.previous_attributes).toMatchObject({ status: 'trialing' });
  });

  it('cancel_at_period_end ends the subscription at period end (customer.subscription.deleted)', async () => {
    const { sub } = await subscribe();
    const updated = await stripe.subscriptions.update(sub, { cancel_at_period_end: true });
    expect(updated.cancel_at).toBe(updated.items.data[0]?.current_period_end);
    await control.advanceClock({ days: 32 });
    const ended = await stripe.subscriptions.retrieve(sub);
    expect(ended).toMatchObject({ status: 'canceled', ended_at: Date.UTC(2027, 1, 15, 12) / 1000 });
    expect((await control.events({ type: 'customer.subscription.deleted' })).events).toHaveLength(1);
    expect((await stripe.subscriptions.list({ status: 'canceled' })).data.map((s) => s.id)).toEqual([sub]);
    expect((await stripe.subscriptions.list()).data).toEqual([]);
  });

  it('a price switch applies from the next invoice; DELETE cancels at once', async () => {
    const { sub } = await subscribe();
    const s = await stripe.subscriptions.retrieve(sub);
    await stripe.subscriptions.update(sub, { items: [{ id: s.items.data[0]?.id as string, price: business.id }], proration_behavior: 'none' });
    await control.renewNow(sub);
    const inv = (await stripe.invoices.list({ subscription: sub, limit: 1 })).data[0];
    expect(inv?.amount_due).toBe(9900);
    const canceled = await stripe.subscriptions.cancel(sub);
    expect(canceled.status).toBe('canceled');
  });
});

describe('a declining card', () => {
  it('renewal fails: invoice.payment_failed and past_due; a later payment makes it active again', async () => {
    const { customer, sub } = await subscribe();
    await control.setPaymentMethod(customer, 'declining');
    const mark = await eventCount();
    await control.advanceClock({ days: 31 });
    expect(await types(mark)).toEqual(['customer.subscription.updated', 'invoice.created', 'invoice.finalized', 'invoice.payment_failed', 'customer.subscription.updated']);
    const pastDue = await stripe.subscriptions.retrieve(sub, { expand: ['latest_invoice'] });
    expect(pastDue.status).toBe('past_due');
    const inv = pastDue.latest_invoice as Stripe.Invoice;
    expect(inv).toMatchObject({ status: 'open', attempt_count: 1, next_payment_attempt: Date.UTC(2027, 1, 18, 12) / 1000 });
    expect(inv.hosted_invoice_url).toBe(`${fake.url}/invoice/${inv.id}`);

    const declined = (await stripe.invoices.pay(inv.id as string).catch((e: unknown) => e)) as Stripe.errors.StripeError;
    expect(declined).toBeInstanceOf(Stripe.errors.StripeCardError);
    expect(declined).toMatchObject({ statusCode: 402, code: 'card_declined', decline_code: 'generic_decline' });
    expect((await stripe.invoices.retrieve(inv.id as string)).attempt_count).toBe(2);

    const m2 = await eventCount();
    await control.payInvoice(inv.id as string);
    expect(await types(m2)).toEqual(['invoice.paid', 'invoice.payment_succeeded', 'customer.subscription.updated']);
    expect((await stripe.subscriptions.retrieve(sub)).status).toBe('active');
    expect((await stripe.invoices.list({ customer, status: 'open' })).data).toEqual([]);
  });

  it('retries after 3, 5 and 7 days, then cancels the subscription (Stripe’s default)', async () => {
    const { customer, sub } = await subscribe();
    await control.setPaymentMethod(customer, 'declining');
    await control.advanceClock({ days: 31 + 3 + 5 + 7 });
    const ended = await stripe.subscriptions.retrieve(sub, { expand: ['latest_invoice'] });
    expect(ended.status).toBe('canceled');
    expect(ended.cancellation_details?.reason).toBe('payment_failed');
    expect(ended.latest_invoice).toMatchObject({ status: 'open', attempt_count: 4, next_payment_attempt: null });
    const failed = (await control.events({ type: 'invoice.payment_failed' })).events;
    const periodEnd = Date.UTC(2027, 1, 15, 12) / 1000;
    expect(failed.map((e) => e.created - periodEnd)).toEqual([0, 3 * DAY, 8 * DAY, 15 * DAY]);
    expect((await control.events({ type: 'customer.subscription.deleted' })).events).toHaveLength(1);
  });

  it('the scheduled retry succeeds once the card works again', async () => {
    const { customer, sub } = await subscribe();
    await control.setPaymentMethod(customer, 'declining');
    await control.advanceClock({ days: 31 });
    await control.setPaymentMethod(customer, 'working');
    expect((await stripe.subscriptions.retrieve(sub)).status).toBe('past_due');
    await control.advanceClock({ days: 3 });
    const after = await stripe.subscriptions.retrieve(sub, { expand: ['latest_invoice'] });
    expect(after.status).toBe('active');
    expect(after.latest_invoice).toMatchObject({ status: 'paid', attempt_count: 2, next_payment_attempt: null });
  });

  it('switching to a working card in the portal pays what is open', async () => {
    const { customer, sub } = await subscribe();
    await control.setPaymentMethod(customer, 'declining');
    await control.renewNow(sub);
    expect((await stripe.subscriptions.retrieve(sub)).status).toBe('past_due');
    const portal = await stripe.billingPortal.sessions.create({ customer, return_url: 'http://app.test/' });
    const res = await fetch(`${portal.url}/payment-method`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'mode=working' });
    expect(res.status).toBe(303);
    expect((await stripe.subscriptions.retrieve(sub)).status).toBe('active');
  });
});

describe('metered usage', () => {
  it('bills a metered item in arrears from its meter', async () => {
    await stripe.billing.meters.create({ display_name: 'Replies', event_name: 'reply', default_aggregation: { formula: 'sum' } });
    const meter = (await stripe.billing.meters.list()).data[0] as Stripe.Billing.Meter;
    const perReply = await stripe.prices.create({ currency: 'usd', unit_amount: 2, recurring: { interval: 'month', usage_type: 'metered', meter: meter.id }, product_data: { name: 'Replies' } });
    const { customer, sub } = await subscribe({ items: [{ price: pro.id, quantity: 1 }, { price: perReply.id }] });
    const now = (await control.clock()).now;
    for (let i = 0; i < 3; i++) await stripe.billing.meterEvents.create({ event_name: 'reply', identifier: `r${i}`, timestamp: now + 60, payload: { stripe_customer_id: customer, value: '10' } });
    await control.advanceClock({ days: 31 });
    const inv = (await stripe.invoices.list({ subscription: sub, limit: 1 })).data[0] as Stripe.Invoice;
    expect(inv.lines.data.map((l) => [l.quantity, l.amount])).toEqual([
      [1, 2900],
      [30, 60],
    ]);
    expect(inv.amount_paid).toBe(2960);
  });
});
