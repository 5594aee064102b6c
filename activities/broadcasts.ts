// The database side of a broadcast: freezing its audience when sending starts (behind the billing gate), its
// status as the dashboard lists it (mirroring the workflow: running, paused, finished), and the final counts.
// The sends themselves are activities/twilio-broadcasts.ts.
import { AUDIT_ACTIONS, writeAudit } from '../lib/audit.js';
import { audienceSchema } from '../lib/broadcasts/audience.js';
import { readReplyAccess } from '../lib/billing/reply-access.js';
import { countRecipients, freezeRecipients } from '../lib/broadcasts/recipients.js';
import type { PrismaClient } from '../lib/db/client.js';
import { sqlPool } from '../lib/db/sql.js';
import type { StartResult } from '../workflows/contracts/broadcast.js';
import { actingWorkflow } from './workflow-actor.js';

export interface BroadcastStoreDeps {
  prisma: PrismaClient;
}

export function createBroadcastActivities({ prisma }: BroadcastStoreDeps) {
  const pool = sqlPool(prisma);

  return {
    /**
     * Freezes the audience (once) and marks the broadcast running; refused while the billing gate is closed. The
     * `started` audit entry commits with the freeze (only the first start writes it), so a retry neither loses
     * nor doubles it.
     */
    async startBroadcast({ tenantId, broadcastId }: { tenantId: string; broadcastId: string }): Promise<StartResult> {
      const broadcast = await prisma.broadcast.findFirst({ where: { id: broadcastId, tenantId } });
      if (!broadcast) return { total: 0, blocked: null, fatal: 'The broadcast no longer exists.' };
      const access = await readReplyAccess(prisma, tenantId);
      if (!access.decision.allowed) return { total: 0, blocked: { reason: access.decision.reason, message: access.decision.message }, fatal: null };
      const audience = audienceSchema.safeParse(broadcast.audience);
      if (!audience.success) return { total: 0, blocked: null, fatal: 'The broadcast’s audience could not be read.' };
      const { total } = await freezeRecipients(pool, {
        tenantId,
        broadcastId,
        channel: broadcast.channel,
        audience: audience.data,
        started: { action: AUDIT_ACTIONS.broadcast.started, workflowId: actingWorkflow().workflowId },
      });
      return { total, blocked: null, fatal: null };
    },

    /** The dashboard's status while the workflow runs: paused (by the merchant or by billing) or running again. */
    async recordBroadcastPhase(input: { tenantId: string; broadcastId: string; phase: 'paused' | 'running'; reason: string | null; byBilling: boolean }): Promise<void> {
      const { count } = await prisma.broadcast.updateMany({
        where: { id: input.broadcastId, tenantId: input.tenantId, status: { in: ['running', 'paused', 'scheduled'] } },
        data: { status: input.phase, lastError: input.reason },
      });
      // A merchant's pause or resume is audited by the API that took it; billing's by the workflow that met it.
      if (count > 0 && input.byBilling) {
        await writeAudit(prisma, {
          tenantId: input.tenantId,
          ...actingWorkflow(),
          action: input.phase === 'paused' ? AUDIT_ACTIONS.broadcast.paused : AUDIT_ACTIONS.broadcast.resumed,
          targetType: 'broadcast',
          targetId: input.broadcastId,
          details: { by: 'billing', reason: input.reason },
        });
      }
    },

    /** The final status and counts; recipients a cancel left unsent are skipped with the reason `cancelled`. */
    async finishBroadcast(input: { tenantId: string; broadcastId: string; outcome: 'completed' | 'cancelled' | 'failed'; reason: string | null }): Promise<void> {
      if (input.outcome !== 'completed') {
        await pool.query({
          name: 'broadcast.skip-unsent',
          text: `UPDATE broadcast_recipients SET status = 'skipped', error_code = $2, updated_at = now() AT TIME ZONE 'UTC'
                 WHERE broadcast_id = $1 AND status = 'pending'`,
          values: [input.broadcastId, input.outcome],
        });
      }
      const counts = await countRecipients(pool, input.broadcastId);
      const { count } = await prisma.broadcast.updateMany({
        where: { id: input.broadcastId, tenantId: input.tenantId, status: { notIn: ['completed', 'cancelled', 'failed'] } },
        data: {
          status: input.outcome,
          finishedAt: new Date(),
          recipientsTotal: counts.total,
          sentCount: counts.sent,
          deliveredCount: counts.delivered,
          failedCount: counts.failed,
          skippedCount: counts.skipped,
          lastError: input.reason,
        },
      });
      // A cancel is audited where it was asked for (the API, with the merchant who asked).
      if (count === 0 || input.outcome === 'cancelled') return;
      const action = input.outcome === 'completed' ? AUDIT_ACTIONS.broadcast.sent : AUDIT_ACTIONS.broadcast.failed;
      await writeAudit(prisma, {
        tenantId: input.tenantId,
        ...actingWorkflow(),
        action,
        targetType: 'broadcast',
        targetId: input.broadcastId,
        details: { ...counts, reason: input.reason },
      });
    },
  };
}

export type BroadcastActivities = ReturnType<typeof createBroadcastActivities>;
