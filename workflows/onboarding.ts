import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  patched,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { IntegrationActivities } from '../activities/integrations.js';
import type { TwilioProvisioningActivities, WhatsAppSender } from '../activities/twilio-provisioning.js';
import {
  checkNow,
  DEFAULT_SENDER_POLLING,
  disconnect,
  OFFLINE_SENDER_STATUS,
  ONBOARDING_STEPS,
  ONLINE_SENDER_STATUSES,
  onboardingStatus,
  type OnboardingInput,
  type OnboardingStatus,
  type OnboardingStepId,
  type SenderPolling,
  type StepStatus,
  type TestMessageInput,
} from './contracts/onboarding.js';
import { failureReason } from './failure-reason.js';
import { releaseHeldSmsNumbers } from './sms-number.js';

// Provisioning calls: a Twilio blip (429, 5xx) is retried for ~15 minutes before the step is reported failed.
const twilio = proxyActivities<TwilioProvisioningActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '2 minutes', maximumAttempts: 12 },
});
// A poll that fails is simply followed by the next poll: few retries, the loop is the real retry.
const senderPoll = proxyActivities<TwilioProvisioningActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '2 seconds', maximumInterval: '30 seconds', maximumAttempts: 3 },
});
// Unwinding must finish however long Twilio is down: a live key nobody uses is a liability.
const unwindTwilio = proxyActivities<TwilioProvisioningActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes' },
});
// Our own database: short calls, retried until it is back (only non-retryable failures stop them).
const db = proxyActivities<IntegrationActivities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});
// A person is waiting on the test message: fail fast and say why.
const testSend = proxyActivities<TwilioProvisioningActivities>({
  startToCloseTimeout: '20 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '5 seconds', maximumAttempts: 4 },
});

/**
 * One per merchant connection (`onboarding:{tenant}`): subaccount → API key → WhatsApp signup → wait, over
 * days, for Meta to approve the sender → Messaging Service with our webhooks → sender attached → identifiers
 * saved → connected. Secrets never pass through here: activities get ids and load what they need.
 */
export async function whatsappOnboardingWorkflow(input: OnboardingInput): Promise<OnboardingStatus> {
  const { tenantId } = input;
  const polling: SenderPolling = { ...DEFAULT_SENDER_POLLING, ...input.polling };
  const status = initialStatus(tenantId, input.signup.enabled);
  let disconnectRequested = input.intent === 'disconnect';
  let checkRequested = false;
  let account: { accountId: string; subaccountSid: string | null } | null = null;

  setHandler(checkNow, () => void (checkRequested = true));
  setHandler(disconnect, () => void (disconnectRequested = true));
  setHandler(onboardingStatus, () => ({ ...status, updatedAt: new Date().toISOString() }));

  const step = stepTracker(status);
  const fail = async (id: OnboardingStepId, reason: string): Promise<never> => {
    step(id).state = 'failed';
    step(id).reason = reason;
    status.phase = 'failed';
    status.failure = { step: id, reason };
    if (account) await db.recordOnboardingFailed({ tenantId, accountId: account.accountId, step: id, reason });
    throw ApplicationFailure.nonRetryable(reason, 'OnboardingFailed', { step: id });
  };
  /** Runs one step's activity, recording running/done, and turning its failure into the step's reason. */
  const run = async <T>(id: OnboardingStepId, fn: () => Promise<T>): Promise<T> => {
    step(id).state = 'running';
    step(id).attempts += 1;
    try {
      const result = await fn();
      step(id).state = 'done';
      step(id).reason = null;
      return result;
    } catch (err) {
      if (isCancellation(err)) throw err;
      return fail(id, failureReason(err));
    }
  };
  const unwind = async (): Promise<OnboardingStatus> => {
    status.phase = 'disconnecting';
    for (const s of status.steps) {
      if (s.state === 'waiting' || s.state === 'running') Object.assign(s, { state: 'pending', nextPollAt: null });
    }
    account ??= await db.findWhatsAppConnection({ tenantId });
    // SMS numbers go back to Twilio with the connection. Patched: runs started before SMS numbers existed replay
    // without this step (README: changing a workflow).
    if (account?.subaccountSid && patched('release-sms-numbers')) await releaseHeldSmsNumbers(tenantId, account.subaccountSid);
    if (account?.subaccountSid) await unwindTwilio.revokeApiKey({ tenantId, accountId: account.accountId, subaccountSid: account.subaccountSid });
    if (account) await db.recordWhatsAppDisconnected({ tenantId, accountId: account.accountId });
    status.phase = 'disconnected';
    return status;
  };

  /**
   * Waits, over days, for Meta to approve the sender: durable timers with backoff, cut short by "check now"
   * or a disconnect. Resolves with the ONLINE sender, or null when a disconnect arrived; fails the step when
   * the sender went OFFLINE, Twilio refused for good, or the wait outlasted `giveUpAfterMs`.
   */
  const waitForOnlineSender = async (ref: { tenantId: string; accountId: string; subaccountSid: string }): Promise<WhatsAppSender | null> => {
    const giveUpAt = Date.now() + polling.giveUpAfterMs;
    let delay = polling.firstDelayMs;
    step('signup').state = 'waiting';
    step('sender').state = 'waiting';
    for (;;) {
      step('sender').attempts += 1;
      step('sender').nextPollAt = null;
      // Consumed before the poll, not after it: a "check now" that arrives while this poll is in flight may
      // be about a sender the poll did not see yet, so it must cut the next wait short.
      checkRequested = false;
      const senders = await pollSenders(ref, step('sender'));
      if (senders === 'fatal') return fail('sender', step('sender').reason ?? 'Could not read your WhatsApp senders from Twilio.');
      if (senders.length > 0) step('signup').state = 'done';
      const online = senders.find((s) => ONLINE_SENDER_STATUSES.includes(s.status));
      if (online) {
        Object.assign(step('sender'), { state: 'done', nextPollAt: null, detail: online.status });
        status.sender = { sid: online.sid, phoneNumber: online.phoneNumber, status: online.status };
        return online;
      }
      if (senders.length > 0 && senders.every((s) => s.status === OFFLINE_SENDER_STATUS)) {
        const why = senders.flatMap((s) => s.offlineReasons.map((r) => `${r.message}${r.code ? ` (${r.code})` : ''}`));
        return fail('sender', `Your WhatsApp sender is OFFLINE: ${why.join('; ') || 'no reason given by Meta'}.`);
      }
      const latest = senders[0];
      if (latest) {
        status.sender = { sid: latest.sid, phoneNumber: latest.phoneNumber, status: latest.status };
        step('sender').detail = latest.status;
      }
      const left = giveUpAt - Date.now();
      if (left <= 0) {
        return fail('sender', `No WhatsApp sender came online within ${Math.round(polling.giveUpAfterMs / 86_400_000)} days. Finish the signup, then retry.`);
      }
      const wait = Math.max(1_000, Math.min(delay, left));
      step('sender').nextPollAt = new Date(Date.now() + wait).toISOString();
      await condition(() => checkRequested || disconnectRequested, wait);
      if (disconnectRequested) return null;
      delay = checkRequested ? polling.firstDelayMs : Math.min(delay * 2, polling.maxDelayMs);
    }
  };

  try {
    if (disconnectRequested) return await unwind();
    const { accountId } = await db.beginWhatsAppConnection({ tenantId, workflowId: workflowInfo().workflowId });
    account = { accountId, subaccountSid: null };

    const { subaccountSid } = await run('subaccount', () => twilio.ensureSubaccount({ tenantId, accountId }));
    account.subaccountSid = subaccountSid;
    await db.recordSubaccount({ tenantId, accountId, subaccountSid });
    const ref = { tenantId, accountId, subaccountSid };
    if (disconnectRequested) return await unwind();

    await run('apiKey', () => twilio.ensureApiKey(ref));
    if (disconnectRequested) return await unwind();

    status.signup = {
      mode: input.signup.enabled && input.signup.baseUrl ? 'embedded' : 'manual',
      url: input.signup.enabled && input.signup.baseUrl ? signupUrl(input.signup.baseUrl, subaccountSid, tenantId) : null,
      subaccountSid,
    };
    status.phase = 'waiting_for_sender';
    await db.recordWaitingForSender({ tenantId, accountId });

    const sender = await waitForOnlineSender(ref);
    if (!sender) return await unwind();
    status.phase = 'connecting';

    const { messagingServiceSid } = await run('messagingService', () => twilio.ensureMessagingService(ref));
    status.messagingServiceSid = messagingServiceSid;
    await run('attachSender', () => twilio.attachSender({ ...ref, messagingServiceSid, senderSid: sender.sid }));
    await run('identifiers', () =>
      db.recordWhatsAppConnected({ ...ref, messagingServiceSid, senderSid: sender.sid, phoneNumber: sender.phoneNumber }),
    );
    if (disconnectRequested) return await unwind();
    status.phase = 'connected';
    return status;
  } catch (err) {
    // Cancelling the run (Temporal UI, API) is a disconnect too; the unwind must not itself be cancelled.
    if (isCancellation(err)) await CancellationScope.nonCancellable(() => unwind());
    throw err;
  }
}

/** Sends the verification message through the tenant's Messaging Service (started by the API, awaited). */
export async function whatsappTestMessageWorkflow(input: TestMessageInput): Promise<{ messageSid: string; status: string }> {
  return testSend.sendTestMessage(input);
}

/** One poll; a transient failure just leaves the step waiting with the reason, a permanent one ends it. */
async function pollSenders(ref: { tenantId: string; accountId: string; subaccountSid: string }, step: StepStatus): Promise<WhatsAppSender[] | 'fatal'> {
  try {
    const { senders } = await senderPoll.listWhatsAppSenders(ref);
    step.reason = null;
    return senders;
  } catch (err) {
    if (isCancellation(err)) throw err;
    step.reason = failureReason(err);
    const cause = err instanceof ActivityFailure ? err.cause : err;
    return cause instanceof ApplicationFailure && cause.nonRetryable ? 'fatal' : [];
  }
}

function initialStatus(tenantId: string, embedded: boolean): OnboardingStatus {
  const now = new Date().toISOString();
  return {
    tenantId,
    phase: 'connecting',
    steps: ONBOARDING_STEPS.map((id) => ({ id, state: 'pending', reason: null, attempts: 0, nextPollAt: null, detail: null })),
    signup: { mode: embedded ? 'embedded' : 'manual', url: null, subaccountSid: null },
    sender: null,
    messagingServiceSid: null,
    failure: null,
    startedAt: now,
    updatedAt: now,
  };
}

function stepTracker(status: OnboardingStatus): (id: OnboardingStepId) => StepStatus {
  return (id) => status.steps.find((s) => s.id === id)!;
}

/** The hosted signup page binds the sender it creates to this subaccount; `state` lets it come back to us. */
function signupUrl(baseUrl: string, subaccountSid: string, tenantId: string): string {
  const sep = baseUrl.includes('?') ? '&' : '?';
  return `${baseUrl}${sep}accountSid=${encodeURIComponent(subaccountSid)}&state=${encodeURIComponent(tenantId)}`;
}
