// Wire shapes for customers, the catalog, meters, Checkout and portal sessions and events: the
// snake_case JSON Stripe answers with (fields the fake does not model are present with Stripe's
// neutral values, so code that reads them sees the real shape).
import type { FakeStripeState } from './state.js';
import type {
  CheckoutSessionRecord,
  CustomerRecord,
  EventRecord,
  MeterEventRecord,
  MeterRecord,
  PortalSessionRecord,
  PriceRecord,
  ProductRecord,
} from './types.js';

export type Json = Record<string, unknown>;

/** What renderers need besides the record: the state (for nested objects) and where pages live. */
export interface RenderContext {
  state: FakeStripeState;
  publicUrl: () => string;
}

export function renderCustomer(c: CustomerRecord): Json {
  if (c.deleted) return { id: c.id, object: 'customer', deleted: true };
  return {
    id: c.id,
    object: 'customer',
    address: null,
    balance: 0,
    created: c.created,
    currency: null,
    customer_account: null,
    default_source: null,
    delinquent: false,
    discount: null,
    description: c.description,
    email: c.email,
    invoice_prefix: c.invoicePrefix,
    invoice_settings: { custom_fields: null, default_payment_method: c.defaultPaymentMethod, footer: null, rendering_options: null },
    livemode: false,
    metadata: c.metadata,
    name: c.name,
    next_invoice_sequence: c.nextInvoiceNumber,
    phone: c.phone,
    preferred_locales: [],
    shipping: null,
    tax_exempt: 'none',
    test_clock: null,
  };
}

export function renderProduct(p: ProductRecord): Json {
  return {
    id: p.id,
    object: 'product',
    active: p.active,
    created: p.created,
    default_price: p.defaultPrice,
    description: p.description,
    images: [],
    livemode: false,
    marketing_features: [],
    metadata: p.metadata,
    name: p.name,
    package_dimensions: null,
    shippable: null,
    statement_descriptor: null,
    tax_code: null,
    type: 'service',
    unit_label: null,
    updated: p.updated,
    url: null,
  };
}

export function renderPrice(p: PriceRecord): Json {
  return {
    id: p.id,
    object: 'price',
    active: p.active,
    billing_scheme: 'per_unit',
    created: p.created,
    currency: p.currency,
    custom_unit_amount: null,
    livemode: false,
    lookup_key: p.lookupKey,
    metadata: p.metadata,
    nickname: p.nickname,
    product: p.product,
    recurring: p.recurring
      ? {
          interval: p.recurring.interval,
          interval_count: p.recurring.intervalCount,
          meter: p.recurring.meter,
          usage_type: p.recurring.usageType,
        }
      : null,
    tax_behavior: 'unspecified',
    tiers_mode: null,
    transform_quantity: null,
    type: p.recurring ? 'recurring' : 'one_time',
    unit_amount: p.unitAmount,
    unit_amount_decimal: String(p.unitAmount),
  };
}

export function renderMeter(m: MeterRecord): Json {
  return {
    id: m.id,
    object: 'billing.meter',
    created: m.created,
    customer_mapping: { event_payload_key: m.customerPayloadKey, type: 'by_id' },
    default_aggregation: { formula: m.formula },
    display_name: m.displayName,
    event_name: m.eventName,
    event_time_window: null,
    livemode: false,
    status: m.status,
    status_transitions: { deactivated_at: null },
    updated: m.updated,
    value_settings: { event_payload_key: m.valuePayloadKey },
  };
}

export function renderMeterEvent(e: MeterEventRecord): Json {
  return {
    object: 'billing.meter_event',
    created: e.created,
    event_name: e.eventName,
    identifier: e.identifier,
    livemode: false,
    payload: e.payload,
    timestamp: e.timestamp,
  };
}

export function renderCheckoutSession(rc: RenderContext, s: CheckoutSessionRecord): Json {
  const customer = s.customer ? rc.state.customers.get(s.customer) : undefined;
  const complete = s.status === 'complete';
  return {
    id: s.id,
    object: 'checkout.session',
    adaptive_pricing: null,
    after_expiration: null,
    allow_promotion_codes: s.allowPromotionCodes,
    amount_subtotal: s.amountTotal,
    amount_total: s.amountTotal,
    automatic_tax: { enabled: false, liability: null, provider: null, status: null },
    billing_address_collection: null,
    cancel_url: s.cancelUrl,
    client_reference_id: s.clientReferenceId,
    client_secret: null,
    collected_information: null,
    consent: null,
    consent_collection: null,
    created: s.created,
    currency: s.currency,
    currency_conversion: null,
    custom_fields: [],
    custom_text: { after_submit: null, shipping_address: null, submit: null, terms_of_service_acceptance: null },
    customer: s.customer,
    customer_account: null,
    // Stripe creates a customer for subscription-mode sessions that were not given one.
    customer_creation: s.customerCreation,
    customer_details:
      complete && customer
        ? { address: null, business_name: null, email: customer.email, individual_name: null, name: customer.name, phone: null, tax_exempt: 'none', tax_ids: [] }
        : null,
    customer_email: s.customerEmail,
    discounts: [],
    expires_at: s.expiresAt,
    invoice: s.invoice,
    integration_identifier: null,
    invoice_creation: null,
    livemode: false,
    locale: s.locale,
    managed_payments: null,
    metadata: s.metadata,
    mode: s.mode,
    origin_context: null,
    payment_intent: null,
    payment_link: null,
    payment_method_collection: 'always',
    payment_method_configuration_details: null,
    payment_method_options: {},
    payment_method_types: ['card'],
    payment_status: s.paymentStatus,
    permissions: null,
    phone_number_collection: { enabled: false },
    recovered_from: null,
    saved_payment_method_options: null,
    setup_intent: null,
    shipping_address_collection: null,
    shipping_cost: null,
    shipping_options: [],
    status: s.status,
    submit_type: null,
    subscription: s.subscription,
    success_url: s.successUrl,
    total_details: { amount_discount: 0, amount_shipping: 0, amount_tax: 0 },
    ui_mode: 'hosted',
    // Stripe clears the URL once the session can no longer be paid.
    url: s.status === 'open' ? `${rc.publicUrl()}/pay/${s.id}` : null,
    wallet_options: null,
  };
}

export function renderPortalSession(rc: RenderContext, p: PortalSessionRecord): Json {
  return {
    id: p.id,
    object: 'billing_portal.session',
    configuration: p.configuration,
    created: p.created,
    customer: p.customer,
    customer_account: null,
    flow: null,
    livemode: false,
    locale: p.locale,
    on_behalf_of: null,
    return_url: p.returnUrl,
    url: `${rc.publicUrl()}/portal/${p.id}`,
  };
}

export function renderEvent(e: EventRecord): Json {
  return {
    id: e.id,
    object: 'event',
    api_version: e.apiVersion,
    created: e.created,
    data: e.previousAttributes ? { object: e.object, previous_attributes: e.previousAttributes } : { object: e.object },
    livemode: false,
    pending_webhooks: e.pendingWebhooks,
    request: e.request,
    type: e.type,
  };
}
