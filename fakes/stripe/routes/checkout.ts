// /v1/checkout/sessions (subscription mode) and /v1/billing_portal/sessions. The sessions' `url`s
// point at the hosted pages in pages/, which complete them.
import type { FastifyInstance } from 'fastify';
import { expireSession } from '../billing-clock.js';
import type { FakeStripeContext } from '../context.js';
import { badRequest, invalidParam, missingRef, noSuch } from '../errors.js';
import { applyExpand, listEnvelope } from '../expand.js';
import { createdFilter, listQuery, originOf, paramsOf } from '../http.js';
import { newId } from '../ids.js';
import { renderCheckoutSession, renderPortalSession } from '../render.js';
import type { CheckoutLineItem, CheckoutSessionRecord, PortalSessionRecord } from '../types.js';

const HOUR = 3600;
/** Accepted and stored nowhere: they change what real Checkout shows, not what the fake does. */
const IGNORED = [
  'automatic_tax', 'billing_address_collection', 'consent_collection', 'custom_fields', 'custom_text', 'customer_update',
  'discounts', 'invoice_creation', 'payment_method_collection', 'payment_method_configuration', 'payment_method_options',
  'payment_method_types', 'phone_number_collection', 'saved_payment_method_options', 'tax_id_collection', 'ui_mode',
  'submit_type', 'currency', 'adaptive_pricing', 'origin_context', 'customer_creation',
];

export function registerCheckoutRoutes(app: FastifyInstance, ctx: FakeStripeContext): void {
  const { state, events, rc } = ctx;

  app.post('/v1/checkout/sessions', async (req) => {
    const p = paramsOf(req).known(
      'mode', 'customer', 'customer_email', 'line_items', 'success_url', 'cancel_url', 'return_url', 'client_reference_id',
      'metadata', 'subscription_data', 'allow_promotion_codes', 'expires_at', 'locale', ...IGNORED,
    );
    const now = state.clock.now();
    const mode = p.oneOf('mode', ['payment', 'setup', 'subscription'] as const);
    if (!mode) throw badRequest('Missing required param: mode.', { code: 'parameter_missing', param: 'mode' });
    if (mode !== 'subscription') throw invalidParam('mode', `The fake implements mode=subscription only (got ${mode}).`);
    const customer = p.str('customer');
    if (customer) customerOr404Ref(ctx, customer);
    if (customer && p.has('customer_email')) throw badRequest('You may only specify one of these parameters: customer, customer_email.', { param: 'customer_email' });
    const items = p.list('line_items');
    if (items.length === 0) throw badRequest('Missing required param: line_items.', { code: 'parameter_missing', param: 'line_items' });
    let currency: string | null = null;
    let amountTotal = 0;
    const lineItems: CheckoutLineItem[] = items.map((li, i) => {
      li.known('price', 'quantity', 'price_data', 'adjustable_quantity', 'dynamic_tax_rates', 'tax_rates');
      if (li.has('price_data')) throw invalidParam(`line_items[${i}][price_data]`, 'The fake supports line_items[][price] only (create the price first).');
      const priceId = li.reqStr('price');
      const price = state.prices.get(priceId);
      if (!price) throw missingRef('price', priceId, `line_items[${i}][price]`);
      if (!price.active) throw invalidParam(`line_items[${i}][price]`, `The price specified is inactive. This field only accepts active prices.`);
      if (!price.recurring) throw invalidParam(`line_items[${i}][price]`, 'You must specify at least one recurring price in `subscription` mode when using prices.');
      const metered = price.recurring.usageType === 'metered';
      const quantity = li.int('quantity');
      if (quantity === null && !metered) throw badRequest(`Quantity is required. Add \`quantity\` to \`line_items[${i}]\``, { code: 'parameter_missing', param: `line_items[${i}][quantity]` });
      if (quantity !== null && metered) throw invalidParam(`line_items[${i}][quantity]`, 'Quantity should not be specified where usage_type is `metered`. Remove quantity from `line_items[' + i + ']`');
      if (quantity !== null && quantity < 1) throw invalidParam(`line_items[${i}][quantity]`, 'Quantity must be at least 1.');
      if (currency && currency !== price.currency) throw invalidParam(`line_items[${i}][price]`, 'All prices on a Checkout Session must have the same currency.');
      currency = price.currency;
      if (!metered) amountTotal += price.unitAmount * (quantity ?? 1);
      return { price: priceId, quantity: metered ? null : quantity };
    });
    const sd = p.obj('subscription_data')?.known('trial_end', 'trial_period_days', 'metadata', 'description', 'billing_cycle_anchor', 'default_tax_rates', 'proration_behavior', 'trial_settings', 'invoice_settings', 'application_fee_percent', 'on_behalf_of', 'transfer_data', 'billing_mode');
    const trialEnd = sd?.int('trial_end') ?? null;
    // Stripe requires a Checkout trial to end at least 48 hours from now.
    if (trialEnd !== null && trialEnd < now + 48 * HOUR) {
      throw invalidParam('subscription_data[trial_end]', 'The `trial_end` date has to be at least 2 days in the future.');
    }
    const trialDays = sd?.int('trial_period_days') ?? null;
    if (trialDays !== null && trialDays < 1) throw invalidParam('subscription_data[trial_period_days]', 'trial_period_days must be at least 1.');
    if (trialEnd !== null && trialDays !== null) throw badRequest('You may only specify one of these parameters: trial_end, trial_period_days.', { param: 'subscription_data[trial_end]' });
    const expiresAt = p.int('expires_at') ?? now + 24 * HOUR;
    if (expiresAt < now + 30 * 60 || expiresAt > now + 24 * HOUR) {
      throw invalidParam('expires_at', 'The `expires_at` timestamp must be between 30 minutes and 24 hours from Checkout Session creation.');
    }
    const cs: CheckoutSessionRecord = {
      id: newId('cs_test'),
      created: now,
      expiresAt,
      status: 'open',
      paymentStatus: 'unpaid',
      mode: 'subscription',
      customer,
      customerCreation: customer ? null : 'always',
      customerEmail: p.str('customer_email'),
      clientReferenceId: p.str('client_reference_id'),
      successUrl: p.str('success_url'),
      cancelUrl: p.str('cancel_url'),
      metadata: p.metadata(),
      lineItems,
      trialEnd,
      trialPeriodDays: trialDays,
      subscriptionMetadata: sd?.metadata() ?? {},
      allowPromotionCodes: p.bool('allow_promotion_codes'),
      locale: p.str('locale'),
      currency: currency ?? 'usd',
      amountTotal,
      subscription: null,
      invoice: null,
      declines: 0,
    };
    state.checkoutSessions.set(cs.id, cs);
    return applyExpand(rc, renderCheckoutSession(rc, cs), p.expand());
  });

  app.get<{ Params: { id: string } }>('/v1/checkout/sessions/:id', async (req) => {
    const p = paramsOf(req).known();
    const cs = state.checkoutSessions.get(req.params.id);
    if (!cs) throw noSuch('checkout.session', req.params.id, 'session');
    return applyExpand(rc, renderCheckoutSession(rc, cs), p.expand());
  });

  app.get('/v1/checkout/sessions', async (req) => {
    const p = paramsOf(req).known('customer', 'subscription', 'status', 'payment_intent', 'payment_link', 'limit', 'starting_after', 'ending_before', 'created');
    const customer = p.str('customer');
    const subscription = p.str('subscription');
    const status = p.oneOf('status', ['open', 'complete', 'expired'] as const);
    const inRange = createdFilter(p);
    const rows = [...state.checkoutSessions.values()].filter(
      (s) => (customer === null || s.customer === customer) && (subscription === null || s.subscription === subscription) && (status === null || s.status === status) && inRange(s.created),
    );
    return applyExpand(rc, listEnvelope(rows, listQuery(p), '/v1/checkout/sessions', (s) => renderCheckoutSession(rc, s)), p.expand());
  });

  app.post<{ Params: { id: string } }>('/v1/checkout/sessions/:id/expire', async (req) => {
    const p = paramsOf(req).known();
    const cs = state.checkoutSessions.get(req.params.id);
    if (!cs) throw noSuch('checkout.session', req.params.id, 'session');
    if (cs.status !== 'open') throw badRequest(`Only Checkout Sessions with a status of \`open\` can be expired. This Checkout Session has a status of \`${cs.status}\`.`);
    expireSession(ctx.billing, cs.id, state.clock.now(), originOf(req));
    return applyExpand(rc, renderCheckoutSession(rc, cs), p.expand());
  });

  app.post('/v1/billing_portal/sessions', async (req) => {
    const p = paramsOf(req).known('customer', 'return_url', 'configuration', 'locale', 'on_behalf_of', 'flow_data', 'customer_account');
    const customerId = p.reqStr('customer');
    customerOr404Ref(ctx, customerId);
    if (p.has('flow_data')) throw invalidParam('flow_data', 'The fake does not implement portal deep-link flows (flow_data).');
    const ps: PortalSessionRecord = {
      id: newId('bps'),
      created: state.clock.now(),
      customer: customerId,
      returnUrl: p.str('return_url'),
      configuration: p.str('configuration') ?? state.portalConfigurationId,
      locale: p.str('locale'),
    };
    state.portalSessions.set(ps.id, ps);
    const json = renderPortalSession(rc, ps);
    events.emit('billing_portal.session.created', json, originOf(req));
    return applyExpand(rc, json, p.expand());
  });
}

/** A customer named in a parameter: missing → 400 resource_missing (not 404). */
function customerOr404Ref(ctx: FakeStripeContext, id: string): void {
  const c = ctx.state.customers.get(id);
  if (!c || c.deleted) throw missingRef('customer', id, 'customer');
}
