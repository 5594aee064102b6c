// The billing workflow's own records in our database (Stripe's side is activities/stripe.ts): the billing
// rows as they stand, the grace period after a failed payment, the pause when it runs out, and the limit
// notice in the audit trail. Each is conditional or keyed, so a retried activity repeats harmlessly.
import { AUDIT_ACTIONS, writeBillingAudit } from '../lib/audit.js';
import { pauseRepliesForPayment, readBillingSnapshot, startGracePeriod } from '../lib/billing/billing-store.js';
import type { BillingSnapshot } from '../lib/billing/plans.js';
import type { PrismaClient } from '../lib/db/client.js';
import { workflowIds } from '../lib/temporal/names.js';
import { actingWorkflow } from './workflow-actor.js';

export interface BillingDeps {
  prisma: PrismaClient;
}

export function createBillingActivities({ prisma }: BillingDeps) {
  const actor = (tenantId: string) => ({ workflowId: actingWorkflow().workflowId ?? workflowIds.billing(tenantId) });

  return {
    /** The billing rows as they stand (a run starting again, or Stripe not configured). */
    async loadBillingSnapshot(input: { tenantId: string }): Promise<BillingSnapshot> {
      return readBillingSnapshot(prisma, input.tenantId);
    },

    /** A failed payment's grace period, kept if one already runs; returns the end in force. */
    async startGracePeriod(input: { tenantId: string; endsAt: string }): Promise<{ graceEndsAt: string }> {
      const endsAt = await startGracePeriod(prisma, input.tenantId, new Date(input.endsAt));
      return { graceEndsAt: endsAt.toISOString() };
    },

    /** The grace period ran out with the payment outstanding: AI replies pause (unless it was paid meanwhile). */
    async pauseRepliesForPayment(input: { tenantId: string }): Promise<{ paused: boolean }> {
      return pauseRepliesForPayment(prisma, input.tenantId, actor(input.tenantId));
    },

    /** The limit notice in the trail, with what the email needs: the plan's name. */
    async recordReplyLimitReached(input: { tenantId: string; periodStart: string; limit: number | null }): Promise<{ planName: string | null }> {
      const tenant = await prisma.tenant.findUniqueOrThrow({ where: { id: input.tenantId }, select: { plan: true } });
      const plan = await prisma.plan.findUnique({ where: { code: tenant.plan }, select: { name: true } });
      await writeBillingAudit(prisma, {
        tenantId: input.tenantId,
        action: AUDIT_ACTIONS.billing.usageLimitReached,
        actor: actor(input.tenantId),
        details: { periodStart: input.periodStart, limit: input.limit, plan: tenant.plan },
      });
      return { planName: plan?.name ?? null };
    },
  };
}

export type BillingActivities = ReturnType<typeof createBillingActivities>;
