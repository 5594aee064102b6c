// The per-account workflows started at sign-up (and again, harmlessly, at each log-in).
import { WorkflowIdReusePolicy, type Client } from '@temporalio/client';
import type { Env } from '../../lib/config/env.js';
import { workflowIds } from '../../lib/temporal/names.js';
import { welcomeEmailWorkflowType, type WelcomeEmailWorkflow } from '../../workflows/contracts/welcome-email.js';
import {
  emailVerificationWorkflowType,
  emailVerified,
  resendVerification,
  type EmailVerificationWorkflow,
} from '../../workflows/contracts/email-verification.js';
import { billingWorkflows } from './billing.js';
import { startOnce } from './runs.js';

export interface AccountRef {
  tenantId: string;
  userId: string;
  email: string;
  name: string | null;
  trialEndsAt: Date | null;
  /** Unverified accounts also get the verification workflow (its id makes a second start a no-op). */
  emailVerified: boolean;
}

/** The account as its workflows need it, from the user row (with its tenant's trial end). */
export function accountOf(user: { id: string; tenantId: string; email: string; name: string | null; emailVerifiedAt: Date | null }, tenant: { trialEndsAt: Date | null }): AccountRef {
  return { tenantId: user.tenantId, userId: user.id, email: user.email, name: user.name, trialEndsAt: tenant.trialEndsAt, emailVerified: user.emailVerifiedAt !== null };
}

/** A completed run is final (one welcome, one trial); only a failed one may be started again. */
const ONCE_UNLESS_FAILED = WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY;

export type AccountWorkflows = ReturnType<typeof accountWorkflows>;

export function accountWorkflows(temporal: Client, env: Pick<Env, 'TEMPORAL_TASK_QUEUE' | 'WEB_PUBLIC_URL' | 'TRIAL_DAYS' | 'BILLING_GRACE_DAYS'>) {
  const billing = billingWorkflows(temporal, env);
  return {
    /**
     * Starts the welcome email and the billing workflow (which runs the trial: `billing:{tenant}`; accounts
     * from before it also have a `trial:{tenant}` run, which it tells of a subscription). Ids make this
     * idempotent: log-in calls it again, so an account whose sign-up committed while Temporal was briefly
     * unreachable still gets its billing workflow, and an older account gets one at its next log-in.
     */
    async ensureStarted(account: AccountRef): Promise<void> {
      const dashboardUrl = new URL('/app', env.WEB_PUBLIC_URL).toString();
      await Promise.all([
        startOnce(() =>
          temporal.workflow.start<WelcomeEmailWorkflow>(welcomeEmailWorkflowType, {
            taskQueue: env.TEMPORAL_TASK_QUEUE,
            workflowId: workflowIds.welcomeEmail(account.userId),
            workflowIdReusePolicy: ONCE_UNLESS_FAILED,
            args: [{ userId: account.userId, tenantId: account.tenantId, email: account.email, name: account.name, dashboardUrl, trialDays: env.TRIAL_DAYS }],
          }),
        ),
        !account.emailVerified &&
          startOnce(() =>
            temporal.workflow.start<EmailVerificationWorkflow>(emailVerificationWorkflowType, {
              taskQueue: env.TEMPORAL_TASK_QUEUE,
              workflowId: workflowIds.emailVerification(account.userId),
              workflowIdReusePolicy: ONCE_UNLESS_FAILED,
              args: [verificationInput(account)],
            }),
          ),
        billing.start({ tenantId: account.tenantId, ownerEmail: account.email, trialEndsAt: account.trialEndsAt }),
      ]);
    },

    /**
     * "Send me a new link": signals the running verification workflow, or starts a fresh one when the last
     * one ended (all its links expired).
     */
    async resendVerification(account: AccountRef): Promise<void> {
      await temporal.workflow.signalWithStart<EmailVerificationWorkflow, []>(emailVerificationWorkflowType, {
        taskQueue: env.TEMPORAL_TASK_QUEUE,
        workflowId: workflowIds.emailVerification(account.userId),
        workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
        args: [verificationInput(account)],
        signal: resendVerification,
        signalArgs: [],
      });
    },

    /** The address is verified (the database says so): the workflow can end; best effort, it expires anyway. */
    async verificationDone(userId: string): Promise<void> {
      await temporal.workflow.getHandle(workflowIds.emailVerification(userId)).signal(emailVerified).catch(() => undefined);
    },
  };
}

const verificationInput = (account: AccountRef) => ({ userId: account.userId, tenantId: account.tenantId, email: account.email, name: account.name });
