import { ApplicationFailure, isCancellation, log, patched, proxyActivities, proxyLocalActivities, type ActivityOptions, type LocalActivityOptions } from '@temporalio/workflow';
import type { AgentActivities } from '../activities/agent.js';
import type { ConversationStoreActivities } from '../activities/conversation-store.js';
import type { DraftedReply, OpenAIActivities } from '../activities/openai.js';
import type { TwilioMessagingActivities } from '../activities/twilio-messaging.js';
import { DATABASE_CALL, TWILIO_SEND } from './activity-options.js';
import type { ReplyInput, ReplyResult } from './contracts/reply.js';
import { failureReason } from './failure-reason.js';

// The draft is a recorded activity and the send a LOCAL one. The draft's side effects (the intent row keyed
// by the turn's last sid, the usage count, the model call) must not run before the workflow task that chose
// the turn is in history: a local draft ran inside that task, so when the task was lost (worker killed,
// Temporal unreachable) and another message arrived meanwhile, the retried task built a different turn and
// drafted a second reply (bench/README.md, fault suite, finding 1). Scheduling the activity records the
// turn first. The send can stay local (one task and one marker instead of three events): by then the draft's
// result is in history, so a retried task re-sends the same intent row, which is idempotent on its sid.
// Drafting calls OpenAI: a few attempts with backoff (the SDK's own retries are off, so these are the
// only ones), then the workflow sends the fallback answer instead. Auth/validation errors fail at once.
const DRAFT = {
  startToCloseTimeout: '2 minutes',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '10 seconds',
    maximumAttempts: 3,
    nonRetryableErrorTypes: ['OpenAINonRetryable', 'OpenAINotConfigured'],
  },
} satisfies ActivityOptions & LocalActivityOptions;
// The draft heartbeats (activities/keep-alive.ts): if its worker dies, it is retried within seconds, not
// after the two minutes a slow model call may legitimately take.
const ai = proxyActivities<OpenAIActivities>({ ...DRAFT, heartbeatTimeout: '15 seconds' });
// Runs started before the draft was recorded replay their local draft markers (README: changing a workflow).
const aiBeforeDraftRecorded = proxyLocalActivities<OpenAIActivities>(DRAFT);
const store = proxyActivities<ConversationStoreActivities>(DATABASE_CALL);
const messaging = proxyLocalActivities<TwilioMessagingActivities>(TWILIO_SEND);
// The hand-off notice (flag + email): a few attempts, then the workflow moves on (the customer was told, and
// the conversation is paused in this run either way); an SMTP outage must not hold the merchant's replies.
const agent = proxyActivities<AgentActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 6 },
});

/**
 * One answer to one customer turn (`reply:{inboundMessageSid}`): draft it (prompt → OpenAI → answer
 * check, stored as the outbound intent keyed by the inbound sid), then send it exactly once. The intent
 * row, not this workflow's memory, is what makes a second send impossible.
 */
export async function replyWorkflow(input: ReplyInput): Promise<ReplyResult> {
  if (input.inboundSids.length === 0) throw ApplicationFailure.nonRetryable('a reply needs an inbound message', 'InvalidReplyInput');

  let draft: DraftedReply;
  try {
    draft = await (patched('draft-recorded') ? ai : aiBeforeDraftRecorded).draftReply(input);
  } catch (err) {
    if (isCancellation(err)) throw err;
    // OpenAI down, timing out or misconfigured: the customer still gets a clear answer, never silence.
    draft = await store.recordFallbackReply({ ...input, reason: failureReason(err) });
  }
  if (!draft.send) return { messageId: draft.messageId, outcome: 'not_sent', reason: draft.reason };

  const optedOut = draft.optedOut === true ? { optedOut: true } : {};
  // What the merchant's agent decided besides the message (issue 18): hand the conversation over, or hold
  // the turn until the shop opens (the message was the away message).
  const agentOutcome: Pick<ReplyResult, 'handoff' | 'holdUntil'> = {
    ...(draft.handoff ? { handoff: draft.handoff } : {}),
    ...(draft.holdUntil !== undefined ? { holdUntil: draft.holdUntil } : {}),
  };
  let result: ReplyResult;
  try {
    const sent = await messaging.sendMessage({ messageId: draft.messageId, withinWindow: input.withinWindow });
    result = { messageId: draft.messageId, outcome: sent.outcome, reason: sent.reason, ...optedOut, ...agentOutcome };
  } catch (err) {
    if (isCancellation(err)) throw err;
    // Twilio kept failing: say so on the message instead of leaving it "queued" for ever.
    await store.recordSendGaveUp({ messageId: draft.messageId, reason: failureReason(err) });
    result = { messageId: draft.messageId, outcome: 'not_sent', reason: failureReason(err), ...optedOut, ...agentOutcome };
  }
  // Patched: a step runs started before hand-offs existed never had (README: changing a workflow safely).
  if (agentOutcome.handoff && patched('agent-handoff')) {
    try {
      await agent.handOffToMerchant({ tenantId: input.tenantId, conversationId: input.conversationId, messageId: draft.messageId, reason: agentOutcome.handoff });
    } catch (err) {
      if (isCancellation(err)) throw err;
      log.warn('hand-off notice failed', { conversationId: input.conversationId, reason: failureReason(err) });
    }
  }
  return result;
}
