// How the API talks to a conversation's workflow: always signal-with-start, so a signal reaches the
// workflow whether it is running, was continued-as-new, or was closed by an operator (it then starts again
// from what the database knows).
import type { Client } from '@temporalio/client';
import type { SignalDefinition } from '@temporalio/common';
import { workflowIds } from '../temporal/names.js';
import type { Channel } from './addresses.js';
import type { Env } from '../config/env.js';
import type { ConversationInput, ReplyExecution } from './workflow-contract.js';

export interface ConversationRow {
  id: string;
  tenantId: string;
  channel: Channel;
  customerAddress: string;
  aiPaused: boolean;
  optedOut: boolean;
  lastInboundAt: Date | null;
}

export interface ConversationWorkflowOptions {
  taskQueue: string;
  quietPeriodMs: number;
  replyAs: ReplyExecution;
}

/** The options every signal-with-start uses, from configuration. */
export function conversationWorkflowOptions(env: Pick<Env, 'TEMPORAL_TASK_QUEUE' | 'REPLY_QUIET_PERIOD_MS' | 'REPLY_WORKFLOW'>): ConversationWorkflowOptions {
  return { taskQueue: env.TEMPORAL_TASK_QUEUE, quietPeriodMs: env.REPLY_QUIET_PERIOD_MS, replyAs: env.REPLY_WORKFLOW };
}

export const conversationWorkflowId = (c: Pick<ConversationRow, 'tenantId' | 'customerAddress'>) =>
  workflowIds.conversation(c.tenantId, c.customerAddress);

/** The conversation workflow's signature, without importing workflow code into the API. */
type ConversationWorkflow = (input: ConversationInput) => Promise<void>;

export async function signalConversation<Args extends unknown[]>(
  temporal: Client,
  options_: ConversationWorkflowOptions,
  conversation: ConversationRow,
  signal: SignalDefinition<Args, string>,
  args: Args,
): Promise<{ workflowId: string }> {
  const workflowId = conversationWorkflowId(conversation);
  const input: ConversationInput = {
    tenantId: conversation.tenantId,
    conversationId: conversation.id,
    channel: conversation.channel,
    customerAddress: conversation.customerAddress,
    quietPeriodMs: options_.quietPeriodMs,
    replyAs: options_.replyAs,
    aiPaused: conversation.aiPaused,
    optedOut: conversation.optedOut,
    lastInboundAt: conversation.lastInboundAt?.getTime() ?? null,
  };
  // By name with unknown[] args: the SDK's option type is a conditional on the signal's tuple type, which
  // TypeScript cannot resolve for a generic one; the parameters above already tie the args to the signal.
  await temporal.workflow.signalWithStart<ConversationWorkflow, unknown[]>('conversationWorkflow', {
    workflowId,
    taskQueue: options_.taskQueue,
    args: [input],
    signal: signal.name,
    signalArgs: args,
  });
  return { workflowId };
}

/**
 * A link ops can open: the Temporal UI's list filtered to these workflow ids (every run, newest first).
 * An AI reply links to its `reply:{sid}` run and its conversation's runs at once, because it ran in one
 * or the other depending on REPLY_WORKFLOW when its conversation started.
 */
export function temporalUiWorkflowUrl(uiBaseUrl: string, namespace: string, ...workflowIds: [string, ...string[]]): string {
  const base = uiBaseUrl.replace(/\/+$/, '');
  const query = encodeURIComponent(workflowIds.map((id) => `WorkflowId="${id}"`).join(' OR '));
  return `${base}/namespaces/${encodeURIComponent(namespace)}/workflows?query=${query}`;
}
