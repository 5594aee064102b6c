// The hosted invoice page (`hosted_invoice_url`, `GET /invoice/in_…`): amount and status, and for an
// open invoice "Pay invoice" (a card that works) or "Try a declined card".
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { FakeStripeContext } from '../context.js';
import type { InvoiceRecord } from '../types.js';
import { actionButton, date, esc, money, sendPage } from './html.js';

export function registerInvoicePage(app: FastifyInstance, ctx: FakeStripeContext): void {
  const { state, billing } = ctx;

  const render = (reply: FastifyReply, inv: InvoiceRecord, status = 200, error?: string): FastifyReply => {
    const actions =
      inv.status === 'open'
        ? `${actionButton(`/invoice/${inv.id}/pay`, 'Pay invoice', {}, 'primary')}${actionButton(`/invoice/${inv.id}/decline`, 'Try a declined card')}`
        : '';
    const lines = inv.lines.map((l) => `<tr><td>${esc(l.description)}</td><td class="r">${esc(money(l.amount, inv.currency))}</td></tr>`).join('');
    const body = `<h1>Invoice ${esc(inv.number ?? inv.id)} from ${esc(state.config.businessName)}</h1>
${error ? `<p class="error" role="alert">${esc(error)}</p>` : ''}
<div class="box"><table>${lines}</table>
<p><strong>${esc(money(inv.amountDue, inv.currency))}</strong> · status <strong>${esc(inv.status)}</strong></p>
<p class="muted">Period ${esc(date(inv.periodStart))} – ${esc(date(inv.periodEnd))}</p></div>
${actions}`;
    return sendPage(reply, status, `Invoice ${inv.number ?? inv.id}`, body);
  };
  const missing = (reply: FastifyReply) => sendPage(reply, 404, 'Not found', '<h1>This invoice does not exist.</h1>');

  app.get<{ Params: { id: string } }>('/invoice/:id', async (req, reply) => {
    const inv = state.invoices.get(req.params.id);
    return inv ? render(reply, inv) : missing(reply);
  });

  app.post<{ Params: { id: string } }>('/invoice/:id/pay', async (req, reply) => {
    const inv = state.invoices.get(req.params.id);
    if (!inv) return missing(reply);
    // The customer typed in a card that works for this payment.
    billing.attemptPayment(inv, state.clock.now(), null, 'forced');
    state.changed();
    return reply.redirect(`/invoice/${inv.id}`, 303);
  });

  app.post<{ Params: { id: string } }>('/invoice/:id/decline', async (req, reply) => {
    const inv = state.invoices.get(req.params.id);
    if (!inv) return missing(reply);
    const customer = state.customers.get(inv.customer);
    if (inv.status === 'open' && customer) {
      const mode = customer.paymentMode;
      customer.paymentMode = 'declining';
      billing.attemptPayment(inv, state.clock.now(), null, 'manual');
      customer.paymentMode = mode;
      state.changed();
    }
    return render(reply, inv, 402, 'Your card was declined.');
  });
}
