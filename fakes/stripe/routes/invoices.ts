// /v1/invoices: retrieve, list, pay. Invoices are made by the billing engine (Checkout, renewals).
import type { FastifyInstance } from 'fastify';
import type { FakeStripeContext } from '../context.js';
import { badRequest, cardDeclined, noSuch } from '../errors.js';
import { applyExpand, listEnvelope } from '../expand.js';
import { createdFilter, listQuery, originOf, paramsOf } from '../http.js';
import { renderInvoice } from '../render-billing.js';

export function registerInvoiceRoutes(app: FastifyInstance, ctx: FakeStripeContext): void {
  const { state, billing, rc } = ctx;

  app.get<{ Params: { id: string } }>('/v1/invoices/:id', async (req) => {
    const p = paramsOf(req).known();
    const inv = state.invoices.get(req.params.id);
    if (!inv) throw noSuch('invoice', req.params.id, 'invoice');
    return applyExpand(rc, renderInvoice(rc, inv), p.expand());
  });

  app.get('/v1/invoices', async (req) => {
    const p = paramsOf(req).known('customer', 'subscription', 'status', 'collection_method', 'limit', 'starting_after', 'ending_before', 'created', 'due_date');
    const customer = p.str('customer');
    const subscription = p.str('subscription');
    const status = p.oneOf('status', ['draft', 'open', 'paid', 'uncollectible', 'void'] as const);
    const inRange = createdFilter(p);
    const rows = [...state.invoices.values()].filter(
      (i) => (customer === null || i.customer === customer) && (subscription === null || i.subscription === subscription) && (status === null || i.status === status) && inRange(i.created),
    );
    return applyExpand(rc, listEnvelope(rows, listQuery(p), '/v1/invoices', (i) => renderInvoice(rc, i)), p.expand());
  });

  app.post<{ Params: { id: string } }>('/v1/invoices/:id/pay', async (req) => {
    const p = paramsOf(req).known('paid_out_of_band', 'forgive', 'off_session', 'payment_method', 'source', 'mandate');
    const inv = state.invoices.get(req.params.id);
    if (!inv) throw noSuch('invoice', req.params.id, 'invoice');
    if (inv.status === 'paid') throw badRequest('Invoice is already paid');
    if (inv.status !== 'open') throw badRequest(`You can only pay an open invoice. This invoice is ${inv.status}.`);
    const now = state.clock.now();
    if (p.bool('paid_out_of_band')) billing.markPaid(inv, now, originOf(req), true);
    else if (!billing.attemptPayment(inv, now, originOf(req), 'manual')) {
      // The failed attempt (attempt_count, invoice.payment_failed) stays; the caller gets a 402.
      state.changed();
      throw cardDeclined();
    }
    return applyExpand(rc, renderInvoice(rc, inv), p.expand());
  });
}
