// Billing on real infrastructure: the Stripe stand-in (fakes/stripe) in process, the API listening on a real
// port (the stand-in delivers signed webhooks to it), the production worker on the shared Temporal dev
// server, and Postgres. The official SDK talks to the stand-in exactly as the worker's does.
import { randomUUID } from 'node:crypto';
import type Stripe from 'stripe';
import { FakeStripeControl } from '../../fakes/stripe/control-client.js';
import { startFakeStripe, type FakeStripe } from '../../fakes/stripe/server.js';
import { stripeClientFor } from '../../fakes/stripe/testing.js';
import { workflowIds } from '../../lib/temporal/names.js';
import { billingState, type BillingState } from '../../workflows/contracts/billing.js';
import { freePort } from '../../scripts/devstack/ports.js';
import { signUp, startTestApi, type TestApi, type TestSession } from '../support/api.js';
import { eventually } from '../support/eventually.js';
import { startTestWorker, type TestWorker } from '../support/worker.js';

export const STRIPE_KEY = 'sk_test_billing_tests_000000000000';
export const STRIPE_WEBHOOK_SECRET = 'whsec_billing_tests_000000000000';

/** The env a worker or API needs to reach a stand-in. */
export function stripeEnv(fake: FakeStripe): Record<string, string> {
  return { STRIPE_SECRET_KEY: STRIPE_KEY, STRIPE_API_BASE_URL: fake.url, STRIPE_WEBHOOK_SECRET };
}

/** The stand-in with fast delivery retries (tests wait on outcomes, not on Stripe's hours-long schedule). */
export function startStripeStandIn(): Promise<FakeStripe> {
  return startFakeStripe({
    secretKey: STRIPE_KEY,
    webhookSecret: STRIPE_WEBHOOK_SECRET,
    tickMs: 200,
    config: { retry: { maxAttempts: 6, backoffMs: 100, timeoutMs: 5_000 } },
  });
}

export interface BillingStack {
  fake: FakeStripe;
  control: FakeStripeControl;
  stripe: Stripe;
  api: TestApi;
  worker: TestWorker | null;
  apiUrl: string;
  signUp(label?: string): Promise<TestSession>;
  /** The tenant's billing workflow state (its query), once the worker answers. */
  billing(tenantId: string): Promise<BillingState>;
  /**
   * Waits until the billing workflow has created the tenant's Stripe customer and read Stripe once (its
   * start-up sync), so what a test does at Stripe next reaches it only through webhooks (or a timer).
   */
  customerOf(tenantId: string): Promise<string>;
  close(): Promise<void>;
}

export async function startBillingStack(options: { env?: Record<string, string>; worker?: boolean } = {}): Promise<BillingStack> {
  const fake = await startStripeStandIn();
  const port = await freePort();
  const apiUrl = `http://127.0.0.1:${port}`;
  const api = await startTestApi({ TEMPORAL_TASK_QUEUE: `billing-${randomUUID()}`, SERVER_PUBLIC_URL: apiUrl, RELAY_THREAD: 'false', ...stripeEnv(fake), ...options.env });
  await api.app.listen({ host: '127.0.0.1', port });
  const control = new FakeStripeControl(fake.url);
  await control.config({ webhookUrl: `${apiUrl}/webhooks/stripe` });
  const worker = options.worker === false ? null : await startTestWorker(api.deps.env);
  const handle = (tenantId: string) => api.deps.temporal.workflow.getHandle(workflowIds.billing(tenantId));
  return {
    fake,
    control,
    stripe: stripeClientFor(fake.url, STRIPE_KEY),
    api,
    worker,
    apiUrl,
    signUp: (label = 'shop') => signUp(api.app, { companyName: `Billing ${label}` }),
    billing: (tenantId) => eventually(() => handle(tenantId).query(billingState).catch(() => null), `the billing workflow of ${tenantId} to answer`),
    customerOf: (tenantId) =>
      eventually(async () => {
        const state = await handle(tenantId).query(billingState).catch(() => null);
        return state?.lastSyncedAt ? state.customerId : null;
      }, `a Stripe customer for ${tenantId}, read once`),
    async close() {
      await worker?.stop();
      await api.close();
      await fake.close();
    },
  };
}

/** A subscription as a merchant gets one: a Checkout session for the plan's price, paid on the hosted page. */
export async function subscribe(
  stack: Pick<BillingStack, 'stripe' | 'control'>,
  customerId: string,
  planCode: string,
  opts: { trialEnd?: number } = {},
): Promise<string> {
  // The billing workflow ensures the plans' prices when it starts: the first tenant's run creates them.
  const price = await eventually(
    async () => (await stack.stripe.prices.list({ lookup_keys: [`wara_${planCode}_monthly`], active: true })).data[0],
    `the Stripe price of ${planCode}`,
  );
  const session = await stack.stripe.checkout.sessions.create({
    mode: 'subscription',
    customer: customerId,
    line_items: [{ price: price.id, quantity: 1 }],
    success_url: 'http://127.0.0.1/app/billing?checkout=success',
    cancel_url: 'http://127.0.0.1/app/billing',
    ...(opts.trialEnd ? { subscription_data: { trial_end: opts.trialEnd } } : {}),
  });
  const done = await stack.control.completeCheckout(session.id);
  return done.subscription!.id;
}
