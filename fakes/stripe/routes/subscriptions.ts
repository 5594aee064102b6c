// /v1/subscriptions: retrieve, list, update (cancel_at_period_end, price swap, metadata, trial_end),
// cancel (DELETE). Subscriptions are created by Checkout only (see checkout-flow.ts).
import type { FastifyInstance } from 'fastify';
import { runDue } from '../billing-clock.js';
import type { FakeStripeContext } from '../context.js';
import { badRequest, invalidParam, missingRef, noSuch } from '../errors.js';
import { applyExpand, listEnvelope } from '../expand.js';
import { createdFilter, listQuery, originOf, paramsOf } from '../http.js';
import { renderSubscription } from '../render-billing.js';
import type { SubscriptionRecord } from '../types.js';

const STATUSES = ['active', 'past_due', 'unpaid', 'canceled', 'incomplete', 'incomplete_expired', 'trialing', 'paused', 'all', 'ended'] as const;
/** Accepted and ignored: the fake does not prorate, and has one payment method per customer. */
const IGNORED = ['proration_behavior', 'proration_date', 'payment_behavior', 'default_payment_method', 'off_session', 'billing_cycle_anchor', 'collection_method', 'description', 'cancellation_details'];

export function registerSubscriptionRoutes(app: FastifyInstance, ctx: FakeStripeContext): void {
  const { state, billing, rc } = ctx;
  const find = (id: string): SubscriptionRecord => {
    const s = state.subscriptions.get(id);
    if (!s) throw noSuch('subscription', id);
    return s;
  };

  app.get<{ Params: { id: string } }>('/v1/subscriptions/:id', async (req) => {
    const p = paramsOf(req).known();
    return applyExpand(rc, renderSubscription(rc, find(req.params.id)), p.expand());
  });

  app.get('/v1/subscriptions', async (req) => {
    const p = paramsOf(req).known('customer', 'status', 'price', 'limit', 'starting_after', 'ending_before', 'created', 'current_period_end', 'current_period_start', 'collection_method', 'test_clock', 'automatic_tax');
    const customer = p.str('customer');
    const status = p.oneOf('status', STATUSES);
    const price = p.str('price');
    const inRange = createdFilter(p);
    const ended = (s: SubscriptionRecord) => s.status === 'canceled' || s.status === 'incomplete_expired';
    const rows = [...state.subscriptions.values()].filter(
      (s) =>
        (customer === null || s.customer === customer) &&
        (price === null || s.items.some((it) => it.price === price)) &&
        // Without a status filter Stripe lists every subscription that has not been canceled.
        (status === 'all' || (status === 'ended' ? ended(s) : status === null ? s.status !== 'canceled' : s.status === status)) &&
        inRange(s.created),
    );
    return applyExpand(rc, listEnvelope(rows, listQuery(p), '/v1/subscriptions', (s) => renderSubscription(rc, s)), p.expand());
  });

  app.post<{ Params: { id: string } }>('/v1/subscriptions/:id', async (req) => {
    const p = paramsOf(req).known('cancel_at_period_end', 'items', 'metadata', 'trial_end', 'cancel_at', ...IGNORED);
    const s = find(req.params.id);
    const origin = originOf(req);
    const now = state.clock.now();
    if (s.status === 'canceled' && Object.keys(p.params).some((k) => k !== 'metadata' && k !== 'cancellation_details' && k !== 'expand')) {
      throw badRequest('A canceled subscription can only update its cancellation_details and metadata.');
    }
    const items = p.list('items').map((it, i) => {
      it.known('id', 'price', 'quantity', 'metadata', 'deleted', 'clear_usage', 'price_data', 'tax_rates', 'discounts');
      const id = it.str('id');
      const index = s.items.findIndex((x) => x.id === id);
      if (!id) throw invalidParam(`items[${i}][id]`, 'The fake can only change existing items: pass items[][id].');
      if (index < 0) throw invalidParam(`items[${i}][id]`, `Subscription item ${id} is not part of subscription ${s.id}.`);
      if (it.has('deleted')) throw invalidParam(`items[${i}][deleted]`, 'The fake does not remove subscription items.');
      const priceId = it.str('price');
      const price = priceId ? state.prices.get(priceId) : undefined;
      if (priceId && !price) throw missingRef('price', priceId, `items[${i}][price]`);
      if (price && !price.recurring) throw invalidParam(`items[${i}][price]`, 'The price must be recurring.');
      if (price && price.currency !== s.currency) throw invalidParam(`items[${i}][price]`, 'The price must use the currency of the subscription.');
      return { index, price: priceId, quantity: it.int('quantity'), metadata: it.has('metadata') ? it.metadata('metadata', s.items[index]?.metadata) : null };
    });
    const trialEnd = p.str('trial_end');
    if (trialEnd !== null && trialEnd !== 'now' && !/^\d+$/.test(trialEnd)) throw invalidParam('trial_end', `Invalid timestamp: must be an integer Unix timestamp in the future or "now".`);
    billing.updateSubscription(s, now, origin, () => {
      s.metadata = p.metadata('metadata', s.metadata);
      for (const it of items) {
        const item = s.items[it.index];
        if (!item) continue;
        if (it.price) item.price = it.price;
        if (it.quantity !== null) item.quantity = it.quantity;
        if (it.metadata) item.metadata = it.metadata;
      }
      const cap = p.bool('cancel_at_period_end');
      if (cap !== null) {
        s.cancelAtPeriodEnd = cap;
        s.cancelAt = cap ? s.currentPeriodEnd : null;
        s.canceledAt = cap ? now : null;
        s.cancellationReason = cap ? 'cancellation_requested' : null;
      }
      if (trialEnd !== null && s.status === 'trialing') {
        const end = trialEnd === 'now' ? now : Number(trialEnd);
        s.trialEnd = end;
        s.currentPeriodEnd = end;
        s.billingCycleAnchor = end;
      }
    });
    // trial_end=now ends the trial in this request: the renewal invoice is charged before we answer.
    if (trialEnd !== null) runDue(billing, now);
    return applyExpand(rc, renderSubscription(rc, s), p.expand());
  });

  app.delete<{ Params: { id: string } }>('/v1/subscriptions/:id', async (req) => {
    const p = paramsOf(req).known('invoice_now', 'prorate', 'cancellation_details');
    const s = find(req.params.id);
    if (s.status === 'canceled') throw badRequest('This subscription has already been canceled.');
    billing.cancelNow(s, state.clock.now(), originOf(req), 'cancellation_requested');
    return applyExpand(rc, renderSubscription(rc, s), p.expand());
  });
}
