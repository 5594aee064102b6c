// The runs whose histories test/replay/ keeps: every registered workflow type, through the branches that
// produce different command sequences (activities, timers, child workflows, markers, continue-as-new).
// Each drives the REAL workflow bundle against stand-in activities (stand-ins.ts) and returns the histories
// it produced; scripts/record-histories.ts runs them and writes the files.
import type { WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { historyToJSON, type History } from '@temporalio/common/lib/proto-utils.js';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { workflowIds } from '../../lib/temporal/names.js';
import { checkNow, disconnect } from '../../workflows/contracts/onboarding.js';
import {
  inboundMessage,
  manualReply,
  resumeAi,
  takeOver,
  type ConversationInput,
  type InboundSignal,
  type ReplyExecution,
} from '../../workflows/contracts/conversation.js';
import { emailVerified, resendVerification, verificationState } from '../../workflows/contracts/email-verification.js';
import { subscriptionStarted } from '../../workflows/contracts/trial.js';
import { cancelBroadcast, pauseBroadcast, resumeBroadcast } from '../../workflows/contracts/broadcast.js';
import { replyLimitReached, stripeEventReceived } from '../../workflows/contracts/billing.js';
import type { BillingSnapshot } from '../../lib/billing/plans.js';
import {
  agentTestChatWorkflow,
  analyticsRebuildWorkflow,
  analyticsRefreshWorkflow,
  billingSessionWorkflow,
  billingWorkflow,
  usageReportWorkflow,
  catalogImportWorkflow,
  conversationWorkflow,
  healthCheckWorkflow,
  replyWorkflow,
  trialWorkflow,
  emailVerificationWorkflow,
  welcomeEmailWorkflow,
  whatsappOnboardingWorkflow,
  whatsappTestMessageWorkflow,
  broadcastTemplatesWorkflow,
  broadcastWorkflow,
  smsNumberSearchWorkflow,
  smsNumberWorkflow,
} from '../../workflows/index.js';
import { eventually } from '../support/eventually.js';
import { rowId, sid, type Script, type StandIns } from './stand-ins.js';

const DAY = 24 * 60 * 60 * 1000;
/** The production default (REPLY_QUIET_PERIOD_MS): histories keep the quiet-period timer. */
const QUIET_MS = 2_000;
const TENANT = rowId('tenant:replay-shop');

export interface RecordingContext {
  env: TestWorkflowEnvironment;
  taskQueue: string;
  standIns: StandIns;
}

/** One history to write: its file is `<workflow type>-<name>.json` (the type is read from the history). */
export interface Recorded {
  name: string;
  history: History;
}

export interface Scenario {
  /** `dev-server`: needs what only a real server does (a low continue-as-new threshold); else time-skipping. */
  server: 'time-skipping' | 'dev-server';
  run(ctx: RecordingContext): Promise<Recorded[]>;
}

// ---- driving a run step by step ------------------------------------------------------------------------

/** The run's event types so far (`ACTIVITY_TASK_SCHEDULED`, …), as the JSON files name them. */
const eventTypes = async (handle: WorkflowHandle): Promise<string[]> => {
  const { events } = JSON.parse(historyToJSON(await handle.fetchHistory())) as { events: Array<{ eventType: string }> };
  return events.map((e) => e.eventType.replace(/^EVENT_TYPE_/, ''));
};

const count = (types: string[], ...names: string[]) => types.filter((t) => names.includes(t)).length;

/**
 * Nothing in flight: every workflow task, activity and child start has its outcome in history (timers may
 * be pending: that is where a long-lived workflow rests). A run that closed is settled too.
 */
function quiescent(types: string[]): boolean {
  if (count(types, 'WORKFLOW_EXECUTION_COMPLETED', 'WORKFLOW_EXECUTION_FAILED', 'WORKFLOW_EXECUTION_CONTINUED_AS_NEW', 'WORKFLOW_EXECUTION_TERMINATED') > 0) return true;
  const tasks = count(types, 'WORKFLOW_TASK_SCHEDULED') === count(types, 'WORKFLOW_TASK_COMPLETED', 'WORKFLOW_TASK_FAILED', 'WORKFLOW_TASK_TIMED_OUT');
  const activities =
    count(types, 'ACTIVITY_TASK_SCHEDULED') ===
    count(types, 'ACTIVITY_TASK_COMPLETED', 'ACTIVITY_TASK_FAILED', 'ACTIVITY_TASK_TIMED_OUT', 'ACTIVITY_TASK_CANCELED');
  const children =
    count(types, 'START_CHILD_WORKFLOW_EXECUTION_INITIATED') ===
    count(
      types,
      'START_CHILD_WORKFLOW_EXECUTION_FAILED',
      'CHILD_WORKFLOW_EXECUTION_COMPLETED',
      'CHILD_WORKFLOW_EXECUTION_FAILED',
      'CHILD_WORKFLOW_EXECUTION_CANCELED',
      'CHILD_WORKFLOW_EXECUTION_TIMED_OUT',
      'CHILD_WORKFLOW_EXECUTION_TERMINATED',
    );
  return tasks && activities && children;
}

/** Has `calls` (since `from`) every name of `expected`, as many times as listed? */
function includesAll(calls: string[], from: number, expected: string[]): boolean {
  const seen = calls.slice(from);
  return expected.every((name) => seen.filter((c) => c === name).length >= expected.filter((e) => e === name).length);
}

/**
 * Steps a run: `settle(...activities)` waits until those activities ran (since the previous settle) and
 * the history is quiescent, so each step's commands land in history before the next signal or time skip.
 * That keeps every recording the same shape (no signal racing a workflow task).
 */
function stepper(ctx: RecordingContext, handle: WorkflowHandle) {
  let mark = 0;
  return {
    async settle(...expected: string[]): Promise<void> {
      await eventually(async () => includesAll(ctx.standIns.calls, mark, expected) && quiescent(await eventTypes(handle)), `${expected.join(', ') || 'a quiet history'} in ${handle.workflowId}`);
      mark = ctx.standIns.calls.length;
    },
    /** Waits until at least `n` timers have fired in this run (time skipping fires them asynchronously). */
    async timersFired(n: number): Promise<void> {
      await eventually(async () => {
        const types = await eventTypes(handle);
        return count(types, 'TIMER_FIRED') >= n && quiescent(types);
      }, `${n} fired timers in ${handle.workflowId}`);
      mark = ctx.standIns.calls.length;
    },
  };
}

// ---- conversations -------------------------------------------------------------------------------------

const customer = (scenario: string) => `whatsapp:+1555${String(parseInt(sid('', scenario).slice(0, 8), 16)).slice(-7).padStart(7, '0')}`;
const message = (scenario: string, n: number, optOut: InboundSignal['optOut'] = null): InboundSignal => ({ messageSid: sid('SM', `${scenario}:${n}`), optOut });

/** Starts a conversation the way the API does (signal-with-start with the first message). */
async function startConversation(ctx: RecordingContext, scenario: string, first: InboundSignal, replyAs: ReplyExecution) {
  const address = customer(scenario);
  const input: ConversationInput = {
    tenantId: TENANT,
    conversationId: rowId(`conversation:${scenario}`),
    channel: 'whatsapp',
    customerAddress: address,
    quietPeriodMs: QUIET_MS,
    replyAs,
    aiPaused: false,
    optedOut: false,
    lastInboundAt: null,
  };
  const handle = await ctx.env.client.workflow.signalWithStart(conversationWorkflow, {
    workflowId: workflowIds.conversation(TENANT, address),
    taskQueue: ctx.taskQueue,
    args: [input],
    signal: inboundMessage,
    signalArgs: [first],
  });
  return { handle, step: stepper(ctx, handle) };
}

/** A long-lived run is recorded where it rests (at its window timer), then ended so later time skips leave it alone. */
async function recordAndEnd(handle: WorkflowHandle): Promise<History> {
  const history = await handle.fetchHistory();
  await handle.terminate('recorded');
  return history;
}

/** One customer turn on the time-skipping server: the message, the quiet period skipped, then `expected`. */
async function turn(ctx: RecordingContext, step: ReturnType<typeof stepper>, expected: string[], send?: () => Promise<void>) {
  await send?.();
  await step.settle();
  await ctx.env.sleep(QUIET_MS);
  await step.settle(...expected);
}

const REPLY = ['draftReply', 'sendMessage'];

function conversation(name: string, replyAs: ReplyExecution, script: Partial<Script>, drive: (ctx: RecordingContext, scenario: string) => Promise<Recorded[]>): [string, Scenario] {
  return [
    `conversationWorkflow-${name}`,
    {
      server: 'time-skipping',
      async run(ctx) {
        ctx.standIns.reset(script);
        return drive(ctx, `${replyAs}:${name}`);
      },
    },
  ];
}

const conversations: Array<[string, Scenario]> = [
  conversation('inline-reply', 'inline', {}, async (ctx, s) => {
    const { handle, step } = await startConversation(ctx, s, message(s, 1), 'inline');
    await turn(ctx, step, REPLY);
    return [{ name: 'inline-reply', history: await recordAndEnd(handle) }];
  }),

  conversation('inline-burst', 'inline', {}, async (ctx, s) => {
    // Three messages, each inside the previous one's quiet period: one reply to all three.
    const { handle, step } = await startConversation(ctx, s, message(s, 1), 'inline');
    await step.settle();
    await handle.signal(inboundMessage, message(s, 2));
    await step.settle();
    await handle.signal(inboundMessage, message(s, 3));
    await turn(ctx, step, REPLY);
    return [{ name: 'inline-burst', history: await recordAndEnd(handle) }];
  }),

  conversation('inline-stop-skipped-start', 'inline', {}, async (ctx, s) => {
    const { handle, step } = await startConversation(ctx, s, message(s, 1, 'stop'), 'inline');
    await turn(ctx, step, ['recordOptOutChange', 'sendMessage']); // STOP: confirmed once
    await turn(ctx, step, ['recordNoReply'], () => handle.signal(inboundMessage, message(s, 2))); // opted out: no reply, reason recorded
    await turn(ctx, step, ['recordOptOutChange', 'sendMessage'], () => handle.signal(inboundMessage, message(s, 3, 'start')));
    await turn(ctx, step, REPLY, () => handle.signal(inboundMessage, message(s, 4)));
    return [{ name: 'inline-stop-skipped-start', history: await recordAndEnd(handle) }];
  }),

  conversation('inline-takeover-manual-resume', 'inline', {}, async (ctx, s) => {
    const { handle, step } = await startConversation(ctx, s, message(s, 1), 'inline');
    await turn(ctx, step, REPLY);
    await handle.signal(takeOver, { by: rowId('user:merchant') });
    await step.settle();
    await turn(ctx, step, ['recordNoReply'], () => handle.signal(inboundMessage, message(s, 2))); // the AI stays quiet
    await handle.signal(manualReply, { messageId: rowId(`manual:${s}`) });
    await step.settle('sendMessage');
    await handle.signal(resumeAi);
    await step.settle();
    await turn(ctx, step, REPLY, () => handle.signal(inboundMessage, message(s, 3)));
    return [{ name: 'inline-takeover-manual-resume', history: await recordAndEnd(handle) }];
  }),

  conversation('inline-window-expires', 'inline', {}, async (ctx, s) => {
    const { handle, step } = await startConversation(ctx, s, message(s, 1), 'inline');
    await turn(ctx, step, REPLY);
    await ctx.env.sleep(25 * 60 * 60 * 1000); // the 24-hour window timer fires
    await step.timersFired(2);
    await handle.signal(manualReply, { messageId: rowId(`manual:${s}`) }); // sent as outside the window
    await step.settle('sendMessage');
    return [{ name: 'inline-window-expires', history: await recordAndEnd(handle) }];
  }),

  conversation(
    'inline-openai-down',
    'inline',
    {
      draft: () => {
        throw ApplicationFailure.nonRetryable('OpenAI answered 401: Incorrect API key provided', 'OpenAINonRetryable');
      },
    },
    async (ctx, s) => {
      const { handle, step } = await startConversation(ctx, s, message(s, 1), 'inline');
      await turn(ctx, step, ['draftReply', 'recordFallbackReply', 'sendMessage']);
      return [{ name: 'inline-openai-down', history: await recordAndEnd(handle) }];
    },
  ),

  conversation('child-reply', 'child', {}, async (ctx, s) => {
    const first = message(s, 1);
    const { handle, step } = await startConversation(ctx, s, first, 'child');
    await turn(ctx, step, REPLY);
    const child = ctx.env.client.workflow.getHandle(workflowIds.reply(first.messageSid));
    return [
      { name: 'child-reply', history: await recordAndEnd(handle) },
      { name: 'as-child-sent', history: await child.fetchHistory() },
    ];
  }),

  conversation('child-duplicate-reply', 'child', {}, async (ctx, s) => {
    // The seen-set forgot this sid, but its reply run exists: the child start fails, that reply stands.
    const first = message(s, 1);
    const earlier = await ctx.env.client.workflow.start(replyWorkflow, {
      workflowId: workflowIds.reply(first.messageSid),
      taskQueue: ctx.taskQueue,
      args: [{ tenantId: TENANT, conversationId: rowId(`conversation:${s}`), inboundSids: [first.messageSid], withinWindow: true }],
    });
    await runToEnd(ctx, earlier, 'earlier-reply');
    const { handle, step } = await startConversation(ctx, s, first, 'child');
    await step.settle();
    await ctx.env.sleep(QUIET_MS);
    await step.timersFired(1);
    return [{ name: 'child-duplicate-reply', history: await recordAndEnd(handle) }];
  }),

  [
    // Needs the server to suggest continue-as-new after a few events (the time-skipping server only does
    // at 4096 events or 4 MB): the recorder's dev server runs with a threshold low enough for one turn.
    'conversationWorkflow-inline-continue-as-new',
    {
      server: 'dev-server',
      async run(ctx) {
        ctx.standIns.reset();
        const s = 'inline:continue-as-new';
        const { handle, step } = await startConversation(ctx, s, message(s, 1), 'inline');
        await step.settle(...REPLY); // real time: the 2-second quiet period passes on its own
        const first = await ctx.env.client.workflow.getHandle(handle.workflowId, handle.signaledRunId).fetchHistory();
        const next = ctx.env.client.workflow.getHandle(handle.workflowId);
        // The continued run starts from the carried state and rests at its window timer.
        await eventually(async () => (await next.describe()).runId !== handle.signaledRunId && quiescent(await eventTypes(next)), 'the run to continue as new (does the dev server still honour limit.historyCount.suggestContinueAsNew?)');
        return [
          { name: 'inline-continue-as-new', history: first },
          { name: 'inline-continued-run', history: await recordAndEnd(next) },
        ];
      },
    },
  ],
];

// ---- the other workflows -------------------------------------------------------------------------------

function timeSkipping(name: string, script: Partial<Script>, run: (ctx: RecordingContext) => Promise<Recorded[]>): [string, Scenario] {
  return [
    name,
    {
      server: 'time-skipping',
      async run(ctx) {
        ctx.standIns.reset(script);
        return run(ctx);
      },
    },
  ];
}

/**
 * Waits for a run to close and returns its history; a failed run is a result too. `skipMs` moves the
 * server's clock past the run's timers first. Not `handle.result()`: while a result is awaited the test
 * server skips to its next deadline, and with nothing else pending that is a ten-year run timeout, so every
 * later history would start decades on.
 */
async function runToEnd(ctx: RecordingContext, handle: WorkflowHandle, name: string, skipMs = 0): Promise<Recorded[]> {
  if (skipMs > 0) await ctx.env.sleep(skipMs);
  await eventually(async () => (await handle.describe()).status.name !== 'RUNNING', `${handle.workflowId} to close`);
  return [{ name, history: await handle.fetchHistory() }];
}

const replyInput = (label: string) => ({ tenantId: TENANT, conversationId: rowId(`conversation:${label}`), inboundSids: [sid('SM', label)], withinWindow: true });

const onboardingInput = (tenantId: string, intent: 'connect' | 'disconnect' = 'connect') => ({
  tenantId,
  intent,
  signup: { enabled: true, baseUrl: 'https://signup.example/whatsapp' },
});

const sender = (tenantId: string, status: string) => ({
  sid: sid('XE', `sender:${tenantId}`),
  phoneNumber: '+15557654321',
  status,
  offlineReasons: [],
});

const others: Array<[string, Scenario]> = [
  timeSkipping('replyWorkflow-not-sent', { draft: (input) => ({ messageId: rowId(`reply:${input.inboundSids[0]}`), send: false, reason: 'trial_expired' }) }, async (ctx) => {
    const handle = await ctx.env.client.workflow.start(replyWorkflow, { workflowId: workflowIds.reply(sid('SM', 'reply:not-sent')), taskQueue: ctx.taskQueue, args: [replyInput('reply:not-sent')] });
    return runToEnd(ctx, handle, 'not-sent');
  }),

  timeSkipping(
    'replyWorkflow-send-gave-up',
    {
      send: () => {
        throw ApplicationFailure.nonRetryable('Twilio error 63016: outside the allowed window', 'TwilioRejected');
      },
    },
    async (ctx) => {
      const handle = await ctx.env.client.workflow.start(replyWorkflow, { workflowId: workflowIds.reply(sid('SM', 'reply:gave-up')), taskQueue: ctx.taskQueue, args: [replyInput('reply:gave-up')] });
      return runToEnd(ctx, handle, 'send-gave-up');
    },
  ),

  timeSkipping('whatsappOnboardingWorkflow-connect-after-check-now', {}, async (ctx) => {
    // No sender yet, then one pending Meta's review, then (after "check now") online.
    const tenantId = rowId('tenant:onboarding-connect');
    ctx.standIns.script.senders = [[], [sender(tenantId, 'PENDING_VERIFICATION')], [sender(tenantId, 'ONLINE')]];
    const handle = await ctx.env.client.workflow.start(whatsappOnboardingWorkflow, { workflowId: workflowIds.onboarding(tenantId), taskQueue: ctx.taskQueue, args: [onboardingInput(tenantId)] });
    const step = stepper(ctx, handle);
    await step.settle('beginWhatsAppConnection', 'ensureSubaccount', 'recordSubaccount', 'ensureApiKey', 'recordWaitingForSender', 'listWhatsAppSenders');
    await ctx.env.sleep(60_000); // the first backoff timer fires
    await step.settle('listWhatsAppSenders');
    await handle.signal(checkNow); // cuts the next (2-minute) wait short
    await step.settle('listWhatsAppSenders', 'ensureMessagingService', 'attachSender', 'recordWhatsAppConnected');
    return runToEnd(ctx, handle, 'connect-after-check-now');
  }),

  timeSkipping('whatsappOnboardingWorkflow-disconnect-while-waiting', {}, async (ctx) => {
    const tenantId = rowId('tenant:onboarding-disconnect');
    ctx.standIns.script.senders = [[sender(tenantId, 'PENDING_VERIFICATION')]];
    const handle = await ctx.env.client.workflow.start(whatsappOnboardingWorkflow, { workflowId: workflowIds.onboarding(tenantId), taskQueue: ctx.taskQueue, args: [onboardingInput(tenantId)] });
    await stepper(ctx, handle).settle('recordWaitingForSender', 'listWhatsAppSenders');
    await handle.signal(disconnect); // unwinds: revoke the key, mark the connection disconnected
    return runToEnd(ctx, handle, 'disconnect-while-waiting');
  }),

  timeSkipping('whatsappOnboardingWorkflow-disconnect-only', {}, async (ctx) => {
    // The API's signal-with-start when no run is open: only the unwind, finding the connection first.
    const tenantId = rowId('tenant:onboarding-disconnect-only');
    const handle = await ctx.env.client.workflow.start(whatsappOnboardingWorkflow, { workflowId: workflowIds.onboarding(tenantId), taskQueue: ctx.taskQueue, args: [onboardingInput(tenantId, 'disconnect')] });
    return runToEnd(ctx, handle, 'disconnect-only');
  }),

  timeSkipping('whatsappTestMessageWorkflow-sent', {}, async (ctx) => {
    const tenantId = rowId('tenant:onboarding-connect');
    const subaccountSid = sid('AC', `subaccount:${tenantId}`);
    const handle = await ctx.env.client.workflow.start(whatsappTestMessageWorkflow, {
      workflowId: workflowIds.whatsappTestMessage(tenantId, 'req-1'),
      taskQueue: ctx.taskQueue,
      args: [{ tenantId, accountId: rowId(`account:${tenantId}`), subaccountSid, messagingServiceSid: sid('MG', `service:${subaccountSid}`), to: '+15551230000', reference: 'req-1' }],
    });
    return runToEnd(ctx, handle, 'sent');
  }),

  timeSkipping('trialWorkflow-reminders-then-expired', {}, async (ctx) => {
    const tenantId = rowId('tenant:trial-expired');
    const handle = await ctx.env.client.workflow.start(trialWorkflow, {
      workflowId: workflowIds.trial(tenantId),
      taskQueue: ctx.taskQueue,
      args: [{ tenantId, ownerEmail: 'owner@shop.example', trialEndsAt: new Date((await ctx.env.currentTimeMs()) + 14 * DAY).toISOString(), billingUrl: 'https://app.example/app/billing' }],
    });
    return runToEnd(ctx, handle, 'reminders-then-expired', 14 * DAY + 60_000);
  }),

  timeSkipping('trialWorkflow-converted', {}, async (ctx) => {
    const tenantId = rowId('tenant:trial-converted');
    const handle = await ctx.env.client.workflow.start(trialWorkflow, {
      workflowId: workflowIds.trial(tenantId),
      taskQueue: ctx.taskQueue,
      args: [{ tenantId, ownerEmail: 'owner@shop.example', trialEndsAt: new Date((await ctx.env.currentTimeMs()) + 14 * DAY).toISOString(), billingUrl: 'https://app.example/app/billing' }],
    });
    await ctx.env.sleep(12 * DAY); // past the 3-day reminder
    await stepper(ctx, handle).settle('sendEmail');
    await handle.signal(subscriptionStarted, { planCode: 'growth' });
    return runToEnd(ctx, handle, 'converted');
  }),

  timeSkipping('welcomeEmailWorkflow-sent', {}, async (ctx) => {
    const userId = rowId('user:merchant');
    const handle = await ctx.env.client.workflow.start(welcomeEmailWorkflow, {
      workflowId: workflowIds.welcomeEmail(userId),
      taskQueue: ctx.taskQueue,
      args: [{ userId, tenantId: TENANT, email: 'owner@shop.example', name: 'Ada', dashboardUrl: 'https://app.example/app', trialDays: 14 }],
    });
    return runToEnd(ctx, handle, 'sent');
  }),

  timeSkipping('emailVerificationWorkflow-resent-then-verified', {}, async (ctx) => {
    const userId = rowId('user:verify');
    const handle = await ctx.env.client.workflow.start(emailVerificationWorkflow, {
      workflowId: workflowIds.emailVerification(userId),
      taskQueue: ctx.taskQueue,
      args: [{ userId, tenantId: TENANT, email: 'owner@shop.example', name: 'Ada' }],
    });
    await stepper(ctx, handle).settle('sendVerificationEmail');
    await handle.signal(resendVerification);
    await eventually(async () => (await handle.query(verificationState)).linksSent === 2, 'the second link');
    await handle.signal(emailVerified);
    return runToEnd(ctx, handle, 'resent-then-verified');
  }),

  timeSkipping('emailVerificationWorkflow-expired', {}, async (ctx) => {
    const userId = rowId('user:verify-expired');
    const handle = await ctx.env.client.workflow.start(emailVerificationWorkflow, {
      workflowId: workflowIds.emailVerification(userId),
      taskQueue: ctx.taskQueue,
      args: [{ userId, tenantId: TENANT, email: 'owner@shop.example', name: null }],
    });
    return runToEnd(ctx, handle, 'expired', 3 * DAY + 60_000);
  }),

  timeSkipping('catalogImportWorkflow-applied', { stagedRows: 45_000 }, async (ctx) => {
    const importId = rowId('import:applied');
    const handle = await ctx.env.client.workflow.start(catalogImportWorkflow, { workflowId: workflowIds.catalogImport(TENANT, rowId('upload:applied')), taskQueue: ctx.taskQueue, args: [{ tenantId: TENANT, importId }] });
    return runToEnd(ctx, handle, 'applied'); // three slices of up to 20k rows
  }),

  timeSkipping('catalogImportWorkflow-staging-lost', { stagedRows: 30_000, failSliceAt: 20_000 }, async (ctx) => {
    const importId = rowId('import:staging-lost');
    const handle = await ctx.env.client.workflow.start(catalogImportWorkflow, { workflowId: workflowIds.catalogImport(TENANT, rowId('upload:staging-lost')), taskQueue: ctx.taskQueue, args: [{ tenantId: TENANT, importId }] });
    return runToEnd(ctx, handle, 'staging-lost'); // the second slice fails for good: the import says why, the run fails
  }),

  timeSkipping('healthCheckWorkflow-recovered-after-recheck', { probes: { database: ['down', 'up'] } }, async (ctx) => {
    const handle = await ctx.env.client.workflow.start(healthCheckWorkflow, { workflowId: 'health-check:scheduled:recovered', taskQueue: ctx.taskQueue, args: [{ trigger: 'scheduled' }] });
    return runToEnd(ctx, handle, 'recovered-after-recheck', 2 * 60_000 + 1_000); // down, 2-minute grace sleep, re-probed up: no alert
  }),

  timeSkipping('healthCheckWorkflow-still-down-alerts', { probes: { openai: ['down', 'down'] } }, async (ctx) => {
    const handle = await ctx.env.client.workflow.start(healthCheckWorkflow, { workflowId: 'health-check:scheduled:still-down', taskQueue: ctx.taskQueue, args: [{ trigger: 'scheduled' }] });
    return runToEnd(ctx, handle, 'still-down-alerts', 2 * 60_000 + 1_000);
  }),
];

// ---- billing -------------------------------------------------------------------------------------------

const trialRows = (plan = 'trial'): BillingSnapshot => ({ plan, subscription: null, pausedReason: null, graceEndsAt: null, openInvoiceUrl: null });
const subscribed = (tenantId: string, status: string, from: number, to: number, extra: Partial<BillingSnapshot> = {}): BillingSnapshot => ({
  plan: 'starter',
  subscription: {
    id: `sub_${sid('', `subscription:${tenantId}`).slice(0, 24)}`,
    status,
    planCode: 'starter',
    currentPeriodStart: new Date(from).toISOString(),
    currentPeriodEnd: new Date(to).toISOString(),
    cancelAtPeriodEnd: false,
  },
  pausedReason: null,
  graceEndsAt: null,
  openInvoiceUrl: null,
  ...extra,
});

/** Starts a tenant's billing workflow as sign-up does (a 14-day trial from now) and waits for its first sync. */
async function startBilling(ctx: RecordingContext, label: string) {
  const tenantId = rowId(`tenant:${label}`);
  const now = await ctx.env.currentTimeMs();
  const handle = await ctx.env.client.workflow.start(billingWorkflow, {
    workflowId: workflowIds.billing(tenantId),
    taskQueue: ctx.taskQueue,
    args: [{ tenantId, ownerEmail: 'owner@shop.example', trialEndsAt: new Date(now + 14 * DAY).toISOString(), billingUrl: 'https://app.example/app/billing', graceDays: 7 }],
  });
  const step = stepper(ctx, handle);
  await step.settle('ensureStripeCustomer', 'ensureStripeCatalog', 'syncSubscription');
  return { tenantId, now, handle, step };
}

const stripeEvent = (n: number) => ({ eventId: `evt_${sid('', `event:${n}`).slice(0, 24)}`, type: 'customer.subscription.updated' });

const billing: Array<[string, Scenario]> = [
  timeSkipping('billingWorkflow-trial-reminders-then-expired', {}, async (ctx) => {
    ctx.standIns.script.billing = [trialRows(), trialRows()];
    ctx.standIns.script.billingRows = [trialRows('trial_expired')];
    const { handle, step } = await startBilling(ctx, 'billing-trial-expired');
    await ctx.env.sleep(14 * DAY + 60_000); // reminders at day 11 and 13, then the end: re-read Stripe, expire, email
    await step.settle('sendEmail', 'sendEmail', 'syncSubscription', 'markTrialExpired', 'sendEmail', 'loadBillingSnapshot');
    return [{ name: 'trial-reminders-then-expired', history: await recordAndEnd(handle) }];
  }),

  timeSkipping('billingWorkflow-converted-during-trial', {}, async (ctx) => {
    const tenantId = rowId('tenant:billing-converted');
    const now = await ctx.env.currentTimeMs();
    ctx.standIns.script.billing = [
      trialRows(),
      subscribed(tenantId, 'trialing', now + 12 * DAY, now + 14 * DAY),
      subscribed(tenantId, 'active', now + 14 * DAY, now + 44 * DAY),
    ];
    const { handle, step } = await startBilling(ctx, 'billing-converted');
    await ctx.env.sleep(12 * DAY); // past the 3-day reminder
    await step.settle('sendEmail');
    await handle.signal(stripeEventReceived, stripeEvent(1)); // checkout completed, the trial carried over
    await step.settle('syncSubscription');
    await ctx.env.sleep(2 * DAY + 60_000); // the carried trial ends: Stripe's first paid period, read at the period's end
    await step.settle('syncSubscription');
    return [{ name: 'converted-during-trial', history: await recordAndEnd(handle) }];
  }),

  timeSkipping('billingWorkflow-payment-failed-paused-resumed', {}, async (ctx) => {
    const tenantId = rowId('tenant:billing-dunning');
    const now = await ctx.env.currentTimeMs();
    const pastDue = subscribed(tenantId, 'past_due', now, now + 30 * DAY, { openInvoiceUrl: 'https://invoice.stripe.com/i/acct_1/test_1' });
    ctx.standIns.script.billing = [subscribed(tenantId, 'active', now, now + 30 * DAY), pastDue, pastDue, subscribed(tenantId, 'active', now, now + 30 * DAY)];
    ctx.standIns.script.billingRows = [{ ...pastDue, pausedReason: 'payment_required' }];
    const { handle, step } = await startBilling(ctx, 'billing-dunning');
    await handle.signal(stripeEventReceived, stripeEvent(2)); // invoice.payment_failed
    await step.settle('syncSubscription', 'startGracePeriod', 'sendEmail');
    await ctx.env.sleep(7 * DAY + 60_000); // the grace period ends with the payment outstanding
    await step.settle('syncSubscription', 'pauseRepliesForPayment', 'sendEmail', 'loadBillingSnapshot');
    await handle.signal(stripeEventReceived, stripeEvent(3)); // invoice.paid
    await step.settle('syncSubscription');
    return [{ name: 'payment-failed-paused-resumed', history: await recordAndEnd(handle) }];
  }),

  timeSkipping('billingWorkflow-reply-limit-told-once', {}, async (ctx) => {
    const { handle, step } = await startBilling(ctx, 'billing-limit');
    const notice = { periodStart: '2025-01-01T00:00:00.000Z', limit: 1000 };
    await handle.signal(replyLimitReached, notice);
    await step.settle('recordReplyLimitReached', 'sendEmail');
    await handle.signal(replyLimitReached, notice); // delivered again by the relay's sweeper: told once
    await step.settle();
    return [{ name: 'reply-limit-told-once', history: await recordAndEnd(handle) }];
  }),

  timeSkipping('billingWorkflow-customer-retried', { customerFailures: 2 }, async (ctx) => {
    const tenantId = rowId('tenant:billing-customer-retried');
    const now = await ctx.env.currentTimeMs();
    const handle = await ctx.env.client.workflow.start(billingWorkflow, {
      workflowId: workflowIds.billing(tenantId),
      taskQueue: ctx.taskQueue,
      args: [{ tenantId, ownerEmail: 'owner@shop.example', trialEndsAt: new Date(now + 14 * DAY).toISOString(), billingUrl: 'https://app.example/app/billing', graceDays: 7 }],
    });
    const step = stepper(ctx, handle);
    await step.settle('ensureStripeCustomer', 'loadBillingSnapshot'); // Stripe unreachable at sign-up: a retry timer (5 min), the first sync waits for it
    await ctx.env.sleep(5 * 60_000 + 1_000);
    await step.settle('ensureStripeCustomer'); // still unreachable: the next one is 10 minutes away
    await ctx.env.sleep(10 * 60_000 + 1_000);
    await step.settle('ensureStripeCustomer', 'ensureStripeCatalog', 'syncSubscription'); // created, then read once
    return [{ name: 'customer-retried', history: await recordAndEnd(handle) }];
  }),

  [
    // Continue-as-new needs the dev server's low threshold: the first run is suggested to continue right
    // after its start-up work, and the continued run (carried state, no start-up work) rests on its timer.
    'billingWorkflow-continue-as-new',
    {
      server: 'dev-server',
      async run(ctx) {
        ctx.standIns.reset();
        const tenantId = rowId('tenant:billing-continue-as-new');
        const handle = await ctx.env.client.workflow.start(billingWorkflow, {
          workflowId: workflowIds.billing(tenantId),
          taskQueue: ctx.taskQueue,
          args: [{ tenantId, ownerEmail: 'owner@shop.example', trialEndsAt: new Date(Date.now() + 14 * DAY).toISOString(), billingUrl: 'https://app.example/app/billing', graceDays: 7 }],
        });
        const next = ctx.env.client.workflow.getHandle(handle.workflowId);
        // Resting means its trial-reminder timer is started (a run that only just began is quiescent too).
        await eventually(async () => {
          if ((await next.describe()).runId === handle.firstExecutionRunId) return false;
          const types = await eventTypes(next);
          return types.includes('TIMER_STARTED') && quiescent(types);
        }, 'the billing run to continue as new and rest on its timer');
        const first = await ctx.env.client.workflow.getHandle(handle.workflowId, handle.firstExecutionRunId).fetchHistory();
        return [
          { name: 'continue-as-new', history: first },
          { name: 'continued-run', history: await recordAndEnd(next) },
        ];
      },
    },
  ],

  timeSkipping('billingSessionWorkflow-checkout', {}, async (ctx) => {
    const tenantId = rowId('tenant:billing-session');
    const handle = await ctx.env.client.workflow.start(billingSessionWorkflow, {
      workflowId: workflowIds.billingSession(tenantId, 'req-1'),
      taskQueue: ctx.taskQueue,
      args: [{ tenantId, requestId: 'req-1', kind: 'checkout', planCode: 'growth', successUrl: 'https://app.example/app/billing?checkout=success', cancelUrl: 'https://app.example/app/billing' }],
    });
    return runToEnd(ctx, handle, 'checkout');
  }),

  timeSkipping('usageReportWorkflow-reported', {}, async (ctx) => {
    const handle = await ctx.env.client.workflow.start(usageReportWorkflow, { workflowId: 'billing-usage-report:replay', taskQueue: ctx.taskQueue, args: [{}] });
    return runToEnd(ctx, handle, 'reported');
  }),
];

// ---- analytics -----------------------------------------------------------------------------------------

const analytics: Array<[string, Scenario]> = [
  timeSkipping('analyticsRefreshWorkflow-caught-up', {}, async (ctx) => {
    const handle = await ctx.env.client.workflow.start(analyticsRefreshWorkflow, { workflowId: 'analytics-refresh:replay-caught-up', taskQueue: ctx.taskQueue, args: [{}] });
    return runToEnd(ctx, handle, 'caught-up'); // one chunk holds every new event
  }),

  timeSkipping('analyticsRefreshWorkflow-backlog-left-for-next-run', { analyticsBacklogChunks: 5 }, async (ctx) => {
    const handle = await ctx.env.client.workflow.start(analyticsRefreshWorkflow, { workflowId: 'analytics-refresh:replay-backlog', taskQueue: ctx.taskQueue, args: [{ maxChunks: 3 }] });
    return runToEnd(ctx, handle, 'backlog-left-for-next-run'); // three full chunks, the rest to the next scheduled run
  }),

  timeSkipping('analyticsRebuildWorkflow-all', {}, async (ctx) => {
    const handle = await ctx.env.client.workflow.start(analyticsRebuildWorkflow, { workflowId: workflowIds.analyticsRebuild(null), taskQueue: ctx.taskQueue, args: [{ tenantId: null }] });
    return runToEnd(ctx, handle, 'all');
  }),
];

// ---- SMS numbers and broadcasts (issue 16) -------------------------------------------------------------

const broadcastStart = async (ctx: RecordingContext, label: string, ratePerSecond: number, scheduledAt: string | null = null) => {
  const broadcastId = rowId(`broadcast:${label}`);
  return ctx.env.client.workflow.start(broadcastWorkflow, {
    workflowId: workflowIds.broadcast(TENANT, broadcastId),
    taskQueue: ctx.taskQueue,
    args: [{ tenantId: TENANT, broadcastId, channel: 'whatsapp', ratePerSecond, scheduledAt }],
  });
};

const smsNumberRun = (ctx: RecordingContext, label: string, intent: 'buy' | 'release') =>
  ctx.env.client.workflow.start(smsNumberWorkflow, {
    workflowId: workflowIds.smsNumber(TENANT, rowId(`sms-number:${label}`)),
    taskQueue: ctx.taskQueue,
    args: [{ tenantId: TENANT, numberId: rowId(`sms-number:${label}`), intent }],
  });

const broadcasts: Array<[string, Scenario]> = [
  timeSkipping('broadcastWorkflow-sent-in-batches', { broadcastRecipients: 20, broadcastBatches: [{ processed: 10, calls: 10, sent: 10, maxSeq: 10 }, { processed: 10, calls: 10, sent: 10, maxSeq: 20, done: true }] }, async (ctx) => {
    const handle = await broadcastStart(ctx, 'batches', 10);
    return runToEnd(ctx, handle, 'sent-in-batches', 60_000);
  }),

  // The first batch takes 3.5 s for 1 s of sends: the next batches start 2.5 s behind the broadcast's one
  // timeline and send at once to win it back (no timer); runs from before `broadcast-one-timeline` dropped it.
  timeSkipping(
    'broadcastWorkflow-fell-behind-caught-up',
    {
      broadcastRecipients: 30,
      broadcastBatches: [
        { processed: 10, calls: 10, sent: 10, maxSeq: 10, tookMs: 3_500 },
        { processed: 10, calls: 10, sent: 10, maxSeq: 20 },
        { processed: 10, calls: 10, sent: 10, maxSeq: 30, done: true },
      ],
    },
    async (ctx) => {
      const handle = await broadcastStart(ctx, 'behind', 10);
      return runToEnd(ctx, handle, 'fell-behind-caught-up');
    },
  ),

  timeSkipping(
    'broadcastWorkflow-throttled-paused-resumed-cancelled',
    { broadcastRecipients: 100, broadcastBatches: [{ processed: 5, calls: 6, sent: 5, maxSeq: 5, throttled: { retryAfterMs: 1_000, code: '20429' } }, { processed: 10, calls: 10, sent: 10, maxSeq: 15 }] },
    async (ctx) => {
      const handle = await broadcastStart(ctx, 'signals', 10);
      const step = stepper(ctx, handle);
      await step.settle('startBroadcast', 'sendBroadcastBatch');
      await ctx.env.sleep(5_000); // the backoff after Twilio's 429
      await step.settle('sendBroadcastBatch');
      await handle.signal(pauseBroadcast, { by: 'merchant' });
      await step.settle('recordBroadcastPhase');
      await handle.signal(resumeBroadcast, { by: 'merchant' });
      await step.settle('recordBroadcastPhase');
      await handle.signal(cancelBroadcast, { by: 'merchant' });
      return runToEnd(ctx, handle, 'throttled-paused-resumed-cancelled', 5_000);
    },
  ),

  timeSkipping(
    'broadcastWorkflow-billing-paused-then-resumed',
    { broadcastRecipients: 5, broadcastBatches: [{ blocked: { reason: 'trial_expired', message: 'AI replies are paused: the free trial has ended. Choose a plan to resume.' } }, { processed: 5, calls: 5, sent: 5, maxSeq: 5, done: true }] },
    async (ctx) => {
      const handle = await broadcastStart(ctx, 'billing', 10);
      const step = stepper(ctx, handle);
      await step.settle('startBroadcast', 'sendBroadcastBatch', 'recordBroadcastPhase');
      await handle.signal(resumeBroadcast, { by: 'merchant' });
      return runToEnd(ctx, handle, 'billing-paused-then-resumed', 60_000);
    },
  ),

  timeSkipping('broadcastWorkflow-scheduled', { broadcastRecipients: 3, broadcastBatches: [{ processed: 3, calls: 3, sent: 3, maxSeq: 3, done: true }] }, async (ctx) => {
    const handle = await broadcastStart(ctx, 'scheduled', 80, new Date((await ctx.env.currentTimeMs()) + 2 * 3600_000).toISOString());
    return runToEnd(ctx, handle, 'scheduled', 3 * 3600_000);
  }),

  timeSkipping('broadcastTemplatesWorkflow-listed', {}, async (ctx) => {
    const handle = await ctx.env.client.workflow.start(broadcastTemplatesWorkflow, { workflowId: workflowIds.broadcastTemplates(TENANT, 'req-1'), taskQueue: ctx.taskQueue, args: [{ tenantId: TENANT }] });
    return runToEnd(ctx, handle, 'listed');
  }),

  timeSkipping('smsNumberWorkflow-bought', {}, async (ctx) => runToEnd(ctx, await smsNumberRun(ctx, 'bought', 'buy'), 'bought')),

  timeSkipping('smsNumberWorkflow-released', {}, async (ctx) => runToEnd(ctx, await smsNumberRun(ctx, 'released', 'release'), 'released')),

  timeSkipping('smsNumberSearchWorkflow-found', {}, async (ctx) => {
    const handle = await ctx.env.client.workflow.start(smsNumberSearchWorkflow, {
      workflowId: workflowIds.smsNumberSearch(TENANT, 'req-1'),
      taskQueue: ctx.taskQueue,
      args: [{ tenantId: TENANT, accountId: rowId(`account:${TENANT}`), subaccountSid: sid('AC', `subaccount:${TENANT}`), country: 'US', areaCode: '415' }],
    });
    return runToEnd(ctx, handle, 'found');
  }),

  timeSkipping('whatsappOnboardingWorkflow-disconnect-releases-sms-numbers', { heldSmsNumbers: 2 }, async (ctx) => {
    // A disconnect after SMS numbers were bought: each goes back to Twilio before the key is revoked.
    const tenantId = rowId('tenant:onboarding-disconnect-sms');
    const handle = await ctx.env.client.workflow.start(whatsappOnboardingWorkflow, { workflowId: workflowIds.onboarding(tenantId), taskQueue: ctx.taskQueue, args: [onboardingInput(tenantId, 'disconnect')] });
    return runToEnd(ctx, handle, 'disconnect-releases-sms-numbers');
  }),
];

// ---- the merchant's agent (issue 18) ---------------------------------------------------------------------

const HOUR = 60 * 60 * 1000;
/** The first message of a scenario is handed to the merchant (the rules matched); the rest get normal replies. */
const handsOff = (scenario: string): Partial<Script> => ({
  draft: (input) => ({
    messageId: rowId(`reply:${input.inboundSids.at(-1)}`),
    send: true,
    reason: null,
    ...(input.inboundSids.at(-1) === message(scenario, 1).messageSid ? { handoff: 'customer_asked' as const } : {}),
  }),
});

const agent: Array<[string, Scenario]> = [
  conversation('inline-handoff', 'inline', handsOff('inline:inline-handoff'), async (ctx, s) => {
    const { handle, step } = await startConversation(ctx, s, message(s, 1), 'inline');
    await turn(ctx, step, [...REPLY, 'handOffToMerchant']); // the customer is told, the merchant notified
    await turn(ctx, step, ['recordNoReply'], () => handle.signal(inboundMessage, message(s, 2))); // the AI is paused
    return [{ name: 'inline-handoff', history: await recordAndEnd(handle) }];
  }),

  conversation('child-handoff', 'child', handsOff('child:child-handoff'), async (ctx, s) => {
    const first = message(s, 1);
    const { handle, step } = await startConversation(ctx, s, first, 'child');
    await turn(ctx, step, [...REPLY, 'handOffToMerchant']);
    const child = ctx.env.client.workflow.getHandle(workflowIds.reply(first.messageSid));
    return [
      { name: 'child-handoff', history: await recordAndEnd(handle) },
      { name: 'as-child-handoff', history: await child.fetchHistory() },
    ];
  }),

  conversation(
    'inline-away-then-opening',
    'inline',
    {
      // Closed until ten hours after the first turn: the away message, then the held turn answered at opening.
      draft: (input) =>
        input.afterHours || input.at === undefined
          ? { messageId: rowId(`reply:${input.inboundSids.at(-1)}`), send: true, reason: null }
          : { messageId: rowId(`away:${input.inboundSids.at(-1)}`), send: true, reason: null, holdUntil: input.at + 10 * HOUR },
    },
    async (ctx, s) => {
      const { handle, step } = await startConversation(ctx, s, message(s, 1), 'inline');
      await turn(ctx, step, REPLY); // the away message
      await turn(ctx, step, [], () => handle.signal(inboundMessage, message(s, 2))); // same closed spell: held, no message
      await ctx.env.sleep(10 * HOUR); // the opening timer fires: both messages answered as one turn
      await step.settle(...REPLY);
      return [{ name: 'inline-away-then-opening', history: await recordAndEnd(handle) }];
    },
  ),

  conversation(
    'inline-away-window-closed',
    'inline',
    {
      // Closed for two days after the first turn: at opening WhatsApp's window has closed, so the held turn is
      // handed to the merchant (patched('agent-away-window-closed')) instead of answered.
      draft: (input) => ({ messageId: rowId(`away:${input.inboundSids.at(-1)}`), send: true, reason: null, holdUntil: (input.at ?? 0) + 2 * DAY }),
    },
    async (ctx, s) => {
      const { handle, step } = await startConversation(ctx, s, message(s, 1), 'inline');
      await turn(ctx, step, REPLY); // the away message
      await ctx.env.sleep(2 * DAY); // the window timer fires, then the opening's: the merchant's, nothing sent
      await step.settle('handOffToMerchant');
      return [{ name: 'inline-away-window-closed', history: await recordAndEnd(handle) }];
    },
  ),

  timeSkipping('agentTestChatWorkflow-answered', {}, async (ctx) => {
    const handle = await ctx.env.client.workflow.start(agentTestChatWorkflow, {
      workflowId: workflowIds.agentTestChat(TENANT, 'req-1'),
      taskQueue: ctx.taskQueue,
      args: [{ tenantId: TENANT, message: 'How much is the blue t-shirt?', history: [] }],
    });
    return runToEnd(ctx, handle, 'answered');
  }),
];

/** Every scenario, by a title for the recorder's output. */
export const scenarios: ReadonlyArray<[string, Scenario]> = [...conversations, ...others, ...billing, ...analytics, ...broadcasts, ...agent];
