// Outgoing webhooks (inbound messages and status callbacks), signed and retried the way Twilio does.
import { randomUUID } from 'node:crypto';
import twilio from 'twilio';
import type { FakeTwilioState } from './state.js';
import type { WebhookAttempt, WebhookDelivery } from './types.js';

export interface WebhookInput {
  kind: WebhookDelivery['kind'];
  accountSid: string;
  messageSid: string;
  url: string;
  method?: 'POST' | 'GET';
  params: Record<string, string>;
}

export interface StartedDelivery {
  delivery: WebhookDelivery;
  done: Promise<WebhookDelivery>;
}

export class WebhookSender {
  private closed = false;
  private readonly inflight = new Set<Promise<WebhookDelivery>>();

  constructor(private readonly state: FakeTwilioState) {}

  /**
   * Record a delivery and start it. The record is visible to the inspection API at once; `done`
   * settles after the last attempt (it never rejects: failures are recorded on the delivery).
   */
  start(input: WebhookInput): StartedDelivery {
    const method = input.method ?? 'POST';
    const account = this.state.accounts.get(input.accountSid);
    // Twilio signs with the auth token of the account that owns the resource (the subaccount).
    const token = account?.authToken ?? '';
    // POST: sign URL + sorted body params. GET: params travel in the query and the full URL is signed.
    const url = method === 'GET' ? appendQuery(input.url, input.params) : input.url;
    const signature = twilio.getExpectedTwilioSignature(token, url, method === 'GET' ? {} : input.params);
    const delivery: WebhookDelivery = {
      id: `WH${randomUUID().replace(/-/g, '')}`,
      kind: input.kind,
      accountSid: input.accountSid,
      messageSid: input.messageSid,
      url,
      method,
      params: input.params,
      signature,
      // Twilio sends the same I-Twilio-Idempotency-Token on every retry of one event.
      idempotencyToken: `${input.accountSid}-${randomUUID()}`,
      attempts: [],
      ok: false,
      done: false,
    };
    this.state.deliveries.push(delivery);
    const done = this.run(delivery);
    this.inflight.add(done);
    void done.finally(() => this.inflight.delete(done));
    return { delivery, done };
  }

  private async run(d: WebhookDelivery): Promise<WebhookDelivery> {
    const policy = this.state.config.webhookRetry;
    for (let attempt = 1; attempt <= Math.max(1, policy.maxAttempts) && !this.closed; attempt++) {
      const result = await this.attempt(d, policy.timeoutMs);
      d.attempts.push(result);
      if (result.statusCode !== null && result.statusCode < 400) {
        d.ok = true;
        break;
      }
      // Twilio retries connection failures, timeouts and 5xx; a 4xx is the application's answer.
      const retryable = result.statusCode === null || result.statusCode >= 500;
      if (!retryable || attempt >= policy.maxAttempts) break;
      await this.pause(policy.backoffMs * 2 ** (attempt - 1));
    }
    d.done = true;
    return d;
  }

  private async attempt(d: WebhookDelivery, timeoutMs: number): Promise<WebhookAttempt> {
    const started = Date.now();
    const at = this.state.clock.now();
    const headers: Record<string, string> = {
      'X-Twilio-Signature': d.signature,
      'I-Twilio-Idempotency-Token': d.idempotencyToken,
      'User-Agent': 'TwilioProxy/1.1',
      Accept: '*/*',
    };
    const init: RequestInit = { method: d.method, headers, signal: AbortSignal.timeout(timeoutMs) };
    if (d.method === 'POST') {
      headers['Content-Type'] = 'application/x-www-form-urlencoded; charset=utf-8';
      init.body = new URLSearchParams(d.params).toString();
    }
    try {
      const res = await fetch(d.url, init);
      const body = (await res.text()).slice(0, 4000);
      return { at, statusCode: res.status, error: null, durationMs: Date.now() - started, responseBody: body };
    } catch (err) {
      const message = err instanceof Error ? (err.name === 'TimeoutError' ? `timeout after ${timeoutMs} ms` : err.message) : String(err);
      return { at, statusCode: null, error: message, durationMs: Date.now() - started, responseBody: '' };
    }
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      t.unref();
    });
  }

  /** Wait for every delivery under way (used by the control API and by close). */
  async idle(): Promise<void> {
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
  }

  close(): void {
    this.closed = true;
  }
}

function appendQuery(url: string, params: Record<string, string>): string {
  const u = new URL(url);
  for (const [k, v] of Object.entries(params)) u.searchParams.append(k, v);
  return u.toString();
}
