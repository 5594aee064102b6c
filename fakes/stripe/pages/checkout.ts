// The hosted Checkout page (`GET /pay/cs_…`): "Pay" completes the session and redirects to
// success_url; "Try a declined card" shows Stripe's decline message and leaves the session open;
// "Cancel" goes back to cancel_url.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { completeCheckout, successRedirect } from '../checkout-flow.js';
import type { FakeStripeContext } from '../context.js';
import type { CheckoutSessionRecord } from '../types.js';
import { actionButton, date, esc, money, priceLabel, sendPage } from './html.js';

export function registerCheckoutPage(app: FastifyInstance, ctx: FakeStripeContext): void {
  const { state } = ctx;

  const render = (reply: FastifyReply, cs: CheckoutSessionRecord, status = 200, error?: string): FastifyReply => {
    const title = `Subscribe · ${state.config.businessName}`;
    if (cs.status !== 'open') {
      const next = cs.status === 'complete' ? successRedirect(cs) : cs.cancelUrl;
      const link = next ? `<p><a href="${esc(next)}">Continue</a></p>` : '';
      return sendPage(reply, cs.status === 'expired' ? 410 : 200, title, `<h1>This checkout session is ${esc(cs.status)}.</h1>${link}`);
    }
    const email = cs.customer ? state.customers.get(cs.customer)?.email : cs.customerEmail;
    const rows = cs.lineItems
      .map((li) => {
        const price = state.prices.get(li.price);
        const product = price ? state.products.get(price.product) : undefined;
        const name = product?.name ?? price?.nickname ?? li.price;
        return `<tr><td>${esc(name)}${li.quantity && li.quantity > 1 ? ` × ${li.quantity}` : ''}</td><td class="r">${esc(priceLabel(price))}</td></tr>`;
      })
      .join('');
    const trialEnd = cs.trialEnd ?? (cs.trialPeriodDays ? state.clock.now() + cs.trialPeriodDays * 86_400 : null);
    const trial = trialEnd ? `<p class="ok">Free trial until ${esc(date(trialEnd))}: nothing is charged today.</p>` : '';
    // No other button name contains "Pay" (hence "Try a declined card"): Playwright matches accessible
    // names by substring unless `exact`, so getByRole('button', { name: 'Pay' }) must find one button.
    const body = `<h1>Subscribe to ${esc(state.config.businessName)}</h1>
${error ? `<p class="error" role="alert">${esc(error)}</p>` : ''}
<div class="box"><table>${rows}</table>
<p><strong>Due today: ${esc(money(trialEnd ? 0 : cs.amountTotal, cs.currency))}</strong></p>${trial}
${email ? `<p class="muted">Email: ${esc(email)}</p>` : ''}</div>
${actionButton(`/pay/${cs.id}/pay`, 'Pay', {}, 'primary')}
${actionButton(`/pay/${cs.id}/decline`, 'Try a declined card')}
${actionButton(`/pay/${cs.id}/cancel`, 'Cancel')}`;
    return sendPage(reply, status, title, body);
  };

  const find = (id: string): CheckoutSessionRecord | undefined => state.checkoutSessions.get(id);
  const missing = (reply: FastifyReply) => sendPage(reply, 404, 'Not found', '<h1>Something went wrong</h1><p>This checkout session does not exist.</p>');

  app.get<{ Params: { id: string } }>('/pay/:id', async (req, reply) => {
    const cs = find(req.params.id);
    return cs ? render(reply, cs) : missing(reply);
  });

  app.post<{ Params: { id: string } }>('/pay/:id/pay', async (req, reply) => {
    const cs = find(req.params.id);
    if (!cs) return missing(reply);
    if (cs.status !== 'open') return render(reply, cs, 409);
    completeCheckout(ctx.billing, cs);
    const next = successRedirect(cs);
    if (next) return reply.redirect(next, 303);
    return sendPage(reply, 200, 'Thank you', `<h1>Thanks for subscribing to ${esc(state.config.businessName)}</h1>`);
  });

  app.post<{ Params: { id: string } }>('/pay/:id/decline', async (req, reply) => {
    const cs = find(req.params.id);
    if (!cs) return missing(reply);
    if (cs.status !== 'open') return render(reply, cs, 409);
    cs.declines += 1;
    state.changed();
    return render(reply, cs, 402, 'Your card was declined. Try a different card.');
  });

  app.post<{ Params: { id: string } }>('/pay/:id/cancel', async (req, reply) => {
    const cs = find(req.params.id);
    if (!cs) return missing(reply);
    if (cs.cancelUrl) return reply.redirect(cs.cancelUrl, 303);
    return sendPage(reply, 200, 'Canceled', '<h1>Checkout canceled</h1>');
  });
}
