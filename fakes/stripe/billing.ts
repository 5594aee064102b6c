// The billing core: invoices and their payment attempts, dunning, and the subscription changes the
// API, the hosted pages and the billing clock share. Every change emits the events Stripe sends for
// it. All of it is synchronous, so one request's changes and events never interleave with another's.
import { NO_REQUEST, previousAttributes, type EventLog } from './events.js';
import { newId } from './ids.js';
import { renderInvoice, renderSubscription } from './render-billing.js';
import { renderCustomer, type RenderContext } from './render.js';
import type { FakeStripeState } from './state.js';
import type { CardMode, CustomerRecord, InvoiceLineRecord, InvoiceRecord, RequestOrigin, SubscriptionRecord } from './types.js';

const DAY = 86_400;

/** Subscriptions in these states still renew and can be charged. */
export const LIVE_STATUSES = new Set(['trialing', 'active', 'past_due', 'unpaid']);

export class Billing {
  constructor(
    readonly state: FakeStripeState,
    readonly events: EventLog,
    readonly rc: RenderContext,
  ) {}

  subJson(s: SubscriptionRecord): Record<string, unknown> {
    return renderSubscription(this.rc, s);
  }

  invJson(i: InvoiceRecord): Record<string, unknown> {
    return renderInvoice(this.rc, i);
  }

  /** Apply `change` and emit customer.subscription.updated with what it changed (if anything). */
  updateSubscription(s: SubscriptionRecord, at: number, origin: RequestOrigin | null, change: () => void): void {
    const before = this.subJson(s);
    change();
    const after = this.subJson(s);
    const prev = previousAttributes(before, after);
    if (prev) this.events.emit('customer.subscription.updated', after, origin, prev, at);
  }

  updateCustomer(c: CustomerRecord, at: number, origin: RequestOrigin | null, change: () => void): void {
    const before = renderCustomer(c);
    change();
    const after = renderCustomer(c);
    const prev = previousAttributes(before, after);
    if (prev) this.events.emit('customer.updated', after, origin, prev, at);
  }

  /** Usage recorded for a customer on a meter in [start, end), aggregated the meter's way. */
  usage(customer: string, meterId: string, start: number, end: number): number {
    const meter = this.state.meters.get(meterId);
    const rows = [...this.state.meterEvents.values()].filter(
      (e) => e.meter === meterId && e.customer === customer && e.error === null && e.timestamp >= start && e.timestamp < end,
    );
    if (!meter || rows.length === 0) return 0;
    if (meter.formula === 'count') return rows.length;
    if (meter.formula === 'last') return [...rows].sort((a, b) => a.timestamp - b.timestamp)[rows.length - 1]?.value ?? 0;
    return rows.reduce((sum, e) => sum + (e.value ?? 0), 0);
  }

  /** An invoice line for one subscription item; metered items bill the usage of [start, end). */
  line(s: SubscriptionRecord, itemIndex: number, start: number, end: number, opts: { trial?: boolean; usageFrom?: [number, number] }): InvoiceLineRecord {
    const item = s.items[itemIndex];
    if (!item) throw new Error(`subscription ${s.id} has no item ${itemIndex}`);
    const price = this.state.prices.get(item.price);
    const product = price ? this.state.products.get(price.product) : undefined;
    const unit = price?.unitAmount ?? 0;
    const name = product?.name ?? price?.nickname ?? item.price;
    let quantity = item.quantity ?? 1;
    if (price?.recurring?.usageType === 'metered') {
      const [from, to] = opts.usageFrom ?? [start, start];
      quantity = price.recurring.meter && !opts.trial ? this.usage(s.customer, price.recurring.meter, from, to) : 0;
    }
    const amount = opts.trial ? 0 : unit * quantity;
    const money = `${(unit / 100).toFixed(2)} ${(price?.currency ?? 'usd').toUpperCase()}`;
    const description = opts.trial ? `Trial period for ${name}` : `${quantity} × ${name} (at ${money} / ${price?.recurring?.interval ?? 'unit'})`;
    return { id: newId('il'), price: item.price, subscriptionItem: item.id, quantity, amount, periodStart: start, periodEnd: end, description };
  }

  /** Create an invoice for a subscription and finalize it at once (invoice.created, invoice.finalized). */
  invoice(s: SubscriptionRecord, reason: InvoiceRecord['billingReason'], lines: InvoiceLineRecord[], at: number, origin: RequestOrigin | null): InvoiceRecord {
    const customer = this.state.customers.get(s.customer);
    const inv: InvoiceRecord = {
      id: newId('in'),
      number: null,
      created: at,
      customer: s.customer,
      subscription: s.id,
      status: 'draft',
      billingReason: reason,
      currency: s.currency,
      lines,
      amountDue: lines.reduce((sum, l) => sum + l.amount, 0),
      amountPaid: 0,
      attemptCount: 0,
      autoAttempts: 0,
      attempted: false,
      nextPaymentAttempt: null,
      periodStart: lines[0]?.periodStart ?? at,
      periodEnd: lines[0]?.periodEnd ?? at,
      finalizedAt: null,
      paidAt: null,
      voidedAt: null,
      paidOutOfBand: false,
      metadata: {},
    };
    this.state.invoices.set(inv.id, inv);
    s.latestInvoice = inv.id;
    this.events.emit('invoice.created', this.invJson(inv), origin, null, at);
    // Stripe finalizes renewal invoices about an hour later; the fake finalizes at once.
    inv.status = 'open';
    inv.finalizedAt = at;
    if (customer) {
      inv.number = `${customer.invoicePrefix}-${String(customer.nextInvoiceNumber).padStart(4, '0')}`;
      customer.nextInvoiceNumber += 1;
    }
    this.events.emit('invoice.finalized', this.invJson(inv), origin, null, at);
    return inv;
  }

  /**
   * Charge an open invoice to the customer's card. `auto` attempts follow the retry schedule,
   * `manual` ones (POST /v1/invoices/:id/pay) only count, `forced` ones always succeed (control API).
   */
  attemptPayment(inv: InvoiceRecord, at: number, origin: RequestOrigin | null, kind: 'auto' | 'manual' | 'forced'): boolean {
    if (inv.status !== 'open') return inv.status === 'paid';
    if (inv.amountDue === 0) {
      // Nothing to charge: Stripe marks a $0 invoice attempted and paid without a charge.
      inv.attempted = true;
      this.markPaid(inv, at, origin);
      return true;
    }
    const customer = this.state.customers.get(inv.customer);
    const ok = kind === 'forced' || customer?.paymentMode === 'working';
    inv.attemptCount += 1;
    inv.attempted = true;
    if (kind === 'auto') inv.autoAttempts += 1;
    if (ok) {
      this.markPaid(inv, at, origin);
      return true;
    }
    const schedule = this.state.config.dunning.retryDays;
    const exhausted = kind === 'auto' && inv.autoAttempts > schedule.length;
    if (kind === 'auto') inv.nextPaymentAttempt = exhausted ? null : at + (schedule[inv.autoAttempts - 1] ?? 0) * DAY;
    this.events.emit('invoice.payment_failed', this.invJson(inv), origin, null, at);
    const sub = inv.subscription ? this.state.subscriptions.get(inv.subscription) : undefined;
    if (!sub) return false;
    if (sub.status === 'active' || sub.status === 'trialing') {
      this.updateSubscription(sub, at, origin, () => {
        sub.status = 'past_due';
      });
    }
    if (exhausted) this.afterFinalFailure(sub, at);
    return false;
  }

  markPaid(inv: InvoiceRecord, at: number, origin: RequestOrigin | null, outOfBand = false): void {
    inv.status = 'paid';
    inv.amountPaid = inv.amountDue;
    inv.paidAt = at;
    inv.nextPaymentAttempt = null;
    inv.paidOutOfBand = outOfBand;
    this.events.emit('invoice.paid', this.invJson(inv), origin, null, at);
    if (!outOfBand) this.events.emit('invoice.payment_succeeded', this.invJson(inv), origin, null, at);
    const sub = inv.subscription ? this.state.subscriptions.get(inv.subscription) : undefined;
    if (!sub || !(sub.status === 'past_due' || sub.status === 'unpaid' || sub.status === 'incomplete')) return;
    const stillOpen = [...this.state.invoices.values()].some((i) => i.subscription === sub.id && i.status === 'open' && i.amountDue > 0);
    if (!stillOpen) {
      this.updateSubscription(sub, at, origin, () => {
        sub.status = 'active';
      });
    }
  }

  /** Stripe's "if all retries for a payment fail" setting (default: cancel the subscription). */
  private afterFinalFailure(sub: SubscriptionRecord, at: number): void {
    const action = this.state.config.dunning.afterFinalFailure;
    if (action === 'cancel') this.cancelNow(sub, at, NO_REQUEST, 'payment_failed');
    else if (action === 'unpaid') {
      this.updateSubscription(sub, at, NO_REQUEST, () => {
        sub.status = 'unpaid';
      });
    }
  }

  /** End a subscription now (customer.subscription.deleted); its open invoices stop being retried. */
  cancelNow(sub: SubscriptionRecord, at: number, origin: RequestOrigin | null, reason: SubscriptionRecord['cancellationReason'], requestedAt = at): void {
    sub.status = 'canceled';
    sub.canceledAt = requestedAt;
    sub.endedAt = at;
    sub.cancellationReason = reason;
    for (const inv of this.state.invoices.values()) {
      if (inv.subscription === sub.id && inv.status === 'open') inv.nextPaymentAttempt = null;
    }
    this.events.emit('customer.subscription.deleted', this.subJson(sub), origin, null, at);
  }

  setCancelAtPeriodEnd(sub: SubscriptionRecord, flag: boolean, at: number, origin: RequestOrigin | null): void {
    this.updateSubscription(sub, at, origin, () => {
      sub.cancelAtPeriodEnd = flag;
      sub.cancelAt = flag ? sub.currentPeriodEnd : null;
      // Stripe sets canceled_at when the cancellation is requested, not when the period ends.
      sub.canceledAt = flag ? at : null;
      sub.cancellationReason = flag ? 'cancellation_requested' : null;
    });
  }

  /** Swap an item's price (no proration: the new amount applies from the next invoice). */
  changePrice(sub: SubscriptionRecord, itemIndex: number, priceId: string, quantity: number | null, at: number, origin: RequestOrigin | null): void {
    this.updateSubscription(sub, at, origin, () => {
      const item = sub.items[itemIndex];
      if (!item) return;
      item.price = priceId;
      if (quantity !== null) item.quantity = quantity;
    });
  }

  /**
   * The customer's card from now on. With `payOpen` (the portal does this, see README) a working card
   * is charged at once for the open invoices of live subscriptions.
   */
  setPaymentMode(c: CustomerRecord, mode: CardMode, at: number, origin: RequestOrigin | null, payOpen = false): void {
    this.updateCustomer(c, at, origin, () => {
      c.paymentMode = mode;
      c.defaultPaymentMethod = newId('pm');
    });
    if (mode !== 'working' || !payOpen) return;
    for (const inv of [...this.state.invoices.values()]) {
      const sub = inv.subscription ? this.state.subscriptions.get(inv.subscription) : undefined;
      if (inv.customer === c.id && inv.status === 'open' && sub && LIVE_STATUSES.has(sub.status)) this.attemptPayment(inv, at, origin, 'manual');
    }
  }
}
