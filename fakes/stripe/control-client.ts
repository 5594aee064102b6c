// A typed client for the fake's /_control API (tests, dev scripts, demos).
import type { CardMode, DeliveryRecord, DeliveryShaping, DunningPolicy, FakeStripeConfig, MeterEventRecord, RetryPolicy } from './types.js';

/** Stripe's wire JSON: the control API returns objects exactly as the REST API renders them. */
export type StripeJson = Record<string, unknown> & { id: string; object: string };

export interface ControlEvent {
  id: string;
  object: 'event';
  type: string;
  created: number;
  api_version: string;
  data: { object: Record<string, unknown>; previous_attributes?: Record<string, unknown> };
  request: { id: string | null; idempotency_key: string | null };
  pending_webhooks: number;
  livemode: false;
}

export interface ConfigPatch {
  webhookUrl?: string | null;
  webhookUrls?: string[];
  apiVersion?: string;
  businessName?: string;
  retry?: Partial<RetryPolicy>;
  dunning?: Partial<DunningPolicy>;
  shaping?: Partial<DeliveryShaping>;
}

export interface ClockView {
  now: number;
  iso: string;
  offsetMs: number;
  /** Billing steps (renewals, retries, expiries, …) the advance made happen. */
  processed: number;
}

export interface MeterTotals {
  customer: string;
  eventName: string;
  meter: string;
  value: number;
  count: number;
}

export interface ShapingView {
  shaping: DeliveryShaping;
  heldEvents: string[];
}

export class FakeStripeControlError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`fake stripe control API answered ${status}: ${JSON.stringify(body)}`);
  }
}

export class FakeStripeControl {
  constructor(private readonly baseUrl: string) {}

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.baseUrl.replace(/\/+$/, '')}/_control${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    const parsed: unknown = text ? JSON.parse(text) : undefined;
    if (!res.ok) throw new FakeStripeControlError(res.status, parsed);
    return parsed as T;
  }

  private query(q: Record<string, string | undefined>): string {
    const s = new URLSearchParams(Object.entries(q).filter((e): e is [string, string] => e[1] !== undefined));
    return s.size ? `?${s}` : '';
  }

  reset(): Promise<{ ok: true }> {
    return this.call('POST', '/reset', {});
  }
  config(patch?: ConfigPatch): Promise<FakeStripeConfig & { shaping: DeliveryShaping }> {
    return patch ? this.call('PATCH', '/config', patch) : this.call('GET', '/config');
  }
  clock(): Promise<ClockView> {
    return this.call('GET', '/clock');
  }
  advanceClock(by: { seconds?: number; minutes?: number; hours?: number; days?: number; to?: number }): Promise<ClockView> {
    return this.call('POST', '/clock/advance', by);
  }
  /** Swap the customer's card; `payOpenInvoices` also charges open invoices now (as the portal does). */
  setPaymentMethod(customerId: string, mode: CardMode, opts: { payOpenInvoices?: boolean } = {}): Promise<StripeJson> {
    return this.call('POST', `/customers/${customerId}/payment-method`, { mode, ...opts });
  }
  payInvoice(invoiceId: string): Promise<StripeJson> {
    return this.call('POST', `/invoices/${invoiceId}/pay`, {});
  }
  failInvoice(invoiceId: string): Promise<StripeJson> {
    return this.call('POST', `/invoices/${invoiceId}/fail`, {});
  }
  renewNow(subscriptionId: string): Promise<StripeJson> {
    return this.call('POST', `/subscriptions/${subscriptionId}/renew-now`, {});
  }
  completeCheckout(sessionId: string, outcome: 'pay' | 'decline' = 'pay'): Promise<{ session: string; subscription?: StripeJson; declined?: true }> {
    return this.call('POST', `/checkout/sessions/${sessionId}/complete`, { outcome });
  }
  meterEvents(filter: { customer?: string; eventName?: string } = {}): Promise<{ events: MeterEventRecord[]; totals: MeterTotals[] }> {
    return this.call('GET', `/meter-events${this.query(filter)}`);
  }
  events(filter: { type?: string } = {}): Promise<{ events: ControlEvent[] }> {
    return this.call('GET', `/events${this.query(filter)}`);
  }
  deliveries(filter: { eventId?: string; type?: string; state?: DeliveryRecord['state'] } = {}): Promise<{ deliveries: DeliveryRecord[] }> {
    return this.call('GET', `/deliveries${this.query(filter)}`);
  }
  state(): Promise<Record<string, unknown>> {
    return this.call('GET', '/state');
  }
  idle(): Promise<{ ok: true }> {
    return this.call('POST', '/idle', {});
  }

  // Webhook delivery shaping.
  shaping(): Promise<ShapingView> {
    return this.call('GET', '/webhooks/shaping');
  }
  clearShaping(): Promise<ShapingView> {
    return this.call('DELETE', '/webhooks/shaping');
  }
  duplicate(count: number): Promise<ShapingView> {
    return this.call('POST', '/webhooks/duplicate', { count });
  }
  reorder(count: number, order: 'reverse' | number[] = 'reverse'): Promise<ShapingView> {
    return this.call('POST', '/webhooks/reorder', { count, order });
  }
  release(order?: 'reverse' | number[]): Promise<ShapingView & { released: number }> {
    return this.call('POST', '/webhooks/release', order === undefined ? {} : { order });
  }
  delay(ms: number): Promise<ShapingView> {
    return this.call('POST', '/webhooks/delay', { ms });
  }
  dropFirstAttempts(count: number): Promise<ShapingView> {
    return this.call('POST', '/webhooks/drop-first-attempts', { count });
  }
  stale(seconds: number | null = 3600): Promise<ShapingView> {
    return this.call('POST', '/webhooks/stale', { seconds });
  }
  resend(eventId: string, url?: string): Promise<{ deliveries: DeliveryRecord[] }> {
    return this.call('POST', '/webhooks/resend', url ? { eventId, url } : { eventId });
  }
}
