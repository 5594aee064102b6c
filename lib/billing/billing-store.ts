// The tenant's billing rows, written from what Stripe says (never from what a webhook's payload said) by
// the billing workflow's activities. One transaction per change: the subscription row, tenants.plan (what
// the reply gate reads), the invoices the billing page lists, and an audit entry for each change it makes.
// Idempotent: applying the same Stripe state again changes nothing and audits nothing.
import { AUDIT_ACTIONS, writeBillingAudit, type BillingActor, type BillingAuditAction } from '../audit.js';
import type { Prisma, PrismaClient } from '../db/client.js';
import { CANCELED_PLAN, DUNNING_STATUSES, LIVE_SUBSCRIPTION_STATUSES, type BillingSnapshot, type PausedReason } from './plans.js';
import type { InvoiceView, SubscriptionView } from './stripe-view.js';

type Tx = Prisma.TransactionClient;
type SubscriptionRow = NonNullable<Awaited<ReturnType<Tx['subscription']['findUnique']>>>;

const isLive = (status: string | null | undefined, subscriptionId: string | null | undefined) =>
  Boolean(subscriptionId) && LIVE_SUBSCRIPTION_STATUSES.includes(status ?? '');
const inDunning = (status: string | null | undefined) => DUNNING_STATUSES.includes(status ?? '');

/** Stripe's view of the tenant's subscription (null: none) and recent invoices, applied to our rows. */
export async function applyStripeState(
  prisma: PrismaClient,
  input: { tenantId: string; view: SubscriptionView | null; invoices: readonly InvoiceView[]; actor: BillingActor },
): Promise<BillingSnapshot> {
  return prisma.$transaction(async (tx) => {
    const { tenantId, view } = input;
    const tenant = await tx.tenant.findUniqueOrThrow({ where: { id: tenantId }, select: { plan: true } });
    const before = await tx.subscription.upsert({ where: { tenantId }, create: { tenantId }, update: {} });
    const audit = (action: BillingAuditAction, details: Prisma.InputJsonObject) =>
      writeBillingAudit(tx, { tenantId, action, actor: input.actor, ...(view ? { subscriptionId: view.id } : {}), details });

    let plan = tenant.plan;
    let pausedReason = (before.repliesPausedReason as PausedReason | null) ?? null;
    let graceEndsAt = before.graceEndsAt;
    if (view && isLive(view.status, view.id)) {
      plan = view.planCode ?? before.planCode;
      // A payment went through (or none is due): nothing to pause for. In dunning, only the grace timer pauses.
      if (!inDunning(view.status)) graceEndsAt = null;
      if (!inDunning(view.status) || pausedReason !== 'payment_required') pausedReason = null;
    } else if (view && (view.status === 'canceled' || view.status === 'incomplete_expired') && isLive(before.status, before.stripeSubscriptionId)) {
      // Ended (a trial carried into the subscription ended with it: cancelling "now" means now).
      plan = CANCELED_PLAN;
      pausedReason = view.endedBecause === 'payment_failed' ? 'payment_required' : 'subscription_ended';
      graceEndsAt = null;
    } else if (view?.status === 'paused') {
      plan = view.planCode ?? before.planCode;
      pausedReason = 'payment_required';
    }

    const wasLive = isLive(before.status, before.stripeSubscriptionId);
    const nowLive = view !== null && isLive(view.status, view.id);
    const after = view
      ? await tx.subscription.update({
          where: { tenantId },
          data: {
            stripeSubscriptionId: view.id,
            status: view.status,
            planCode: view.planCode ?? before.planCode,
            currentPeriodStart: view.currentPeriodStart,
            currentPeriodEnd: view.currentPeriodEnd,
            cancelAtPeriodEnd: view.cancelAtPeriodEnd,
            repliesPausedReason: pausedReason,
            graceEndsAt,
          },
        })
      : before;
    if (plan !== tenant.plan) await tx.tenant.update({ where: { id: tenantId }, data: { plan } });

    if (view) {
      if (!wasLive && nowLive) await audit(AUDIT_ACTIONS.billing.subscriptionStarted, { plan, status: view.status });
      if (wasLive && nowLive && before.planCode !== after.planCode) await audit(AUDIT_ACTIONS.billing.subscriptionChanged, { from: before.planCode, to: after.planCode });
      if (wasLive && nowLive && before.cancelAtPeriodEnd !== after.cancelAtPeriodEnd) {
        await audit(AUDIT_ACTIONS.billing.subscriptionChanged, { cancelAtPeriodEnd: after.cancelAtPeriodEnd, periodEnd: after.currentPeriodEnd?.toISOString() ?? null });
      }
      if (wasLive && !nowLive) await audit(AUDIT_ACTIONS.billing.subscriptionCanceled, { plan: before.planCode, reason: view.endedBecause, now: plan });
      if (nowLive && inDunning(view.status) && !inDunning(before.status)) await audit(AUDIT_ACTIONS.billing.paymentFailed, { status: view.status });
      if (nowLive && !inDunning(view.status) && wasLive && inDunning(before.status)) await audit(AUDIT_ACTIONS.billing.paymentSucceeded, { status: view.status });
      if (before.repliesPausedReason && pausedReason === null) await audit(AUDIT_ACTIONS.billing.repliesResumed, { reason: before.repliesPausedReason });
      if (pausedReason && pausedReason !== before.repliesPausedReason) await audit(AUDIT_ACTIONS.billing.repliesPaused, { reason: pausedReason });
    }
    if (wasLive && nowLive && before.planCode !== after.planCode) await reopenLimit(tx, tenantId, after, audit);
    for (const invoice of input.invoices) await upsertInvoice(tx, tenantId, invoice);

    const open = input.invoices.find((i) => i.status === 'open' && i.subscriptionId === view?.id);
    return snapshot(plan, after, open?.hostedInvoiceUrl ?? null);
  });
}

/**
 * A larger plan mid-period: if the period's count is now under the new limit, replies resume at once (the
 * gate reads the plan) and the limit notice is re-armed, so reaching the new limit is told again.
 */
async function reopenLimit(tx: Tx, tenantId: string, sub: SubscriptionRow, audit: (a: BillingAuditAction, d: Prisma.InputJsonObject) => Promise<void>) {
  const rows = await tx.$queryRaw<Array<{ replies: number; limit: number | null }>>`
    UPDATE usage_counters u SET limit_reached_at = NULL, updated_at = now() AT TIME ZONE 'UTC'
    FROM subscriptions s, plans p
    WHERE u.tenant_id = ${tenantId} AND s.tenant_id = u.tenant_id AND p.code = s.plan_code AND u.limit_reached_at IS NOT NULL
      AND u.period_start = usage_period_start(s.status, s.current_period_start, (now() AT TIME ZONE 'UTC')::timestamp(3))
      AND u.replies < p.monthly_reply_limit
    RETURNING u.replies, p.monthly_reply_limit AS "limit"`;
  if (rows[0]) await audit(AUDIT_ACTIONS.billing.repliesResumed, { reason: 'reply_limit', plan: sub.planCode, replies: rows[0].replies, limit: rows[0].limit });
}

async function upsertInvoice(tx: Tx, tenantId: string, invoice: InvoiceView): Promise<void> {
  const fields = {
    stripeSubscriptionId: invoice.subscriptionId,
    number: invoice.number,
    status: invoice.status,
    amountDue: invoice.amountDue,
    amountPaid: invoice.amountPaid,
    currency: invoice.currency,
    hostedInvoiceUrl: invoice.hostedInvoiceUrl,
    periodStart: invoice.periodStart,
    periodEnd: invoice.periodEnd,
    stripeCreatedAt: invoice.created,
  };
  await tx.invoice.upsert({ where: { stripeInvoiceId: invoice.id }, create: { tenantId, stripeInvoiceId: invoice.id, ...fields }, update: fields });
}

function snapshot(plan: string, row: SubscriptionRow, openInvoiceUrl: string | null): BillingSnapshot {
  return {
    plan,
    subscription:
      row.stripeSubscriptionId
        ? {
            id: row.stripeSubscriptionId,
            status: row.status,
            planCode: row.planCode,
            currentPeriodStart: row.currentPeriodStart?.toISOString() ?? null,
            currentPeriodEnd: row.currentPeriodEnd?.toISOString() ?? null,
            cancelAtPeriodEnd: row.cancelAtPeriodEnd,
          }
        : null,
    pausedReason: (row.repliesPausedReason as PausedReason | null) ?? null,
    graceEndsAt: row.graceEndsAt?.toISOString() ?? null,
    openInvoiceUrl,
  };
}

/** The billing rows as they stand (no Stripe): what the workflow starts from, or decides on without Stripe. */
export async function readBillingSnapshot(prisma: PrismaClient, tenantId: string): Promise<BillingSnapshot> {
  const tenant = await prisma.tenant.findUniqueOrThrow({ where: { id: tenantId }, select: { plan: true } });
  const row = await prisma.subscription.findUnique({ where: { tenantId } });
  if (!row) return { plan: tenant.plan, subscription: null, pausedReason: null, graceEndsAt: null, openInvoiceUrl: null };
  return snapshot(tenant.plan, row, null);
}

/**
 * The grace period after a failed payment: starts it (kept if already running) so the billing page can
 * show until when replies continue. Returns the end in force.
 */
export async function startGracePeriod(prisma: PrismaClient, tenantId: string, endsAt: Date): Promise<Date> {
  await prisma.subscription.updateMany({ where: { tenantId, graceEndsAt: null }, data: { graceEndsAt: endsAt } });
  const row = await prisma.subscription.findUniqueOrThrow({ where: { tenantId }, select: { graceEndsAt: true } });
  return row.graceEndsAt ?? endsAt;
}

/**
 * The grace period ran out and the payment is still outstanding: AI replies pause. Conditional on the
 * subscription still being in dunning (a payment that raced the timer wins) and not already paused.
 */
export async function pauseRepliesForPayment(prisma: PrismaClient, tenantId: string, actor: BillingActor): Promise<{ paused: boolean }> {
  return prisma.$transaction(async (tx) => {
    const { count } = await tx.subscription.updateMany({
      where: { tenantId, status: { in: ['past_due', 'unpaid'] }, repliesPausedReason: null },
      data: { repliesPausedReason: 'payment_required' },
    });
    if (count > 0) await writeBillingAudit(tx, { tenantId, action: AUDIT_ACTIONS.billing.repliesPaused, actor, details: { reason: 'payment_required' } });
    return { paused: count > 0 };
  });
}
