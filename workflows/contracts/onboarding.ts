// The WhatsApp onboarding workflow's contract (`onboarding:{tenant}`) and the test-message workflow's:
// signals, the status query and the shape of a connection's progress, shared by the workflow, the API
// (which validates the query's answer with the same step and phase lists) and the tests. Pure.
import { defineQuery, defineSignal } from '@temporalio/workflow';

export const whatsappOnboardingWorkflowType = 'whatsappOnboardingWorkflow';
export type WhatsAppOnboardingWorkflow = (input: OnboardingInput) => Promise<OnboardingStatus>;
export const whatsappTestMessageWorkflowType = 'whatsappTestMessageWorkflow';
export type WhatsAppTestMessageWorkflow = (input: TestMessageInput) => Promise<{ messageSid: string; status: string }>;

export interface OnboardingInput {
  tenantId: string;
  /** `disconnect` runs only the unwind: the API uses it with signal-with-start when no run is open. */
  intent?: 'connect' | 'disconnect';
  signup: { enabled: boolean; baseUrl: string | null };
  polling?: Partial<SenderPolling>;
}

export interface TestMessageInput {
  tenantId: string;
  accountId: string;
  subaccountSid: string;
  messagingServiceSid: string;
  /** E.164 */
  to: string;
  reference: string;
}

/** "Check connection now" in the dashboard: poll the senders at once instead of at the next backoff. */
export const checkNow = defineSignal('checkNow');
/** Stop onboarding (or undo a finished one): revoke the API key, mark the connection disconnected. */
export const disconnect = defineSignal('disconnect');
export const onboardingStatus = defineQuery<OnboardingStatus>('status');

export const ONBOARDING_STEPS = ['subaccount', 'apiKey', 'signup', 'sender', 'messagingService', 'attachSender', 'identifiers'] as const;
export type OnboardingStepId = (typeof ONBOARDING_STEPS)[number];

export const STEP_STATES = ['pending', 'running', 'waiting', 'done', 'failed'] as const;
export type StepState = (typeof STEP_STATES)[number];

export interface StepStatus {
  id: OnboardingStepId;
  state: StepState;
  /** Why it failed, or what it is waiting for, in words for the merchant. */
  reason: string | null;
  /** Tries so far (for `sender`: polls of Twilio's senders list). */
  attempts: number;
  /** ISO time of the next sender poll while waiting. */
  nextPollAt: string | null;
  /** Short machine-friendly detail, e.g. the sender's Twilio status. */
  detail: string | null;
}

export const ONBOARDING_PHASES = ['connecting', 'waiting_for_sender', 'connected', 'failed', 'disconnecting', 'disconnected'] as const;
export type OnboardingPhase = (typeof ONBOARDING_PHASES)[number];

export interface OnboardingStatus {
  tenantId: string;
  phase: OnboardingPhase;
  steps: StepStatus[];
  signup: {
    /** `embedded`: open `url` in a popup; `manual`: create the sender in the Twilio console for `subaccountSid`. */
    mode: 'embedded' | 'manual';
    url: string | null;
    subaccountSid: string | null;
  };
  sender: { sid: string; phoneNumber: string; status: string } | null;
  messagingServiceSid: string | null;
  failure: { step: OnboardingStepId; reason: string } | null;
  startedAt: string;
  updatedAt: string;
}

/** Sender statuses (Twilio Senders API) that mean "ready to send and receive". */
export const ONLINE_SENDER_STATUSES: readonly string[] = ['ONLINE', 'ONLINE:UPDATING'];
export const OFFLINE_SENDER_STATUS = 'OFFLINE';

export interface SenderPolling {
  /** First wait between polls; also the wait right after a "check now". */
  firstDelayMs: number;
  /** Backoff doubles up to this. */
  maxDelayMs: number;
  /** Meta's review can take 1–2 weeks: give up after this long without an ONLINE sender. */
  giveUpAfterMs: number;
}

const MINUTE = 60_000;
export const DEFAULT_SENDER_POLLING: SenderPolling = {
  firstDelayMs: MINUTE,
  maxDelayMs: 6 * 60 * MINUTE,
  giveUpAfterMs: 14 * 24 * 60 * MINUTE,
};
