import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeStripeControl } from '../../fakes/stripe/control-client.js';
import { startFakeStripe, type FakeStripe } from '../../fakes/stripe/server.js';
import { stripeClientFor } from '../../fakes/stripe/testing.js';
import { createAccount } from '../../lib/auth/accounts.js';
import { readReplyAccess } from '../../lib/billing/reply-access.js';
import { replyGate } from '../../lib/conversations/reply-gate.js';
import { loadReplyState } from '../../lib/conversations/reply-store.js';
import { createPrismaClient, type PrismaClient } from '../../lib/db/client.js';
import { closeSqlPool } from '../../lib/db/sql.js';
import { workflowIds } from '../../lib/temporal/names.js';
import { createActivities } from '../../worker/activities.js';
import { CUSTOMER_RETRY_MAX_MS } from '../../workflows/billing.js';
import { billingState, billingWorkflowType, replyLimitReached, stripeEventReceived, type BillingState, type BillingWorkflow } from '../../workflows/contracts/billing.js';
import { trialWorkflowType, type TrialWorkflow } from '../../workflows/contracts/trial.js';
import { testEnv } from '../support/api.js';
import { eventually } from '../support/eventually.js';
import { createTimeSkippingEnv, workflowBundle } from '../support/temporal.js';
import { STRIPE_KEY, STRIPE_WEBHOOK_SECRET, subscribe } from './harness.js';

/*
 * The billing workflow over weeks and months, in seconds: Temporal's time-skipping server runs the real
 * workflow bundle with the production activities (real Postgres, the Stripe stand-in through the official
 * SDK). The stand-in's billing clock follows the skipped time, so its renewals and dunning retries happen
 * when the workflow's timers say they should. Stripe's webhooks are played by the test (the signal the
 * billing relay sends); what the reply path obeys is read from the database, as the reply path reads it.
 */

const DAY = 24 * 60 * 60 * 1000;
const MINUTE = 60_000;

let env: TestWorkflowEnvironment;
let fake: FakeStripe;
let control: FakeStripeControl;
let stripe: Stripe;
let prisma: PrismaClient;
let worker: Worker;
let running: Promise<void>;
let taskQueue: string;
/** The stand-in's clock is the wall clock plus this: kept equal to the skipped time. */
let offsetMs = 0;
/** Tenants for whom creating the Stripe customer fails (Stripe unreachable), until removed. */
const stripeDownFor = new Set<string>();

beforeAll(async () => {
  env = await createTimeSkippingEnv();
  offsetMs = (await env.currentTimeMs()) - Date.now();
  fake = await startFakeStripe({ secretKey: STRIPE_KEY, webhookSecret: STRIPE_WEBHOOK_SECRET, now: () => Date.now() + offsetMs, tickMs: 100 });
  control = new FakeStripeControl(fake.url);
  stripe = stripeClientFor(fake.url, STRIPE_KEY);
  taskQueue = `billing-months-${randomUUID()}`;
  const config = testEnv({ TEMPORAL_TASK_QUEUE: taskQueue, STRIPE_SECRET_KEY: STRIPE_KEY, STRIPE_API_BASE_URL: fake.url, STRIPE_WEBHOOK_SECRET, BILLING_GRACE_DAYS: '7' });
  prisma = createPrismaClient(config.DATABASE_URL, { max: 4 });
  const activities = createActivities({ env: config, prisma, temporal: env.client });
  worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: workflowBundle(),
    activities: {
      ...activities,
      // Stripe unreachable for these tenants (a network outage: retryable, as the SDK's connection errors are).
      async ensureStripeCustomer(input: Parameters<typeof activities.ensureStripeCustomer>[0]) {
        if (stripeDownFor.has(input.tenantId)) throw new Error('connect ECONNREFUSED (Stripe unreachable in this test)');
        return activities.ensureStripeCustomer(input);
      },
    },
  });
  running = worker.run();
});
afterAll(async () => {
  worker?.shutdown();
  await running;
  await env?.teardown();
  await fake?.close();
  await closeSqlPool(prisma);
  await prisma?.$disconnect();
});

/** Moves both clocks: the stand-in's first (its renewals are due when the workflow's timers fire), then Temporal's. */
async function skip(ms: number): Promise<void> {
  offsetMs += ms;
  await env.sleep(ms);
  offsetMs = (await env.currentTimeMs()) - Date.now();
}

/**
 * A merchant signed up now (in skipped time), with its billing workflow started as sign-up starts it.
 * `stripeDown`: Stripe cannot be reached for this tenant's customer until the test lifts it (no waiting for one).
 */
async function merchant(label: string, opts: { stripeDown?: boolean } = {}) {
  const now = await env.currentTimeMs();
  const { tenant, user } = await createAccount(prisma, {
    email: `${label}-${randomUUID()}@shop.example`,
    password: null,
    name: null,
    companyName: `Months ${label}`,
    attribution: {},
    trialDays: 14,
    ip: null,
  });
  const trialEndsAt = new Date(now + 14 * DAY);
  await prisma.tenant.update({ where: { id: tenant.id }, data: { trialEndsAt } });
  if (opts.stripeDown) stripeDownFor.add(tenant.id);
  const handle = await env.client.workflow.start<BillingWorkflow>(billingWorkflowType, {
    taskQueue,
    workflowId: workflowIds.billing(tenant.id),
    args: [{ tenantId: tenant.id, ownerEmail: user.email, trialEndsAt: trialEndsAt.toISOString(), billingUrl: 'http://web/app/billing', graceDays: 7 }],
  });
  const ready = opts.stripeDown
    ? null
    : await eventually(async () => {
        const state = await handle.query(billingState);
        return state.lastSyncedAt && state.customerId ? state : null;
      }, 'the customer and the first sync');
  return {
    tenantId: tenant.id,
    email: user.email,
    customerId: ready?.customerId ?? '',
    trialEndsAt,
    handle,
    state: () => handle.query(billingState),
    /** What the billing relay does for each stored Stripe event. */
    heardFromStripe: () => handle.signal(stripeEventReceived, { eventId: `evt_test_${randomUUID()}`, type: 'customer.subscription.updated' }),
    /** The state once the workflow has read Stripe after every event it heard, matching `want`. */
    async settled(want: (s: BillingState) => boolean, what: string): Promise<BillingState> {
      return eventually(async () => {
        const s = await handle.query(billingState);
        return s.syncedThroughEvent === s.eventsHeard && want(s) ? s : null;
      }, what);
    },
    emails: async () => (await prisma.emailOutbox.findMany({ where: { tenantId: tenant.id }, orderBy: { createdAt: 'asc' } })).map((e) => e.idempotencyKey),
    audits: async () => (await prisma.auditLog.findMany({ where: { tenantId: tenant.id, action: { startsWith: 'billing.' } }, orderBy: { createdAt: 'asc' } })).map((a) => a.action),
    plan: async () => (await prisma.tenant.findUniqueOrThrow({ where: { id: tenant.id } })).plan,
    /** The gate as the reply path reads it (loadReplyState), and as the API reads it: they must agree. */
    async gate() {
      const { tenant: read } = await loadReplyState(prisma, { tenantId: tenant.id, replyToMessageSid: `SM${randomUUID().replaceAll('-', '')}` });
      const path = replyGate(read);
      const api = (await readReplyAccess(prisma, tenant.id)).decision;
      expect(api.allowed ? null : api.reason).toBe(path.allowed ? null : path.reason);
      return path.allowed ? 'allowed' : path.reason;
    },
  };
}

describe('billing workflow (time-skipping)', () => {
  it('trial: reminders 3 days and 1 day before the end, then expiry closes the gate', async () => {
    const m = await merchant('trial');
    expect(await m.gate()).toBe('allowed');

    await skip(11 * DAY + MINUTE);
    await eventually(async () => (await m.emails()).includes(`trial-reminder:${m.tenantId}:3d`), 'the 3-day reminder');
    await skip(2 * DAY);
    await eventually(async () => (await m.emails()).includes(`trial-reminder:${m.tenantId}:1d`), 'the 1-day reminder');
    expect(await m.gate()).toBe('allowed');

    await skip(DAY);
    await eventually(async () => (await m.plan()) === 'trial_expired', 'the trial to expire');
    await eventually(async () => (await m.emails()).length === 3, 'the trial-ended email');
    expect(await m.emails()).toEqual([`trial-reminder:${m.tenantId}:3d`, `trial-reminder:${m.tenantId}:1d`, `trial-ended:${m.tenantId}`]);
    expect(await m.gate()).toBe('trial_expired');
    expect(await m.audits()).toEqual(['billing.trial_expired']);
    expect((await m.state()).phase).toBe('trial_expired');
    await m.handle.terminate('test over');
  });

  it('checkout during the trial: converted with the trial carried over, no more reminders, no expiry', async () => {
    const m = await merchant('converted');
    await skip(11 * DAY + MINUTE);
    await eventually(async () => (await m.emails()).includes(`trial-reminder:${m.tenantId}:3d`), 'the 3-day reminder');

    const subscriptionId = await subscribe({ stripe, control }, m.customerId, 'growth', { trialEnd: Math.floor(m.trialEndsAt.getTime() / 1000) });
    await m.heardFromStripe();
    await m.settled((s) => s.phase === 'subscribed', 'the subscription to be read');
    expect(await m.plan()).toBe('growth');
    expect((await stripe.subscriptions.retrieve(subscriptionId)).status).toBe('trialing');

    // Past the end of the trial: Stripe renews (first paid invoice); the workflow re-reads at the period's end.
    await skip(3 * DAY + MINUTE);
    const after = await m.settled((s) => s.subscription?.status === 'active', 'the first paid period to be read at the trial’s end');
    expect(after.phase).toBe('subscribed');
    expect(await m.plan()).toBe('growth');
    expect(await m.emails()).toEqual([`trial-reminder:${m.tenantId}:3d`]);
    expect(await m.audits()).toEqual(['billing.subscription_started']);
    expect(await m.gate()).toBe('allowed');
    await m.handle.terminate('test over');
  });

  it('an account from before the billing workflow: its old trial run is told of the subscription and ends converted', async () => {
    const m = await merchant('legacy');
    // What sign-up used to start: `trial:{tenant}`, still running for older accounts (its emails share keys).
    const legacy = await env.client.workflow.start<TrialWorkflow>(trialWorkflowType, {
      taskQueue,
      workflowId: workflowIds.trial(m.tenantId),
      args: [{ tenantId: m.tenantId, ownerEmail: 'owner@shop.example', trialEndsAt: m.trialEndsAt.toISOString(), billingUrl: 'http://web/app/billing' }],
    });
    await subscribe({ stripe, control }, m.customerId, 'starter', { trialEnd: Math.floor(m.trialEndsAt.getTime() / 1000) });
    await m.heardFromStripe();
    await m.settled((s) => s.phase === 'subscribed' && s.legacyTrialTold, 'the subscription to be read');
    await eventually(async () => (await legacy.describe()).status.name === 'COMPLETED', 'the old trial run to end');
    expect(await legacy.result()).toMatchObject({ phase: 'converted', planCode: 'starter' });
    await skip(15 * DAY); // past the old run's trial end: nothing from it
    expect((await m.emails()).filter((k) => k.startsWith('trial-ended'))).toEqual([]);
    expect(await m.plan()).toBe('starter');
    await m.handle.terminate('test over');
  });

  it('payment fails: the grace period keeps replies on, then pauses them; paying the invoice resumes them', async () => {
    const m = await merchant('dunning');
    const subscriptionId = await subscribe({ stripe, control }, m.customerId, 'starter');
    await m.heardFromStripe();
    await m.settled((s) => s.phase === 'subscribed', 'the subscription to be read');

    await control.setPaymentMethod(m.customerId, 'declining');
    await control.renewNow(subscriptionId);
    await m.heardFromStripe();
    const pastDue = await m.settled((s) => s.phase === 'past_due', 'the failed payment to be read');
    const started = await env.currentTimeMs();
    expect(Date.parse(pastDue.graceEndsAt!) - started).toBeGreaterThan(7 * DAY - 5 * MINUTE);
    expect(await m.gate()).toBe('allowed'); // grace: the merchant keeps service
    await eventually(async () => (await m.emails()).some((k) => k.startsWith(`payment-failed:${m.tenantId}`)), 'the payment-failed email');

    await skip(7 * DAY + MINUTE);
    await eventually(async () => (await m.state()).phase === 'paused', 'replies to pause when the grace period ends');
    expect(await m.gate()).toBe('payment_required');
    await eventually(async () => (await m.emails()).some((k) => k.startsWith(`payment-paused:${m.tenantId}`)), 'the paused email');
    expect((await stripe.subscriptions.retrieve(subscriptionId)).status).toBe('past_due');

    const open = await stripe.invoices.list({ customer: m.customerId, status: 'open' });
    await control.payInvoice(open.data[0]!.id);
    await m.heardFromStripe();
    await m.settled((s) => s.phase === 'subscribed', 'the payment to be read');
    expect(await m.gate()).toBe('allowed');
    expect(await m.audits()).toEqual([
      'billing.subscription_started',
      'billing.payment_failed',
      'billing.replies_paused',
      'billing.payment_succeeded',
      'billing.replies_resumed',
    ]);
    await m.handle.terminate('test over');
  });

  it('dunning gives up: Stripe cancels after its last failed retry, replies stay paused for payment, a new plan resumes them', async () => {
    const m = await merchant('dunning-gives-up');
    const subscriptionId = await subscribe({ stripe, control }, m.customerId, 'starter');
    await m.heardFromStripe();
    await m.settled((s) => s.phase === 'subscribed', 'the subscription to be read');

    await control.setPaymentMethod(m.customerId, 'declining');
    await control.renewNow(subscriptionId);
    await m.heardFromStripe();
    await m.settled((s) => s.phase === 'past_due', 'the failed payment to be read');
    await skip(7 * DAY + MINUTE); // the grace period ends: replies pause
    await eventually(async () => (await m.state()).phase === 'paused', 'replies to pause when the grace period ends');

    // Stripe retries 3, 5 and 7 days after the previous failed attempt; the last one fails: it cancels.
    await skip(8 * DAY + MINUTE);
    await eventually(async () => (await stripe.subscriptions.retrieve(subscriptionId)).status === 'canceled', 'Stripe to give up and cancel');
    const ended = await stripe.subscriptions.retrieve(subscriptionId);
    expect(ended.cancellation_details?.reason).toBe('payment_failed');
    await m.heardFromStripe(); // customer.subscription.deleted
    const canceled = await m.settled((s) => s.phase === 'canceled', 'the cancellation to be read');
    expect(canceled.pausedReason).toBe('payment_required');
    expect(await m.plan()).toBe('canceled');
    expect(await m.gate()).toBe('payment_required');
    expect((await readReplyAccess(prisma, m.tenantId)).decision).toMatchObject({ allowed: false, reason: 'payment_required' });
    expect(await m.audits()).toEqual(['billing.subscription_started', 'billing.payment_failed', 'billing.replies_paused', 'billing.subscription_canceled']);
    const cancelAudit = await prisma.auditLog.findFirstOrThrow({ where: { tenantId: m.tenantId, action: 'billing.subscription_canceled' } });
    expect(cancelAudit.details).toMatchObject({ plan: 'starter', reason: 'payment_failed', now: 'canceled' });
    // Nothing ended on a timer of ours meanwhile: no second pause, no second email for it.
    expect((await m.emails()).filter((k) => k.startsWith(`payment-paused:${m.tenantId}`))).toHaveLength(1);

    // A working card and a plan chosen again: replies resume at once.
    await control.setPaymentMethod(m.customerId, 'working');
    await subscribe({ stripe, control }, m.customerId, 'starter');
    await m.heardFromStripe();
    await m.settled((s) => s.phase === 'subscribed', 'the new subscription to be read');
    expect(await m.gate()).toBe('allowed');
    expect((await m.audits()).slice(4)).toEqual(expect.arrayContaining(['billing.subscription_started', 'billing.replies_resumed']));
    await m.handle.terminate('test over');
  });

  it('Stripe unreachable at sign-up past the activity’s retries: the run retries on a timer, and the customer exists soon after Stripe is back', async () => {
    const m = await merchant('no-customer', { stripeDown: true });
    const signedUpAt = await env.currentTimeMs();
    // The activity's own attempts (about 40 minutes of backoff) all fail, and so would a second round: past
    // it, a run without the retry timer has nothing in flight and waits for the trial's end.
    await skip(90 * MINUTE);
    const waiting = await eventually(async () => {
      const s = await m.state();
      return s.customerRetry && !s.customerId ? s : null;
    }, 'the run to give up for now and plan its next try');
    expect(waiting.customerRetry!.attempt).toBeGreaterThanOrEqual(1);
    expect(Date.parse(waiting.customerRetry!.at) - (await env.currentTimeMs())).toBeLessThanOrEqual(CUSTOMER_RETRY_MAX_MS);
    // What Checkout and the portal look at: still no customer, so they answer 409 meanwhile.
    expect((await prisma.subscription.findUnique({ where: { tenantId: m.tenantId } }))?.stripeCustomerId ?? null).toBeNull();
    expect(await m.gate()).toBe('allowed'); // the trial runs on regardless

    // Stripe is back: the next timer (at most an hour away; without it, nothing until the trial's day 14) heals it.
    stripeDownFor.delete(m.tenantId);
    const planned = (await m.state()).customerRetry;
    const now = await env.currentTimeMs();
    // To the planned try (or, if a try is under way, past its activity's next attempt: at most 5 minutes).
    await skip(Math.max(planned ? Date.parse(planned.at) - now : 0, 0) + 6 * MINUTE);
    const healed = await eventually(async () => {
      const s = await m.state();
      return s.customerId && s.lastSyncedAt ? s : null;
    }, 'the customer to be created on the retry timer');
    expect(healed.customerRetry ?? null).toBeNull();
    const row = await prisma.subscription.findUniqueOrThrow({ where: { tenantId: m.tenantId } });
    expect(row.stripeCustomerId).toBe(healed.customerId);
    expect((await stripe.customers.list({ email: m.email })).data.map((c) => c.id)).toEqual([healed.customerId]);
    expect((await env.currentTimeMs()) - signedUpAt).toBeLessThan(3 * 60 * MINUTE);
    expect(await m.emails()).toEqual([]); // no reminder yet: healed long before day 11
    await m.handle.terminate('test over');
  });

  it('limit reached: the merchant is told once however often the gate reports it; an upgrade opens the gate', async () => {
    const m = await merchant('limit');
    const subscriptionId = await subscribe({ stripe, control }, m.customerId, 'starter');
    await m.heardFromStripe();
    const first = await m.settled((s) => s.phase === 'subscribed', 'the subscription to be read');
    const periodStart = first.subscription!.currentPeriodStart!;
    // The allowance is used and the gate has refused a reply (which marks the period's counter).
    await prisma.usageCounter.create({ data: { tenantId: m.tenantId, periodStart: new Date(periodStart), replies: 1000, limitReachedAt: new Date() } });
    expect(await m.gate()).toBe('reply_limit');

    // What the relay delivers when the gate first refuses a reply (and again, should its sweeper repeat it).
    for (let i = 0; i < 3; i++) await m.handle.signal(replyLimitReached, { periodStart, limit: 1000 });
    await eventually(async () => (await m.state()).limitNotices.length === 1 && (await m.emails()).length === 1, 'the limit email');
    await skip(DAY);
    expect(await m.emails()).toEqual([`reply-limit:${m.tenantId}:${periodStart}|1000`]);
    expect((await m.audits()).filter((a) => a === 'billing.usage_limit_reached')).toHaveLength(1);

    const growth = (await stripe.prices.list({ lookup_keys: ['wara_growth_monthly'], active: true })).data[0]!;
    const item = (await stripe.subscriptions.retrieve(subscriptionId)).items.data[0]!;
    await stripe.subscriptions.update(subscriptionId, { items: [{ id: item.id, price: growth.id }] });
    await m.heardFromStripe();
    await m.settled((s) => s.plan === 'growth', 'the upgrade to be read');
    expect(await m.gate()).toBe('allowed');
    expect(await m.audits()).toEqual(expect.arrayContaining(['billing.subscription_changed', 'billing.replies_resumed']));
    await m.handle.terminate('test over');
  });

  it('period rollover: the count starts again with the new billing period, without any webhook', async () => {
    const m = await merchant('rollover');
    const subscriptionId = await subscribe({ stripe, control }, m.customerId, 'starter');
    await m.heardFromStripe();
    const first = await m.settled((s) => s.phase === 'subscribed', 'the subscription to be read');
    const periodStart = new Date(first.subscription!.currentPeriodStart!);
    // This period's allowance is used up (1,000 replies on Starter): the gate says so.
    await prisma.usageCounter.create({ data: { tenantId: m.tenantId, periodStart, replies: 1000 } });
    expect(await m.gate()).toBe('reply_limit');

    await skip(Date.parse(first.subscription!.currentPeriodEnd!) - (await env.currentTimeMs()) + MINUTE);
    const rolled = await m.settled((s) => s.subscription!.currentPeriodStart !== first.subscription!.currentPeriodStart, 'the new period to be read');
    expect(Date.parse(rolled.subscription!.currentPeriodStart!)).toBe(Date.parse(first.subscription!.currentPeriodEnd!));
    expect((await stripe.subscriptions.retrieve(subscriptionId)).status).toBe('active');
    expect(await m.gate()).toBe('allowed');
    expect((await readReplyAccess(prisma, m.tenantId)).usage).toMatchObject({ replies: 0, limit: 1000, periodStart: new Date(rolled.subscription!.currentPeriodStart!) });
    await m.handle.terminate('test over');
  });
});
