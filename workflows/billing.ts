import {
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  patched,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { AccountActivities } from '../activities/accounts.js';
import type { BillingActivities } from '../activities/billing.js';
import type { EmailActivities } from '../activities/email.js';
import type { StripeActivities } from '../activities/stripe.js';
import { billingPhaseOf, LIVE_SUBSCRIPTION_STATUSES, TRIAL_PLAN, type BillingSnapshot } from '../lib/billing/plans.js';
import { paymentFailedEmail, replyLimitReachedEmail, repliesPausedForPaymentEmail } from '../lib/email/billing-templates.js';
import { trialEndedEmail, trialReminderEmail, type EmailContent } from '../lib/email/templates.js';
import { workflowIds } from '../lib/temporal/names.js';
import { DATABASE_CALL } from './activity-options.js';
import {
  billingState,
  replyLimitReached,
  stripeEventReceived,
  syncNow,
  type BillingInput,
  type BillingState,
  type BillingWorkflow,
} from './contracts/billing.js';
import { subscriptionStarted } from './contracts/trial.js';
import { REMINDER_DAYS_BEFORE_END } from './trial.js';

const DAY_MS = 24 * 60 * 60 * 1000;
/** A period end Stripe has not rolled over yet (its renewal is late): look again after this long. */
const RESYNC_AFTER_MS = 60 * 60 * 1000;
/**
 * Creating the Stripe customer failed for good (Stripe down or refusing for longer than the activity's own
 * ~40 minutes of retries): the run tries again on a durable timer, 5 minutes after the failure, then 10, 20, …
 * at most an hour apart, until the customer exists. Guarded by this patch id (README: changing a workflow).
 */
export const CUSTOMER_RETRY_PATCH = 'stripe-customer-retry';
export const CUSTOMER_RETRY_FIRST_MS = 5 * 60 * 1000;
export const CUSTOMER_RETRY_MAX_MS = 60 * 60 * 1000;
const RECENT_EVENT_IDS = 20;
const LIMIT_NOTICES_KEPT = 6;

// Stripe may be slow or briefly down: a sync waits it out (minutes), then gives up until the next event or timer.
const stripe = proxyActivities<StripeActivities>({
  startToCloseTimeout: '60 seconds',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes', maximumAttempts: 15 },
});
const billingDb = proxyActivities<BillingActivities>(DATABASE_CALL);
const { markTrialExpired } = proxyActivities<AccountActivities>(DATABASE_CALL);
// Emails may wait out an SMTP outage for hours: late beats never (and the outbox key makes each one once).
const { sendEmail } = proxyActivities<EmailActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '10 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes', maximumAttempts: 30 },
});

type Deadline = { at: number } & (
  | { what: 'reminder'; daysBefore: number }
  | { what: 'trial-end' }
  | { what: 'grace-end' }
  | { what: 'period-end' }
  | { what: 'customer-retry' }
);

/**
 * One per merchant (`billing:{tenant}`), for the life of the account: the single owner of "may this tenant
 * get AI replies". It runs the sign-up trial (reminders, then expiry), follows the Stripe subscription
 * (re-read from Stripe on every event: never the event's payload, never its arrival order), runs the grace
 * period after a failed payment on a durable timer and then pauses replies, re-reads Stripe at each
 * period's end (rollover), and tells the merchant once when replies hit the plan's limit. What the reply
 * path obeys is written to the database by its activities; this run's state is what the billing page shows.
 */
export async function billingWorkflow(input: BillingInput): Promise<void> {
  const { tenantId } = input;
  const state: BillingState = input.carried ? { ...input.carried } : initialState(input);
  // A first start reads Stripe once: the account may be older than this run (a subscription already there).
  let syncWanted = !input.carried;
  const limitNotices: Array<{ periodStart: string; limit: number | null }> = [];

  setHandler(stripeEventReceived, ({ eventId }) => {
    state.eventsHeard += 1;
    state.recentEventIds = [...state.recentEventIds, eventId].slice(-RECENT_EVENT_IDS);
    syncWanted = true;
  });
  setHandler(replyLimitReached, (notice) => void limitNotices.push(notice));
  setHandler(syncNow, () => void (syncWanted = true));
  setHandler(billingState, () => state);

  const email = (content: EmailContent, idempotencyKey: string) =>
    sendEmail({ idempotencyKey, tenantId, to: input.ownerEmail, workflowId: workflowInfo().workflowId, ...content });

  /** The customer exists at Stripe (created once, keyed by the tenant); null while Stripe is not configured. */
  const ensureCustomer = async () => {
    try {
      state.customerId = (await stripe.ensureStripeCustomer({ tenantId, email: input.ownerEmail })).customerId;
      state.customerRetry = null;
    } catch (err) {
      if (isCancellation(err)) throw err;
      // Without a customer the merchant cannot pay (Checkout and the portal answer 409), and before this
      // patch nothing tried again until the next event or timer: days, in a trial (the day-11 reminder does
      // not even sync). So this run owns the retry, on a durable backoff timer (nextDeadline), until it
      // succeeds. Chosen over a "sync when the Billing page sees no customer" nudge from the page or the
      // API: that heals only once someone opens the page (a merchant who never looks, and the dunning and
      // trial emails' links, would still find no customer), while the timer heals every account on its own,
      // survives worker and API restarts (it is in history), and costs one activity per tenant per interval.
      if (patched(CUSTOMER_RETRY_PATCH)) {
        const attempt = (state.customerRetry?.attempt ?? 0) + 1;
        const delay = Math.min(CUSTOMER_RETRY_FIRST_MS * 2 ** (attempt - 1), CUSTOMER_RETRY_MAX_MS);
        state.customerRetry = { attempt, at: new Date(Date.now() + delay).toISOString() };
      }
      log.warn('could not create the Stripe customer; will try again', { tenantId, retryAt: state.customerRetry?.at ?? 'at the next sync', err });
    }
  };

  /** Stripe's current state applied to our rows, then what the change calls for (grace, the legacy trial). */
  const sync = async () => {
    // While a retry of the customer is planned, its timer owns it (no second ~40-minute attempt per nudge).
    if (!state.customerId && !state.customerRetry) await ensureCustomer();
    if (!state.customerId) return;
    const heard = state.eventsHeard;
    try {
      await settle(await stripe.syncSubscription({ tenantId, customerId: state.customerId }));
      state.lastSyncedAt = new Date().toISOString();
      state.syncedThroughEvent = heard;
    } catch (err) {
      if (isCancellation(err)) throw err;
      log.warn('billing sync failed; the next event or timer tries again', { tenantId, err });
    }
  };

  const settle = async (snapshot: BillingSnapshot) => {
    state.plan = snapshot.plan;
    state.subscription = snapshot.subscription;
    state.pausedReason = snapshot.pausedReason;
    state.graceEndsAt = snapshot.graceEndsAt;
    state.phase = billingPhaseOf(snapshot);
    if (state.subscription && LIVE_SUBSCRIPTION_STATUSES.includes(state.subscription.status) && !state.legacyTrialTold) {
      state.legacyTrialTold = true;
      await tellLegacyTrial(tenantId, state.subscription.planCode ?? state.plan);
    }
    if (state.phase === 'past_due' && !state.graceEndsAt) {
      const endsAt = new Date(Date.now() + input.graceDays * DAY_MS).toISOString();
      state.graceEndsAt = (await billingDb.startGracePeriod({ tenantId, endsAt })).graceEndsAt;
      const link = snapshot.openInvoiceUrl ?? input.billingUrl;
      await email(paymentFailedEmail({ graceEndsAt: state.graceEndsAt, billingUrl: link }), `payment-failed:${tenantId}:${state.graceEndsAt}`);
    }
  };

  const reach = async (deadline: Deadline) => {
    switch (deadline.what) {
      case 'reminder':
        await email(trialReminderEmail({ daysLeft: deadline.daysBefore, billingUrl: input.billingUrl }), `trial-reminder:${tenantId}:${deadline.daysBefore}d`);
        state.remindersSent = [...state.remindersSent, deadline.daysBefore];
        return;
      case 'trial-end': {
        await sync(); // a subscription whose webhook has not arrived still counts
        if (state.phase !== 'trialing') return;
        const { expired } = await markTrialExpired({ tenantId });
        if (expired) await email(trialEndedEmail({ billingUrl: input.billingUrl }), `trial-ended:${tenantId}`);
        await settle(await billingDb.loadBillingSnapshot({ tenantId }));
        if (state.phase === 'trialing') state.phase = 'trial_expired'; // the row said otherwise; never loop on it
        return;
      }
      case 'grace-end': {
        await sync(); // paid meanwhile?
        if (state.phase !== 'past_due') return;
        const graceEndedAt = state.graceEndsAt;
        const { paused } = await billingDb.pauseRepliesForPayment({ tenantId });
        if (paused) await email(repliesPausedForPaymentEmail({ billingUrl: input.billingUrl }), `payment-paused:${tenantId}:${graceEndedAt}`);
        await settle(await billingDb.loadBillingSnapshot({ tenantId }));
        return;
      }
      case 'period-end':
        await sync();
        return;
      case 'customer-retry':
        await ensureCustomer(); // failing again sets the next, longer, retry
        if (!state.customerId) return;
        await ensureCatalog(tenantId); // it failed with the customer at the start (same outage), most likely
        await sync();
        return;
    }
  };

  const tellLimit = async (notice: { periodStart: string; limit: number | null }) => {
    const key = `${notice.periodStart}|${notice.limit ?? '-'}`;
    if (state.limitNotices.includes(key)) return;
    state.limitNotices = [...state.limitNotices, key].slice(-LIMIT_NOTICES_KEPT);
    const { planName } = await billingDb.recordReplyLimitReached({ tenantId, ...notice });
    await email(replyLimitReachedEmail({ limit: notice.limit, planName, billingUrl: input.billingUrl }), `reply-limit:${tenantId}:${key}`);
  };

  if (!input.carried) {
    await ensureCustomer();
    if (state.customerId) await ensureCatalog(tenantId);
    else await settle(await billingDb.loadBillingSnapshot({ tenantId }));
  }

  for (;;) {
    if (syncWanted) {
      syncWanted = false;
      await sync();
    }
    while (limitNotices.length > 0) await tellLimit(limitNotices.shift()!);
    if (syncWanted || limitNotices.length > 0) continue;
    if (workflowInfo().continueAsNewSuggested) {
      // Signals that arrived meanwhile are handled first; then the same state goes on in a fresh history.
      await condition(allHandlersFinished);
      if (!syncWanted && limitNotices.length === 0) await continueAsNew<BillingWorkflow>({ ...input, carried: state });
      continue;
    }
    const next = nextDeadline(state, Date.now());
    if (next && next.at <= Date.now()) {
      await reach(next);
      continue;
    }
    const woken = () => syncWanted || limitNotices.length > 0 || workflowInfo().continueAsNewSuggested;
    const heard = next ? await condition(woken, next.at - Date.now()) : await condition(woken);
    if (!heard && next) await reach(next);
  }
}

function initialState(input: BillingInput): BillingState {
  return {
    phase: 'trialing',
    plan: TRIAL_PLAN,
    customerId: null,
    trialEndsAt: input.trialEndsAt,
    remindersSent: [],
    subscription: null,
    graceEndsAt: null,
    pausedReason: null,
    limitNotices: [],
    customerRetry: null,
    eventsHeard: 0,
    recentEventIds: [],
    syncedThroughEvent: 0,
    legacyTrialTold: false,
    lastSyncedAt: null,
  };
}

/** Plans and the meter at Stripe, ensured when a run starts (idempotent; a failure waits for the next start or checkout). */
async function ensureCatalog(tenantId: string): Promise<void> {
  try {
    await stripe.ensureStripeCatalog();
  } catch (err) {
    if (isCancellation(err)) throw err;
    log.warn('could not ensure the Stripe plans; checkout ensures them again', { tenantId, err });
  }
}

/**
 * Accounts from before this workflow still have their `trial:{tenant}` run: it is told of the subscription
 * (so it never sends "your trial has ended" to a paying merchant). Newer accounts have none: nothing happens.
 */
async function tellLegacyTrial(tenantId: string, planCode: string): Promise<void> {
  try {
    await getExternalWorkflowHandle(workflowIds.trial(tenantId)).signal(subscriptionStarted, { planCode });
  } catch (err) {
    if (isCancellation(err)) throw err;
  }
}

/** What this run waits for next (besides signals), from its state: pure, so replay computes the same. */
export function nextDeadline(state: BillingState, now: number): Deadline | null {
  const candidates: Deadline[] = [];
  if (state.customerRetry && !state.customerId) candidates.push({ at: Date.parse(state.customerRetry.at), what: 'customer-retry' });
  if (state.phase === 'trialing') {
    if (state.trialEndsAt) candidates.push(trialDeadline(Date.parse(state.trialEndsAt), state.remindersSent, now));
  } else {
    if (state.phase === 'past_due' && state.graceEndsAt) candidates.push({ at: Date.parse(state.graceEndsAt), what: 'grace-end' });
    const periodEnd = state.subscription?.currentPeriodEnd;
    if (periodEnd && (state.phase === 'subscribed' || state.phase === 'past_due' || state.phase === 'paused')) {
      const at = Date.parse(periodEnd);
      candidates.push({ at: at > now ? at : now + RESYNC_AFTER_MS, what: 'period-end' });
    }
  }
  return candidates.sort((a, b) => a.at - b.at)[0] ?? null;
}

/** The trial's next step: the first reminder not yet sent and still ahead, else its end. */
function trialDeadline(end: number, remindersSent: readonly number[], now: number): Deadline {
  for (const daysBefore of REMINDER_DAYS_BEFORE_END) {
    const at = end - daysBefore * DAY_MS;
    if (!remindersSent.includes(daysBefore) && at > now) return { at, what: 'reminder', daysBefore };
  }
  return { at: end, what: 'trial-end' };
}
