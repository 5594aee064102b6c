import { AUDIT_ACTIONS, writeAudit } from '../lib/audit.js';
import type { PrismaClient } from '../lib/db/client.js';
import { actingWorkflow } from './workflow-actor.js';

export interface AccountDeps {
  prisma: PrismaClient;
}

/** Tenant lifecycle changes made by workflows (the database is the only outside system here). */
export function createAccountActivities({ prisma }: AccountDeps) {
  return {
    /**
     * Ends a trial that was not converted: the reply gate reads `plan`. Conditional on the plan still being
     * `trial`, so a subscription that raced the timer is never overwritten, and a retry is a no-op.
     */
    async markTrialExpired({ tenantId }: { tenantId: string }): Promise<{ expired: boolean }> {
      return prisma.$transaction(async (tx) => {
        const { count } = await tx.tenant.updateMany({ where: { id: tenantId, plan: 'trial' }, data: { plan: 'trial_expired' } });
        if (count > 0) {
          await writeAudit(tx, { tenantId, ...actingWorkflow(), action: AUDIT_ACTIONS.billing.trialExpired, targetType: 'tenant', targetId: tenantId });
        }
        return { expired: count > 0 };
      });
    },
  };
}

export type AccountActivities = ReturnType<typeof createAccountActivities>;
