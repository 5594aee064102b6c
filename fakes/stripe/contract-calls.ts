// The Stripe calls the app makes, with the parameter sets it uses. contract.test.ts runs each one
// against stripe-mock (Stripe's OpenAPI-validating mock: proves real Stripe accepts the request) and
// against the fake (proves the fake implements it). Calls run in order and share `ids`: a call stores
// the ids it creates for later calls. Keep this list in step with the billing code: a new call or
// parameter in the app belongs here first.
import type Stripe from 'stripe';

export interface StripeContractCall {
  name: string;
  call(stripe: Stripe, ids: Record<string, string>): Promise<unknown>;
}

const DAY = 86_400;
const need = (ids: Record<string, string>, key: string): string => {
  const v = ids[key];
  if (!v) throw new Error(`contract call needs ids.${key} from an earlier call`);
  return v;
};
/** Unique per run, so the fake (which enforces uniqueness) accepts a rerun against the same state. */
const run = Date.now().toString(36);

export const STRIPE_CONTRACT_CALLS: StripeContractCall[] = [
  {
    name: 'customers.create with metadata and an idempotency key',
    async call(stripe, ids) {
      const c = await stripe.customers.create(
        { email: 'owner@shop.example', name: 'Shop Owner', metadata: { tenantId: 'tenant_1' } },
        { idempotencyKey: `customer-tenant_1-${run}` },
      );
      ids['customer'] = c.id;
      return c;
    },
  },
  {
    name: 'customers.update metadata',
    call: (stripe, ids) => stripe.customers.update(need(ids, 'customer'), { metadata: { plan: 'pro' } }),
  },
  {
    name: 'products.create',
    async call(stripe, ids) {
      const p = await stripe.products.create({ name: 'WARA Pro', metadata: { plan: 'pro' } });
      ids['product'] = p.id;
      return p;
    },
  },
  {
    name: 'prices.create recurring with lookup_key',
    async call(stripe, ids) {
      const p = await stripe.prices.create({
        product: need(ids, 'product'),
        currency: 'usd',
        unit_amount: 2900,
        recurring: { interval: 'month' },
        lookup_key: `wara_pro_monthly_${run}`,
        transfer_lookup_key: true,
        nickname: 'Pro',
        metadata: { plan: 'pro' },
      });
      ids['price'] = p.id;
      return p;
    },
  },
  {
    name: 'prices.list by lookup_keys',
    call: (stripe) => stripe.prices.list({ lookup_keys: [`wara_pro_monthly_${run}`], active: true, expand: ['data.product'] }),
  },
  {
    name: 'billing.meters.create',
    async call(stripe, ids) {
      const m = await stripe.billing.meters.create({
        display_name: 'AI replies',
        event_name: `ai_reply_${run}`,
        default_aggregation: { formula: 'sum' },
        customer_mapping: { event_payload_key: 'stripe_customer_id', type: 'by_id' },
        value_settings: { event_payload_key: 'value' },
      });
      ids['meter'] = m.id;
      return m;
    },
  },
  {
    name: 'billing.meters.list',
    call: (stripe) => stripe.billing.meters.list({ status: 'active' }),
  },
  {
    name: 'billing.meterEvents.create with identifier',
    call: (stripe, ids) =>
      stripe.billing.meterEvents.create({
        event_name: `ai_reply_${run}`,
        identifier: `reply-SM0001-${run}`,
        timestamp: Math.floor(Date.now() / 1000),
        payload: { stripe_customer_id: need(ids, 'customer'), value: '1' },
      }),
  },
  {
    name: 'checkout.sessions.create subscription with trial_end and metadata',
    async call(stripe, ids) {
      const s = await stripe.checkout.sessions.create({
        mode: 'subscription',
        customer: need(ids, 'customer'),
        line_items: [{ price: need(ids, 'price'), quantity: 1 }],
        success_url: 'http://127.0.0.1:5173/billing/success?session_id={CHECKOUT_SESSION_ID}',
        cancel_url: 'http://127.0.0.1:5173/billing',
        client_reference_id: 'tenant_1',
        metadata: { tenantId: 'tenant_1' },
        subscription_data: { trial_end: Math.floor(Date.now() / 1000) + 14 * DAY, metadata: { tenantId: 'tenant_1' } },
        allow_promotion_codes: true,
      });
      ids['checkoutSession'] = s.id;
      return s;
    },
  },
  {
    name: 'checkout.sessions.retrieve expanding subscription',
    call: (stripe, ids) => stripe.checkout.sessions.retrieve(need(ids, 'checkoutSession'), { expand: ['subscription'] }),
  },
  {
    name: 'billingPortal.sessions.create',
    call: (stripe, ids) => stripe.billingPortal.sessions.create({ customer: need(ids, 'customer'), return_url: 'http://127.0.0.1:5173/settings/billing' }),
  },
  {
    name: 'subscriptions.retrieve expanding latest_invoice',
    call: (stripe, ids) => stripe.subscriptions.retrieve(need(ids, 'subscription'), { expand: ['latest_invoice'] }),
  },
  {
    name: 'subscriptions.list by customer, all statuses',
    call: (stripe, ids) => stripe.subscriptions.list({ customer: need(ids, 'customer'), status: 'all', limit: 10 }),
  },
  {
    name: 'subscriptions.update cancel_at_period_end',
    call: (stripe, ids) => stripe.subscriptions.update(need(ids, 'subscription'), { cancel_at_period_end: true }),
  },
  {
    name: 'subscriptions.update switch price',
    call: (stripe, ids) =>
      stripe.subscriptions.update(need(ids, 'subscription'), {
        items: [{ id: need(ids, 'subscriptionItem'), price: need(ids, 'price') }],
        proration_behavior: 'create_prorations',
        cancel_at_period_end: false,
      }),
  },
  {
    name: 'invoices.list by customer and subscription',
    call: (stripe, ids) => stripe.invoices.list({ customer: need(ids, 'customer'), subscription: need(ids, 'subscription'), limit: 10 }),
  },
  {
    name: 'events.list by type',
    call: (stripe) => stripe.events.list({ type: 'customer.subscription.updated', limit: 10 }),
  },
];
