// A typed client for the fake's /_control API (tests, dev scripts, demos).
import type { FakeConfig, FaultKind, FinalOutcome, OfflineReason, SenderStatus, WebhookDelivery } from './types.js';

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
  direction: 'inbound' | 'outbound-api';
  from: string | null;
  to: string;
  body: string;
  contentSid: string | null;
  contentVariables: string | null;
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
  messages(filter: { accountSid?: string; direction?: 'inbound' | 'outbound-api'; to?: string } = {}): Promise<{ messages: ControlMessage[] }> {
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
}
