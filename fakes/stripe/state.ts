// Everything the fake remembers, plus the billing clock. Maps keep insertion order, which is creation
// order: lists walk them backwards to answer newest-first like Stripe.
import Stripe from 'stripe';
import type {
  CheckoutSessionRecord,
  CustomerRecord,
  DeliveryRecord,
  DeliveryShaping,
  EventRecord,
  FakeStripeConfig,
  InvoiceRecord,
  MeterEventRecord,
  MeterRecord,
  PortalSessionRecord,
  PriceRecord,
  ProductRecord,
  SubscriptionRecord,
} from './types.js';

/**
 * The fake's time: an injectable base clock (ms) plus an offset the control API advances. Subscription
 * periods, trials and payment retries are due on this clock, so a test can jump a month in one call.
 */
export class FakeClock {
  offsetMs = 0;
  constructor(private readonly base: () => number = Date.now) {}
  nowMs(): number {
    return this.base() + this.offsetMs;
  }
  /** Unix seconds, the unit of every Stripe timestamp. */
  now(): number {
    return Math.floor(this.nowMs() / 1000);
  }
  advance(ms: number): void {
    this.offsetMs += ms;
  }
}

export function defaultConfig(): FakeStripeConfig {
  return {
    webhookUrls: [],
    // The version the installed SDK pins; events are rendered "as" this version.
    apiVersion: Stripe.API_VERSION,
    retry: { maxAttempts: 6, backoffMs: 250, timeoutMs: 10_000 },
    // Stripe's classic retry schedule shape; after the last failure Stripe cancels by default.
    dunning: { retryDays: [3, 5, 7], afterFinalFailure: 'cancel' },
    businessName: 'WARA',
  };
}

export function defaultShaping(): DeliveryShaping {
  return { duplicate: 0, reorder: null, delayMs: 0, dropFirstAttempts: 0, staleSeconds: null };
}

/** The persisted part of the state (no deliveries, idempotency keys or secrets). */
export interface StateSnapshot {
  version: 1;
  clockOffsetMs: number;
  config: FakeStripeConfig;
  portalConfigurationId: string;
  customers: CustomerRecord[];
  products: ProductRecord[];
  prices: PriceRecord[];
  meters: MeterRecord[];
  meterEvents: MeterEventRecord[];
  checkoutSessions: CheckoutSessionRecord[];
  portalSessions: PortalSessionRecord[];
  subscriptions: SubscriptionRecord[];
  invoices: InvoiceRecord[];
  events: EventRecord[];
}

/** Only the newest events are kept in the state file: enough for `GET /v1/events` after a restart. */
const PERSISTED_EVENTS = 2000;

export class FakeStripeState {
  readonly clock: FakeClock;
  config: FakeStripeConfig;
  shaping: DeliveryShaping = defaultShaping();
  customers = new Map<string, CustomerRecord>();
  products = new Map<string, ProductRecord>();
  prices = new Map<string, PriceRecord>();
  meters = new Map<string, MeterRecord>();
  /** Keyed by identifier: Stripe rejects a second event with the same identifier. */
  meterEvents = new Map<string, MeterEventRecord>();
  checkoutSessions = new Map<string, CheckoutSessionRecord>();
  portalSessions = new Map<string, PortalSessionRecord>();
  subscriptions = new Map<string, SubscriptionRecord>();
  invoices = new Map<string, InvoiceRecord>();
  events = new Map<string, EventRecord>();
  deliveries: DeliveryRecord[] = [];
  /** The id Stripe gives the account's default portal configuration (`bpc_…`). */
  portalConfigurationId: string;
  private listeners: Array<() => void> = [];

  constructor(
    private readonly initial: () => FakeStripeConfig,
    now?: () => number,
    portalConfigurationId = 'bpc_' + 'fake'.repeat(6),
  ) {
    this.clock = new FakeClock(now);
    this.config = initial();
    this.portalConfigurationId = portalConfigurationId;
  }

  /** Persistence subscribes here; callers invoke `changed()` after mutating. */
  onChange(fn: () => void): void {
    this.listeners.push(fn);
  }
  changed(): void {
    for (const fn of this.listeners) fn();
  }

  reset(): void {
    for (const m of [this.customers, this.products, this.prices, this.meters, this.meterEvents, this.checkoutSessions]) m.clear();
    for (const m of [this.portalSessions, this.subscriptions, this.invoices, this.events]) m.clear();
    this.deliveries = [];
    this.shaping = defaultShaping();
    this.clock.offsetMs = 0;
    this.config = this.initial();
    this.changed();
  }

  snapshot(): StateSnapshot {
    const events = [...this.events.values()];
    return {
      version: 1,
      clockOffsetMs: this.clock.offsetMs,
      config: this.config,
      portalConfigurationId: this.portalConfigurationId,
      customers: [...this.customers.values()],
      products: [...this.products.values()],
      prices: [...this.prices.values()],
      meters: [...this.meters.values()],
      meterEvents: [...this.meterEvents.values()],
      checkoutSessions: [...this.checkoutSessions.values()],
      portalSessions: [...this.portalSessions.values()],
      subscriptions: [...this.subscriptions.values()],
      invoices: [...this.invoices.values()],
      events: events.slice(-PERSISTED_EVENTS),
    };
  }

  restore(s: StateSnapshot): void {
    const fill = <T extends { id: string }>(map: Map<string, T>, rows: T[]) => {
      map.clear();
      for (const r of rows) map.set(r.id, r);
    };
    this.clock.offsetMs = s.clockOffsetMs;
    // Behaviour comes from the start options; webhook URLs set through the control API survive a
    // restart unless the options name some.
    const initial = this.initial();
    this.config = { ...initial, webhookUrls: initial.webhookUrls.length ? initial.webhookUrls : s.config.webhookUrls };
    this.portalConfigurationId = s.portalConfigurationId;
    fill(this.customers, s.customers);
    fill(this.products, s.products);
    fill(this.prices, s.prices);
    fill(this.meters, s.meters);
    this.meterEvents.clear();
    for (const e of s.meterEvents) this.meterEvents.set(e.identifier, e);
    fill(this.checkoutSessions, s.checkoutSessions);
    fill(this.portalSessions, s.portalSessions);
    fill(this.subscriptions, s.subscriptions);
    fill(this.invoices, s.invoices);
    fill(this.events, s.events);
  }
}
