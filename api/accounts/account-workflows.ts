import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy, type Client } from '@temporalio/client';
import type { Env } from '../../lib/config/env.js';
import { workflowIds } from '../../lib/temporal/names.js';
import type { trialWorkflow } from '../../workflows/trial.js';
import type { welcomeEmailWorkflow } from '../../workflows/welcome-email.js';

interface AccountRef {
  tenantId: string;
  userId: string;
  email: string;
  name: string | null;
  trialEndsAt: Date | null;
}

/**
 * Starts the per-account workflows. Ids make this idempotent: login calls it again, so an account whose
 * sign-up committed while Temporal was briefly unreachable still gets its trial timer.
 */
export async function ensureAccountWorkflows(temporal: Client, env: Env, account: AccountRef): Promise<void> {
  const dashboardUrl = new URL('/app', env.WEB_PUBLIC_URL).toString();
  const billingUrl = new URL('/app/billing', env.WEB_PUBLIC_URL).toString();
  const trialEndsAt = account.trialEndsAt;
  await Promise.all([
    startOnce(() =>
      temporal.workflow.start<typeof welcomeEmailWorkflow>('welcomeEmailWorkflow', {
        taskQueue: env.TEMPORAL_TASK_QUEUE,
        workflowId: workflowIds.welcomeEmail(account.userId),
        workflowIdReusePolicy: ONCE_UNLESS_FAILED,
        args: [{ userId: account.userId, tenantId: account.tenantId, email: account.email, name: account.name, dashboardUrl, trialDays: env.TRIAL_DAYS }],
      }),
    ),
    trialEndsAt &&
      startOnce(() =>
        temporal.workflow.start<typeof trialWorkflow>('trialWorkflow', {
          taskQueue: env.TEMPORAL_TASK_QUEUE,
          workflowId: workflowIds.trial(account.tenantId),
          workflowIdReusePolicy: ONCE_UNLESS_FAILED,
          args: [{ tenantId: account.tenantId, ownerEmail: account.email, trialEndsAt: trialEndsAt.toISOString(), billingUrl }],
        }),
      ),
  ]);
}

/** A completed run is final (one welcome, one trial); only a failed one may be started again. */
const ONCE_UNLESS_FAILED = WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY;

async function startOnce(start: () => Promise<unknown>): Promise<void> {
  try {
    await start();
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
}
