// Webhook delivery as a receiver sees it: retries on failure, and the shaping switches that make the
// hard cases happen on demand (duplicates, reordering, lost first attempts, delay, stale signatures,
// resend).
import type Stripe from 'stripe';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeStripeControl } from './control-client.js';
import { startFakeStripe, type FakeStripe } from './server.js';
import { startStripeWebhookReceiver, stripeClientFor, type ReceivedWebhook, type StripeWebhookReceiver } from './testing.js';

const KEY = 'sk_test_local_webhook_tests';
const WHSEC = 'whsec_webhook_tests';
let fake: FakeStripe;
let stripe: Stripe;
let control: FakeStripeControl;
let receiver: StripeWebhookReceiver;

beforeAll(async () => {
  receiver = await startStripeWebhookReceiver();
  fake = await startFakeStripe({ secretKey: KEY, webhookSecret: WHSEC, webhookUrl: receiver.url, config: { retry: { maxAttempts: 4, backoffMs: 10, timeoutMs: 1000 } } });
  stripe = stripeClientFor(fake.url, KEY);
  control = new FakeStripeControl(fake.url);
});
afterAll(async () => {
  await fake.close();
  await receiver.close();
});
beforeEach(async () => {
  await control.reset();
  receiver.requests.length = 0;
  receiver.script([]);
});

const verify = (r: ReceivedWebhook | undefined): Stripe.Event => stripe.webhooks.constructEvent(r?.rawBody ?? '', r?.signature ?? '', WHSEC);
const emails = (rs: ReceivedWebhook[]): string[] => rs.map((r) => (verify(r).data.object as Stripe.Customer).email ?? '');

async function customers(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await stripe.customers.create({ email: `c${i}@example.test` });
}

describe('delivery', () => {
  it('retries a failing endpoint with backoff and records every attempt', async () => {
    receiver.script([500, 503]);
    await customers(1);
    await fake.idle();
    expect(receiver.requests).toHaveLength(3);
    expect(new Set(receiver.requests.map((r) => r.eventId)).size).toBe(1);
    const { deliveries } = await control.deliveries();
    expect(deliveries).toHaveLength(1);
    expect(deliveries[0]?.state).toBe('succeeded');
    expect(deliveries[0]?.attempts.map((a) => a.statusCode)).toEqual([500, 503, 200]);
    expect(deliveries[0]?.attempts[2]?.responseBody).toBe('{"received":true}');
    const ev = (await control.events()).events[0];
    expect(ev?.pending_webhooks).toBe(0);
  });

  it('gives up after maxAttempts and marks the delivery failed', async () => {
    receiver.script([500, 500, 500, 500]);
    await customers(1);
    await fake.idle();
    const d = (await control.deliveries()).deliveries[0];
    expect(d?.state).toBe('failed');
    expect(d?.attempts).toHaveLength(4);
    expect((await control.events()).events[0]?.pending_webhooks).toBe(1);
  });
});

describe('shaping', () => {
  it('duplicate: each event arrives N extra times, every copy correctly signed', async () => {
    await control.duplicate(2);
    await customers(1);
    await fake.idle();
    expect(receiver.requests).toHaveLength(3);
    expect(new Set(receiver.requests.map((r) => verify(r).id)).size).toBe(1);
  });

  it('reorder: the next K events are held and delivered in reverse (or a given order)', async () => {
    await control.reorder(3);
    await customers(3);
    await fake.idle();
    expect(emails(receiver.requests)).toEqual(['c2@example.test', 'c1@example.test', 'c0@example.test']);
    receiver.requests.length = 0;
    await control.reorder(3, [1, 2, 0]);
    await customers(3);
    await fake.idle();
    expect(emails(receiver.requests)).toEqual(['c1@example.test', 'c2@example.test', 'c0@example.test']);
  });

  it('reorder holds events until released when fewer arrive', async () => {
    await control.reorder(5);
    await customers(2);
    await fake.idle();
    expect(receiver.requests).toHaveLength(0);
    expect((await control.shaping()).heldEvents).toHaveLength(2);
    const released = await control.release();
    expect(released.released).toBe(2);
    await fake.idle();
    expect(emails(receiver.requests)).toEqual(['c1@example.test', 'c0@example.test']);
  });

  it('dropFirstAttempts: the event is lost once and arrives only on the retry', async () => {
    // A retry slower than the next event's delivery, so the overtaking below is certain.
    await control.config({ retry: { backoffMs: 200 } });
    await control.dropFirstAttempts(1);
    await customers(2);
    await fake.idle();
    const { deliveries } = await control.deliveries();
    expect(deliveries.map((d) => d.attempts.map((a) => (a.dropped ? 'dropped' : a.statusCode)))).toEqual([['dropped', 200], [200]]);
    // The second event overtook the first: what a lost first attempt does to ordering.
    expect(emails(receiver.requests)).toEqual(['c1@example.test', 'c0@example.test']);
  });

  it('delay: first attempts wait', async () => {
    await control.delay(150);
    const t0 = Date.now();
    await customers(1);
    await receiver.waitFor(1);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
  });

  it('stale: signatures carry an old timestamp that constructEvent rejects', async () => {
    await control.stale(3600);
    await customers(1);
    await fake.idle();
    expect(() => verify(receiver.requests[0])).toThrow(/Timestamp outside the tolerance zone/);
    await control.stale(null);
    await control.resend((await control.events()).events[0]?.id as string);
    await fake.idle();
    expect(verify(receiver.requests[1]).type).toBe('customer.created');
  });

  it('resend delivers an event again, to the configured URL or another one', async () => {
    const other = await startStripeWebhookReceiver('/other');
    try {
      await customers(1);
      await fake.idle();
      const id = receiver.requests[0]?.eventId as string;
      await control.resend(id);
      await control.resend(id, other.url);
      await fake.idle();
      expect(receiver.requests.map((r) => r.eventId)).toEqual([id, id]);
      expect(other.requests.map((r) => verify(r).id)).toEqual([id]);
    } finally {
      await other.close();
    }
  });

  it('GET /v1/events lists the same events, newest first, filterable by type', async () => {
    await customers(2);
    const c = (await stripe.customers.list({ limit: 1 })).data[0] as Stripe.Customer;
    await stripe.customers.update(c.id, { name: 'N' });
    const all = await stripe.events.list({ limit: 10 });
    expect(all.data.map((e) => e.type)).toEqual(['customer.updated', 'customer.created', 'customer.created']);
    const created = await stripe.events.list({ type: 'customer.created' });
    expect(created.data).toHaveLength(2);
    const one = await stripe.events.retrieve(all.data[0]?.id as string);
    expect(one).toMatchObject({ object: 'event', livemode: false, type: 'customer.updated', data: { previous_attributes: { name: null } } });
  });
});
