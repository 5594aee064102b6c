// Operators start an analytics rebuild; the refresh itself is a Temporal Schedule (worker/analytics-schedule.ts).
import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy, type Client } from '@temporalio/client';
import type { Env } from '../../lib/config/env.js';
import { workflowIds } from '../../lib/temporal/names.js';
import { analyticsRebuildWorkflowType, type AnalyticsRebuildWorkflow } from '../../workflows/contracts/analytics-refresh.js';
import { latestRun, type RunRef } from './runs.js';

export type AnalyticsWorkflows = ReturnType<typeof analyticsWorkflows>;

export function analyticsWorkflows(temporal: Client, env: Pick<Env, 'TEMPORAL_TASK_QUEUE'>) {
  return {
    /** One rebuild per scope at a time (the id is the scope): a second request gets the running one back. */
    async startRebuild(tenantId: string | null): Promise<RunRef & { alreadyRunning: boolean }> {
      const workflowId = workflowIds.analyticsRebuild(tenantId);
      try {
        const handle = await temporal.workflow.start<AnalyticsRebuildWorkflow>(analyticsRebuildWorkflowType, {
          taskQueue: env.TEMPORAL_TASK_QUEUE,
          workflowId,
          args: [{ tenantId }],
          workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
        });
        return { workflowId, runId: handle.firstExecutionRunId, status: 'RUNNING', alreadyRunning: false };
      } catch (err) {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
        const running = await latestRun(temporal, workflowId);
        return { workflowId, runId: running?.runId ?? '', status: running?.status ?? 'RUNNING', alreadyRunning: true };
      }
    },
  };
}
