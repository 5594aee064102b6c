// /v1/customers: create, retrieve, update, delete, list (email filter).
import type { FastifyInstance } from 'fastify';
import { createCustomerRecord } from '../checkout-flow.js';
import type { FakeStripeContext } from '../context.js';
import { noSuch } from '../errors.js';
import { applyExpand, listEnvelope } from '../expand.js';
import { createdFilter, listQuery, originOf, paramsOf } from '../http.js';
import { renderCustomer } from '../render.js';
import type { CustomerRecord } from '../types.js';

/** Fields accepted and ignored (the fake has no tax, address or invoice settings model). */
const IGNORED = ['address', 'shipping', 'preferred_locales', 'tax', 'tax_exempt', 'tax_id_data', 'invoice_settings', 'payment_method', 'test_clock', 'balance', 'next_invoice_sequence', 'invoice_prefix', 'source', 'promotion_code', 'coupon', 'cash_balance'];

export function customerOr404(ctx: FakeStripeContext, id: string, param = 'id'): CustomerRecord {
  const c = ctx.state.customers.get(id);
  if (!c || c.deleted) throw noSuch('customer', id, param);
  return c;
}

export function registerCustomerRoutes(app: FastifyInstance, ctx: FakeStripeContext): void {
  const { state, events, rc } = ctx;

  app.post('/v1/customers', async (req) => {
    const p = paramsOf(req).known('email', 'name', 'description', 'phone', 'metadata', ...IGNORED);
    const c = createCustomerRecord(state, {
      email: p.str('email'),
      name: p.str('name'),
      description: p.str('description'),
      phone: p.str('phone'),
      metadata: p.metadata(),
    });
    const json = renderCustomer(c);
    events.emit('customer.created', json, originOf(req));
    return applyExpand(rc, json, p.expand());
  });

  app.get<{ Params: { id: string } }>('/v1/customers/:id', async (req) => {
    const p = paramsOf(req).known();
    const c = state.customers.get(req.params.id);
    if (!c) throw noSuch('customer', req.params.id);
    // A deleted customer is still retrievable, as `{id, object, deleted: true}`.
    return applyExpand(rc, renderCustomer(c), c.deleted ? [] : p.expand());
  });

  app.post<{ Params: { id: string } }>('/v1/customers/:id', async (req) => {
    const p = paramsOf(req).known('email', 'name', 'description', 'phone', 'metadata', ...IGNORED);
    const c = customerOr404(ctx, req.params.id);
    ctx.billing.updateCustomer(c, state.clock.now(), originOf(req), () => {
      if (p.has('email')) c.email = p.str('email');
      if (p.has('name')) c.name = p.str('name');
      if (p.has('description')) c.description = p.str('description');
      if (p.has('phone')) c.phone = p.str('phone');
      c.metadata = p.metadata('metadata', c.metadata);
    });
    return applyExpand(rc, renderCustomer(c), p.expand());
  });

  app.delete<{ Params: { id: string } }>('/v1/customers/:id', async (req) => {
    paramsOf(req).known();
    const c = customerOr404(ctx, req.params.id);
    const json = renderCustomer(c);
    c.deleted = true;
    // Stripe cancels a deleted customer's subscriptions at once.
    for (const s of state.subscriptions.values()) {
      if (s.customer === c.id && s.status !== 'canceled' && s.status !== 'incomplete_expired') {
        ctx.billing.cancelNow(s, state.clock.now(), originOf(req), 'cancellation_requested');
      }
    }
    events.emit('customer.deleted', json, originOf(req));
    return { id: c.id, object: 'customer', deleted: true };
  });

  app.get('/v1/customers', async (req) => {
    const p = paramsOf(req).known('email', 'limit', 'starting_after', 'ending_before', 'created', 'test_clock');
    const email = p.str('email');
    const inRange = createdFilter(p);
    const rows = [...state.customers.values()].filter((c) => !c.deleted && (email === null || c.email === email) && inRange(c.created));
    return applyExpand(rc, listEnvelope(rows, listQuery(p), '/v1/customers', renderCustomer), p.expand());
  });
}
