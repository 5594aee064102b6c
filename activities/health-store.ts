import type { PrismaClient } from '../lib/db/client.js';
import type { HealthCheckResult } from '../lib/health/types.js';

export interface HealthStoreDeps {
  prisma: PrismaClient;
}

/** Health-check runs in Postgres, so the dashboard shows the last result without asking Temporal. */
export function createHealthStoreActivities({ prisma }: HealthStoreDeps) {
  return {
    /** Idempotent on runId: a retried activity updates the same row. */
    async recordHealthCheckStarted(input: { workflowId: string; runId: string; trigger: 'scheduled' | 'manual' }): Promise<void> {
      await prisma.healthCheckRun.upsert({
        where: { runId: input.runId },
        create: { workflowId: input.workflowId, runId: input.runId, trigger: input.trigger, status: 'running', components: [] },
        update: {},
      });
    },

    async recordHealthCheckFinished(input: { workflowId: string; runId: string; result: HealthCheckResult }): Promise<void> {
      const data = { status: input.result.status, components: input.result.components as object[], finishedAt: new Date() };
      await prisma.healthCheckRun.upsert({
        where: { runId: input.runId },
        create: { workflowId: input.workflowId, runId: input.runId, trigger: 'manual', ...data },
        update: data,
      });
    },
  };
}

export type HealthStoreActivities = ReturnType<typeof createHealthStoreActivities>;
