// The REST surface through the official SDK: authentication, Stripe's error envelope, idempotency,
// customers, the catalog by lookup_key, expand[], pagination and meter events.
import Stripe from 'stripe';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeStripeControl } from './control-client.js';
import { startFakeStripe, type FakeStripe } from './server.js';
import { stripeClientFor } from './testing.js';

const KEY = 'sk_test_local_api_tests_0001';
let fake: FakeStripe;
let stripe: Stripe;
let control: FakeStripeControl;

beforeAll(async () => {
  fake = await startFakeStripe({ secretKey: KEY, webhookSecret: 'whsec_api_tests' });
  stripe = stripeClientFor(fake.url, KEY);
  control = new FakeStripeControl(fake.url);
});
afterAll(() => fake.close());
beforeEach(() => control.reset());

async function rawPost(path: string, body: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; json: Record<string, unknown> }> {
  const res = await fetch(`${fake.url}${path}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${KEY}`, 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
    body,
  });
  return { status: res.status, headers: res.headers, json: (await res.json()) as Record<string, unknown> };
}

describe('authentication and errors', () => {
  it('rejects any other key with a 401 in Stripe’s error envelope', async () => {
    const other = stripeClientFor(fake.url, 'sk_test_someone_else_1234');
    const err = await other.customers.list().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
    expect((err as Stripe.errors.StripeError).statusCode).toBe(401);
    expect((err as Stripe.errors.StripeError).message).toMatch(/^Invalid API Key provided: sk_test_\*+1234$/);
    const res = await fetch(`${fake.url}/v1/customers`);
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { type: string } }).error.type).toBe('invalid_request_error');
  });

  it('answers 404 resource_missing for unknown ids and 400 parameter_missing / parameter_unknown', async () => {
    const missing = (await stripe.customers.retrieve('cus_nope').catch((e: unknown) => e)) as Stripe.errors.StripeError;
    expect(missing).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(missing.statusCode).toBe(404);
    expect(missing.code).toBe('resource_missing');
    expect(missing.message).toBe("No such customer: 'cus_nope'");

    const noName = (await stripe.products.create({} as Stripe.ProductCreateParams).catch((e: unknown) => e)) as Stripe.errors.StripeError;
    expect(noName.statusCode).toBe(400);
    expect(noName.code).toBe('parameter_missing');
    expect(noName.param).toBe('name');

    const unknown = await rawPost('/v1/customers', 'emial=a%40b.c');
    expect(unknown.status).toBe(400);
    expect(unknown.json['error']).toMatchObject({ type: 'invalid_request_error', code: 'parameter_unknown', param: 'emial' });
    expect(unknown.headers.get('request-id')).toMatch(/^req_/);
  });
});

describe('idempotency', () => {
  it('replays the stored response for the same key and body, and creates one customer', async () => {
    const params = { email: 'ada@example.com', name: 'Ada', metadata: { tenantId: 't_1' } };
    const a = await stripe.customers.create(params, { idempotencyKey: 'signup-t_1' });
    const b = await stripe.customers.create(params, { idempotencyKey: 'signup-t_1' });
    expect(b.id).toBe(a.id);
    expect(a.id).toMatch(/^cus_[A-Za-z0-9]{14}$/);
    expect(b.lastResponse.headers['idempotent-replayed']).toBe('true');
    expect(a.metadata).toEqual({ tenantId: 't_1' });
    const list = await stripe.customers.list({ email: 'ada@example.com' });
    expect(list.data.map((c) => c.id)).toEqual([a.id]);
    const created = await control.events({ type: 'customer.created' });
    expect(created.events).toHaveLength(1);
    expect(created.events[0]?.request).toEqual({ id: expect.stringMatching(/^req_/), idempotency_key: 'signup-t_1' });
  });

  it('rejects the same key with different parameters (400 idempotency_error)', async () => {
    await stripe.customers.create({ email: 'x@example.com' }, { idempotencyKey: 'k-1' });
    const err = (await stripe.customers.create({ email: 'y@example.com' }, { idempotencyKey: 'k-1' }).catch((e: unknown) => e)) as Stripe.errors.StripeError;
    expect(err).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
    expect(err.statusCode).toBe(400);
    expect(err.type).toBe('StripeIdempotencyError');
  });

  it('does not store a 400, so the caller can fix the request and reuse the key', async () => {
    const bad = await rawPost('/v1/prices', 'currency=usd', { 'Idempotency-Key': 'price-1' });
    expect(bad.status).toBe(400);
    const prod = await stripe.products.create({ name: 'Pro' });
    const ok = await rawPost('/v1/prices', `currency=usd&unit_amount=2900&product=${prod.id}`, { 'Idempotency-Key': 'price-1' });
    expect(ok.status).toBe(200);
  });
});

describe('customers', () => {
  it('updates with metadata merge semantics and emits customer.updated with previous_attributes', async () => {
    const c = await stripe.customers.create({ email: 'a@example.com', metadata: { a: '1', b: '2' } });
    const u = await stripe.customers.update(c.id, { name: 'A', metadata: { a: '', c: '3' } });
    expect(u.metadata).toEqual({ b: '2', c: '3' });
    expect(u.name).toBe('A');
    const ev = (await control.events({ type: 'customer.updated' })).events[0];
    expect(ev?.data.previous_attributes).toMatchObject({ name: null, metadata: { a: '1', b: '2' } });
  });

  it('paginates newest first with starting_after, as autoPagingToArray expects', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await stripe.customers.create({ email: `p${i}@example.com` })).id);
    const page = await stripe.customers.list({ limit: 2 });
    expect(page.data.map((c) => c.id)).toEqual([ids[4], ids[3]]);
    expect(page.has_more).toBe(true);
    expect(page.url).toBe('/v1/customers');
    const all = await stripe.customers.list({ limit: 2 }).autoPagingToArray({ limit: 100 });
    expect(all.map((c) => c.id)).toEqual([...ids].reverse());
  });
});

describe('catalog', () => {
  it('creates prices with product_data and finds them by lookup_keys, expanding the product', async () => {
    const pro = await stripe.prices.create({
      currency: 'usd',
      unit_amount: 2900,
      recurring: { interval: 'month' },
      lookup_key: 'wara_pro_monthly',
      nickname: 'Pro',
      product_data: { name: 'WARA Pro' },
      metadata: { plan: 'pro' },
    });
    expect(pro.id).toMatch(/^price_/);
    expect(pro.recurring).toMatchObject({ interval: 'month', interval_count: 1, usage_type: 'licensed' });
    const dup = (await stripe.prices.create({ currency: 'usd', unit_amount: 1, product: pro.product as string, lookup_key: 'wara_pro_monthly' }).catch((e: unknown) => e)) as Stripe.errors.StripeError;
    expect(dup.statusCode).toBe(400);
    expect(dup.param).toBe('lookup_key');
    const moved = await stripe.prices.create({ currency: 'usd', unit_amount: 3900, product: pro.product as string, lookup_key: 'wara_pro_monthly', transfer_lookup_key: true, recurring: { interval: 'month' } });
    const found = await stripe.prices.list({ lookup_keys: ['wara_pro_monthly', 'nope'], active: true, expand: ['data.product'] });
    expect(found.data.map((p) => p.id)).toEqual([moved.id]);
    expect((found.data[0]?.product as Stripe.Product).name).toBe('WARA Pro');
    expect((await stripe.prices.retrieve(pro.id)).lookup_key).toBeNull();
    const byProduct = await stripe.prices.list({ product: pro.product as string });
    expect(byProduct.data).toHaveLength(2);
  });

  it('rejects an expand path that names nothing expandable', async () => {
    const c = await stripe.customers.create({ email: 'e@example.com' });
    const err = (await stripe.customers.retrieve(c.id, { expand: ['nothing_here'] }).catch((e: unknown) => e)) as Stripe.errors.StripeError;
    expect(err.statusCode).toBe(400);
    expect(err.message).toBe('This property cannot be expanded (nothing_here).');
  });
});

describe('billing meters', () => {
  it('counts a meter event once: a repeated identifier is refused like Stripe refuses it', async () => {
    const meter = await stripe.billing.meters.create({
      display_name: 'AI replies',
      event_name: 'ai_reply',
      default_aggregation: { formula: 'sum' },
      customer_mapping: { event_payload_key: 'stripe_customer_id', type: 'by_id' },
      value_settings: { event_payload_key: 'value' },
    });
    expect(meter.id).toMatch(/^mtr_test_/);
    expect((await stripe.billing.meters.list()).data.map((m) => m.id)).toEqual([meter.id]);
    const c = await stripe.customers.create({ email: 'm@example.com' });
    const first = await stripe.billing.meterEvents.create({ event_name: 'ai_reply', identifier: 'reply-SM1', payload: { stripe_customer_id: c.id, value: '3' } });
    expect(first).toMatchObject({ object: 'billing.meter_event', identifier: 'reply-SM1', payload: { value: '3' } });
    const again = (await stripe.billing.meterEvents.create({ event_name: 'ai_reply', identifier: 'reply-SM1', payload: { stripe_customer_id: c.id, value: '3' } }).catch((e: unknown) => e)) as Stripe.errors.StripeError;
    expect(again).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(again.statusCode).toBe(400);
    expect(again.message).toBe('An event already exists with identifier reply-SM1.');
    expect(again.headers?.['stripe-should-retry']).toBe('false');
    await stripe.billing.meterEvents.create({ event_name: 'ai_reply', identifier: 'reply-SM2', payload: { stripe_customer_id: c.id, value: '2' } });
    await stripe.billing.meterEvents.create({ event_name: 'ai_reply', identifier: 'reply-SM3', payload: { stripe_customer_id: 'cus_unknown', value: '2' } });
    const { events, totals } = await control.meterEvents({ eventName: 'ai_reply' });
    expect(events).toHaveLength(3);
    expect(events.find((e) => e.identifier === 'reply-SM3')?.error).toBe('meter_event_customer_not_found');
    expect(totals).toEqual([{ customer: c.id, eventName: 'ai_reply', meter: meter.id, value: 5, count: 2 }]);
  });
});
