// The hook between billing and replies: may this tenant's AI answer right now? Billing owns the state
// (tenants.plan, subscriptions.replies_paused_reason, written by the billing workflow's activities) and the
// reply counter owns the usage; the reply path reads all of it with the rest of what it needs in one query
// (reply-store.ts `loadReplyState`), so a plan change takes effect on the next reply. The API asks the same
// question through lib/billing/reply-access.ts before an action that costs replies.
import { CANCELED_PLAN, TRIAL_EXPIRED_PLAN } from '../billing/plans.js';

/** Allowed: with the tenant as read, so the caller knows it exists. */
export type GateDecision<T extends GateTenant = GateTenant> = { allowed: true; tenant: T } | { allowed: false; reason: GateReason; message: string };
export type GateReason = 'trial_expired' | 'tenant_inactive' | 'tenant_missing' | 'payment_required' | 'subscription_ended' | 'reply_limit';

/** What the gate reads of a tenant (`status`: the tenant_status enum as text). */
export interface GateTenant {
  plan: string;
  status: string;
  /** subscriptions.replies_paused_reason: set by the billing workflow (grace ran out, subscription ended). */
  pausedReason: string | null;
  /** The plan's replies per period; null when the plan has none (or is not a row of `plans`). */
  replyLimit: number | null;
  /** AI replies counted in the current usage period. */
  repliesUsed: number;
}

/** The decision for a tenant as read (null: it no longer exists). The order is the order of what to fix first. */
export function replyGate<T extends GateTenant>(tenant: T | null): GateDecision<T> {
  if (!tenant) return { allowed: false, reason: 'tenant_missing', message: 'The merchant account no longer exists.' };
  if (tenant.status !== 'active') {
    return { allowed: false, reason: 'tenant_inactive', message: `AI replies are off: the account is ${tenant.status}.` };
  }
  if (tenant.plan === TRIAL_EXPIRED_PLAN) {
    return { allowed: false, reason: 'trial_expired', message: 'AI replies are paused: the free trial has ended. Choose a plan to resume.' };
  }
  if (tenant.pausedReason === 'payment_required') {
    return { allowed: false, reason: 'payment_required', message: 'AI replies are paused: a payment is outstanding. Pay the invoice or update the card to resume.' };
  }
  if (tenant.pausedReason === 'subscription_ended' || tenant.plan === CANCELED_PLAN) {
    return { allowed: false, reason: 'subscription_ended', message: 'AI replies are paused: the subscription has ended. Choose a plan to resume.' };
  }
  if (tenant.replyLimit !== null && tenant.repliesUsed >= tenant.replyLimit) {
    return {
      allowed: false,
      reason: 'reply_limit',
      message: `AI replies are paused: this period's ${tenant.replyLimit} replies are used. A larger plan resumes them at once.`,
    };
  }
  return { allowed: true, tenant };
}
