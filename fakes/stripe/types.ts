// The fake's internal records. They hold only what the fake needs to behave like Stripe; the wire
// shapes (snake_case, every field Stripe sends) are produced by render.ts / render-billing.ts.
// Times are Unix seconds, as in Stripe's API, on the fake clock.

export type Metadata = Record<string, string>;
/** The customer's card as the fake sees it: one that pays, or one that is declined. */
export type CardMode = 'working' | 'declining';

export interface CustomerRecord {
  id: string;
  created: number;
  email: string | null;
  name: string | null;
  description: string | null;
  phone: string | null;
  metadata: Metadata;
  /** Set when the customer pays in Checkout or switches cards in the portal (a `pm_` id). */
  defaultPaymentMethod: string | null;
  paymentMode: CardMode;
  invoicePrefix: string;
  nextInvoiceNumber: number;
  deleted: boolean;
}

export interface ProductRecord {
  id: string;
  created: number;
  updated: number;
  name: string;
  description: string | null;
  active: boolean;
  metadata: Metadata;
  defaultPrice: string | null;
}

export type Interval = 'day' | 'week' | 'month' | 'year';

export interface PriceRecord {
  id: string;
  created: number;
  product: string;
  active: boolean;
  currency: string;
  unitAmount: number;
  nickname: string | null;
  lookupKey: string | null;
  metadata: Metadata;
  recurring: { interval: Interval; intervalCount: number; usageType: 'licensed' | 'metered'; meter: string | null } | null;
}

export type MeterFormula = 'sum' | 'count' | 'last';

export interface MeterRecord {
  id: string;
  created: number;
  updated: number;
  displayName: string;
  eventName: string;
  formula: MeterFormula;
  customerPayloadKey: string;
  valuePayloadKey: string;
  status: 'active' | 'inactive';
}

export interface MeterEventRecord {
  identifier: string;
  eventName: string;
  created: number;
  timestamp: number;
  payload: Record<string, string>;
  meter: string | null;
  customer: string | null;
  value: number | null;
  /** Stripe validates these asynchronously (error reports); the fake records why it did not count one. */
  error: string | null;
}

export interface CheckoutLineItem {
  price: string;
  quantity: number | null;
}

export interface CheckoutSessionRecord {
  id: string;
  created: number;
  expiresAt: number;
  status: 'open' | 'complete' | 'expired';
  paymentStatus: 'unpaid' | 'paid' | 'no_payment_required';
  mode: 'subscription';
  customer: string | null;
  /** 'always' when the session was not given a customer (Checkout creates one on completion). */
  customerCreation: 'always' | null;
  customerEmail: string | null;
  clientReferenceId: string | null;
  successUrl: string | null;
  cancelUrl: string | null;
  metadata: Metadata;
  lineItems: CheckoutLineItem[];
  trialEnd: number | null;
  trialPeriodDays: number | null;
  subscriptionMetadata: Metadata;
  allowPromotionCodes: boolean | null;
  locale: string | null;
  currency: string;
  amountTotal: number;
  subscription: string | null;
  invoice: string | null;
  /** Declined attempts on the hosted page (the session stays open). */
  declines: number;
}

export interface PortalSessionRecord {
  id: string;
  created: number;
  customer: string;
  returnUrl: string | null;
  configuration: string;
  locale: string | null;
}

export type SubscriptionStatus = 'incomplete' | 'incomplete_expired' | 'trialing' | 'active' | 'past_due' | 'unpaid' | 'canceled';

export interface SubscriptionItemRecord {
  id: string;
  created: number;
  price: string;
  quantity: number | null;
  metadata: Metadata;
}

export interface SubscriptionRecord {
  id: string;
  created: number;
  customer: string;
  status: SubscriptionStatus;
  items: SubscriptionItemRecord[];
  currency: string;
  startDate: number;
  billingCycleAnchor: number;
  currentPeriodStart: number;
  currentPeriodEnd: number;
  trialStart: number | null;
  trialEnd: number | null;
  trialWillEndSent: boolean;
  cancelAtPeriodEnd: boolean;
  cancelAt: number | null;
  canceledAt: number | null;
  endedAt: number | null;
  cancellationReason: 'cancellation_requested' | 'payment_failed' | null;
  latestInvoice: string | null;
  defaultPaymentMethod: string | null;
  metadata: Metadata;
}

export interface InvoiceLineRecord {
  id: string;
  price: string;
  subscriptionItem: string | null;
  quantity: number;
  amount: number;
  periodStart: number;
  periodEnd: number;
  description: string;
}

export type InvoiceStatus = 'draft' | 'open' | 'paid' | 'uncollectible' | 'void';

export interface InvoiceRecord {
  id: string;
  number: string | null;
  created: number;
  customer: string;
  subscription: string | null;
  status: InvoiceStatus;
  billingReason: 'subscription_create' | 'subscription_cycle' | 'subscription_update' | 'manual';
  currency: string;
  lines: InvoiceLineRecord[];
  amountDue: number;
  amountPaid: number;
  attemptCount: number;
  /** Automatic (scheduled) attempts so far; drives the retry schedule. Manual pays do not count. */
  autoAttempts: number;
  attempted: boolean;
  nextPaymentAttempt: number | null;
  periodStart: number;
  periodEnd: number;
  finalizedAt: number | null;
  paidAt: number | null;
  voidedAt: number | null;
  paidOutOfBand: boolean;
  metadata: Metadata;
}

/** What caused an event: an API request (id + Idempotency-Key) or nothing (clock, hosted pages). */
export interface RequestOrigin {
  id: string | null;
  idempotency_key: string | null;
}

export interface EventRecord {
  id: string;
  type: string;
  created: number;
  apiVersion: string;
  object: Record<string, unknown>;
  previousAttributes: Record<string, unknown> | null;
  request: RequestOrigin;
  pendingWebhooks: number;
}

export interface DeliveryAttempt {
  /** Wall-clock ISO time the attempt was made (webhook signatures use the receiver's real clock). */
  at: string;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
  responseBody: string;
  /** The attempt was "lost" on purpose (dropFirstAttempts): nothing was sent. */
  dropped: boolean;
  signatureTimestamp: number | null;
}

export interface DeliveryRecord {
  id: string;
  eventId: string;
  eventType: string;
  url: string;
  /** 0 for the original delivery, 1..N for copies made by the `duplicate` shaping. */
  copy: number;
  state: 'held' | 'pending' | 'succeeded' | 'failed';
  attempts: DeliveryAttempt[];
  /** Wall-clock ms of the next scheduled retry, while one is scheduled. */
  nextAttemptAt: number | null;
}

export interface RetryPolicy {
  maxAttempts: number;
  backoffMs: number;
  timeoutMs: number;
}

export interface DunningPolicy {
  /** Days after the previous failed automatic attempt, one entry per retry. */
  retryDays: number[];
  /** What happens to the subscription when the last retry fails (Stripe's default: cancel). */
  afterFinalFailure: 'cancel' | 'unpaid' | 'past_due';
}

export interface FakeStripeConfig {
  webhookUrls: string[];
  apiVersion: string;
  retry: RetryPolicy;
  dunning: DunningPolicy;
  businessName: string;
}

export interface DeliveryShaping {
  /** Each new event is delivered this many extra times. */
  duplicate: number;
  /** Hold the next `count` events and release them in `order` once all have arrived. */
  reorder: { count: number; order: 'reverse' | number[] } | null;
  /** Wait this long before every first attempt. */
  delayMs: number;
  /** The first attempt of the next N events is lost (not sent) and the event arrives only on retry. */
  dropFirstAttempts: number;
  /** Sign with a timestamp this many seconds in the past (null = current time). */
  staleSeconds: number | null;
}
