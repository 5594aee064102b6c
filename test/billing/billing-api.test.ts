import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStripeActivities } from '../../activities/stripe.js';
import { BILLING_SESSIONS_PER_MINUTE, BILLING_SYNCS_PER_MINUTE } from '../../api/plugins/billing.js';
import { authHeaders, signUp } from '../support/api.js';
import { eventually } from '../support/eventually.js';
import { startBillingStack, subscribe, type BillingStack } from './harness.js';

/*
 * /api/billing as the dashboard uses it, on the real API and worker with the Stripe stand-in: the public
 * plan list, the page's state (the workflow's view, or the database's when no worker answers), Checkout and
 * portal links made by the worker, and who may pay. Plus the customer made at sign-up, once.
 */

let stack: BillingStack;
beforeAll(async () => {
  stack = await startBillingStack();
});
afterAll(async () => {
  await stack?.close();
});

type BillingView = {
  phase: string;
  plan: { code: string; monthlyReplyLimit: number } | null;
  trial: { daysLeft: number | null; keptOnCheckout: boolean };
  usage: { replies: number; limit: number | null };
  replies: { paused: boolean };
  actions: { canCheckout: boolean; canManage: boolean; emailVerified: boolean };
  source: string;
  run: { temporalUiUrl: string | null } | null;
};

describe('/api/billing', () => {
  it('lists the plans for sale to anyone (the landing page), with the trial', async () => {
    const res = await stack.api.app.inject({ method: 'GET', url: '/api/billing/plans' });
    expect(res.statusCode).toBe(200);
    const body = res.json<{ plans: Array<{ code: string; price: string; currency: string; monthlyReplyLimit: number }>; trial: { days: number; replyLimit: number } }>();
    expect(body.plans.filter((p) => ['starter', 'growth', 'scale'].includes(p.code))).toEqual([
      { code: 'starter', name: 'Starter', price: '29.00', currency: 'USD', monthlyReplyLimit: 1000 },
      { code: 'growth', name: 'Growth', price: '79.00', currency: 'USD', monthlyReplyLimit: 5000 },
      { code: 'scale', name: 'Scale', price: '199.00', currency: 'USD', monthlyReplyLimit: 20000 },
    ]);
    expect(body.trial).toEqual({ days: 14, replyLimit: 1000 });
  });

  it('shows the trial with its allowance, and the home page’s usage card shows the same limit', async () => {
    const shop = await stack.signUp('page');
    await stack.customerOf(shop.tenantId);
    const view = (await stack.api.app.inject({ method: 'GET', url: '/api/billing', headers: { cookie: shop.cookie } })).json<BillingView>();
    expect(view).toMatchObject({
      phase: 'trialing',
      plan: { code: 'trial', monthlyReplyLimit: 1000 },
      trial: { daysLeft: 14, keptOnCheckout: true },
      usage: { replies: 0, limit: 1000 },
      replies: { paused: false },
      actions: { canCheckout: true, canManage: true, emailVerified: true },
      source: 'workflow',
    });
    // The Temporal UI is for operators: a merchant's answer has no link to it.
    expect(view.run?.temporalUiUrl).toBeNull();
    const home = (await stack.api.app.inject({ method: 'GET', url: '/api/dashboard', headers: { cookie: shop.cookie } })).json<{ usage: { limit: number } }>();
    expect(home.usage.limit).toBe(1000);

    // The allowance used up: the home page hears why replies are paused (its banner), as the billing page does.
    expect((await stack.api.app.inject({ method: 'GET', url: '/api/dashboard', headers: { cookie: shop.cookie } })).json()).toMatchObject({ replies: { paused: false, reason: null } });
    const periodStart = new Date((await stack.api.app.inject({ method: 'GET', url: '/api/billing', headers: { cookie: shop.cookie } })).json<{ usage: { periodStart: string } }>().usage.periodStart);
    await stack.api.prisma.usageCounter.create({ data: { tenantId: shop.tenantId, periodStart, replies: 1000 } });
    const paused = (await stack.api.app.inject({ method: 'GET', url: '/api/dashboard', headers: { cookie: shop.cookie } })).json<{ replies: { paused: boolean; reason: string; message: string } }>();
    expect(paused.replies).toMatchObject({ paused: true, reason: 'reply_limit', message: expect.stringContaining('1000 replies are used') });

    // Under 49 hours left: Stripe cannot carry the trial over, and the page must not promise it.
    await stack.api.prisma.tenant.update({ where: { id: shop.tenantId }, data: { trialEndsAt: new Date(Date.now() + 40 * 60 * 60 * 1000) } });
    const late = (await stack.api.app.inject({ method: 'GET', url: '/api/billing', headers: { cookie: shop.cookie } })).json<BillingView>();
    expect(late.trial).toMatchObject({ daysLeft: 2, keptOnCheckout: false });
  });

  it('Checkout needs a confirmed email address, a plan for sale, and no plan already', async () => {
    const unverified = await signUp(stack.api.app, { companyName: 'Unverified shop', verified: false });
    const refused = await stack.api.app.inject({ method: 'POST', url: '/api/billing/checkout', headers: authHeaders(unverified), payload: { planCode: 'starter' } });
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject({ error: 'email_unverified' });

    const shop = await stack.signUp('checkout');
    const customer = await stack.customerOf(shop.tenantId);
    const unknown = await stack.api.app.inject({ method: 'POST', url: '/api/billing/checkout', headers: authHeaders(shop), payload: { planCode: 'trial' } });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json()).toMatchObject({ error: 'unknown_plan' });

    const checkout = await stack.api.app.inject({ method: 'POST', url: '/api/billing/checkout', headers: authHeaders(shop), payload: { planCode: 'growth' } });
    expect(checkout.statusCode).toBe(200);
    const { url } = checkout.json<{ url: string }>();
    expect(url).toMatch(new RegExp(`^${stack.fake.url}/pay/cs_test_`));
    const session = await stack.stripe.checkout.sessions.retrieve(url.split('/pay/')[1]!);
    // The trial's remaining days go with the subscription; the session is the tenant's customer's.
    expect(session.customer).toBe(customer);
    expect(session.success_url).toMatch(/\/app\/billing\?checkout=success$/);

    await subscribe(stack, customer, 'growth');
    await eventually(async () => (await stack.api.prisma.tenant.findUniqueOrThrow({ where: { id: shop.tenantId } })).plan === 'growth', 'the Growth plan');
    const again = await stack.api.app.inject({ method: 'POST', url: '/api/billing/checkout', headers: authHeaders(shop), payload: { planCode: 'scale' } });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ error: 'already_subscribed' });
    const portal = await stack.api.app.inject({ method: 'POST', url: '/api/billing/portal', headers: authHeaders(shop), payload: {} });
    expect(portal.statusCode).toBe(200);
    expect(portal.json<{ url: string }>().url).toMatch(new RegExp(`^${stack.fake.url}/portal/bps_`));
    const audit = await stack.api.prisma.auditLog.findMany({ where: { tenantId: shop.tenantId, action: { in: ['billing.checkout_started', 'billing.portal_opened'] } } });
    expect(audit.map((a) => [a.action, a.actorType])).toEqual(
      expect.arrayContaining([
        ['billing.checkout_started', 'user'],
        ['billing.portal_opened', 'user'],
      ]),
    );
  });

  it('one Stripe customer per tenant, even when its creation is retried after a lost answer', async () => {
    const shop = await stack.signUp('customer');
    const customer = await stack.customerOf(shop.tenantId);
    // The activity's answer was lost before it was stored: the retry sends the same idempotency key.
    await stack.api.prisma.subscription.update({ where: { tenantId: shop.tenantId }, data: { stripeCustomerId: null } });
    const activities = createStripeActivities({ prisma: stack.api.prisma, stripe: stack.stripe });
    expect(await activities.ensureStripeCustomer({ tenantId: shop.tenantId, email: shop.email })).toEqual({ customerId: customer });
    const all = await stack.stripe.customers.list({ email: shop.email, limit: 10 });
    expect(all.data.map((c) => c.id)).toEqual([customer]);
    expect(all.data[0]!.metadata).toEqual({ tenantId: shop.tenantId });
  });
});

describe('/api/billing without a worker', () => {
  let alone: BillingStack;
  beforeAll(async () => {
    alone = await startBillingStack({ worker: false });
  });
  afterAll(async () => {
    await alone?.close();
  });

  it('answers from the database when the billing workflow cannot be asked', async () => {
    const shop = await alone.signUp('no-worker');
    const started = Date.now();
    const res = await alone.api.app.inject({ method: 'GET', url: '/api/billing', headers: { cookie: shop.cookie } });
    expect(res.statusCode).toBe(200);
    expect(res.json<BillingView>()).toMatchObject({ phase: 'trialing', source: 'database', actions: { canCheckout: false, canManage: false } });
    expect(Date.now() - started).toBeLessThan(10_000);
    // No Stripe customer yet (the worker makes it): paying is refused with a reason, not a 500.
    const checkout = await alone.api.app.inject({ method: 'POST', url: '/api/billing/checkout', headers: authHeaders(shop), payload: { planCode: 'starter' } });
    expect(checkout.statusCode).toBe(409);
    expect(checkout.json()).toMatchObject({ error: 'billing_unavailable' });
  });

  it('the calls that reach Stripe (sync, Checkout, portal) are limited per tenant, with a 429 that says when to retry', async () => {
    const shop = await alone.signUp('limited');
    const neighbour = await alone.signUp('neighbour');
    const post = (who: typeof shop, path: string, payload: object = {}) => alone.api.app.inject({ method: 'POST', url: `/api/billing/${path}`, headers: authHeaders(who), payload });
    const expectLimited = (res: Awaited<ReturnType<typeof post>>, pattern: RegExp) => {
      expect(res.statusCode).toBe(429);
      expect(res.json()).toMatchObject({ error: 'rate_limited', message: expect.stringMatching(pattern) });
      const retryAfter = Number(res.headers['retry-after']);
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect(res.json<{ message: string }>().message).toContain(`try again in ${retryAfter} second`);
    };

    for (let i = 0; i < BILLING_SYNCS_PER_MINUTE; i++) expect((await post(shop, 'sync')).statusCode).toBe(202);
    expectLimited(await post(shop, 'sync'), new RegExp(`at most ${BILLING_SYNCS_PER_MINUTE} times a minute`));
    expect((await post(neighbour, 'sync')).statusCode).toBe(202); // another tenant's budget is its own

    // Checkout and the portal share one budget; every attempt counts, answered or not (here: no customer yet).
    for (let i = 0; i < BILLING_SESSIONS_PER_MINUTE; i++) {
      expect((await post(shop, i % 2 === 0 ? 'checkout' : 'portal', i % 2 === 0 ? { planCode: 'starter' } : {})).statusCode).toBe(409);
    }
    expectLimited(await post(shop, 'checkout', { planCode: 'starter' }), new RegExp(`at most ${BILLING_SESSIONS_PER_MINUTE} times a minute`));
    expectLimited(await post(shop, 'portal'), /checkout and billing pages/);
    expect((await post(neighbour, 'portal')).statusCode).toBe(409);
    // Reading the page is not limited.
    expect((await alone.api.app.inject({ method: 'GET', url: '/api/billing', headers: { cookie: shop.cookie } })).statusCode).toBe(200);
  });
});
