// Outbound message life: accepted/queued → sent → delivered (or failed / undelivered), one status
// callback per change, POSTed to the message's StatusCallback or else the service's status_callback.
import type { FakeTwilioState } from './state.js';
import type { MessageRecord, MessageStatus } from './types.js';
import type { WebhookSender } from './webhooks.js';

export const ERROR_MESSAGES: Record<number, string> = {
  63016:
    'Failed to send freeform message because you are outside the allowed window. If you are using WhatsApp, please use a Message Template.',
  63024: 'Invalid message recipient',
  63003: 'Channel could not find To address',
  63027: 'Template does not exist for a language and locale',
  30003: 'Unreachable destination handset',
  30005: 'Unknown destination handset',
  30008: 'Unknown error',
};

/** Twilio masks part of ChannelToAddress in WhatsApp status callbacks. */
function maskAddress(to: string): string {
  const bare = to.replace(/^whatsapp:/, '');
  return bare.length > 6 ? bare.slice(0, -4) + 'XXXX' : bare;
}

export class MessagePipeline {
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly chains = new Map<string, Promise<unknown>>();
  private pending = 0;

  constructor(
    private readonly state: FakeTwilioState,
    private readonly webhooks: WebhookSender,
  ) {}

  /** Begin automatic progression (unless the config says steps only move through the control API). */
  start(m: MessageRecord): void {
    this.scheduleNext(m);
  }

  private scheduleNext(m: MessageRecord): void {
    const delay = this.state.config.messageStatusDelayMs;
    if (delay === null || m.plan.length === 0) return;
    const t = setTimeout(() => {
      this.timers.delete(t);
      void this.advance(m.sid, 1, true);
    }, delay);
    this.timers.add(t);
  }

  /**
   * Apply up to `steps` pending statuses, each followed by its (awaited) status callback. Steps of one
   * message are serialised so callbacks leave in status order even when the control API interferes.
   */
  advance(messageSid: string, steps: number, automatic = false): Promise<MessageRecord | undefined> {
    const prev = this.chains.get(messageSid) ?? Promise.resolve();
    this.pending += 1;
    const next = prev.then(async () => {
      const m = this.state.messages.get(messageSid);
      if (!m) return undefined;
      for (let i = 0; i < steps && m.plan.length > 0; i++) await this.applyStep(m);
      if (automatic) this.scheduleNext(m);
      return m;
    });
    const settled = next.catch(() => undefined).finally(() => {
      this.pending -= 1;
      if (this.chains.get(messageSid) === settled) this.chains.delete(messageSid);
    });
    this.chains.set(messageSid, settled);
    return next;
  }

  private async applyStep(m: MessageRecord): Promise<void> {
    const status = m.plan.shift() as MessageStatus;
    const now = this.state.clock.now();
    m.status = status;
    m.dateUpdated = now;
    m.history.push({ status, at: now });
    if (status === 'sent') m.dateSent = now;
    // error_code / error_message only appear once the message has actually failed.
    if (status === 'failed' || status === 'undelivered') {
      const err = m.pendingError ?? { code: 30008, message: ERROR_MESSAGES[30008] ?? 'Unknown error' };
      m.errorCode = err.code;
      m.errorMessage = err.message;
    }
    const url = this.callbackUrl(m);
    if (!url) return;
    const params: Record<string, string> = {
      AccountSid: m.accountSid,
      ApiVersion: '2010-04-01',
      From: m.from ?? '',
      MessageSid: m.sid,
      MessageStatus: status,
      SmsSid: m.sid,
      SmsStatus: status,
      To: m.to,
    };
    // The Channel* / StructuredMessage fields only come with WhatsApp (channel) messages, not SMS.
    if (m.to.startsWith('whatsapp:')) {
      Object.assign(params, {
        ChannelInstallSid: m.senderSid ?? '',
        ChannelPrefix: 'whatsapp',
        ChannelToAddress: maskAddress(m.to),
        StructuredMessage: 'false',
      });
    }
    if (m.messagingServiceSid) params['MessagingServiceSid'] = m.messagingServiceSid;
    if ((status === 'failed' || status === 'undelivered') && m.errorCode !== null) params['ErrorCode'] = String(m.errorCode);
    await this.webhooks.start({ kind: 'status', accountSid: m.accountSid, messageSid: m.sid, url, params }).done;
  }

  private callbackUrl(m: MessageRecord): string | null {
    if (m.statusCallback) return m.statusCallback;
    if (!m.messagingServiceSid) return null;
    return this.state.services.get(m.messagingServiceSid)?.statusCallback ?? null;
  }

  /** Wait until no status step is scheduled or running (automatic mode reaches final statuses). */
  async idle(): Promise<void> {
    while (this.timers.size > 0 || this.pending > 0) await new Promise((r) => setTimeout(r, 5));
  }

  close(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}
