// Records the fake Twilio keeps in memory. Field names are camelCase here; the routes render them
// in Twilio's snake_case wire format (see render.ts).

export type AccountStatus = 'active' | 'suspended' | 'closed';

export interface AccountRecord {
  sid: string;
  authToken: string;
  friendlyName: string;
  /** Twilio sets owner_account_sid to the parent for subaccounts and to itself for the master. */
  ownerAccountSid: string;
  status: AccountStatus;
  isMaster: boolean;
  dateCreated: number;
  dateUpdated: number;
}

export interface KeyRecord {
  sid: string;
  secret: string;
  accountSid: string;
  friendlyName: string;
  dateCreated: number;
  dateUpdated: number;
}

export const SENDER_STATUSES = [
  'CREATING',
  'PENDING_VERIFICATION',
  'VERIFYING',
  'TWILIO_REVIEW',
  'ONLINE',
  'ONLINE:UPDATING',
  'OFFLINE',
  'DRAFT',
  'STUBBED',
] as const;
export type SenderStatus = (typeof SENDER_STATUSES)[number];

/** One step of a sender's scripted life: the status it has from `at` (fake-clock ms) on. */
export interface SenderStep {
  status: SenderStatus;
  at: number;
}

export interface OfflineReason {
  code: string;
  message: string;
  more_info?: string;
}

export interface SenderRecord {
  sid: string;
  accountSid: string;
  /** `whatsapp:+E164`, as Twilio's Senders API names it. */
  senderId: string;
  timeline: SenderStep[];
  offlineReasons: OfflineReason[] | null;
  wabaId: string;
  profileName: string;
  callbackUrl: string | null;
  statusCallbackUrl: string | null;
  dateCreated: number;
}

export interface ServiceRecord {
  sid: string;
  accountSid: string;
  friendlyName: string;
  inboundRequestUrl: string | null;
  inboundMethod: 'POST' | 'GET';
  fallbackUrl: string | null;
  fallbackMethod: 'POST' | 'GET';
  statusCallback: string | null;
  stickySender: boolean;
  useInboundWebhookOnNumber: boolean;
  validityPeriod: number;
  usecase: string;
  /** Channel senders (XE sids) attached through /ChannelSenders, with the time of attachment. */
  channelSenders: Array<{ senderSid: string; dateCreated: number }>;
  /** Phone numbers (PN sids) attached through /PhoneNumbers; the SMS sender pool. */
  phoneNumbers: Array<{ phoneNumberSid: string; dateCreated: number }>;
  dateCreated: number;
  dateUpdated: number;
}

export type MessageStatus =
  | 'accepted'
  | 'queued'
  | 'sending'
  | 'sent'
  | 'delivered'
  | 'read'
  | 'undelivered'
  | 'failed'
  | 'received';

export type FinalOutcome = 'delivered' | 'read' | 'failed' | 'undelivered';

export interface MessageRecord {
  sid: string;
  accountSid: string;
  /** `outbound-reply` is Twilio's own answer to an opt-out keyword (no API call made it). */
  direction: 'outbound-api' | 'outbound-reply' | 'inbound';
  from: string | null;
  to: string;
  body: string;
  contentSid: string | null;
  contentVariables: string | null;
  mediaUrls: string[];
  messagingServiceSid: string | null;
  /** The WhatsApp sender (XE) or phone number (PN) the message went out through or came in on. */
  senderSid: string | null;
  /** Segments as Twilio bills them (SMS: GSM-7 / UCS-2 split; WhatsApp and MMS: 1). Absent = 1. */
  numSegments?: number;
  statusCallback: string | null;
  status: MessageStatus;
  history: Array<{ status: MessageStatus; at: number }>;
  errorCode: number | null;
  errorMessage: string | null;
  /** The error the plan ends in (applied when the failing status is reached). */
  pendingError: { code: number; message: string } | null;
  /** What the remaining status steps will be (computed at creation from scripts / window rules). */
  plan: MessageStatus[];
  /** The form parameters exactly as the client sent them (inspection API). */
  requestParams: Record<string, string | string[]>;
  dateCreated: number;
  dateUpdated: number;
  dateSent: number | null;
}

export interface WebhookAttempt {
  at: number;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
  responseBody: string;
}

export interface WebhookDelivery {
  id: string;
  kind: 'inbound' | 'status';
  accountSid: string;
  messageSid: string;
  url: string;
  method: 'POST' | 'GET';
  params: Record<string, string>;
  signature: string;
  idempotencyToken: string;
  attempts: WebhookAttempt[];
  ok: boolean;
  done: boolean;
}

export type FaultKind = '429' | '500' | '503' | 'delay';

export interface FaultRule {
  id: string;
  method: string | null;
  /** Path pattern; `*` matches one path segment, a trailing `**` matches the rest. */
  path: string;
  kind: FaultKind;
  remaining: number;
  retryAfterSeconds: number;
  delayMs: number;
}

export interface ScriptedOutcome {
  id: string;
  accountSid: string | null;
  to: string | null;
  outcome: FinalOutcome;
  errorCode: number | null;
  errorMessage: string | null;
  remaining: number;
}

export interface WebhookRetryPolicy {
  /** Total attempts including the first one. */
  maxAttempts: number;
  /** Per-attempt timeout; Twilio gives messaging webhooks 15 s. */
  timeoutMs: number;
  backoffMs: number;
}

export interface FakeConfig {
  /** Reject free-form WhatsApp text outside the 24 h window with 63016 (real Twilio does). */
  enforceSessionWindow: boolean;
  /** Real-time delay between automatic status steps; null = only via the control API. */
  messageStatusDelayMs: number | null;
  webhookRetry: WebhookRetryPolicy;
  senderOnlineAfterMs: number;
  /** Message creates allowed per account per second (sliding window); null = unlimited. */
  sendRateLimitPerSecond: number | null;
}

export type PhoneNumberType = 'local' | 'mobile' | 'tollFree';

export interface NumberCapabilities {
  voice: boolean;
  sms: boolean;
  mms: boolean;
  fax: boolean;
}

/** A number bought through IncomingPhoneNumbers (or given to an account by the control API). */
export interface PhoneNumberRecord {
  sid: string;
  accountSid: string;
  /** +E164 */
  phoneNumber: string;
  friendlyName: string;
  isoCountry: string;
  type: PhoneNumberType;
  capabilities: NumberCapabilities;
  addressRequirements: string;
  smsUrl: string | null;
  smsMethod: 'POST' | 'GET';
  smsFallbackUrl: string | null;
  smsFallbackMethod: 'POST' | 'GET';
  statusCallback: string | null;
  statusCallbackMethod: 'POST' | 'GET';
  voiceUrl: string | null;
  voiceMethod: 'POST' | 'GET';
  dateCreated: number;
  dateUpdated: number;
}

export type ApprovalStatus = 'unsubmitted' | 'received' | 'pending' | 'approved' | 'rejected' | 'paused' | 'disabled';

/** A Content API template (twilio/text) with its WhatsApp approval. */
export interface ContentTemplateRecord {
  sid: string;
  accountSid: string;
  friendlyName: string;
  language: string;
  /** The twilio/text body, with {{1}}-style placeholders. */
  body: string;
  /** Sample / default values for the placeholders. */
  variables: Record<string, string>;
  whatsapp: {
    name: string;
    category: string;
    status: ApprovalStatus;
    rejectionReason: string;
  };
  dateCreated: number;
  dateUpdated: number;
}

/** An Advanced Opt-Out block: `customer` texted STOP to `number` (both +E164). */
export interface OptOutRecord {
  accountSid: string;
  number: string;
  customer: string;
  at: number;
}
