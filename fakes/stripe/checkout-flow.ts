// What happens when the customer presses "Pay" on the hosted Checkout page: a customer (unless the
// session named one), the subscription, its first invoice and payment, then checkout.session.completed,
// in the order Stripe sends those events. Without a trial the subscription is created `incomplete` and
// becomes `active` once the first invoice is paid, as on Stripe.
import { randomBytes } from 'node:crypto';
import type { Billing } from './billing.js';
import { nextPeriodEnd, subscriptionInterval } from './billing-clock.js';
import { NO_REQUEST } from './events.js';
import { newId } from './ids.js';
import { renderCheckoutSession, renderCustomer } from './render.js';
import type { FakeStripeState } from './state.js';
import type { CheckoutSessionRecord, CustomerRecord, Metadata, RequestOrigin, SubscriptionRecord } from './types.js';

const DAY = 86_400;

export function createCustomerRecord(
  state: FakeStripeState,
  fields: { email: string | null; name: string | null; description?: string | null; phone?: string | null; metadata?: Metadata },
): CustomerRecord {
  const c: CustomerRecord = {
    id: newId('cus'),
    created: state.clock.now(),
    email: fields.email,
    name: fields.name,
    description: fields.description ?? null,
    phone: fields.phone ?? null,
    metadata: fields.metadata ?? {},
    defaultPaymentMethod: null,
    paymentMode: 'working',
    invoicePrefix: randomBytes(4).toString('hex').toUpperCase(),
    nextInvoiceNumber: 1,
    deleted: false,
  };
  state.customers.set(c.id, c);
  return c;
}

/** The hosted page's "Pay" (or the control API's complete). Returns the new subscription. */
export function completeCheckout(b: Billing, cs: CheckoutSessionRecord, origin: RequestOrigin = NO_REQUEST): SubscriptionRecord {
  const st = b.state;
  const at = st.clock.now();
  let customer = cs.customer ? st.customers.get(cs.customer) : undefined;
  if (!customer) {
    customer = createCustomerRecord(st, { email: cs.customerEmail, name: null });
    b.events.emit('customer.created', renderCustomer(customer), origin, null, at);
  }
  // The card just entered works; it becomes the subscription's default payment method.
  customer.paymentMode = 'working';
  const pm = newId('pm');
  const trialEnd = cs.trialEnd ?? (cs.trialPeriodDays ? at + cs.trialPeriodDays * DAY : null);
  const trialing = trialEnd !== null && trialEnd > at;
  const sub: SubscriptionRecord = {
    id: newId('sub'),
    created: at,
    customer: customer.id,
    status: trialing ? 'trialing' : 'incomplete',
    items: cs.lineItems.map((li) => ({ id: newId('si'), created: at, price: li.price, quantity: li.quantity, metadata: {} })),
    currency: cs.currency,
    startDate: at,
    billingCycleAnchor: trialing ? trialEnd : at,
    currentPeriodStart: at,
    currentPeriodEnd: at,
    trialStart: trialing ? at : null,
    trialEnd: trialing ? trialEnd : null,
    trialWillEndSent: false,
    cancelAtPeriodEnd: false,
    cancelAt: null,
    canceledAt: null,
    endedAt: null,
    cancellationReason: null,
    latestInvoice: null,
    defaultPaymentMethod: pm,
    metadata: cs.subscriptionMetadata,
  };
  const { interval, count } = subscriptionInterval(b, sub);
  sub.currentPeriodEnd = trialing ? trialEnd : nextPeriodEnd(at, at, interval, count);
  st.subscriptions.set(sub.id, sub);
  b.events.emit('customer.subscription.created', b.subJson(sub), origin, null, at);

  const lines = sub.items.map((_, i) => b.line(sub, i, at, sub.currentPeriodEnd, { trial: trialing }));
  const inv = b.invoice(sub, 'subscription_create', lines, at, origin);
  b.attemptPayment(inv, at, origin, 'forced');

  cs.status = 'complete';
  cs.customer = customer.id;
  cs.subscription = sub.id;
  cs.invoice = inv.id;
  cs.paymentStatus = inv.amountDue === 0 ? 'no_payment_required' : 'paid';
  b.events.emit('checkout.session.completed', renderCheckoutSession(b.rc, cs), origin, null, at);
  st.changed();
  return sub;
}

/** The URL the browser goes to after paying: success_url with {CHECKOUT_SESSION_ID} filled in. */
export function successRedirect(cs: CheckoutSessionRecord): string | null {
  return cs.successUrl ? cs.successUrl.split('{CHECKOUT_SESSION_ID}').join(cs.id) : null;
}
