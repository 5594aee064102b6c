import { condition, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { AccountActivities } from '../activities/accounts.js';
import type { EmailActivities } from '../activities/email.js';
import { trialEndedEmail, trialReminderEmail } from '../lib/email/templates.js';
import { subscriptionStarted, trialStateQuery, type TrialInput, type TrialState } from './contracts/trial.js';

/** Reminders go out this many days before the end (skipped when the trial is already shorter). */
export const REMINDER_DAYS_BEFORE_END = [3, 1] as const;
const DAY_MS = 24 * 60 * 60 * 1000;

// Emails may wait out an SMTP outage for hours: they are reminders, late beats never.
const { sendEmail } = proxyActivities<EmailActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '10 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes', maximumAttempts: 30 },
});
const { markTrialExpired } = proxyActivities<AccountActivities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

/** One per merchant (`trial:{tenant}`): sleeps until the trial ends, reminding before; then gates replies. */
export async function trialWorkflow(input: TrialInput): Promise<TrialState> {
  const endsAtMs = Date.parse(input.trialEndsAt);
  const state: TrialState = { phase: 'trialing', endsAt: input.trialEndsAt, remindersSent: [], planCode: null };
  setHandler(subscriptionStarted, ({ planCode }) => {
    state.planCode = planCode;
  });
  setHandler(trialStateQuery, () => state);
  const subscribed = () => state.planCode !== null;

  for (const daysBefore of REMINDER_DAYS_BEFORE_END) {
    const remindAt = endsAtMs - daysBefore * DAY_MS;
    if (remindAt <= Date.now()) continue;
    if (await condition(subscribed, remindAt - Date.now())) return converted(state);
    const email = trialReminderEmail({ daysLeft: daysBefore, billingUrl: input.billingUrl });
    await sendEmail({
      idempotencyKey: `trial-reminder:${input.tenantId}:${daysBefore}d`,
      tenantId: input.tenantId,
      to: input.ownerEmail,
      workflowId: workflowInfo().workflowId,
      ...email,
    });
    state.remindersSent.push(daysBefore);
  }

  if (endsAtMs > Date.now() && (await condition(subscribed, endsAtMs - Date.now()))) return converted(state);
  if (subscribed()) return converted(state);

  await markTrialExpired({ tenantId: input.tenantId });
  state.phase = 'expired';
  await sendEmail({
    idempotencyKey: `trial-ended:${input.tenantId}`,
    tenantId: input.tenantId,
    to: input.ownerEmail,
    workflowId: workflowInfo().workflowId,
    ...trialEndedEmail({ billingUrl: input.billingUrl }),
  });
  return state;
}

function converted(state: TrialState): TrialState {
  state.phase = 'converted';
  return state;
}
