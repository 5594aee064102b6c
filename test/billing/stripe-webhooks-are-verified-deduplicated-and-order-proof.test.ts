import { randomUUID } from 'node:crypto';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readReplyAccess } from '../../lib/billing/reply-access.js';
import { eventually } from '../support/eventually.js';
import { STRIPE_WEBHOOK_SECRET, startBillingStack, subscribe, type BillingStack } from './harness.js';

/*
 * POST /webhooks/stripe through the real API, with the Stripe stand-in delivering signed events to it and
 * the production worker running each tenant's billing workflow: bad signatures and stale timestamps store
 * nothing; an event Stripe delivers three times is handled once; events that arrive in the wrong order
 * (updated before created, deleted before updated) still end in Stripe's state, because the workflow
 * re-reads the subscription instead of applying payloads in arrival order.
 */

let stack: BillingStack;
beforeAll(async () => {
  stack = await startBillingStack();
});
afterAll(async () => {
  await stack?.close();
});

const rowsFor = async (eventId: string) => ({
  processed: await stack.api.prisma.processedStripeEvent.count({ where: { eventId } }),
  handoffs: await stack.api.prisma.billingHandoff.count({ where: { key: `stripe:${eventId}` } }),
});

/** Every relevant event stored for the tenant has been heard and read by its billing workflow. */
async function settled(tenantId: string) {
  await stack.fake.idle();
  return eventually(async () => {
    const stored = await stack.api.prisma.processedStripeEvent.count({ where: { tenantId } });
    const waiting = await stack.api.prisma.billingHandoff.count({ where: { tenantId } });
    const state = await stack.billing(tenantId);
    return waiting === 0 && state.eventsHeard === stored && state.syncedThroughEvent === stored && state;
  }, `the billing workflow of ${tenantId} to have read every stored event`);
}

describe('signatures', () => {
  it('a forged signature, a missing one and a stale timestamp are 400 and store nothing; the genuine one is taken', async () => {
    const shop = await stack.signUp('forged');
    const customer = await stack.customerOf(shop.tenantId);
    const eventId = `evt_forged_${randomUUID().replaceAll('-', '')}`;
    const payload = JSON.stringify({
      id: eventId,
      object: 'event',
      type: 'customer.subscription.updated',
      created: Math.floor(Date.now() / 1000),
      data: { object: { id: 'sub_forged', object: 'subscription', customer, status: 'active' } },
    });
    const post = (headers: Record<string, string>) =>
      stack.api.app.inject({ method: 'POST', url: '/webhooks/stripe', payload, headers: { 'content-type': 'application/json', ...headers } });

    const forged = Stripe.webhooks.generateTestHeaderString({ payload, secret: 'whsec_somebody_else' });
    expect((await post({ 'stripe-signature': forged })).statusCode).toBe(400);
    expect((await post({})).statusCode).toBe(400);
    const stale = Stripe.webhooks.generateTestHeaderString({ payload, secret: STRIPE_WEBHOOK_SECRET, timestamp: Math.floor(Date.now() / 1000) - 3600 });
    const staleAnswer = await post({ 'stripe-signature': stale });
    expect(staleAnswer.statusCode).toBe(400);
    expect(staleAnswer.json()).toMatchObject({ error: 'invalid_signature' });
    expect(await rowsFor(eventId)).toEqual({ processed: 0, handoffs: 0 });

    // The same bytes, signed with the right secret now: stored once (so the 400s were about the signature).
    const genuine = Stripe.webhooks.generateTestHeaderString({ payload, secret: STRIPE_WEBHOOK_SECRET });
    expect((await post({ 'stripe-signature': genuine })).statusCode).toBe(200);
    expect((await stack.api.prisma.processedStripeEvent.findUnique({ where: { eventId } }))?.tenantId).toBe(shop.tenantId);
  });

  it('events the stand-in signs with a stale timestamp are all refused (and retried by Stripe): nothing is stored', async () => {
    const shop = await stack.signUp('stale');
    const customer = await stack.customerOf(shop.tenantId);
    await stack.control.stale(3600);
    try {
      await subscribe(stack, customer, 'starter');
      await stack.fake.idle();
    } finally {
      await stack.control.stale(null);
    }
    const { deliveries } = await stack.control.deliveries();
    const ours = deliveries.filter((d) => d.attempts.length > 0 && d.attempts.every((a) => a.statusCode === 400));
    expect(ours.length).toBeGreaterThan(0);
    expect(await stack.api.prisma.processedStripeEvent.count({ where: { tenantId: shop.tenantId } })).toBe(0);
    expect((await stack.api.prisma.tenant.findUniqueOrThrow({ where: { id: shop.tenantId } })).plan).toBe('trial');
  });
});

describe('at least once, in any order', () => {
  it('the same event delivered three times is stored once and heard once by the workflow', async () => {
    const shop = await stack.signUp('thrice');
    const customer = await stack.customerOf(shop.tenantId);
    await stack.control.duplicate(2);
    let subscriptionId: string;
    try {
      subscriptionId = await subscribe(stack, customer, 'starter');
      await stack.fake.idle();
    } finally {
      await stack.control.clearShaping();
    }
    const created = (await stack.control.events({ type: 'customer.subscription.created' })).events.find(
      (e) => (e.data.object as { id: string }).id === subscriptionId,
    )!;
    const copies = (await stack.control.deliveries({ eventId: created.id })).deliveries;
    expect(copies.map((d) => d.attempts.at(-1)?.statusCode)).toEqual([200, 200, 200]);

    const state = await settled(shop.tenantId);
    expect(await rowsFor(created.id)).toEqual({ processed: 1, handoffs: 0 });
    expect(state.recentEventIds.filter((id) => id === created.id)).toEqual([created.id]);
    expect(state).toMatchObject({ phase: 'subscribed', plan: 'starter' });
    const started = await stack.api.prisma.auditLog.count({ where: { tenantId: shop.tenantId, action: 'billing.subscription_started' } });
    expect(started).toBe(1);
  });

  it('`updated` before `created`, then `deleted` before `updated`: the final state is Stripe’s', async () => {
    const shop = await stack.signUp('reordered');
    const customer = await stack.customerOf(shop.tenantId);

    // Checkout without a trial: created (incomplete) … updated (active) … completed, all held, then reversed.
    await stack.control.reorder(1000);
    const subscriptionId = await subscribe(stack, customer, 'growth');
    await stack.control.release('reverse');
    await stack.fake.idle();
    const order = await deliveredOrder(subscriptionId);
    expect(order.indexOf('customer.subscription.updated')).toBeLessThan(order.indexOf('customer.subscription.created'));
    await settled(shop.tenantId);
    const afterCheckout = await stack.api.prisma.subscription.findUniqueOrThrow({ where: { tenantId: shop.tenantId } });
    expect(afterCheckout).toMatchObject({ stripeSubscriptionId: subscriptionId, status: 'active', planCode: 'growth' });
    expect((await stack.api.prisma.tenant.findUniqueOrThrow({ where: { id: shop.tenantId } })).plan).toBe('growth');

    // The merchant schedules a cancellation, then ends it at once: `deleted` arrives first.
    await stack.control.reorder(1000);
    await stack.stripe.subscriptions.update(subscriptionId, { cancel_at_period_end: true });
    await stack.stripe.subscriptions.cancel(subscriptionId);
    await stack.control.release('reverse');
    await stack.fake.idle();
    const later = await deliveredOrder(subscriptionId);
    const lastUpdated = later.lastIndexOf('customer.subscription.updated');
    expect(later.indexOf('customer.subscription.deleted')).toBeLessThan(lastUpdated);
    await stack.control.clearShaping();

    const state = await settled(shop.tenantId);
    expect(state.phase).toBe('canceled');
    const row = await stack.api.prisma.subscription.findUniqueOrThrow({ where: { tenantId: shop.tenantId } });
    expect(row).toMatchObject({ status: 'canceled', repliesPausedReason: 'subscription_ended' });
    expect((await stack.api.prisma.tenant.findUniqueOrThrow({ where: { id: shop.tenantId } })).plan).toBe('canceled');
    const access = await readReplyAccess(stack.api.prisma, shop.tenantId);
    expect(access.decision).toMatchObject({ allowed: false, reason: 'subscription_ended' });
  });
});

/** The subscription's events in the order their first delivery attempt reached the API. */
async function deliveredOrder(subscriptionId: string): Promise<string[]> {
  const { events } = await stack.control.events({ type: 'customer.subscription.*' });
  const ids = new Map(events.filter((e) => (e.data.object as { id: string }).id === subscriptionId).map((e) => [e.id, e.type]));
  const { deliveries } = await stack.control.deliveries();
  return deliveries
    .filter((d) => ids.has(d.eventId) && d.attempts.length > 0)
    .sort((a, b) => Date.parse(a.attempts[0]!.at) - Date.parse(b.attempts[0]!.at))
    .map((d) => ids.get(d.eventId)!);
}
