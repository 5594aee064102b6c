import { z } from 'zod';
import { requestJson, sendJson, type Fetch } from './api.ts';

// The contract of `/api/billing`: the public plan list (landing page), the billing page's state, and the
// Checkout / customer-portal links. Prices are decimal strings, formatted by `utilities/format.ts`; how
// phases, pauses and invoice statuses read lives in `utilities/status-look.ts`.

const isoDate = z.iso.datetime({ offset: true });

const planSchema = z.object({
  code: z.string(),
  name: z.string(),
  monthlyReplyLimit: z.number().int().nonnegative(),
  price: z.string(),
  currency: z.string(),
});

export const plansSchema = z.object({
  plans: z.array(planSchema),
  trial: z.object({ days: z.number().int().positive(), replyLimit: z.number().int().nonnegative().nullable() }),
});

export const billingSchema = z.object({
  // A string, not an enum: a phase added later reads as itself instead of breaking the page.
  phase: z.string(),
  plan: z
    .object({ code: z.string(), name: z.string(), monthlyReplyLimit: z.number().int().nonnegative(), price: z.string().nullable(), currency: z.string() })
    .nullable(),
  // keptOnCheckout: a plan chosen now keeps the trial's remaining days (Stripe needs at least 48 hours of them).
  trial: z.object({ endsAt: isoDate.nullable(), daysLeft: z.number().int().nonnegative().nullable(), keptOnCheckout: z.boolean().default(false) }),
  subscription: z
    .object({ status: z.string(), currentPeriodEnd: isoDate.nullable(), cancelAtPeriodEnd: z.boolean(), nextInvoiceAt: isoDate.nullable() })
    .nullable(),
  usage: z.object({
    periodStart: isoDate,
    periodEnd: isoDate,
    replies: z.number().int().nonnegative(),
    limit: z.number().int().nonnegative().nullable(),
    limitReachedAt: isoDate.nullable(),
  }),
  replies: z.object({ paused: z.boolean(), reason: z.string().nullable(), message: z.string().nullable() }),
  graceEndsAt: isoDate.nullable(),
  invoices: z.array(
    z.object({
      id: z.string(),
      number: z.string().nullable(),
      status: z.string(),
      amountDue: z.string(),
      amountPaid: z.string(),
      currency: z.string(),
      createdAt: isoDate,
      hostedInvoiceUrl: z.string().nullable(),
    }),
  ),
  actions: z.object({ canCheckout: z.boolean(), canManage: z.boolean(), emailVerified: z.boolean() }),
  source: z.enum(['workflow', 'database']),
  run: z.object({ workflowId: z.string(), temporalUiUrl: z.string().nullable() }).nullable(),
});

export const sessionSchema = z.object({ url: z.string() });
const acceptedSchema = z.object({ accepted: z.boolean() });

export type Plans = z.infer<typeof plansSchema>;
export type Plan = Plans['plans'][number];
export type Billing = z.infer<typeof billingSchema>;
export type Invoice = Billing['invoices'][number];

export function fetchPlans(fetchFn?: Fetch): Promise<Plans> {
  return requestJson('/api/billing/plans', plansSchema, {}, fetchFn);
}

export function fetchBilling(): Promise<Billing> {
  return requestJson('/api/billing', billingSchema, { cache: 'no-store' });
}

/** A Stripe Checkout page for `planCode`: the browser goes there next. */
export function startCheckout(planCode: string): Promise<{ url: string }> {
  return sendJson('/api/billing/checkout', sessionSchema, { planCode });
}

/** Stripe's customer portal (change plan, cancel, card, invoices). */
export function openPortal(): Promise<{ url: string }> {
  return sendJson('/api/billing/portal', sessionSchema, {});
}

/** Back from Stripe: ask the billing workflow to read Stripe now (a webhook may still be on its way). */
export async function syncBilling(): Promise<void> {
  await sendJson('/api/billing/sync', acceptedSchema, {});
}

/** Replies used as a share of the limit (0–1), or null without a limit. */
export function replyShare(usage: Billing['usage']): number | null {
  if (usage.limit === null || usage.limit === 0) return null;
  return Math.min(1, usage.replies / usage.limit);
}
