// The WhatsApp connection's workflows as the API drives them: one `onboarding:{tenant}` id serialises
// connect and disconnect; the test message is its own short run the request waits for.
import { randomUUID } from 'node:crypto';
import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy, type Client } from '@temporalio/client';
import type { Env } from '../../lib/config/env.js';
import { workflowIds } from '../../lib/temporal/names.js';
import {
  checkNow,
  disconnect,
  onboardingStatus,
  whatsappOnboardingWorkflowType,
  whatsappTestMessageWorkflowType,
  type OnboardingInput,
  type OnboardingStatus,
  type TestMessageInput,
  type WhatsAppOnboardingWorkflow,
  type WhatsAppTestMessageWorkflow,
} from '../../workflows/contracts/onboarding.js';
import { latestRun, queryWithin, type RunRef } from './runs.js';

/** How long a status read waits for the worker to answer the query before showing the database view only. */
const QUERY_DEADLINE_MS = 2_000;
const TEST_MESSAGE_TIMEOUT = '30 seconds';

export type OnboardingWorkflows = ReturnType<typeof onboardingWorkflows>;

type OnboardingEnv = Pick<Env, 'TEMPORAL_TASK_QUEUE' | 'TWILIO_EMBEDDED_SIGNUP_ENABLED' | 'TWILIO_EMBEDDED_SIGNUP_BASE_URL'>;

export function onboardingWorkflows(temporal: Client, env: OnboardingEnv) {
  const input = (tenantId: string, intent: OnboardingInput['intent']): OnboardingInput => ({
    tenantId,
    intent,
    signup: { enabled: env.TWILIO_EMBEDDED_SIGNUP_ENABLED, baseUrl: env.TWILIO_EMBEDDED_SIGNUP_BASE_URL ?? null },
  });

  return {
    latest: (tenantId: string): Promise<RunRef | null> => latestRun(temporal, workflowIds.onboarding(tenantId)),

    /** The run's live step list; null when no worker answers in time (the page then shows the database view). */
    status: (run: RunRef): Promise<OnboardingStatus | null> =>
      queryWithin(temporal, QUERY_DEADLINE_MS, () => temporal.workflow.getHandle(run.workflowId, run.runId).query(onboardingStatus)),

    /** Starts connecting; a double click while a run is open answers with that run instead of an error. */
    async connect(tenantId: string): Promise<RunRef> {
      const workflowId = workflowIds.onboarding(tenantId);
      const handle = await temporal.workflow.start<WhatsAppOnboardingWorkflow>(whatsappOnboardingWorkflowType, {
        taskQueue: env.TEMPORAL_TASK_QUEUE,
        workflowId,
        args: [input(tenantId, 'connect')],
        workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
        workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
      });
      return { workflowId, runId: handle.firstExecutionRunId, status: 'RUNNING' };
    },

    /** Signal-with-start: an open run unwinds itself; otherwise a fresh run does only the unwind. */
    async disconnect(tenantId: string): Promise<RunRef> {
      const workflowId = workflowIds.onboarding(tenantId);
      const handle = await temporal.workflow.signalWithStart<WhatsAppOnboardingWorkflow, []>(whatsappOnboardingWorkflowType, {
        taskQueue: env.TEMPORAL_TASK_QUEUE,
        workflowId,
        args: [input(tenantId, 'disconnect')],
        signal: disconnect,
        signalArgs: [],
        workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
      });
      return { workflowId, runId: handle.signaledRunId, status: 'RUNNING' };
    },

    checkNow: (run: RunRef): Promise<void> => temporal.workflow.getHandle(run.workflowId, run.runId).signal(checkNow),

    /** Sends the verification message and waits for Twilio's answer (the merchant is watching). */
    sendTestMessage(message: Omit<TestMessageInput, 'reference'>): Promise<{ messageSid: string; status: string }> {
      const requestId = randomUUID();
      return temporal.workflow.execute<WhatsAppTestMessageWorkflow>(whatsappTestMessageWorkflowType, {
        taskQueue: env.TEMPORAL_TASK_QUEUE,
        workflowId: workflowIds.whatsappTestMessage(message.tenantId, requestId),
        args: [{ ...message, reference: requestId.slice(0, 8) }],
        workflowExecutionTimeout: TEST_MESSAGE_TIMEOUT,
      });
    },
  };
}
