// Webhook delivery: each event is POSTed as JSON to every configured URL with a `Stripe-Signature`
// header made by the SDK's own generateTestHeaderString (so it is exactly what constructEvent checks).
// At least once: a non-2xx answer, a timeout or a connection error is retried with exponential backoff.
// First attempts leave in event order per URL; retries run on their own timers, as on Stripe.
// Delivery shaping (state.shaping) makes the hard cases happen on demand: duplicates, reordering,
// delay, first attempts that are lost, and stale signatures.
import Stripe from 'stripe';
import { newId } from './ids.js';
import { renderEvent } from './render.js';
import type { FakeStripeState } from './state.js';
import type { DeliveryAttempt, DeliveryRecord, EventRecord } from './types.js';

/** Decided when the event arrives, so a later shaping change does not alter it. */
interface Plan {
  drop: boolean;
  staleSeconds: number | null;
  delayMs: number;
}

const MAX_DELIVERIES = 5000;

export class WebhookDispatcher {
  private closed = false;
  private readonly plans = new Map<string, Plan>();
  private readonly chains = new Map<string, Promise<void>>();
  private readonly retries = new Set<NodeJS.Timeout>();
  /** Pending `delayMs` waits, with the function that ends each early (reset, close). */
  private readonly sleepers = new Map<NodeJS.Timeout, () => void>();
  private held: DeliveryRecord[][] = [];
  private active = 0;

  constructor(
    private readonly state: FakeStripeState,
    private readonly secret: string,
  ) {}

  enqueue(ev: EventRecord): void {
    const shaping = this.state.shaping;
    const urls = this.state.config.webhookUrls;
    if (urls.length === 0 || this.closed) return;
    const drop = shaping.dropFirstAttempts > 0;
    if (drop) shaping.dropFirstAttempts -= 1;
    const plan: Plan = { drop, staleSeconds: shaping.staleSeconds, delayMs: shaping.delayMs };
    const group: DeliveryRecord[] = [];
    for (const url of urls) {
      for (let copy = 0; copy <= shaping.duplicate; copy++) group.push(this.record(ev, url, copy, plan));
    }
    const reorder = shaping.reorder;
    if (!reorder) {
      for (const d of group) this.startFirst(d);
      return;
    }
    for (const d of group) d.state = 'held';
    this.held.push(group);
    if (this.held.length >= reorder.count) {
      shaping.reorder = null;
      this.release(reorder.order);
    }
  }

  /** Send every held event now, in `order` ('reverse' or positions among the held events). */
  release(order: 'reverse' | number[] = 'reverse'): number {
    const groups = this.held;
    this.held = [];
    const wanted = order === 'reverse' ? groups.map((_, i) => groups.length - 1 - i) : order;
    // Positions the order leaves out follow in arrival order, so nothing held is ever lost.
    const sequence: number[] = [];
    for (const i of [...wanted, ...groups.keys()]) if (i >= 0 && i < groups.length && !sequence.includes(i)) sequence.push(i);
    for (const i of sequence) {
      for (const d of groups[i] ?? []) {
        d.state = 'pending';
        this.startFirst(d);
      }
    }
    return groups.length;
  }

  heldEvents(): string[] {
    return this.held.map((g) => g[0]?.eventId ?? '');
  }

  /** Deliver an event again (every URL, or one), outside any shaping, like the Dashboard's "Resend". */
  resend(ev: EventRecord, url?: string): DeliveryRecord[] {
    const none: Plan = { drop: false, staleSeconds: null, delayMs: 0 };
    const out = (url ? [url] : this.state.config.webhookUrls).map((u) => this.record(ev, u, 0, none));
    for (const d of out) this.startFirst(d);
    return out;
  }

  private record(ev: EventRecord, url: string, copy: number, plan: Plan): DeliveryRecord {
    const d: DeliveryRecord = { id: newId('whd'), eventId: ev.id, eventType: ev.type, url, copy, state: 'pending', attempts: [], nextAttemptAt: null };
    this.plans.set(d.id, plan);
    this.state.deliveries.push(d);
    if (this.state.deliveries.length > MAX_DELIVERIES) this.state.deliveries.splice(0, this.state.deliveries.length - MAX_DELIVERIES);
    return d;
  }

  private startFirst(d: DeliveryRecord): void {
    this.active += 1;
    const prev = this.chains.get(d.url) ?? Promise.resolve();
    const next = prev.then(async () => {
      const plan = this.plans.get(d.id);
      if (plan && plan.delayMs > 0) await this.sleep(plan.delayMs);
      // A reset while this delivery waited forgets it.
      if (!this.plans.has(d.id)) return;
      if (plan?.drop) {
        // Lost on the way: recorded, nothing sent, so the event first arrives on a retry.
        d.attempts.push({ at: new Date().toISOString(), statusCode: null, error: 'dropped (dropFirstAttempts)', durationMs: 0, responseBody: '', dropped: true, signatureTimestamp: null });
        this.afterAttempt(d, false);
        return;
      }
      this.afterAttempt(d, await this.attempt(d));
    });
    const settled = next.catch(() => undefined).finally(() => {
      this.active -= 1;
      if (this.chains.get(d.url) === settled) this.chains.delete(d.url);
    });
    this.chains.set(d.url, settled);
  }

  private afterAttempt(d: DeliveryRecord, ok: boolean): void {
    if (ok) {
      d.state = 'succeeded';
      d.nextAttemptAt = null;
      const ev = this.state.events.get(d.eventId);
      if (ev && d.copy === 0 && ev.pendingWebhooks > 0) ev.pendingWebhooks -= 1;
      this.plans.delete(d.id);
      return;
    }
    const { maxAttempts, backoffMs } = this.state.config.retry;
    if (d.attempts.length >= maxAttempts || this.closed || !this.plans.has(d.id)) {
      d.state = 'failed';
      d.nextAttemptAt = null;
      this.plans.delete(d.id);
      return;
    }
    const wait = backoffMs * 2 ** (d.attempts.length - 1);
    d.nextAttemptAt = Date.now() + wait;
    this.active += 1;
    const t = setTimeout(() => {
      this.retries.delete(t);
      void this.attempt(d)
        .then((res) => this.afterAttempt(d, res))
        .finally(() => {
          this.active -= 1;
        });
    }, wait);
    this.retries.add(t);
  }

  private async attempt(d: DeliveryRecord): Promise<boolean> {
    const ev = this.state.events.get(d.eventId);
    if (!ev) return true;
    const plan = this.plans.get(d.id);
    // Pretty-printed, as Stripe sends it; pending_webhooks is the count at the time of sending.
    const payload = JSON.stringify(renderEvent(ev), null, 2);
    // Signed with the real clock: the receiver checks the timestamp against its own Date.now(), and
    // the fake's billing clock may be weeks ahead. `stale` moves it outside the 300 s tolerance.
    const timestamp = Math.floor(Date.now() / 1000) - (plan?.staleSeconds ?? 0);
    const signature = Stripe.webhooks.generateTestHeaderString({ payload, secret: this.secret, timestamp });
    const started = Date.now();
    const result: DeliveryAttempt = { at: new Date(started).toISOString(), statusCode: null, error: null, durationMs: 0, responseBody: '', dropped: false, signatureTimestamp: timestamp };
    try {
      const res = await fetch(d.url, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json; charset=utf-8',
          'Stripe-Signature': signature,
          'User-Agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
          'Cache-Control': 'no-cache',
          Accept: '*/*; q=0.5, application/xml',
        },
        body: payload,
        signal: AbortSignal.timeout(this.state.config.retry.timeoutMs),
      });
      result.statusCode = res.status;
      result.responseBody = (await res.text()).slice(0, 2000);
    } catch (err) {
      const e = err as Error;
      result.error = e.name === 'TimeoutError' ? `timeout after ${this.state.config.retry.timeoutMs} ms` : e.message;
    }
    result.durationMs = Date.now() - started;
    d.attempts.push(result);
    return result.statusCode !== null && result.statusCode >= 200 && result.statusCode < 300;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.sleepers.delete(t);
        resolve();
      }, ms);
      this.sleepers.set(t, resolve);
    });
  }

  private stopTimers(): void {
    for (const t of this.retries) {
      clearTimeout(t);
      this.active -= 1;
    }
    this.retries.clear();
    for (const [t, wake] of this.sleepers) {
      clearTimeout(t);
      wake();
    }
    this.sleepers.clear();
  }

  /** Resolves when no delivery is in flight or waiting for a retry (held events do not count). */
  async idle(): Promise<void> {
    while (this.active > 0 && !this.closed) await new Promise((r) => setTimeout(r, 5));
  }

  /** Forget held events and pending retries (control-API reset). */
  clear(): void {
    this.held = [];
    this.plans.clear();
    this.stopTimers();
  }

  close(): void {
    this.closed = true;
    this.plans.clear();
    this.stopTimers();
  }
}
