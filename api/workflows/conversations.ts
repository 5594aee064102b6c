// The conversation workflow as the API drives it: always signal-with-start, so a signal reaches the workflow
// whether it is running, was continued-as-new, or was closed by an operator (it then starts again from
// what the database knows).
import type { Client } from '@temporalio/client';
import type { SignalDefinition } from '@temporalio/common';
import type { Env } from '../../lib/config/env.js';
import type { ConversationRow } from '../../lib/conversations/inbound-store.js';
import { workflowIds } from '../../lib/temporal/names.js';
import {
  conversationWorkflowType,
  type ConversationInput,
  type ConversationWorkflow,
} from '../../workflows/contracts/conversation.js';

export type ConversationWorkflows = ReturnType<typeof conversationWorkflows>;

export function conversationWorkflows(temporal: Client, env: Pick<Env, 'TEMPORAL_TASK_QUEUE' | 'REPLY_QUIET_PERIOD_MS' | 'REPLY_WORKFLOW' | 'TEMPORAL_FAIRNESS'>) {
  const workflowId = (c: Pick<ConversationRow, 'tenantId' | 'customerAddress'>) => workflowIds.conversation(c.tenantId, c.customerAddress);
  return {
    workflowId,

    /** Delivers `signal` to the conversation's workflow, starting it from `conversation` when none runs. */
    async signal<Args extends unknown[]>(conversation: ConversationRow, signal: SignalDefinition<Args, string>, args: Args): Promise<{ workflowId: string }> {
      const id = workflowId(conversation);
      const input: ConversationInput = {
        tenantId: conversation.tenantId,
        conversationId: conversation.id,
        channel: conversation.channel,
        customerAddress: conversation.customerAddress,
        quietPeriodMs: env.REPLY_QUIET_PERIOD_MS,
        replyAs: env.REPLY_WORKFLOW,
        aiPaused: conversation.aiPaused,
        optedOut: conversation.optedOut,
        lastInboundAt: conversation.lastInboundAt?.getTime() ?? null,
      };
      // The signal by name with unknown[] args: the SDK's option type is a conditional on the signal's tuple
      // type, which TypeScript cannot resolve for a generic one; the parameters above tie args to the signal.
      await temporal.workflow.signalWithStart<ConversationWorkflow, unknown[]>(conversationWorkflowType, {
        workflowId: id,
        taskQueue: env.TEMPORAL_TASK_QUEUE,
        args: [input],
        signal: signal.name,
        signalArgs: args,
        // Activities and reply child workflows inherit it: the tenant's share of the task queue is one key's.
        ...(env.TEMPORAL_FAIRNESS ? { priority: { fairnessKey: conversation.tenantId } } : {}),
      });
      return { workflowId: id };
    },
  };
}
