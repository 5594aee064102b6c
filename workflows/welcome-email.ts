import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { EmailActivities } from '../activities/email.js';
import { welcomeEmail } from '../lib/email/templates.js';
import type { WelcomeEmailInput } from './contracts/welcome-email.js';

// SMTP hiccups are common and harmless to wait out; the outbox row makes retries send once.
const { sendEmail } = proxyActivities<EmailActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes', maximumAttempts: 20 },
});

/** Sends the welcome email once per user (`welcome-email:{user}`), retrying through SMTP outages. */
export async function welcomeEmailWorkflow(input: WelcomeEmailInput): Promise<string> {
  const result = await sendEmail({
    idempotencyKey: `welcome:${input.userId}`,
    tenantId: input.tenantId,
    to: input.email,
    workflowId: workflowInfo().workflowId,
    ...welcomeEmail({ name: input.name, dashboardUrl: input.dashboardUrl, trialDays: input.trialDays }),
  });
  return result.status;
}
