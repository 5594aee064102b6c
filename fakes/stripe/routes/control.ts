// Control API, part 1: reset, configuration, the billing clock, cards, invoices, subscriptions,
// Checkout completion, meter events, events, state dump, idle. JSON in and out, validated with zod.
// Not part of Stripe's API; no authentication (loopback use only).
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { LIVE_STATUSES } from '../billing.js';
import { runDue } from '../billing-clock.js';
import { completeCheckout } from '../checkout-flow.js';
import type { FakeStripeContext } from '../context.js';
import { ControlError } from '../errors.js';
import { renderInvoice, renderSubscription } from '../render-billing.js';
import { renderCustomer, renderEvent } from '../render.js';
import { parseControl } from './control-parse.js';
import { typeMatches } from './events.js';
import { applyConfigPatch, configPatch } from './control-webhooks.js';

const advance = z
  .object({ seconds: z.number().min(0).optional(), minutes: z.number().min(0).optional(), hours: z.number().min(0).optional(), days: z.number().min(0).optional(), to: z.number().int().optional() })
  .refine((b) => Object.keys(b).length > 0, 'give seconds, minutes, hours, days or to (unix seconds)');
const paymentMethod = z.object({ mode: z.enum(['working', 'declining']), payOpenInvoices: z.boolean().default(false) });
const idParam = z.object({ id: z.string() });
const completeBody = z.object({ outcome: z.enum(['pay', 'decline']).default('pay') });
const meterQuery = z.object({ customer: z.string().optional(), eventName: z.string().optional() });
const eventsQuery = z.object({ type: z.string().optional() });

export function registerControlRoutes(app: FastifyInstance, ctx: FakeStripeContext): void {
  const { state, billing, webhooks, rc } = ctx;
  const notFound = (what: string, id: string) => new ControlError(404, 'not_found', `No ${what} ${id}`);

  app.post('/_control/reset', async () => {
    webhooks.clear();
    ctx.idempotency.clear();
    state.reset();
    return { ok: true };
  });

  app.get('/_control/config', async () => ({ ...state.config, shaping: state.shaping }));
  app.patch('/_control/config', async (req) => {
    applyConfigPatch(state, parseControl(configPatch, req.body));
    state.changed();
    return { ...state.config, shaping: state.shaping };
  });

  const clockView = (processed = 0) => ({ now: state.clock.now(), iso: new Date(state.clock.nowMs()).toISOString(), offsetMs: state.clock.offsetMs, processed });
  app.get('/_control/clock', async () => clockView());
  app.post('/_control/clock/advance', async (req) => {
    const b = parseControl(advance, req.body);
    const seconds = b.to !== undefined ? b.to - state.clock.now() : (b.seconds ?? 0) + (b.minutes ?? 0) * 60 + (b.hours ?? 0) * 3600 + (b.days ?? 0) * 86_400;
    if (seconds < 0) throw new ControlError(400, 'invalid_request', 'The fake clock only moves forward.');
    state.clock.advance(Math.round(seconds * 1000));
    const processed = runDue(billing);
    state.changed();
    return clockView(processed);
  });

  app.post('/_control/customers/:id/payment-method', async (req) => {
    const { id } = parseControl(idParam, req.params);
    const c = state.customers.get(id);
    if (!c || c.deleted) throw notFound('customer', id);
    const b = parseControl(paymentMethod, req.body);
    billing.setPaymentMode(c, b.mode, state.clock.now(), null, b.payOpenInvoices);
    return renderCustomer(c);
  });

  app.post('/_control/invoices/:id/pay', async (req) => {
    const { id } = parseControl(idParam, req.params);
    const inv = state.invoices.get(id);
    if (!inv) throw notFound('invoice', id);
    if (inv.status !== 'open') throw new ControlError(409, 'conflict', `Invoice ${id} is ${inv.status}, not open`);
    billing.attemptPayment(inv, state.clock.now(), null, 'forced');
    return renderInvoice(rc, inv);
  });

  /** A failed automatic attempt now: it counts towards the retry schedule like a real one. */
  app.post('/_control/invoices/:id/fail', async (req) => {
    const { id } = parseControl(idParam, req.params);
    const inv = state.invoices.get(id);
    if (!inv) throw notFound('invoice', id);
    const customer = state.customers.get(inv.customer);
    if (inv.status !== 'open' || !customer) throw new ControlError(409, 'conflict', `Invoice ${id} is ${inv.status}, not open`);
    const mode = customer.paymentMode;
    customer.paymentMode = 'declining';
    billing.attemptPayment(inv, state.clock.now(), null, 'auto');
    customer.paymentMode = mode;
    return renderInvoice(rc, inv);
  });

  /** End the current period (or trial) now: the renewal runs as it would at period end. */
  app.post('/_control/subscriptions/:id/renew-now', async (req) => {
    const { id } = parseControl(idParam, req.params);
    const s = state.subscriptions.get(id);
    if (!s) throw notFound('subscription', id);
    if (!LIVE_STATUSES.has(s.status)) throw new ControlError(409, 'conflict', `Subscription ${id} is ${s.status}`);
    const now = state.clock.now();
    if (s.status === 'trialing') s.trialEnd = now;
    s.currentPeriodEnd = now;
    s.billingCycleAnchor = now;
    runDue(billing, now);
    return renderSubscription(rc, s);
  });

  /** The hosted page's buttons without a browser: pay (complete) or a declined card. */
  app.post('/_control/checkout/sessions/:id/complete', async (req) => {
    const { id } = parseControl(idParam, req.params);
    const cs = state.checkoutSessions.get(id);
    if (!cs) throw notFound('checkout session', id);
    if (cs.status !== 'open') throw new ControlError(409, 'conflict', `Checkout session ${id} is ${cs.status}`);
    if (parseControl(completeBody, req.body).outcome === 'decline') {
      cs.declines += 1;
      return { session: id, declined: true };
    }
    const sub = completeCheckout(billing, cs);
    return { session: id, subscription: renderSubscription(rc, sub) };
  });

  app.get('/_control/meter-events', async (req) => {
    const q = parseControl(meterQuery, req.query);
    const rows = [...state.meterEvents.values()].filter((e) => (!q.customer || e.customer === q.customer) && (!q.eventName || e.eventName === q.eventName));
    const totals = new Map<string, { customer: string; eventName: string; meter: string; value: number; count: number }>();
    for (const e of rows) {
      if (e.error || !e.customer || !e.meter) continue;
      const key = `${e.meter}|${e.customer}`;
      const t = totals.get(key) ?? { customer: e.customer, eventName: e.eventName, meter: e.meter, value: 0, count: 0 };
      t.count += 1;
      totals.set(key, t);
    }
    for (const t of totals.values()) t.value = billing.usage(t.customer, t.meter, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
    return { events: rows, totals: [...totals.values()] };
  });

  /** Every event, oldest first (the order they happened in). */
  app.get('/_control/events', async (req) => {
    const q = parseControl(eventsQuery, req.query);
    return { events: [...state.events.values()].filter((e) => !q.type || typeMatches(q.type, e.type)).map(renderEvent) };
  });

  app.get('/_control/state', async () => {
    // No secrets live in the state: the API key and webhook secret are options of the server only.
    return { ...state.snapshot(), shaping: state.shaping, heldEvents: webhooks.heldEvents(), deliveries: state.deliveries.length };
  });

  app.post('/_control/idle', async () => {
    await webhooks.idle();
    return { ok: true };
  });
}
