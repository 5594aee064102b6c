// The agent page's test chat: one short workflow per question, waited for (the merchant is on the page).
import type { Client } from '@temporalio/client';
import type { Env } from '../../lib/config/env.js';
import { workflowIds } from '../../lib/temporal/names.js';
import {
  agentTestChatWorkflowType,
  type AgentTestChatInput,
  type AgentTestChatResult,
  type AgentTestChatWorkflow,
} from '../../workflows/contracts/agent-test-chat.js';

export type AgentWorkflows = ReturnType<typeof agentWorkflows>;

/** A question the model cannot answer in this long is reported as unavailable rather than left spinning. */
const TEST_CHAT_TIMEOUT = '90 seconds';

/** A worker seen polling recently is assumed still there for this long (one RPC per half minute, not per question). */
const WORKERS_SEEN_MS = 30_000;
/** Temporal's TaskQueueType WORKFLOW (the worker that polls workflows also runs the draft activity). */
const WORKFLOW_TASK_QUEUE = 1;

/** No worker polls the task queue: the question would wait for one instead of being answered. */
export class AgentUnavailableError extends Error {
  constructor() {
    super('The AI is not running right now, so the test chat cannot answer. Try again in a minute.');
    this.name = 'AgentUnavailableError';
  }
}

export function agentWorkflows(temporal: Client, env: Pick<Env, 'TEMPORAL_TASK_QUEUE' | 'TEMPORAL_NAMESPACE'>) {
  let workersSeenAt = 0;
  /** The merchant waits on the page: with no worker polling, say so at once rather than after the timeout. */
  async function workersPolling(): Promise<boolean> {
    if (Date.now() - workersSeenAt < WORKERS_SEEN_MS) return true;
    const { pollers } = await temporal.workflowService.describeTaskQueue({
      namespace: env.TEMPORAL_NAMESPACE,
      taskQueue: { name: env.TEMPORAL_TASK_QUEUE },
      taskQueueType: WORKFLOW_TASK_QUEUE,
    });
    if ((pollers?.length ?? 0) === 0) return false;
    workersSeenAt = Date.now();
    return true;
  }

  return {
    async testChat(input: AgentTestChatInput & { requestId: string }): Promise<AgentTestChatResult> {
      if (!(await workersPolling())) throw new AgentUnavailableError();
      const { requestId, ...args } = input;
      return temporal.workflow.execute<AgentTestChatWorkflow>(agentTestChatWorkflowType, {
        taskQueue: env.TEMPORAL_TASK_QUEUE,
        workflowId: workflowIds.agentTestChat(input.tenantId, requestId),
        args: [args],
        workflowExecutionTimeout: TEST_CHAT_TIMEOUT,
      });
    },
  };
}
