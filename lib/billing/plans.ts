// What a tenant's `plan` (tenants.plan) can say, and how WARA names its things at Stripe. Pure: the billing
// workflow imports it too.

/** The sign-up trial: a row in `plans` with a reply limit, not for sale. */
export const TRIAL_PLAN = 'trial';
/** The trial ended without a subscription: AI replies are paused (reason `trial_expired`). */
export const TRIAL_EXPIRED_PLAN = 'trial_expired';
/** A subscription existed and ended: AI replies are paused (`subscription_ended` or `payment_required`). */
export const CANCELED_PLAN = 'canceled';

/** Plan codes that are states, not rows of `plans`. */
export const PLAN_STATES: readonly string[] = [TRIAL_EXPIRED_PLAN, CANCELED_PLAN];

/** The Stripe price of a plan is found (and created when missing) by this lookup key. */
export const priceLookupKey = (planCode: string) => `wara_${planCode}_monthly`;

/** The Stripe meter AI replies are reported to (one event per reply, value 1, the reply's id as identifier). */
export const REPLY_METER_EVENT = 'wara_ai_replies';

/** Stripe subscription statuses under which the merchant has a plan (served, perhaps in dunning). */
export const LIVE_SUBSCRIPTION_STATUSES: readonly string[] = ['trialing', 'active', 'past_due', 'unpaid'];
/** Of those, the ones with a failed payment outstanding: the grace period runs. */
export const DUNNING_STATUSES: readonly string[] = ['past_due', 'unpaid'];
/**
 * Stripe refuses a trial_end closer than 48 hours: a trial with less than this left is not carried into the
 * subscription (the plan starts, and is charged, at once). Checkout and the billing page both use it.
 */
export const MIN_TRIAL_CARRY_MS = 49 * 60 * 60 * 1000;

/** Whether a plan chosen now keeps the sign-up trial's remaining days (see MIN_TRIAL_CARRY_MS). */
export function trialCarriesOver(tenant: { plan: string; trialEndsAt: Date | null }, now: number): boolean {
  return tenant.plan === TRIAL_PLAN && tenant.trialEndsAt !== null && tenant.trialEndsAt.getTime() - now >= MIN_TRIAL_CARRY_MS;
}

/** Why AI replies are paused for a (formerly) paying merchant, as stored in subscriptions.replies_paused_reason. */
export type PausedReason = 'payment_required' | 'subscription_ended';

/** The tenant's billing as the database holds it after a change: what the billing workflow decides on. */
export interface BillingSnapshot {
  /** tenants.plan: a plan code, `trial_expired` or `canceled`. */
  plan: string;
  /** The current Stripe subscription as last read; null when the customer has none. */
  subscription: {
    id: string;
    status: string;
    planCode: string | null;
    currentPeriodStart: string | null;
    currentPeriodEnd: string | null;
    cancelAtPeriodEnd: boolean;
  } | null;
  pausedReason: PausedReason | null;
  graceEndsAt: string | null;
  /** The hosted page of the invoice a dunning email should point at. */
  openInvoiceUrl: string | null;
}

/**
 * Where the merchant stands: `trialing` (sign-up trial), `trial_expired`, `subscribed` (Stripe trialing or
 * active), `past_due` (a payment failed, the grace period runs), `paused` (grace over, payment outstanding),
 * `canceled` (the subscription ended).
 */
export type BillingPhase = 'trialing' | 'trial_expired' | 'subscribed' | 'past_due' | 'paused' | 'canceled';
export const BILLING_PHASES: readonly BillingPhase[] = ['trialing', 'trial_expired', 'subscribed', 'past_due', 'paused', 'canceled'];

/** The phase the billing rows say (the workflow keeps it; the page computes it when no worker answers). */
export function billingPhaseOf(snapshot: { plan: string; subscription: { status: string } | null; pausedReason: string | null }): BillingPhase {
  const status = snapshot.subscription?.status;
  if (status && LIVE_SUBSCRIPTION_STATUSES.includes(status)) {
    if (snapshot.pausedReason === 'payment_required') return 'paused';
    return DUNNING_STATUSES.includes(status) ? 'past_due' : 'subscribed';
  }
  if (snapshot.pausedReason === 'payment_required' && status === 'paused') return 'paused';
  if (snapshot.plan === TRIAL_PLAN) return 'trialing';
  if (snapshot.plan === TRIAL_EXPIRED_PLAN) return 'trial_expired';
  if (snapshot.plan === CANCELED_PLAN) return 'canceled';
  return 'subscribed';
}
