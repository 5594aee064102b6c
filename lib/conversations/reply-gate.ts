// The hook between billing and replies: may this tenant's AI answer right now? Billing owns the state
// (Tenant.plan, Tenant.status); the reply path reads it with the rest of what it needs in one query
// (reply-store.ts `loadReplyState`), so a plan change takes effect on the next reply.

/** Allowed: with the tenant as read, so the caller knows it exists. */
export type GateDecision<T extends GateTenant = GateTenant> = { allowed: true; tenant: T } | { allowed: false; reason: GateReason; message: string };
export type GateReason = 'trial_expired' | 'tenant_inactive' | 'tenant_missing';

/** What the gate reads of a tenant (`status`: the tenant_status enum as text). */
export interface GateTenant {
  plan: string;
  status: string;
}

/** The decision for a tenant as read (null: it no longer exists). */
export function replyGate<T extends GateTenant>(tenant: T | null): GateDecision<T> {
  if (!tenant) return { allowed: false, reason: 'tenant_missing', message: 'The merchant account no longer exists.' };
  if (tenant.status !== 'active') {
    return { allowed: false, reason: 'tenant_inactive', message: `AI replies are off: the account is ${tenant.status}.` };
  }
  if (tenant.plan === 'trial_expired') {
    return { allowed: false, reason: 'trial_expired', message: 'AI replies are paused: the free trial has ended. Choose a plan to resume.' };
  }
  return { allowed: true, tenant };
}
