// A typed client for the fake's /_control API (tests, dev scripts, demos).
import type {
  ApprovalStatus,
  FakeConfig,
  FaultKind,
  FinalOutcome,
  NumberCapabilities,
  OfflineReason,
  SenderStatus,
  WebhookDelivery,
} from './types.js';

export interface ControlSender {
  sid: string;
  account_sid: string;
  status: SenderStatus;
  sender_id: string;
  offline_reasons: OfflineReason[] | null;
  timeline: Array<{ status: SenderStatus; at: string }>;
  [key: string]: unknown;
}

export interface ControlMessage {
  sid: string;
  accountSid: string;
  direction: 'inbound' | 'outbound-api' | 'outbound-reply';
  from: string | null;
  to: string;
  body: string;
  contentSid: string | null;
  contentVariables: string | null;
  numSegments: number;
  messagingServiceSid: string | null;
  senderSid: string | null;
  status: string;
  pendingStatuses: string[];
  errorCode: number | null;
  errorMessage: string | null;
  history: Array<{ status: string; at: string }>;
  params: Record<string, string | string[]>;
}

export interface CreateSenderInput {
  phoneNumber: string;
  timeline?: Array<{ status: SenderStatus; afterMs: number }>;
  onlineAfterMs?: number;
  offlineReasons?: OfflineReason[];
  wabaId?: string;
  profileName?: string;
}

export interface InboundInput {
  to: string;
  from: string;
  body: string;
  profileName?: string;
  mediaUrls?: Array<{ url: string; contentType: string }>;
  messageSid?: string;
  duplicates?: number;
  wait?: boolean;
  /** Unset: WhatsApp if `to` is whatsapp: or a WhatsApp sender's number, else SMS to an owned number. */
  channel?: 'sms' | 'whatsapp';
}

/** An IncomingPhoneNumber as the REST API renders it (snake_case). */
export interface ControlPhoneNumber {
  sid: string;
  account_sid: string;
  phone_number: string;
  friendly_name: string;
  capabilities: NumberCapabilities;
  sms_url: string;
  [key: string]: unknown;
}

export interface AddPhoneNumberInput {
  phoneNumber: string;
  friendlyName?: string;
  smsUrl?: string;
  smsMethod?: 'POST' | 'GET';
  isoCountry?: string;
  capabilities?: Partial<NumberCapabilities>;
}

export interface CreateTemplateInput {
  friendlyName: string;
  /** Default `en`. */
  language?: string;
  /** twilio/text body with {{1}}-style placeholders. */
  body: string;
  /** Sample values, used for placeholders a send leaves out. */
  variables?: Record<string, string>;
  /** WhatsApp approval; default `approved`. */
  approval?: ApprovalStatus;
  category?: string;
  rejectionReason?: string;
}

/** ContentAndApprovals shape (snake_case) plus the raw `body`. */
export interface ControlTemplate {
  sid: string;
  account_sid: string;
  friendly_name: string;
  language: string;
  body: string;
  variables: Record<string, string>;
  approval_requests: { name: string; category: string; status: ApprovalStatus; rejection_reason: string; [key: string]: unknown };
  [key: string]: unknown;
}

export interface ControlOptOut {
  accountSid: string;
  number: string;
  customer: string;
  at: string;
}

export interface FaultInput {
  method?: string;
  path: string;
  kind: FaultKind;
  count?: number;
  retryAfterSeconds?: number;
  delayMs?: number;
}

export interface OutcomeInput {
  accountSid?: string;
  to?: string;
  outcome: FinalOutcome;
  errorCode?: number;
  errorMessage?: string;
  count?: number;
}

export type ConfigPatch = Partial<Omit<FakeConfig, 'webhookRetry'>> & { webhookRetry?: Partial<FakeConfig['webhookRetry']> };

export class FakeTwilioControlError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`fake twilio control API answered ${status}: ${JSON.stringify(body)}`);
  }
}

export class FakeTwilioControl {
  constructor(private readonly baseUrl: string) {}

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.baseUrl.replace(/\/+$/, '')}/_control${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    const parsed: unknown = text ? JSON.parse(text) : undefined;
    if (!res.ok) throw new FakeTwilioControlError(res.status, parsed);
    return parsed as T;
  }

  reset(): Promise<{ ok: true }> {
    return this.call('POST', '/reset', {});
  }
  config(patch?: ConfigPatch): Promise<FakeConfig> {
    return patch ? this.call('PATCH', '/config', patch) : this.call('GET', '/config');
  }
  advanceClock(ms: number): Promise<{ now: number; iso: string }> {
    return this.call('POST', '/clock/advance', { ms });
  }
  createSender(accountSid: string, input: CreateSenderInput): Promise<ControlSender> {
    return this.call('POST', `/accounts/${accountSid}/senders`, input);
  }
  setSenderStatus(senderSid: string, status: SenderStatus, offlineReasons?: OfflineReason[]): Promise<ControlSender> {
    return this.call('POST', `/senders/${senderSid}/status`, { status, ...(offlineReasons ? { offlineReasons } : {}) });
  }
  setSenderWebhook(senderSid: string, hooks: { callbackUrl?: string | null; statusCallbackUrl?: string | null }): Promise<ControlSender> {
    return this.call('POST', `/senders/${senderSid}/webhook`, hooks);
  }
  senders(): Promise<{ senders: ControlSender[] }> {
    return this.call('GET', '/senders');
  }
  inbound(input: InboundInput): Promise<{ message: ControlMessage; deliveries: WebhookDelivery[] }> {
    return this.call('POST', '/inbound', input);
  }
  addFault(input: FaultInput): Promise<unknown> {
    return this.call('POST', '/faults', input);
  }
  clearFaults(): Promise<unknown> {
    return this.call('DELETE', '/faults');
  }
  scriptOutcome(input: OutcomeInput): Promise<unknown> {
    return this.call('POST', '/outcomes', input);
  }
  messages(filter: { accountSid?: string; direction?: ControlMessage['direction']; to?: string } = {}): Promise<{ messages: ControlMessage[] }> {
    const q = new URLSearchParams(Object.entries(filter).filter(([, v]) => v !== undefined) as Array<[string, string]>);
    return this.call('GET', `/messages${q.size ? `?${q}` : ''}`);
  }
  message(sid: string): Promise<ControlMessage> {
    return this.call('GET', `/messages/${sid}`);
  }
  advanceMessage(sid: string, steps?: number): Promise<ControlMessage> {
    return this.call('POST', `/messages/${sid}/advance`, steps === undefined ? {} : { steps });
  }
  webhooks(filter: { kind?: 'inbound' | 'status'; messageSid?: string } = {}): Promise<{ deliveries: WebhookDelivery[] }> {
    const q = new URLSearchParams(Object.entries(filter).filter(([, v]) => v !== undefined) as Array<[string, string]>);
    return this.call('GET', `/webhooks${q.size ? `?${q}` : ''}`);
  }
  idle(): Promise<{ ok: true }> {
    return this.call('POST', '/idle', {});
  }
  /** Give an account any number (outside the for-sale inventory), e.g. a fixed test number. */
  addPhoneNumber(accountSid: string, input: AddPhoneNumberInput): Promise<ControlPhoneNumber> {
    return this.call('POST', `/accounts/${accountSid}/phone-numbers`, input);
  }
  phoneNumbers(): Promise<{ phoneNumbers: ControlPhoneNumber[] }> {
    return this.call('GET', '/phone-numbers');
  }
  createTemplate(accountSid: string, input: CreateTemplateInput): Promise<ControlTemplate> {
    return this.call('POST', `/accounts/${accountSid}/templates`, input);
  }
  templates(): Promise<{ templates: ControlTemplate[] }> {
    return this.call('GET', '/templates');
  }
  /** Meta's decision on a template's WhatsApp approval. */
  setTemplateApproval(sid: string, status: ApprovalStatus, rejectionReason?: string): Promise<ControlTemplate> {
    return this.call('POST', `/templates/${sid}/approval`, { status, ...(rejectionReason === undefined ? {} : { rejectionReason }) });
  }
  /** Block (default) or unblock `customer` from receiving SMS from the merchant `number`. */
  setOptOut(number: string, customer: string, blocked = true): Promise<{ number: string; customer: string; blocked: boolean }> {
    return this.call('POST', '/opt-outs', { number, customer, blocked });
  }
  optOuts(filter: { number?: string; customer?: string } = {}): Promise<{ optOuts: ControlOptOut[] }> {
    const q = new URLSearchParams(Object.entries(filter).filter(([, v]) => v !== undefined) as Array<[string, string]>);
    return this.call('GET', `/opt-outs${q.size ? `?${q}` : ''}`);
  }
}
