// The per-account workflows started at sign-up (and again, harmlessly, at each log-in).
import { WorkflowIdReusePolicy, type Client } from '@temporalio/client';
import type { Env } from '../../lib/config/env.js';
import { workflowIds } from '../../lib/temporal/names.js';
import { trialWorkflowType, type TrialWorkflow } from '../../workflows/contracts/trial.js';
import { welcomeEmailWorkflowType, type WelcomeEmailWorkflow } from '../../workflows/contracts/welcome-email.js';
import { startOnce } from './runs.js';

export interface AccountRef {
  tenantId: string;
  userId: string;
  email: string;
  name: string | null;
  trialEndsAt: Date | null;
}

/** A completed run is final (one welcome, one trial); only a failed one may be started again. */
const ONCE_UNLESS_FAILED = WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY;

export type AccountWorkflows = ReturnType<typeof accountWorkflows>;

export function accountWorkflows(temporal: Client, env: Pick<Env, 'TEMPORAL_TASK_QUEUE' | 'WEB_PUBLIC_URL' | 'TRIAL_DAYS'>) {
  return {
    /**
     * Starts the welcome email and the trial timer. Ids make this idempotent: log-in calls it again, so an
     * account whose sign-up committed while Temporal was briefly unreachable still gets its trial timer.
     */
    async ensureStarted(account: AccountRef): Promise<void> {
      const dashboardUrl = new URL('/app', env.WEB_PUBLIC_URL).toString();
      const billingUrl = new URL('/app/billing', env.WEB_PUBLIC_URL).toString();
      const trialEndsAt = account.trialEndsAt;
      await Promise.all([
        startOnce(() =>
          temporal.workflow.start<WelcomeEmailWorkflow>(welcomeEmailWorkflowType, {
            taskQueue: env.TEMPORAL_TASK_QUEUE,
            workflowId: workflowIds.welcomeEmail(account.userId),
            workflowIdReusePolicy: ONCE_UNLESS_FAILED,
            args: [{ userId: account.userId, tenantId: account.tenantId, email: account.email, name: account.name, dashboardUrl, trialDays: env.TRIAL_DAYS }],
          }),
        ),
        trialEndsAt &&
          startOnce(() =>
            temporal.workflow.start<TrialWorkflow>(trialWorkflowType, {
              taskQueue: env.TEMPORAL_TASK_QUEUE,
              workflowId: workflowIds.trial(account.tenantId),
              workflowIdReusePolicy: ONCE_UNLESS_FAILED,
              args: [{ tenantId: account.tenantId, ownerEmail: account.email, trialEndsAt: trialEndsAt.toISOString(), billingUrl }],
            }),
          ),
      ]);
    },
  };
}
