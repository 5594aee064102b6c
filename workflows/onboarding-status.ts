// The shape of a WhatsApp onboarding's progress, shared by the workflow (query), the API and its tests.
// Pure types and constants only: the workflow sandbox imports this file.

export const ONBOARDING_STEPS = ['subaccount', 'apiKey', 'signup', 'sender', 'messagingService', 'attachSender', 'identifiers'] as const;
export type OnboardingStepId = (typeof ONBOARDING_STEPS)[number];

export type StepState = 'pending' | 'running' | 'waiting' | 'done' | 'failed';

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

export type OnboardingPhase = 'connecting' | 'waiting_for_sender' | 'connected' | 'failed' | 'disconnecting' | 'disconnected';

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
