import { z } from 'zod';
import { requestJson, sendJson, type Fetch } from './api.ts';

// The contract of the API's `/api/whatsapp` endpoints (connection state, onboarding workflow steps and
// the actions on them). Answers are validated, so a surprise reads as an error instead of a broken page.

// Links become hrefs or popup targets: only http(s), never `javascript:`.
const httpUrl = z.url({ protocol: /^https?$/ });
const isoDate = z.iso.datetime({ offset: true });

export const STEP_IDS = ['subaccount', 'apiKey', 'signup', 'sender', 'messagingService', 'attachSender', 'identifiers'] as const;
export type StepId = (typeof STEP_IDS)[number];

export const stepSchema = z.object({
  id: z.enum(STEP_IDS),
  state: z.enum(['pending', 'running', 'waiting', 'done', 'failed']),
  reason: z.string().nullable(),
  attempts: z.number().int(),
  nextPollAt: isoDate.nullable(),
  detail: z.string().nullable(),
});

export const onboardingSchema = z.object({
  phase: z.enum(['connecting', 'waiting_for_sender', 'connected', 'failed', 'disconnecting', 'disconnected']),
  steps: z.array(stepSchema),
  signup: z.object({ mode: z.enum(['embedded', 'manual']), url: httpUrl.nullable(), subaccountSid: z.string().nullable() }),
  sender: z.object({ sid: z.string(), phoneNumber: z.string(), status: z.string() }).nullable(),
  messagingServiceSid: z.string().nullable(),
  failure: z.object({ step: z.enum(STEP_IDS), reason: z.string() }).nullable(),
  startedAt: isoDate,
  updatedAt: isoDate,
});

/** The connection workflow's run; the Temporal UI link only for operators (null for merchants). */
export const runSchema = z.object({ workflowId: z.string(), runId: z.string(), status: z.string(), temporalUiUrl: httpUrl.nullable() });

export const connectionSchema = z.object({
  status: z.string(),
  phoneNumber: z.string().nullable(),
  messagingServiceSid: z.string().nullable(),
  subaccountSid: z.string().nullable(),
  connectedAt: isoDate.nullable(),
  disconnectedAt: isoDate.nullable(),
  lastError: z.string().nullable(),
  run: runSchema.nullable(),
  onboarding: onboardingSchema.nullable(),
  signup: z.object({ embeddedEnabled: z.boolean() }),
});

const acceptedSchema = z.object({ run: runSchema });
const testMessageSchema = z.object({ messageSid: z.string(), status: z.string(), to: z.string() });

export type Step = z.infer<typeof stepSchema>;
export type Onboarding = z.infer<typeof onboardingSchema>;
export type Run = z.infer<typeof runSchema>;
export type Connection = z.infer<typeof connectionSchema>;
export type TestMessageResult = z.infer<typeof testMessageSchema>;

export function fetchConnection(fetchFn?: Fetch): Promise<Connection> {
  return requestJson('/api/whatsapp', connectionSchema, {}, fetchFn);
}

export type ConnectionAction = 'connect' | 'retry' | 'check-now' | 'disconnect';

export async function startAction(action: ConnectionAction): Promise<Run> {
  return (await sendJson(`/api/whatsapp/${action}`, acceptedSchema, {})).run;
}

export function sendTestMessage(to: string): Promise<TestMessageResult> {
  return sendJson('/api/whatsapp/test-message', testMessageSchema, { to });
}

/**
 * What each step means to the merchant, in the order the workflow runs them. Titles and hints keyed by
 * step id, not a status: they stay with the WhatsApp contract. How a step's state (running, failed…)
 * reads is in `utilities/status-look.ts` with every other status.
 */
export const STEP_TEXT: Record<StepId, { title: string; hint: string }> = {
  subaccount: { title: 'Create your Twilio account space', hint: 'A Twilio subaccount that holds only your number and messages.' },
  apiKey: { title: 'Create and lock away an API key', hint: 'Stored encrypted; nobody, including you, sees it again.' },
  signup: { title: 'Sign up your WhatsApp Business number', hint: 'With Meta, in the signup window.' },
  sender: { title: 'Meta approves your number', hint: 'Usually minutes, sometimes up to two weeks. We keep checking.' },
  messagingService: { title: 'Set up message delivery', hint: 'A Messaging Service that sends replies and reports delivery.' },
  attachSender: { title: 'Attach your number', hint: 'Your approved number joins the Messaging Service.' },
  identifiers: { title: 'Route customer messages to you', hint: 'Incoming WhatsApp messages now reach your AI assistant.' },
};

/** A run that is still doing something: the page keeps polling while this is true. */
export function isActive(connection: Connection | null): boolean {
  return connection?.run?.status === 'RUNNING';
}

/** Where the wizard is, from the database status and the latest run. */
export type WizardStage = 'start' | 'in_progress' | 'failed' | 'connected' | 'broken';

export function stageOf(connection: Connection): WizardStage {
  if (isActive(connection)) return 'in_progress';
  if (connection.status === 'connected') return 'connected';
  if (connection.status === 'failed') return 'failed';
  if (connection.status === 'broken') return 'broken';
  return 'start';
}
