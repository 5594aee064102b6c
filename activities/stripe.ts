// Stripe, as billing needs it: the tenant's customer, WARA's plans as products/prices (found by lookup key),
// the subscription re-read from Stripe on every change (never trusting a webhook's payload or its arrival
// order), Checkout and portal sessions, and counted replies reported to the meter. Every Stripe call of the
// app is here (and listed in fakes/stripe/contract-calls.ts, which checks them against Stripe's spec).
import { ApplicationFailure } from '@temporalio/activity';
import Stripe from 'stripe';
import { applyStripeState } from '../lib/billing/billing-store.js';
import { REPLY_METER_EVENT, trialCarriesOver, type BillingSnapshot } from '../lib/billing/plans.js';
import { currentSubscription, invoiceView, subscriptionView } from '../lib/billing/stripe-view.js';
import type { PrismaClient } from '../lib/db/client.js';
import { sqlPool } from '../lib/db/sql.js';
import { workflowIds } from '../lib/temporal/names.js';
import type { BillingSessionInput } from '../workflows/contracts/billing.js';
import { actingWorkflow } from './workflow-actor.js';

export interface StripeDeps {
  prisma: PrismaClient;
  /** Null when STRIPE_SECRET_KEY is unset: no customer, no checkout, nothing reported (the trial still runs). */
  stripe: Stripe | null;
}

/** Stripe refuses meter events older than 35 days (asynchronously): older rows are dropped unreported. */
const METER_MAX_AGE_MS = 34 * 24 * 60 * 60 * 1000;
/** Meter events in flight at once while reporting a batch. */
const METER_CONCURRENCY = 8;

export function createStripeActivities(deps: StripeDeps) {
  const { prisma } = deps;
  const client = (): Stripe => {
    if (!deps.stripe) throw ApplicationFailure.nonRetryable('Stripe is not configured (STRIPE_SECRET_KEY)', 'StripeNotConfigured');
    return deps.stripe;
  };
  const knownPlanCodes = async () => (await prisma.plan.findMany({ select: { code: true } })).map((p) => p.code);

  /** The tenant's Stripe customer id, created once (key `customer:{tenant}`) and kept on its subscription row. */
  async function ensureStripeCustomer(input: { tenantId: string; email: string; name?: string | null }): Promise<{ customerId: string | null }> {
    const row = await prisma.subscription.upsert({
      where: { tenantId: input.tenantId },
      create: { tenantId: input.tenantId, billingWorkflowId: workflowIds.billing(input.tenantId) },
      update: {},
    });
    if (row.stripeCustomerId) return { customerId: row.stripeCustomerId };
    if (!deps.stripe) return { customerId: null };
    const tenant = await prisma.tenant.findUniqueOrThrow({ where: { id: input.tenantId }, select: { name: true } });
    const customer = await call(() =>
      client().customers.create(
        { email: input.email, name: input.name ?? tenant.name, metadata: { tenantId: input.tenantId } },
        // A retried activity (or a second start) gets the same customer back instead of a second one.
        { idempotencyKey: `customer:${input.tenantId}` },
      ),
    );
    await prisma.subscription.updateMany({ where: { tenantId: input.tenantId, stripeCustomerId: null }, data: { stripeCustomerId: customer.id } });
    const stored = await prisma.subscription.findUniqueOrThrow({ where: { tenantId: input.tenantId }, select: { stripeCustomerId: true } });
    return { customerId: stored.stripeCustomerId };
  }

  /**
   * Every plan for sale has a product and a monthly price at Stripe, found by lookup key (created when
   * missing, replaced when the amount changed: the key moves to the new price), and AI replies have their
   * meter. Idempotent: a second run lists and changes nothing.
   */
  async function ensureStripeCatalog(): Promise<{ prices: number; created: number }> {
    const stripe = client();
    const plans = await prisma.plan.findMany({ where: { active: true, priceCents: { not: null }, lookupKey: { not: null } }, orderBy: { sortOrder: 'asc' } });
    const listed = await call(() => stripe.prices.list({ lookup_keys: plans.map((p) => p.lookupKey!), active: true, expand: ['data.product'] }));
    let created = 0;
    for (const plan of plans) {
      let price = listed.data.find((p) => p.lookup_key === plan.lookupKey);
      if (!price || price.unit_amount !== plan.priceCents || price.currency !== plan.currency) {
        const product =
          price && typeof price.product === 'object' && !('deleted' in price.product && price.product.deleted)
            ? price.product
            : await call(() => stripe.products.create({ name: `WARA ${plan.name}`, metadata: { plan: plan.code } }, { idempotencyKey: `product:${plan.code}` }));
        price = await call(() =>
          stripe.prices.create(
            {
              product: product.id,
              currency: plan.currency,
              unit_amount: plan.priceCents!,
              recurring: { interval: 'month' },
              lookup_key: plan.lookupKey!,
              transfer_lookup_key: true,
              nickname: plan.name,
              metadata: { plan: plan.code },
            },
            { idempotencyKey: `price:${plan.code}:${plan.currency}:${plan.priceCents}` },
          ),
        );
        created += 1;
      }
      if (plan.priceId !== price.id) await prisma.plan.update({ where: { id: plan.id }, data: { priceId: price.id } });
    }
    const meters = await call(() => stripe.billing.meters.list({ status: 'active' }));
    if (!meters.data.some((m) => m.event_name === REPLY_METER_EVENT)) {
      await call(() =>
        stripe.billing.meters.create(
          {
            display_name: 'AI replies',
            event_name: REPLY_METER_EVENT,
            default_aggregation: { formula: 'sum' },
            customer_mapping: { event_payload_key: 'stripe_customer_id', type: 'by_id' },
            value_settings: { event_payload_key: 'value' },
          },
          { idempotencyKey: `meter:${REPLY_METER_EVENT}` },
        ),
      );
    }
    return { prices: plans.length, created };
  }

  return {
    ensureStripeCustomer,
    ensureStripeCatalog,

    /**
     * The tenant's subscription and recent invoices as Stripe has them now, applied to our rows (plan,
     * status, period, pause, audit entries for what changed). Every subscription or invoice event leads
     * here, so events that arrive twice, late or out of order all end in Stripe's current state.
     */
    async syncSubscription(input: { tenantId: string; customerId: string }): Promise<BillingSnapshot> {
      const stripe = client();
      const [subscriptions, invoices, codes] = await Promise.all([
        call(() => stripe.subscriptions.list({ customer: input.customerId, status: 'all', limit: 10 })),
        call(() => stripe.invoices.list({ customer: input.customerId, limit: 10 })),
        knownPlanCodes(),
      ]);
      const current = currentSubscription(subscriptions.data);
      return applyStripeState(prisma, {
        tenantId: input.tenantId,
        view: current ? subscriptionView(current, codes) : null,
        invoices: invoices.data.flatMap((i) => invoiceView(i) ?? []),
        actor: { workflowId: actingWorkflow().workflowId ?? workflowIds.billing(input.tenantId) },
      });
    },

    /** A Checkout (subscribe to a plan, the trial's remaining days carried over) or customer-portal session. */
    async createBillingSession(input: BillingSessionInput): Promise<{ url: string }> {
      const stripe = client();
      const owner = await prisma.user.findFirstOrThrow({ where: { tenantId: input.tenantId, role: 'owner' }, orderBy: { createdAt: 'asc' } });
      const { customerId } = await ensureStripeCustomer({ tenantId: input.tenantId, email: owner.email, name: null });
      if (!customerId) throw ApplicationFailure.nonRetryable('Stripe is not configured (STRIPE_SECRET_KEY)', 'StripeNotConfigured');
      if (input.kind === 'portal') {
        const session = await call(() => stripe.billingPortal.sessions.create({ customer: customerId, return_url: input.returnUrl }));
        return { url: session.url };
      }
      const plan = await prisma.plan.findFirst({ where: { code: input.planCode, active: true, priceCents: { not: null } } });
      if (!plan?.lookupKey) throw ApplicationFailure.nonRetryable(`no plan ${input.planCode} for sale`, 'UnknownPlan');
      let price = await findPrice(stripe, plan.lookupKey);
      if (!price) {
        await ensureStripeCatalog();
        price = await findPrice(stripe, plan.lookupKey);
      }
      if (!price) throw ApplicationFailure.nonRetryable(`Stripe has no price ${plan.lookupKey}`, 'UnknownPlan');
      const tenant = await prisma.tenant.findUniqueOrThrow({ where: { id: input.tenantId }, select: { plan: true, trialEndsAt: true } });
      // Stripe refuses a trial_end closer than 48 hours; a shorter remaining trial is paid at once instead.
      const carryTrial = trialCarriesOver(tenant, Date.now());
      const session = await call(() =>
        stripe.checkout.sessions.create(
          {
            mode: 'subscription',
            customer: customerId,
            line_items: [{ price: price.id, quantity: 1 }],
            success_url: input.successUrl,
            cancel_url: input.cancelUrl,
            client_reference_id: input.tenantId,
            metadata: { tenantId: input.tenantId, plan: plan.code },
            subscription_data: {
              metadata: { tenantId: input.tenantId },
              ...(carryTrial ? { trial_end: Math.floor(tenant.trialEndsAt!.getTime() / 1000) } : {}),
            },
          },
          { idempotencyKey: `checkout:${input.tenantId}:${input.requestId}` },
        ),
      );
      if (!session.url) throw ApplicationFailure.nonRetryable('Stripe returned a Checkout session without a URL', 'StripeNoUrl');
      return { url: session.url };
    },

    /**
     * Counted AI replies (meter_event_outbox) to Stripe's meter, oldest first, `max` at most: each reply's
     * message id is the event's identifier, so one reported twice (a crash after Stripe took it and before
     * its row was deleted) is refused by Stripe as a duplicate and billed once. Rows are deleted together,
     * once Stripe has them.
     */
    async reportUsage(input: { max: number }): Promise<{ reported: number; duplicates: number; dropped: number; failed: number }> {
      const pool = sqlPool(prisma);
      const { rowCount: dropped } = await pool.query({
        name: 'meter-outbox.drop-stale',
        text: `DELETE FROM meter_event_outbox WHERE occurred_at < (now() AT TIME ZONE 'UTC') - make_interval(secs => $1 / 1000.0)`,
        values: [METER_MAX_AGE_MS],
      });
      if (!deps.stripe) return { reported: 0, duplicates: 0, dropped: dropped ?? 0, failed: 0 };
      const stripe = deps.stripe;
      const { rows } = await pool.query<{ message_id: string; occurred_at: Date; customer: string }>({
        name: 'meter-outbox.batch',
        text: `SELECT o.message_id, o.occurred_at, s.stripe_customer_id AS customer
               FROM meter_event_outbox o JOIN subscriptions s ON s.tenant_id = o.tenant_id AND s.stripe_customer_id IS NOT NULL
               ORDER BY o.occurred_at LIMIT $1`,
        values: [input.max],
      });
      const done: string[] = [];
      let duplicates = 0;
      const failures: unknown[] = [];
      const report = async (row: (typeof rows)[number]) => {
        try {
          await stripe.billing.meterEvents.create({
            event_name: REPLY_METER_EVENT,
            identifier: row.message_id,
            timestamp: Math.floor(row.occurred_at.getTime() / 1000),
            payload: { stripe_customer_id: row.customer, value: '1' },
          });
          done.push(row.message_id);
        } catch (err) {
          if (isDuplicateMeterEvent(err)) {
            duplicates += 1;
            done.push(row.message_id);
          } else failures.push(err);
        }
      };
      for (let i = 0; i < rows.length; i += METER_CONCURRENCY) await Promise.all(rows.slice(i, i + METER_CONCURRENCY).map(report));
      if (done.length > 0) {
        await pool.query({ name: 'meter-outbox.reported', text: 'DELETE FROM meter_event_outbox WHERE message_id = ANY($1)', values: [done] });
      }
      // Nothing got through: let Temporal retry with backoff (what did get through is already deleted).
      if (failures.length > 0 && done.length === 0) throw translate(failures[0]);
      return { reported: done.length - duplicates, duplicates, dropped: dropped ?? 0, failed: failures.length };
    },
  };
}

export type StripeActivities = ReturnType<typeof createStripeActivities>;

async function findPrice(stripe: Stripe, lookupKey: string): Promise<Stripe.Price | null> {
  const { data } = await call(() => stripe.prices.list({ lookup_keys: [lookupKey], active: true, expand: ['data.product'] }));
  return data[0] ?? null;
}

/** Stripe's answer to a repeated meter-event identifier (observed, not a documented code). */
function isDuplicateMeterEvent(err: unknown): boolean {
  return err instanceof Stripe.errors.StripeInvalidRequestError && /already exists with identifier/i.test(err.message);
}

/** One Stripe call, with its failure translated: retryable (rate limit, 5xx, network) or not (4xx). */
async function call<T>(request: () => Promise<T>): Promise<T> {
  try {
    return await request();
  } catch (err) {
    throw translate(err);
  }
}

function translate(err: unknown): unknown {
  if (!(err instanceof Stripe.errors.StripeError)) return err;
  const status = err.statusCode ?? 0;
  if (status === 429 || status >= 500 || status === 0 || err.type === 'StripeConnectionError') return err;
  // Our words and the status; Stripe's text travels in the failure's details (operators).
  return ApplicationFailure.nonRetryable(`Stripe refused the request (HTTP ${status}${err.code ? `, ${err.code}` : ''})`, 'StripeRejected', {
    stripeMessage: err.message,
    requestId: err.requestId ?? null,
  });
}

/** The client the worker uses: the real API, or a stand-in at STRIPE_API_BASE_URL (host, port, protocol). */
export function createStripeClient(options: { secretKey?: string | undefined; apiBaseUrl?: string | undefined; timeoutMs?: number }): Stripe | null {
  if (!options.secretKey) return null;
  const base = options.apiBaseUrl ? new URL(options.apiBaseUrl) : null;
  return new Stripe(options.secretKey, {
    // Temporal owns retries (with backoff and a visible attempt count); every POST carries an idempotency key.
    maxNetworkRetries: 0,
    timeout: options.timeoutMs ?? 20_000,
    telemetry: false,
    ...(base
      ? { host: base.hostname, port: Number(base.port || (base.protocol === 'https:' ? 443 : 80)), protocol: base.protocol === 'https:' ? 'https' : 'http' }
      : {}),
  });
}
