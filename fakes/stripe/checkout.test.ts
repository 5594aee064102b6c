// Checkout and the customer portal end to end: the SDK creates the session, plain fetch drives the
// hosted pages like a browser's form posts, and a local receiver gets the webhooks, verified with the
// SDK's own constructEvent.
import Stripe from 'stripe';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeStripeControl } from './control-client.js';
import { startFakeStripe, type FakeStripe } from './server.js';
import { startStripeWebhookReceiver, stripeClientFor, type StripeWebhookReceiver } from './testing.js';

const KEY = 'sk_test_local_checkout_tests';
const WHSEC = 'whsec_checkout_tests_secret';
const DAY = 86_400;
let fake: FakeStripe;
let stripe: Stripe;
let control: FakeStripeControl;
let receiver: StripeWebhookReceiver;
let pro: Stripe.Price;
let business: Stripe.Price;

beforeAll(async () => {
  receiver = await startStripeWebhookReceiver();
  fake = await startFakeStripe({ secretKey: KEY, webhookSecret: WHSEC });
  stripe = stripeClientFor(fake.url, KEY);
  control = new FakeStripeControl(fake.url);
});
afterAll(async () => {
  await fake.close();
  await receiver.close();
});
beforeEach(async () => {
  await control.reset();
  await control.config({ webhookUrl: receiver.url, retry: { maxAttempts: 3, backoffMs: 10, timeoutMs: 2000 } });
  const product = await stripe.products.create({ name: 'WARA' });
  pro = await stripe.prices.create({ product: product.id, currency: 'usd', unit_amount: 2900, recurring: { interval: 'month' }, nickname: 'Pro', lookup_key: 'pro', metadata: { plan: 'pro' } });
  business = await stripe.prices.create({ product: product.id, currency: 'usd', unit_amount: 9900, recurring: { interval: 'month' }, nickname: 'Business', lookup_key: 'business', metadata: { plan: 'business' } });
  await fake.idle();
  receiver.requests.length = 0;
});

/** Press a button on a hosted page: a form POST, without following the redirect. */
async function press(url: string, fields: Record<string, string> = {}): Promise<{ status: number; location: string | null; html: string }> {
  const res = await fetch(url, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() });
  return { status: res.status, location: res.headers.get('location'), html: await res.text() };
}

async function verifiedTypes(): Promise<string[]> {
  await fake.idle();
  return receiver.requests.map((r) => stripe.webhooks.constructEvent(r.rawBody, r.signature, WHSEC).type);
}

describe('Checkout', () => {
  it('pays on the hosted page: trialing subscription, redirect to success_url, signed webhooks', async () => {
    const customer = await stripe.customers.create({ email: 'owner@shop.test', metadata: { tenantId: 't_9' } });
    const now = Math.floor(Date.now() / 1000);
    const session = await stripe.checkout.sessions.create({
      mode: 'subscription',
      customer: customer.id,
      line_items: [{ price: pro.id, quantity: 1 }],
      success_url: 'http://app.test/billing/done?session={CHECKOUT_SESSION_ID}',
      cancel_url: 'http://app.test/billing',
      client_reference_id: 't_9',
      metadata: { tenantId: 't_9' },
      subscription_data: { trial_end: now + 10 * DAY, metadata: { tenantId: 't_9' } },
      allow_promotion_codes: true,
    });
    expect(session.id).toMatch(/^cs_test_[A-Za-z0-9]{58}$/);
    expect(session).toMatchObject({ status: 'open', payment_status: 'unpaid', mode: 'subscription', customer: customer.id, client_reference_id: 't_9' });
    expect(session.url).toBe(`${fake.url}/pay/${session.id}`);

    const page = await fetch(session.url as string);
    expect(page.status).toBe(200);
    const html = await page.text();
    for (const name of ['Pay', 'Try a declined card', 'Cancel']) expect(html).toContain(`>${name}</button>`);

    const declined = await press(`${session.url}/decline`);
    expect(declined.status).toBe(402);
    expect(declined.html).toContain('Your card was declined.');
    expect((await stripe.checkout.sessions.retrieve(session.id)).status).toBe('open');

    const paid = await press(`${session.url}/pay`);
    expect(paid.status).toBe(303);
    expect(paid.location).toBe(`http://app.test/billing/done?session=${session.id}`);

    const done = await stripe.checkout.sessions.retrieve(session.id, { expand: ['subscription'] });
    expect(done).toMatchObject({ status: 'complete', payment_status: 'no_payment_required', url: null });
    const sub = done.subscription as Stripe.Subscription;
    expect(sub.id).toMatch(/^sub_/);
    expect(sub).toMatchObject({ status: 'trialing', trial_end: now + 10 * DAY, customer: customer.id, metadata: { tenantId: 't_9' }, cancel_at_period_end: false });
    const item = sub.items.data[0] as Stripe.SubscriptionItem;
    expect(item.id).toMatch(/^si_/);
    expect(item.price.id).toBe(pro.id);
    expect(item.current_period_end).toBe(now + 10 * DAY);

    const withInvoice = await stripe.subscriptions.retrieve(sub.id, { expand: ['latest_invoice', 'customer'] });
    const invoice = withInvoice.latest_invoice as Stripe.Invoice;
    expect(invoice).toMatchObject({ status: 'paid', amount_due: 0, billing_reason: 'subscription_create' });
    expect(invoice.parent?.subscription_details?.subscription).toBe(sub.id);
    expect((withInvoice.customer as Stripe.Customer).email).toBe('owner@shop.test');

    expect(await verifiedTypes()).toEqual([
      'customer.created',
      'customer.subscription.created',
      'invoice.created',
      'invoice.finalized',
      'invoice.paid',
      'invoice.payment_succeeded',
      'checkout.session.completed',
    ]);
    const completed = stripe.webhooks.constructEvent(receiver.requests.at(-1)?.rawBody ?? '', receiver.requests.at(-1)?.signature ?? '', WHSEC);
    expect((completed.data.object as Stripe.Checkout.Session).subscription).toBe(sub.id);
    expect(completed.api_version).toBe(Stripe.API_VERSION);
  });

  it('a webhook signed with another secret fails verification', async () => {
    await stripe.customers.create({ email: 'x@shop.test' });
    await fake.idle();
    const r = receiver.requests[0];
    expect(r).toBeDefined();
    expect(() => stripe.webhooks.constructEvent(r?.rawBody ?? '', r?.signature ?? '', 'whsec_not_ours')).toThrow(Stripe.errors.StripeSignatureVerificationError);
    expect(() => stripe.webhooks.constructEvent(`${r?.rawBody} `, r?.signature ?? '', WHSEC)).toThrow(Stripe.errors.StripeSignatureVerificationError);
  });

  it('without a trial: a new customer, incomplete → active once the first invoice is paid', async () => {
    const session = await stripe.checkout.sessions.create({
      mode: 'subscription',
      customer_email: 'new@shop.test',
      line_items: [{ price: business.id, quantity: 2 }],
      success_url: 'http://app.test/ok',
    });
    expect(session.amount_total).toBe(19_800);
    await press(`${session.url}/pay`);
    const done = await stripe.checkout.sessions.retrieve(session.id);
    expect(done.payment_status).toBe('paid');
    expect(done.customer).toMatch(/^cus_/);
    const types = await verifiedTypes();
    expect(types).toEqual([
      'customer.created',
      'customer.subscription.created',
      'invoice.created',
      'invoice.finalized',
      'invoice.paid',
      'invoice.payment_succeeded',
      'customer.subscription.updated',
      'checkout.session.completed',
    ]);
    const events = (await control.events({ type: 'customer.subscription.*' })).events;
    expect(events[0]?.data.object['status']).toBe('incomplete');
    expect(events[1]?.data.previous_attributes).toMatchObject({ status: 'incomplete' });
    const invoices = await stripe.invoices.list({ customer: done.customer as string });
    expect(invoices.data[0]).toMatchObject({ status: 'paid', amount_paid: 19_800, subscription: done.subscription });
  });

  it('Cancel goes back to cancel_url; expire ends the session with checkout.session.expired', async () => {
    const session = await stripe.checkout.sessions.create({ mode: 'subscription', line_items: [{ price: pro.id, quantity: 1 }], success_url: 'http://app.test/ok', cancel_url: 'http://app.test/back' });
    const cancel = await press(`${session.url}/cancel`);
    expect(cancel).toMatchObject({ status: 303, location: 'http://app.test/back' });
    const expired = await stripe.checkout.sessions.expire(session.id);
    expect(expired).toMatchObject({ status: 'expired', url: null });
    expect(await verifiedTypes()).toEqual(['checkout.session.expired']);
    const again = (await stripe.checkout.sessions.expire(session.id).catch((e: unknown) => e)) as Stripe.errors.StripeError;
    expect(again.statusCode).toBe(400);
  });

  it('validates like Stripe: quantity required, trial_end at least 48 hours ahead, known price', async () => {
    const base = { mode: 'subscription' as const, success_url: 'http://app.test/ok' };
    const noQty = (await stripe.checkout.sessions.create({ ...base, line_items: [{ price: pro.id }] }).catch((e: unknown) => e)) as Stripe.errors.StripeError;
    expect(noQty.param).toBe('line_items[0][quantity]');
    const soon = Math.floor(Date.now() / 1000) + 3600;
    const trial = (await stripe.checkout.sessions.create({ ...base, line_items: [{ price: pro.id, quantity: 1 }], subscription_data: { trial_end: soon } }).catch((e: unknown) => e)) as Stripe.errors.StripeError;
    expect(trial.param).toBe('subscription_data[trial_end]');
    const price = (await stripe.checkout.sessions.create({ ...base, line_items: [{ price: 'price_missing', quantity: 1 }] }).catch((e: unknown) => e)) as Stripe.errors.StripeError;
    expect(price).toMatchObject({ statusCode: 400, code: 'resource_missing', param: 'line_items[0][price]' });
  });
});

describe('customer portal', () => {
  it('switches plan, cancels at period end, toggles the card and returns', async () => {
    const session = await stripe.checkout.sessions.create({ mode: 'subscription', customer_email: 'p@shop.test', line_items: [{ price: pro.id, quantity: 1 }], success_url: 'http://app.test/ok' });
    await press(`${session.url}/pay`);
    const done = await stripe.checkout.sessions.retrieve(session.id);
    const portal = await stripe.billingPortal.sessions.create({ customer: done.customer as string, return_url: 'http://app.test/settings' });
    expect(portal.id).toMatch(/^bps_/);
    expect(portal.configuration).toMatch(/^bpc_/);
    const html = await (await fetch(portal.url)).text();
    for (const name of ['Switch to Business', 'Cancel subscription', 'Cancel now', 'Use a card that declines', 'Use a working card', 'Return to WARA']) {
      expect(html).toContain(`>${name}</button>`);
    }
    expect(html).not.toContain('Switch to Pro');
    await fake.idle();
    receiver.requests.length = 0;

    const subId = done.subscription as string;
    const sw = await press(`${portal.url}/switch`, { subscription: subId, price: business.id });
    expect(sw.status).toBe(303);
    expect((await stripe.subscriptions.retrieve(subId)).items.data[0]?.price.id).toBe(business.id);

    await press(`${portal.url}/cancel`, { subscription: subId });
    const canceling = await stripe.subscriptions.retrieve(subId);
    expect(canceling).toMatchObject({ status: 'active', cancel_at_period_end: true, cancel_at: canceling.items.data[0]?.current_period_end });
    expect(canceling.cancellation_details?.reason).toBe('cancellation_requested');

    await press(`${portal.url}/payment-method`, { mode: 'declining' });
    expect((await fetch(portal.url).then((r) => r.text()))).toContain('this card declines');

    const ret = await press(`${portal.url}/return`);
    expect(ret).toMatchObject({ status: 303, location: 'http://app.test/settings' });
    expect(await verifiedTypes()).toEqual(['customer.subscription.updated', 'customer.subscription.updated', 'customer.updated']);
    const switched = (await control.events({ type: 'customer.subscription.updated' })).events.at(-2);
    expect(switched?.data.previous_attributes).toHaveProperty('items');
  });
});
