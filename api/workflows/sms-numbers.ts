// SMS numbers as the API drives them: search what is on sale (a short run the request waits for), buy one
// or release it (`sms-number:{tenant}:{number}`), and read a run's live step list.
import { randomUUID } from 'node:crypto';
import { WorkflowIdReusePolicy, type Client } from '@temporalio/client';
import type { Env } from '../../lib/config/env.js';
import { workflowIds } from '../../lib/temporal/names.js';
import {
  smsNumberSearchWorkflowType,
  smsNumberStatus,
  smsNumberWorkflowType,
  type AvailableNumber,
  type NumberSearchInput,
  type SmsNumberSearchWorkflow,
  type SmsNumberStatus,
  type SmsNumberWorkflow,
} from '../../workflows/contracts/sms-number.js';
import { latestRun, queryWithin, type RunRef } from './runs.js';

const QUERY_DEADLINE_MS = 2_000;
const SEARCH_TIMEOUT = '15 seconds';

export type SmsNumberWorkflows = ReturnType<typeof smsNumberWorkflows>;

export function smsNumberWorkflows(temporal: Client, env: Pick<Env, 'TEMPORAL_TASK_QUEUE'>) {
  return {
    search(input: NumberSearchInput): Promise<{ numbers: AvailableNumber[] }> {
      return temporal.workflow.execute<SmsNumberSearchWorkflow>(smsNumberSearchWorkflowType, {
        taskQueue: env.TEMPORAL_TASK_QUEUE,
        workflowId: workflowIds.smsNumberSearch(input.tenantId, randomUUID()),
        args: [input],
        workflowExecutionTimeout: SEARCH_TIMEOUT,
      });
    },

    /** Buys (or later releases) one number; the id allows a new run once the previous one closed. */
    async start(tenantId: string, numberId: string, intent: 'buy' | 'release'): Promise<RunRef> {
      const workflowId = workflowIds.smsNumber(tenantId, numberId);
      const handle = await temporal.workflow.start<SmsNumberWorkflow>(smsNumberWorkflowType, {
        taskQueue: env.TEMPORAL_TASK_QUEUE,
        workflowId,
        args: [{ tenantId, numberId, intent }],
        workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
      });
      return { workflowId, runId: handle.firstExecutionRunId, status: 'RUNNING' };
    },

    latest: (tenantId: string, numberId: string): Promise<RunRef | null> => latestRun(temporal, workflowIds.smsNumber(tenantId, numberId)),

    status: (run: RunRef): Promise<SmsNumberStatus | null> =>
      queryWithin(temporal, QUERY_DEADLINE_MS, () => temporal.workflow.getHandle(run.workflowId, run.runId).query(smsNumberStatus)),
  };
}
