// Broadcasts as the API drives them: start one (`broadcast:{tenant}:{id}`, on the broadcasts task queue), pause,
// resume or cancel it, read its progress, and list the approved templates (a short run the request waits for).
import { randomUUID } from 'node:crypto';
import { WorkflowIdReusePolicy, type Client } from '@temporalio/client';
import type { Env } from '../../lib/config/env.js';
import { workflowIds } from '../../lib/temporal/names.js';
import {
  broadcastProgress,
  broadcastTaskQueue,
  broadcastTemplatesWorkflowType,
  broadcastWorkflowType,
  cancelBroadcast,
  pauseBroadcast,
  resumeBroadcast,
  type BroadcastInput,
  type BroadcastProgress,
  type BroadcastTemplatesWorkflow,
  type BroadcastWorkflow,
  type TemplateList,
} from '../../workflows/contracts/broadcast.js';
import { latestRun, queryWithin, type RunRef } from './runs.js';

/** A progress read waits this long for the worker before the page shows the database's counts alone. */
const QUERY_DEADLINE_MS = 2_000;
const TEMPLATES_TIMEOUT = '15 seconds';

export type BroadcastWorkflows = ReturnType<typeof broadcastWorkflows>;

export function broadcastWorkflows(temporal: Client, env: Pick<Env, 'TEMPORAL_TASK_QUEUE'>) {
  const handle = (tenantId: string, broadcastId: string) => temporal.workflow.getHandle(workflowIds.broadcast(tenantId, broadcastId));
  return {
    /** One run per broadcast id, ever: a second start of the same broadcast is refused by the server. */
    async start(input: BroadcastInput): Promise<{ workflowId: string; runId: string }> {
      const workflowId = workflowIds.broadcast(input.tenantId, input.broadcastId);
      const started = await temporal.workflow.start<BroadcastWorkflow>(broadcastWorkflowType, {
        taskQueue: broadcastTaskQueue(env.TEMPORAL_TASK_QUEUE),
        workflowId,
        args: [input],
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      });
      return { workflowId, runId: started.firstExecutionRunId };
    },

    latest: (tenantId: string, broadcastId: string): Promise<RunRef | null> => latestRun(temporal, workflowIds.broadcast(tenantId, broadcastId)),

    progress: (tenantId: string, broadcastId: string): Promise<BroadcastProgress | null> =>
      queryWithin(temporal, QUERY_DEADLINE_MS, () => handle(tenantId, broadcastId).query(broadcastProgress)),

    pause: (tenantId: string, broadcastId: string, by: string) => handle(tenantId, broadcastId).signal(pauseBroadcast, { by }),
    resume: (tenantId: string, broadcastId: string, by: string) => handle(tenantId, broadcastId).signal(resumeBroadcast, { by }),
    cancel: (tenantId: string, broadcastId: string, by: string) => handle(tenantId, broadcastId).signal(cancelBroadcast, { by }),

    /** The tenant's approved WhatsApp templates, read from Twilio by a short run (routes never call Twilio). */
    templates(tenantId: string): Promise<TemplateList> {
      return temporal.workflow.execute<BroadcastTemplatesWorkflow>(broadcastTemplatesWorkflowType, {
        taskQueue: env.TEMPORAL_TASK_QUEUE,
        workflowId: workflowIds.broadcastTemplates(tenantId, randomUUID()),
        args: [{ tenantId }],
        workflowExecutionTimeout: TEMPLATES_TIMEOUT,
      });
    },
  };
}
