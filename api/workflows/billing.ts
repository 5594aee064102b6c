// Billing's workflows as the API drives them: the long-lived `billing:{tenant}` (started at sign-up, nudged
// by the billing relay, queried by the billing page) and the short Checkout / portal session runs.
import { randomUUID } from 'node:crypto';
import { WorkflowIdReusePolicy, type Client } from '@temporalio/client';
import type { SignalDefinition } from '@temporalio/common';
import type { Env } from '../../lib/config/env.js';
import { workflowIds } from '../../lib/temporal/names.js';
import {
  billingSessionWorkflowType,
  billingState,
  billingWorkflowType,
  type BillingInput,
  type BillingSessionRequest,
  type BillingSessionWorkflow,
  type BillingState,
  type BillingWorkflow,
} from '../../workflows/contracts/billing.js';
import { latestRun, queryWithin, startOnce, type RunRef } from './runs.js';

/** How long the billing page waits for the workflow's answer before showing the database view only. */
const QUERY_DEADLINE_MS = 2_000;
/** Under the billing relay's close wait (5 s), so no signal outlives the connection it uses. */
const SIGNAL_DEADLINE_MS = 4_000;
/** The merchant is waiting for the Checkout / portal redirect. */
const SESSION_TIMEOUT = '30 seconds';

/** What starting a tenant's billing workflow needs to know of the account. */
export interface BillingAccount {
  tenantId: string;
  ownerEmail: string;
  trialEndsAt: Date | null;
}

export type BillingWorkflows = ReturnType<typeof billingWorkflows>;

type BillingEnv = Pick<Env, 'TEMPORAL_TASK_QUEUE' | 'WEB_PUBLIC_URL' | 'BILLING_GRACE_DAYS'>;

export function billingWorkflows(temporal: Client, env: BillingEnv) {
  const billingUrl = new URL('/app/billing', env.WEB_PUBLIC_URL).toString();
  const input = (account: BillingAccount): BillingInput => ({
    tenantId: account.tenantId,
    ownerEmail: account.ownerEmail,
    trialEndsAt: account.trialEndsAt?.toISOString() ?? null,
    billingUrl,
    graceDays: env.BILLING_GRACE_DAYS,
  });
  const options = (account: BillingAccount) => ({
    taskQueue: env.TEMPORAL_TASK_QUEUE,
    workflowId: workflowIds.billing(account.tenantId),
    // One per tenant for the life of the account; a run an operator ended is started again by the next nudge.
    workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
    args: [input(account)] as [BillingInput],
  });

  return {
    workflowId: workflowIds.billing,

    /** Starts the tenant's billing workflow; already running is success (sign-up and every log-in call it). */
    start: (account: BillingAccount): Promise<void> => startOnce(() => temporal.workflow.start<BillingWorkflow>(billingWorkflowType, options(account))),

    /** Signal-with-start: the signal reaches the running workflow, or a new one starts with it. */
    async signal<Args extends unknown[]>(account: BillingAccount, signal: SignalDefinition<Args, string>, args: Args): Promise<void> {
      // By name with unknown[] args, as api/workflows/conversations.ts explains (a generic signal's tuple).
      // Bounded: when Temporal is down the relay gives up within its close wait and the row stays for the sweeper.
      await temporal.withDeadline(Date.now() + SIGNAL_DEADLINE_MS, () =>
        temporal.workflow.signalWithStart<BillingWorkflow, unknown[]>(billingWorkflowType, { ...options(account), signal: signal.name, signalArgs: args }),
      );
    },

    latest: (tenantId: string): Promise<RunRef | null> => latestRun(temporal, workflowIds.billing(tenantId)),

    /** The workflow's state; null when no worker answers in time (the page then shows the database view). */
    state: (tenantId: string): Promise<BillingState | null> =>
      queryWithin(temporal, QUERY_DEADLINE_MS, () => temporal.workflow.getHandle(workflowIds.billing(tenantId)).query(billingState)),

    /** A Checkout or portal URL, made by a short workflow in the worker (which holds the Stripe key). */
    createSession(session: BillingSessionRequest): Promise<{ url: string }> {
      const requestId = randomUUID();
      return temporal.workflow.execute<BillingSessionWorkflow>(billingSessionWorkflowType, {
        taskQueue: env.TEMPORAL_TASK_QUEUE,
        workflowId: workflowIds.billingSession(session.tenantId, requestId),
        args: [{ ...session, requestId }],
        workflowExecutionTimeout: SESSION_TIMEOUT,
      });
    },
  };
}
