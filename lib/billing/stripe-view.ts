// Stripe's objects as WARA reads them: which of a customer's subscriptions is the current one, which plan
// its price is, and its period. Pure (no calls): activities/stripe.ts fetches, this decides.
import type Stripe from 'stripe';
import { priceLookupKey } from './plans.js';

/** Stripe's subscription statuses (the subscription_status enum adds our own `trial_expired`). */
export type StripeSubscriptionStatus = 'trialing' | 'active' | 'past_due' | 'unpaid' | 'canceled' | 'incomplete' | 'incomplete_expired' | 'paused';
const STATUSES: readonly string[] = ['trialing', 'active', 'past_due', 'unpaid', 'canceled', 'incomplete', 'incomplete_expired', 'paused'];

/** What WARA keeps of a Stripe subscription. */
export interface SubscriptionView {
  id: string;
  /** A status newer than this code reads as `incomplete`: not served, not ended, until the code knows it. */
  status: StripeSubscriptionStatus;
  /** The plan code of its (first) price; null when the price is not one of ours. */
  planCode: string | null;
  currentPeriodStart: Date | null;
  currentPeriodEnd: Date | null;
  cancelAtPeriodEnd: boolean;
  /** Why Stripe ended it (`payment_failed` when dunning gave up), when it did. */
  endedBecause: string | null;
}

export interface InvoiceView {
  id: string;
  subscriptionId: string | null;
  number: string | null;
  status: string;
  amountDue: number;
  amountPaid: number;
  currency: string;
  hostedInvoiceUrl: string | null;
  periodStart: Date | null;
  periodEnd: Date | null;
  created: Date;
}

/** Statuses in which a subscription still stands (served, or waiting on a payment). */
const STANDING: ReadonlySet<string> = new Set(['trialing', 'active', 'past_due', 'unpaid', 'paused', 'incomplete']);

/**
 * The subscription that decides the tenant's plan: the newest one still standing, else the newest of all
 * (ended), else none. Never the order webhooks arrived in: always what Stripe says now.
 */
export function currentSubscription(subscriptions: readonly Stripe.Subscription[]): Stripe.Subscription | null {
  const newestFirst = [...subscriptions].sort((a, b) => b.created - a.created || (a.id < b.id ? 1 : -1));
  return newestFirst.find((s) => STANDING.has(s.status)) ?? newestFirst[0] ?? null;
}

/** A plan code from a price: its `plan` metadata, else its lookup key (`wara_<code>_monthly`). */
export function planCodeOfPrice(price: Pick<Stripe.Price, 'metadata' | 'lookup_key'> | null | undefined, knownCodes: readonly string[]): string | null {
  if (!price) return null;
  const fromMetadata = price.metadata?.['plan'];
  if (fromMetadata && knownCodes.includes(fromMetadata)) return fromMetadata;
  return knownCodes.find((code) => priceLookupKey(code) === price.lookup_key) ?? null;
}

export function subscriptionView(sub: Stripe.Subscription, knownCodes: readonly string[]): SubscriptionView {
  const item = sub.items.data[0];
  // API versions since 2025-03 keep the period on the item; older ones (and some tools) on the subscription.
  const legacy = sub as unknown as { current_period_start?: number; current_period_end?: number };
  const start = item?.current_period_start ?? legacy.current_period_start ?? null;
  const end = item?.current_period_end ?? legacy.current_period_end ?? null;
  return {
    id: sub.id,
    status: STATUSES.includes(sub.status) ? (sub.status as StripeSubscriptionStatus) : 'incomplete',
    planCode: planCodeOfPrice(item?.price, knownCodes),
    currentPeriodStart: start === null ? null : new Date(start * 1000),
    currentPeriodEnd: end === null ? null : new Date(end * 1000),
    cancelAtPeriodEnd: sub.cancel_at_period_end,
    endedBecause: sub.cancellation_details?.reason ?? null,
  };
}

export function invoiceView(invoice: Stripe.Invoice): InvoiceView | null {
  if (!invoice.id) return null;
  const legacy = invoice as unknown as { subscription?: string | { id: string } | null };
  const fromParent = invoice.parent?.subscription_details?.subscription ?? legacy.subscription ?? null;
  const subscriptionId = typeof fromParent === 'string' ? fromParent : (fromParent?.id ?? null);
  return {
    id: invoice.id,
    subscriptionId,
    number: invoice.number,
    status: invoice.status ?? 'draft',
    amountDue: invoice.amount_due,
    amountPaid: invoice.amount_paid,
    currency: invoice.currency,
    hostedInvoiceUrl: invoice.hosted_invoice_url ?? null,
    periodStart: invoice.period_start ? new Date(invoice.period_start * 1000) : null,
    periodEnd: invoice.period_end ? new Date(invoice.period_end * 1000) : null,
    created: new Date(invoice.created * 1000),
  };
}
