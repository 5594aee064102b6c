// The hosted customer portal (`GET /portal/bps_…`): the customer's subscriptions with "Switch to
// <plan>", "Cancel subscription" (at period end), "Renew subscription", "Cancel now", the card
// ("Use a card that declines" / "Use a working card"), open invoices, and "Return to <business>".
// Every action is a POST that redirects back here (post/redirect/get), so reloads do not repeat it.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { LIVE_STATUSES } from '../billing.js';
import type { FakeStripeContext } from '../context.js';
import type { PortalSessionRecord, PriceRecord, SubscriptionRecord } from '../types.js';
import { actionButton, date, esc, money, priceLabel, sendPage } from './html.js';

type Body = Record<string, string | undefined>;

export function registerPortalPage(app: FastifyInstance, ctx: FakeStripeContext): void {
  const { state, billing } = ctx;

  /** Plans offered: active recurring prices with metadata `plan` (or all of them when none has it). */
  const plans = (currency: string): PriceRecord[] => {
    const recurring = [...state.prices.values()].filter((p) => p.active && p.recurring?.usageType === 'licensed' && p.currency === currency);
    const tagged = recurring.filter((p) => p.metadata['plan'] !== undefined);
    return tagged.length ? tagged : recurring;
  };
  const label = (p: PriceRecord): string => p.nickname ?? state.products.get(p.product)?.name ?? p.id;

  const subscriptionBox = (ps: PortalSessionRecord, s: SubscriptionRecord): string => {
    const price = state.prices.get(s.items[0]?.price ?? '');
    const base = `/portal/${ps.id}`;
    const fields = { subscription: s.id };
    const lines = [
      `<h2>${esc(price ? label(price) : 'Subscription')}</h2>`,
      `<p>${esc(priceLabel(price))} · status <strong>${esc(s.status)}</strong></p>`,
    ];
    if (s.status === 'trialing' && s.trialEnd) lines.push(`<p>Trial ends ${esc(date(s.trialEnd))}.</p>`);
    if (s.status === 'canceled') lines.push(`<p>Ended ${esc(date(s.endedAt))}.</p>`);
    else if (s.cancelAtPeriodEnd) lines.push(`<p class="error">Cancels on ${esc(date(s.currentPeriodEnd))}.</p>`);
    else lines.push(`<p>Renews on ${esc(date(s.currentPeriodEnd))}.</p>`);
    if (LIVE_STATUSES.has(s.status)) {
      for (const p of plans(s.currency)) {
        if (p.id !== price?.id) lines.push(actionButton(`${base}/switch`, `Switch to ${label(p)}`, { ...fields, price: p.id }));
      }
      lines.push('<br>');
      lines.push(
        s.cancelAtPeriodEnd
          ? actionButton(`${base}/renew`, 'Renew subscription', fields, 'primary')
          : actionButton(`${base}/cancel`, 'Cancel subscription', fields, 'danger'),
      );
      lines.push(actionButton(`${base}/cancel-now`, 'Cancel now', fields, 'danger'));
    }
    return `<div class="box">${lines.join('\n')}</div>`;
  };

  const render = (reply: FastifyReply, ps: PortalSessionRecord, notice: string | null): FastifyReply => {
    const customer = state.customers.get(ps.customer);
    const subs = [...state.subscriptions.values()].filter((s) => s.customer === ps.customer).reverse();
    const open = [...state.invoices.values()].filter((i) => i.customer === ps.customer && i.status === 'open');
    const card = customer?.paymentMode === 'declining' ? 'Visa ending in 0341 (this card declines)' : 'Visa ending in 4242';
    const invoices = open.length
      ? `<div class="box"><h2>Open invoices</h2>${open.map((i) => `<p><a href="/invoice/${esc(i.id)}">${esc(i.number ?? i.id)}</a> · ${esc(money(i.amountDue - i.amountPaid, i.currency))}</p>`).join('')}</div>`
      : '';
    const body = `<h1>${esc(state.config.businessName)} billing</h1>
${notice ? `<p class="ok" role="status">${esc(notice)}</p>` : ''}
<p class="muted">${esc(customer?.email ?? ps.customer)}</p>
${subs.length ? subs.map((s) => subscriptionBox(ps, s)).join('\n') : '<div class="box"><p>No subscriptions.</p></div>'}
<div class="box"><h2>Payment method</h2><p>${esc(card)}</p>
${actionButton(`/portal/${ps.id}/payment-method`, 'Use a card that declines', { mode: 'declining' })}
${actionButton(`/portal/${ps.id}/payment-method`, 'Use a working card', { mode: 'working' })}</div>
${invoices}
${actionButton(`/portal/${ps.id}/return`, `Return to ${state.config.businessName}`, {}, 'primary')}`;
    return sendPage(reply, 200, `${state.config.businessName} billing`, body);
  };

  const missing = (reply: FastifyReply) => sendPage(reply, 404, 'Not found', '<h1>This portal session does not exist.</h1>');
  const subOf = (ps: PortalSessionRecord, body: Body): SubscriptionRecord | undefined => {
    const s = state.subscriptions.get(body['subscription'] ?? '');
    return s && s.customer === ps.customer ? s : undefined;
  };
  const back = (reply: FastifyReply, ps: PortalSessionRecord, notice: string) => {
    state.changed();
    return reply.redirect(`/portal/${ps.id}?notice=${encodeURIComponent(notice)}`, 303);
  };

  app.get<{ Params: { id: string }; Querystring: { notice?: string } }>('/portal/:id', async (req, reply) => {
    const ps = state.portalSessions.get(req.params.id);
    if (!ps) return missing(reply);
    return render(reply, ps, typeof req.query.notice === 'string' ? req.query.notice : null);
  });

  app.post<{ Params: { id: string; action: string }; Body: Body }>('/portal/:id/:action', async (req, reply) => {
    const ps = state.portalSessions.get(req.params.id);
    if (!ps) return missing(reply);
    const body = (req.body ?? {}) as Body;
    const now = state.clock.now();
    const customer = state.customers.get(ps.customer);
    switch (req.params.action) {
      case 'return':
        return ps.returnUrl ? reply.redirect(ps.returnUrl, 303) : sendPage(reply, 200, 'Done', '<h1>You can close this page.</h1>');
      case 'payment-method': {
        const mode = body['mode'] === 'declining' ? 'declining' : 'working';
        if (customer) billing.setPaymentMode(customer, mode, now, null, true);
        return back(reply, ps, mode === 'working' ? 'Your card was updated.' : 'Your card was updated (it will be declined).');
      }
    }
    const s = subOf(ps, body);
    if (!s || !LIVE_STATUSES.has(s.status)) return sendPage(reply, 400, 'Not possible', '<h1>That subscription cannot be changed.</h1>');
    switch (req.params.action) {
      case 'switch': {
        const price = state.prices.get(body['price'] ?? '');
        if (!price || !plans(s.currency).includes(price)) return sendPage(reply, 400, 'Not possible', '<h1>That plan is not available.</h1>');
        billing.changePrice(s, 0, price.id, null, now, null);
        return back(reply, ps, `Switched to ${label(price)}.`);
      }
      case 'cancel':
        billing.setCancelAtPeriodEnd(s, true, now, null);
        return back(reply, ps, `Your subscription will end on ${date(s.currentPeriodEnd)}.`);
      case 'renew':
        billing.setCancelAtPeriodEnd(s, false, now, null);
        return back(reply, ps, 'Your subscription will renew.');
      case 'cancel-now':
        billing.cancelNow(s, now, null, 'cancellation_requested');
        return back(reply, ps, 'Your subscription was canceled.');
      default:
        return sendPage(reply, 404, 'Not found', `<h1>Unknown action ${esc(req.params.action)}</h1>`);
    }
  });

}
