// The billing clock: whatever falls due on the fake clock happens, in time order, stamped with the
// moment it was due (so advancing 40 days renews a monthly subscription once at day 30, then retries
// a failed payment at day 33, and so on). Due work: Checkout sessions expiring, trial_will_end three
// days before a trial ends, period ends (renew, or cancel when cancel_at_period_end), payment retries.
import type { Billing } from './billing.js';
import { LIVE_STATUSES } from './billing.js';
import { NO_REQUEST } from './events.js';
import { renderCheckoutSession } from './render.js';
import type { Interval, SubscriptionRecord } from './types.js';

const DAY = 86_400;

/** The end of the period that starts at `start`, keeping the anchor's day of month (clamped). */
export function nextPeriodEnd(start: number, anchor: number, interval: Interval, count: number): number {
  if (interval === 'day') return start + count * DAY;
  if (interval === 'week') return start + count * 7 * DAY;
  const s = new Date(start * 1000);
  const a = new Date(anchor * 1000);
  const months = interval === 'month' ? count : count * 12;
  const y = s.getUTCFullYear();
  const m = s.getUTCMonth() + months;
  const lastDay = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  const day = Math.min(a.getUTCDate(), lastDay);
  return Math.floor(Date.UTC(y, m, day, a.getUTCHours(), a.getUTCMinutes(), a.getUTCSeconds()) / 1000);
}

/** The subscription's billing interval: its first licensed item's, else its first item's. */
export function subscriptionInterval(b: Billing, s: SubscriptionRecord): { interval: Interval; count: number } {
  const prices = s.items.map((it) => b.state.prices.get(it.price));
  const p = prices.find((x) => x?.recurring?.usageType === 'licensed') ?? prices[0];
  return { interval: p?.recurring?.interval ?? 'month', count: p?.recurring?.intervalCount ?? 1 };
}

/** Period end: cancel (cancel_at_period_end) or start the next period, invoice it and charge it. */
export function renew(b: Billing, s: SubscriptionRecord, at: number): void {
  if (s.cancelAtPeriodEnd) {
    b.cancelNow(s, at, NO_REQUEST, 'cancellation_requested', s.canceledAt ?? at);
    return;
  }
  const { interval, count } = subscriptionInterval(b, s);
  const oldStart = s.currentPeriodStart;
  const wasTrialing = s.status === 'trialing';
  const newEnd = nextPeriodEnd(at, s.billingCycleAnchor, interval, count);
  b.updateSubscription(s, at, NO_REQUEST, () => {
    s.currentPeriodStart = at;
    s.currentPeriodEnd = newEnd;
    if (wasTrialing) s.status = 'active';
  });
  // Licensed items are billed in advance for the new period; metered ones in arrears for the old one
  // (usage during a trial is free).
  const lines = s.items.map((_, i) => b.line(s, i, at, newEnd, { usageFrom: wasTrialing ? [at, at] : [oldStart, at] }));
  const inv = b.invoice(s, 'subscription_cycle', lines, at, NO_REQUEST);
  // An unpaid subscription keeps invoicing, but the invoices are not charged automatically.
  if (s.status !== 'unpaid') b.attemptPayment(inv, at, NO_REQUEST, 'auto');
}

interface Due {
  at: number;
  run: () => void;
}

function collect(b: Billing, now: number): Due[] {
  const st = b.state;
  const due: Due[] = [];
  for (const cs of st.checkoutSessions.values()) {
    if (cs.status === 'open' && cs.expiresAt <= now) due.push({ at: cs.expiresAt, run: () => expireSession(b, cs.id, cs.expiresAt) });
  }
  for (const s of st.subscriptions.values()) {
    if (!LIVE_STATUSES.has(s.status)) continue;
    if (s.status === 'trialing' && s.trialEnd !== null && !s.trialWillEndSent) {
      const at = Math.max(s.trialEnd - 3 * DAY, s.created);
      if (at <= now) {
        due.push({
          at,
          run: () => {
            s.trialWillEndSent = true;
            b.events.emit('customer.subscription.trial_will_end', b.subJson(s), NO_REQUEST, null, at);
          },
        });
      }
    }
    if (s.currentPeriodEnd <= now) due.push({ at: s.currentPeriodEnd, run: () => renew(b, s, s.currentPeriodEnd) });
  }
  for (const inv of st.invoices.values()) {
    const sub = inv.subscription ? st.subscriptions.get(inv.subscription) : undefined;
    if (inv.status !== 'open' || inv.nextPaymentAttempt === null || inv.nextPaymentAttempt > now) continue;
    if (sub && !LIVE_STATUSES.has(sub.status)) continue;
    const at = inv.nextPaymentAttempt;
    due.push({ at, run: () => b.attemptPayment(inv, at, NO_REQUEST, 'auto') });
  }
  return due;
}

export function expireSession(b: Billing, id: string, at: number, origin = NO_REQUEST): void {
  const cs = b.state.checkoutSessions.get(id);
  if (!cs || cs.status !== 'open') return;
  cs.status = 'expired';
  b.events.emit('checkout.session.expired', renderCheckoutSession(b.rc, cs), origin, null, at);
}

/**
 * Run everything due up to `now`, earliest first. Returns how many steps ran. The step bound only
 * guards against a bug looping forever; a year of daily renewals is far below it.
 */
export function runDue(b: Billing, now = b.state.clock.now()): number {
  let steps = 0;
  for (; steps < 100_000; steps++) {
    const due = collect(b, now);
    if (due.length === 0) break;
    due.sort((x, y) => x.at - y.at);
    (due[0] as Due).run();
  }
  if (steps > 0) b.state.changed();
  return steps;
}
