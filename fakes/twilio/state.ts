import { randomBytes } from 'node:crypto';
import type {
  AccountRecord,
  ContentTemplateRecord,
  FakeConfig,
  FaultRule,
  KeyRecord,
  MessageRecord,
  OfflineReason,
  OptOutRecord,
  PhoneNumberRecord,
  ScriptedOutcome,
  SenderRecord,
  SenderStatus,
  SenderStep,
  ServiceRecord,
  WebhookDelivery,
} from './types.js';

/** Twilio sids are a two-letter prefix plus 32 lowercase hex digits. */
export function newSid(prefix: string): string {
  return prefix + randomBytes(16).toString('hex');
}

/** A 32-hex secret, the shape of Twilio auth tokens and API key secrets. */
export function newSecret(): string {
  return randomBytes(16).toString('hex');
}

/**
 * Time as the fake sees it: an injectable base clock plus an offset the control API can advance.
 * Sender status progression reads this clock, so tests can jump days ahead instantly.
 */
export class FakeClock {
  private offsetMs = 0;
  constructor(private readonly base: () => number = Date.now) {}
  now(): number {
    return this.base() + this.offsetMs;
  }
  advance(ms: number): number {
    this.offsetMs += ms;
    return this.now();
  }
  reset(): void {
    this.offsetMs = 0;
  }
  /** The advance applied so far (persisted, so a restarted fake keeps its day). */
  offset(): number {
    return this.offsetMs;
  }
  setOffset(ms: number): void {
    this.offsetMs = ms;
  }
}

export interface StateOptions {
  masterAccountSid: string;
  masterAuthToken: string;
  senderOnlineAfterMs: number;
  now?: () => number;
  /** Start-up behaviour overrides; a control-API reset returns to these. */
  config?: Partial<FakeConfig>;
}

export function defaultConfig(senderOnlineAfterMs: number): FakeConfig {
  return {
    enforceSessionWindow: false,
    messageStatusDelayMs: 25,
    webhookRetry: { maxAttempts: 3, timeoutMs: 15_000, backoffMs: 250 },
    senderOnlineAfterMs,
    sendRateLimitPerSecond: null,
  };
}

/** Key of an opt-out block: the merchant number and the customer, both +E164. */
export function optOutKey(number: string, customer: string): string {
  return `${number}|${customer}`;
}

export class FakeTwilioState {
  readonly clock: FakeClock;
  accounts = new Map<string, AccountRecord>();
  keys = new Map<string, KeyRecord>();
  senders = new Map<string, SenderRecord>();
  services = new Map<string, ServiceRecord>();
  phoneNumbers = new Map<string, PhoneNumberRecord>();
  templates = new Map<string, ContentTemplateRecord>();
  /** Advanced Opt-Out blocks by optOutKey(number, customer). */
  optOuts = new Map<string, OptOutRecord>();
  messages = new Map<string, MessageRecord>();
  deliveries: WebhookDelivery[] = [];
  faults: FaultRule[] = [];
  outcomes: ScriptedOutcome[] = [];
  /** Last inbound message time per `senderId|customer`, for the WhatsApp 24 h session window. */
  lastInbound = new Map<string, number>();
  config: FakeConfig;
  /** Called after a change to what the state file keeps (see persistence.ts); routes call markChanged(). */
  onChange: (() => void) | null = null;

  constructor(private readonly opts: StateOptions) {
    this.clock = new FakeClock(opts.now);
    this.config = this.initialConfig();
    this.reset();
  }

  /** Forget everything except the master account (whose token is restored). */
  reset(): void {
    this.accounts.clear();
    this.keys.clear();
    this.senders.clear();
    this.services.clear();
    this.phoneNumbers.clear();
    this.templates.clear();
    this.optOuts.clear();
    this.messages.clear();
    this.deliveries = [];
    this.faults = [];
    this.outcomes = [];
    this.lastInbound.clear();
    this.clock.reset();
    this.config = this.initialConfig();
    const t = this.clock.now();
    this.accounts.set(this.opts.masterAccountSid, {
      sid: this.opts.masterAccountSid,
      authToken: this.opts.masterAuthToken,
      friendlyName: 'WARA fake master account',
      ownerAccountSid: this.opts.masterAccountSid,
      status: 'active',
      isMaster: true,
      dateCreated: t,
      dateUpdated: t,
    });
  }

  markChanged(): void {
    this.onChange?.();
  }

  private initialConfig(): FakeConfig {
    return structuredClone({ ...defaultConfig(this.opts.senderOnlineAfterMs), ...this.opts.config });
  }

  get masterAccountSid(): string {
    return this.opts.masterAccountSid;
  }

  createSubaccount(friendlyName: string | undefined, ownerAccountSid: string): AccountRecord {
    const t = this.clock.now();
    const sid = newSid('AC');
    // Twilio's default friendly name for a subaccount is "SubAccount Created at <date>".
    const name = friendlyName ?? `SubAccount Created at ${new Date(t).toISOString()}`;
    const acc: AccountRecord = {
      sid,
      authToken: newSecret(),
      friendlyName: name,
      ownerAccountSid,
      status: 'active',
      isMaster: false,
      dateCreated: t,
      dateUpdated: t,
    };
    this.accounts.set(sid, acc);
    return acc;
  }

  createKey(accountSid: string, friendlyName: string | undefined): KeyRecord {
    const t = this.clock.now();
    const key: KeyRecord = {
      sid: newSid('SK'),
      secret: newSecret(),
      accountSid,
      friendlyName: friendlyName ?? '',
      dateCreated: t,
      dateUpdated: t,
    };
    this.keys.set(key.sid, key);
    return key;
  }

  /**
   * Create a WhatsApp sender the way Meta's embedded signup would. Without an explicit timeline it
   * goes CREATING → PENDING_VERIFICATION (after a tenth of the time) → ONLINE (after onlineAfterMs).
   */
  createSender(input: {
    accountSid: string;
    phoneNumber: string;
    timeline?: Array<{ status: SenderStatus; afterMs: number }>;
    offlineReasons?: OfflineReason[] | null;
    wabaId?: string;
    profileName?: string;
    onlineAfterMs?: number;
  }): SenderRecord {
    const t = this.clock.now();
    const onlineAfter = input.onlineAfterMs ?? this.config.senderOnlineAfterMs;
    const steps: SenderStep[] = input.timeline
      ? input.timeline.map((s) => ({ status: s.status, at: t + s.afterMs }))
      : [
          { status: 'CREATING', at: t },
          { status: 'PENDING_VERIFICATION', at: t + Math.floor(onlineAfter / 10) },
          { status: 'ONLINE', at: t + onlineAfter },
        ];
    steps.sort((a, b) => a.at - b.at);
    const phone = input.phoneNumber.replace(/^whatsapp:/, '');
    const sender: SenderRecord = {
      sid: newSid('XE'),
      accountSid: input.accountSid,
      senderId: `whatsapp:${phone}`,
      timeline: steps,
      offlineReasons: input.offlineReasons ?? null,
      wabaId: input.wabaId ?? String(100000000000000 + Math.floor(Math.random() * 899999999999999)),
      profileName: input.profileName ?? 'WARA Merchant',
      callbackUrl: null,
      statusCallbackUrl: null,
      dateCreated: t,
    };
    this.senders.set(sender.sid, sender);
    return sender;
  }

  senderStatus(sender: SenderRecord): SenderStatus {
    const now = this.clock.now();
    let status: SenderStatus = sender.timeline[0]?.status ?? 'CREATING';
    for (const step of sender.timeline) if (step.at <= now) status = step.status;
    return status;
  }

  /** Twilio only reports offline_reasons while the sender is OFFLINE. */
  senderOfflineReasons(sender: SenderRecord): OfflineReason[] | null {
    return this.senderStatus(sender) === 'OFFLINE' ? (sender.offlineReasons ?? []) : null;
  }

  findSenderByNumber(senderId: string): SenderRecord | undefined {
    const wanted = senderId.startsWith('whatsapp:') ? senderId : `whatsapp:${senderId}`;
    return [...this.senders.values()].find((s) => s.senderId === wanted);
  }

  /** The service an inbound message on this sender is routed to (the first one it is attached to). */
  serviceForSender(senderSid: string): ServiceRecord | undefined {
    return [...this.services.values()].find((svc) =>
      svc.channelSenders.some((cs) => cs.senderSid === senderSid),
    );
  }

  /** An owned phone number by its +E164 value (numbers are few, a scan is fine). */
  findPhoneNumber(e164: string): PhoneNumberRecord | undefined {
    for (const n of this.phoneNumbers.values()) if (n.phoneNumber === e164) return n;
    return undefined;
  }

  /** The service a phone number belongs to (a number is in at most one service). */
  serviceForPhoneNumber(phoneNumberSid: string): ServiceRecord | undefined {
    for (const svc of this.services.values()) {
      if (svc.phoneNumbers.some((p) => p.phoneNumberSid === phoneNumberSid)) return svc;
    }
    return undefined;
  }

  /** Take the next scripted outcome that matches this outbound message, if any. */
  takeOutcome(accountSid: string, to: string): ScriptedOutcome | undefined {
    // Outcomes store a bare `to` as whatsapp:+E164; an SMS recipient matches that form too.
    const idx = this.outcomes.findIndex(
      (o) =>
        o.remaining > 0 &&
        (o.accountSid === null || o.accountSid === accountSid) &&
        (o.to === null || o.to === to || o.to === `whatsapp:${to}`),
    );
    if (idx < 0) return undefined;
    const o = this.outcomes[idx]!;
    o.remaining -= 1;
    if (o.remaining <= 0) this.outcomes.splice(idx, 1);
    return o;
  }
}
