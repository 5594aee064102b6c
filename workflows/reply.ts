import { ApplicationFailure, isCancellation, proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { ConversationStoreActivities } from '../activities/conversation-store.js';
import type { OpenAIActivities } from '../activities/openai.js';
import type { TwilioMessagingActivities } from '../activities/twilio-messaging.js';
import { DATABASE_CALL, TWILIO_SEND } from './activity-options.js';
import type { ReplyInput, ReplyResult } from './contracts/reply.js';
import { failureReason } from './failure-reason.js';

// Draft and send run as LOCAL activities: a reply is then one workflow task and two history markers instead
// of three tasks and six activity events, which is most of the Temporal server's work per reply (see
// bench/README.md). Safe because both are idempotent on the stored intent: if the worker dies mid-task,
// the task is retried and they run again, finding the row (and its provider sid) instead of repeating.
// Drafting calls OpenAI: a few attempts with backoff (the SDK's own retries are off, so these are the
// only ones), then the workflow sends the fallback answer instead. Auth/validation errors fail at once.
const ai = proxyLocalActivities<OpenAIActivities>({
  startToCloseTimeout: '2 minutes',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '10 seconds',
    maximumAttempts: 3,
    nonRetryableErrorTypes: ['OpenAINonRetryable', 'OpenAINotConfigured'],
  },
});
const store = proxyActivities<ConversationStoreActivities>(DATABASE_CALL);
const messaging = proxyLocalActivities<TwilioMessagingActivities>(TWILIO_SEND);

/**
 * One answer to one customer turn (`reply:{inboundMessageSid}`): draft it (prompt → OpenAI → answer
 * check, stored as the outbound intent keyed by the inbound sid), then send it exactly once. The intent
 * row, not this workflow's memory, is what makes a second send impossible.
 */
export async function replyWorkflow(input: ReplyInput): Promise<ReplyResult> {
  if (input.inboundSids.length === 0) throw ApplicationFailure.nonRetryable('a reply needs an inbound message', 'InvalidReplyInput');

  let draft;
  try {
    draft = await ai.draftReply(input);
  } catch (err) {
    if (isCancellation(err)) throw err;
    // OpenAI down, timing out or misconfigured: the customer still gets a clear answer, never silence.
    draft = await store.recordFallbackReply({ ...input, reason: failureReason(err) });
  }
  if (!draft.send) return { messageId: draft.messageId, outcome: 'not_sent', reason: draft.reason };

  const optedOut = 'optedOut' in draft && draft.optedOut === true ? { optedOut: true } : {};
  try {
    const sent = await messaging.sendMessage({ messageId: draft.messageId, withinWindow: input.withinWindow });
    return { messageId: draft.messageId, outcome: sent.outcome, reason: sent.reason, ...optedOut };
  } catch (err) {
    if (isCancellation(err)) throw err;
    // Twilio kept failing: say so on the message instead of leaving it "queued" for ever.
    await store.recordSendGaveUp({ messageId: draft.messageId, reason: failureReason(err) });
    return { messageId: draft.messageId, outcome: 'not_sent', reason: failureReason(err), ...optedOut };
  }
}
