import { isCancellation, proxyActivities } from '@temporalio/workflow';
import type { OpenAIActivities } from '../activities/openai.js';
import type { AgentTestChatInput, AgentTestChatResult } from './contracts/agent-test-chat.js';
import { failureReason } from './failure-reason.js';

// As a live draft: a few attempts with backoff (OpenAI's own retries are off), heartbeats so a dead worker's
// attempt is retried within seconds. The merchant is waiting on the page, so no more than that.
const ai = proxyActivities<OpenAIActivities>({
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '15 seconds',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '10 seconds',
    maximumAttempts: 3,
    nonRetryableErrorTypes: ['OpenAINonRetryable', 'OpenAINotConfigured', 'TenantMissing'],
  },
});

/**
 * The merchant's test question, answered by the same composition as a live reply (understanding, hand-off
 * rules, retrieval of products and knowledge, draft, answer check) at this run's time, for the business hours.
 */
export async function agentTestChatWorkflow(input: AgentTestChatInput): Promise<AgentTestChatResult> {
  try {
    return { ok: true, answer: await ai.draftTestReply({ ...input, at: Date.now() }) };
  } catch (err) {
    if (isCancellation(err)) throw err;
    return { ok: false, reason: failureReason(err) };
  }
}
