// Operators start a health check on demand; the hourly one is a Temporal Schedule (worker/schedules.ts).
import { WorkflowIdReusePolicy, type Client } from '@temporalio/client';
import type { Env } from '../../lib/config/env.js';
import { workflowIds } from '../../lib/temporal/names.js';
import { healthCheckWorkflowType, type HealthCheckWorkflow } from '../../workflows/contracts/health-check.js';
import type { RunRef } from './runs.js';

export type HealthCheckWorkflows = ReturnType<typeof healthCheckWorkflows>;

export function healthCheckWorkflows(temporal: Client, env: Pick<Env, 'TEMPORAL_TASK_QUEUE'>) {
  return {
    /** A manual run answers at once: no grace period before a component found down counts as down. */
    async startManual(): Promise<RunRef> {
      const workflowId = workflowIds.healthCheck('manual', new Date());
      const handle = await temporal.workflow.start<HealthCheckWorkflow>(healthCheckWorkflowType, {
        taskQueue: env.TEMPORAL_TASK_QUEUE,
        workflowId,
        args: [{ trigger: 'manual', recheckAfterMs: 0 }],
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      });
      return { workflowId, runId: handle.firstExecutionRunId, status: 'RUNNING' };
    },
  };
}
