import {
  ParentClosePolicy,
  WorkflowIdReusePolicy,
  allHandlersFinished,
  condition,
  continueAsNew,
  executeChild,
  isCancellation,
  log,
  patched,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { AgentActivities } from '../activities/agent.js';
import type { ConversationStoreActivities } from '../activities/conversation-store.js';
import type { TwilioMessagingActivities } from '../activities/twilio-messaging.js';
import { SERVICE_WINDOW_MS } from '../lib/conversations/window.js';
import { workflowIds } from '../lib/temporal/names.js';
import { DATABASE_CALL, TWILIO_SEND } from './activity-options.js';
import {
  conversationState,
  inboundMessage,
  manualReply,
  resumeAi,
  takeOver,
  type ConversationInput,
  type InboundSignal,
} from './contracts/conversation.js';
import { failureReason } from './failure-reason.js';
import { replyWorkflow } from './reply.js';

/** Signals are not deduplicated by the server; this many recent MessageSids are remembered (and carried). */
const SEEN_LIMIT = 500;
/** A customer who keeps typing still gets an answer after this many quiet periods. */
const QUIET_PERIOD_CAP = 10;

const store = proxyActivities<ConversationStoreActivities>(DATABASE_CALL);
const messaging = proxyActivities<TwilioMessagingActivities>(TWILIO_SEND);
// The hand-off at an opening past the 24-hour window (flag + email): as in reply.ts, a few attempts, then on.
const agent = proxyActivities<AgentActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 6 },
});

/**
 * One per customer of a merchant (`conversation:{tenant}:{customer}`), for as long as they talk. It puts
 * messages in order, waits out a burst, honours opt-out and human takeover, tracks WhatsApp's 24-hour
 * window and runs one reply per customer turn: as its own `reply:{sid}` child workflow, or inline in this
 * run (`replyAs`, from REPLY_WORKFLOW). It continues as new when the server suggests it.
 */
export async function conversationWorkflow(input: ConversationInput): Promise<void> {
  const { tenantId, conversationId } = input;
  // Chosen when the run started and carried across continue-as-new: a run never switches mid-history.
  const replyAs = input.replyAs ?? 'child';
  const seen: string[] = [...(input.carried?.seen ?? [])];
  const seenSet = new Set(seen);
  const pending: InboundSignal[] = [...(input.carried?.pending ?? [])];
  const outbox: string[] = [...(input.carried?.outbox ?? [])];
  let aiPaused = input.aiPaused;
  let optedOut = input.optedOut;
  let lastInboundAt = input.lastInboundAt;
  let repliesStarted = 0;
  let lastSkipReason: string | null = null;
  // Business hours (issue 18): the shop was closed and its away message went out; the turn (and any message
  // after it) waits here until `opensAt`, when a durable timer wakes the run to answer it as one turn.
  const held: InboundSignal[] = [...(input.carried?.held ?? [])];
  let opensAt: number | null = input.carried?.opensAt ?? null;
  let awayMessageId: string | null = input.carried?.awayMessageId ?? null;

  const windowOpen = () => input.channel === 'sms' || (lastInboundAt !== null && Date.now() < lastInboundAt + SERVICE_WINDOW_MS);

  setHandler(inboundMessage, (message) => {
    if (seenSet.has(message.messageSid)) return;
    seen.push(message.messageSid);
    seenSet.add(message.messageSid);
    if (seen.length > SEEN_LIMIT) seenSet.delete(seen.shift()!);
    pending.push(message);
    // Workflow time, not the API's: the window must follow the clock the timers run on.
    lastInboundAt = Date.now();
  });
  setHandler(takeOver, () => void (aiPaused = true));
  setHandler(resumeAi, () => void (aiPaused = false));
  setHandler(manualReply, ({ messageId }) => {
    if (!outbox.includes(messageId)) outbox.push(messageId);
  });
  setHandler(conversationState, () => ({
    aiPaused,
    optedOut,
    lastInboundAt,
    windowOpen: windowOpen(),
    pendingInbound: pending.length,
    repliesStarted,
    lastSkipReason,
  }));

  /** Waits until the customer has been quiet for the quiet period (bounded), so a burst gets one answer. */
  const quietPeriod = async () => {
    if (input.quietPeriodMs <= 0) return;
    for (let round = 1; round < QUIET_PERIOD_CAP; round++) {
      const seenSoFar = pending.length;
      if (!(await condition(() => pending.length > seenSoFar, input.quietPeriodMs))) return;
    }
  };

  const send = async (messageId: string) => {
    try {
      await messaging.sendMessage({ messageId, withinWindow: windowOpen() });
    } catch (err) {
      if (isCancellation(err)) throw err;
      await store.recordSendGaveUp({ messageId, reason: failureReason(err) });
    }
  };

  /**
   * Opt-out keywords first (they change what may be sent), then the AI's answer if it may speak.
   * `afterHours`: the turn waited for the shop to open, so it is answered whatever the hours say now.
   */
  const answer = async (turn: InboundSignal[], afterHours = false) => {
    for (const message of turn) {
      const wantsOut = message.optOut === 'stop' && !optedOut;
      const wantsIn = message.optOut === 'start' && optedOut;
      if (!wantsOut && !wantsIn) continue;
      optedOut = wantsOut;
      // Exactly one confirmation per change (keyed by this MessageSid), then silence until START.
      const { messageId } = await store.recordOptOutChange({ tenantId, conversationId, inboundSid: message.messageSid, optedOut });
      await send(messageId);
      lastSkipReason = optedOut ? 'opted_out' : 'opt_in_confirmed';
      return;
    }
    if (optedOut || aiPaused) {
      const reason = optedOut ? 'opted_out' : 'ai_paused';
      lastSkipReason = reason;
      // Patched: runs started before this step existed replay without it (README: changing a workflow).
      if (patched('record-no-reply')) await store.recordNoReply({ tenantId, inboundSids: turn.map((m) => m.messageSid), reason });
      return;
    }
    if (opensAt !== null && !afterHours) {
      // Closed, and this spell's away message already went out: the turn joins the held one, no second message.
      held.push(...turn);
      lastSkipReason = 'outside_hours';
      return;
    }
    const inboundSids = turn.map((m) => m.messageSid);
    const last = inboundSids[inboundSids.length - 1]!;
    // `at`: the hours are judged on this run's clock (time-skipping tests move it), like the 24-hour window.
    const reply = {
      tenantId, conversationId, inboundSids, withinWindow: windowOpen(), at: Date.now(),
      ...(afterHours ? { afterHours: true } : {}),
      // So an away message knows whether the opening comes after the window closes (and promises no answer).
      ...(input.channel === 'whatsapp' && lastInboundAt !== null ? { windowClosesAt: lastInboundAt + SERVICE_WINDOW_MS } : {}),
    };
    repliesStarted += 1;
    try {
      let result;
      if (replyAs === 'inline') {
        // The same steps in this run: the intent row keyed by the inbound sid is what stops a second reply.
        result = await replyWorkflow(reply);
      } else {
        result = await executeChild(replyWorkflow, {
          // A held turn of one message already had its `reply:{sid}` run (the away message): the answer gets its own.
          workflowId: afterHours ? `${workflowIds.reply(last)}:opened` : workflowIds.reply(last),
          args: [reply],
          // A reply half-way through a send must finish even if this run is terminated or moves on.
          parentClosePolicy: ParentClosePolicy.ABANDON,
          workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        });
      }
      // The customer asked in words to stop: the reply was the confirmation; from now on, as after STOP.
      if (result.optedOut) optedOut = true;
      lastSkipReason = result.optedOut ? 'opted_out' : null;
      // The merchant's hand-off rules handed it over: the AI stays quiet until the merchant hands it back.
      if (result.handoff) {
        aiPaused = true;
        lastSkipReason = 'handed_off';
      }
      // The reply was the away message: hold the turn until the shop opens (a timer below wakes the run).
      if (result.holdUntil !== undefined && patched('agent-business-hours')) {
        held.push(...turn);
        opensAt = result.holdUntil;
        awayMessageId = result.messageId;
        lastSkipReason = 'outside_hours';
      }
    } catch (err) {
      if (isCancellation(err)) throw err;
      // Already started for this sid (a duplicate after the seen-set forgot it): that reply is the reply.
      const duplicate = err instanceof WorkflowExecutionAlreadyStartedError;
      lastSkipReason = duplicate ? 'duplicate_reply' : 'reply_failed';
      if (!duplicate) log.warn('reply failed', { inbound: last, reason: failureReason(err) });
    }
  };

  /**
   * The shop opened after WhatsApp's 24-hour window closed: the held turn cannot be answered with a session
   * message, so it goes to the merchant (AI paused, "needs you", email) instead of an answer that would not
   * be sent. A turn the merchant took over or the customer opted out of meanwhile is skipped as usual.
   */
  const handOverHeld = async (turn: InboundSignal[]) => {
    if (optedOut || aiPaused) return answer(turn, true);
    const unanswered = turn.map((m) => m.messageSid);
    const reason = 'window_closed_while_away';
    try {
      await agent.handOffToMerchant({ tenantId, conversationId, messageId: awayMessageId ?? `held:${unanswered.at(-1)!}`, reason, unanswered });
    } catch (err) {
      if (isCancellation(err)) throw err;
      log.warn('hand-off notice failed', { conversationId, reason: failureReason(err) });
    }
    aiPaused = true;
    lastSkipReason = 'handed_off';
  };

  const hasWork = () => pending.length > 0 || outbox.length > 0 || workflowInfo().continueAsNewSuggested;
  for (;;) {
    if (opensAt !== null && Date.now() >= opensAt) {
      // The shop opened: the turn held since the away message is answered now, as one turn.
      const waiting = held.splice(0);
      opensAt = null;
      // Past the 24-hour window (the opening was more than a day after the customer's last message): the
      // merchant's. Patched: runs started before this step answered (and failed to send) instead.
      if (waiting.length > 0 && !windowOpen() && patched('agent-away-window-closed')) await handOverHeld(waiting);
      else if (waiting.length > 0) await answer(waiting, true);
      awayMessageId = null;
    }
    // While the window is open, a durable timer wakes the workflow when it closes, so its clock (and the
    // `state` query) moves past the deadline even if nobody writes. While a turn is held, one wakes it at the
    // shop's opening (no polling). Without a held turn this is the window timer alone, as before.
    const closesIn = input.channel === 'whatsapp' && lastInboundAt !== null ? lastInboundAt + SERVICE_WINDOW_MS - Date.now() : 0;
    const opensIn = opensAt === null ? 0 : Math.max(1, opensAt - Date.now());
    const wakeIn = closesIn > 0 && opensIn > 0 ? Math.min(closesIn, opensIn) : Math.max(closesIn, opensIn);
    if (wakeIn > 0) {
      if (!(await condition(hasWork, wakeIn))) continue;
    } else {
      await condition(hasWork);
    }
    // Merchant replies go first: they were written against what the merchant saw, before this turn.
    while (outbox.length > 0) {
      await send(outbox[0]!);
      outbox.shift();
    }
    if (pending.length > 0) {
      await quietPeriod();
      await answer(pending.splice(0));
    }
    if (workflowInfo().continueAsNewSuggested) {
      // Handlers finish first so no signal is half-applied; whatever arrived meanwhile is carried.
      await condition(allHandlersFinished);
      await continueAsNew<typeof conversationWorkflow>({
        ...input,
        aiPaused,
        optedOut,
        lastInboundAt,
        carried: { seen, pending, outbox, ...(opensAt !== null ? { held, opensAt, ...(awayMessageId !== null ? { awayMessageId } : {}) } : {}) },
      });
    }
  }
}
