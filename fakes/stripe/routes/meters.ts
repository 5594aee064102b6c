// Billing meters (/v1/billing/meters) and meter events (/v1/billing/meter_events). A second meter
// event with an identifier already seen is refused the way Stripe refuses it (400, "An event already
// exists with identifier …", Stripe-Should-Retry: false) and is counted once. Everything else Stripe
// checks asynchronously (error reports) is accepted here and recorded with the error code Stripe's
// report would carry; such events do not count towards usage.
import type { FastifyInstance } from 'fastify';
import type { FakeStripeContext } from '../context.js';
import { badRequest, invalidParam, noSuch, StripeApiError } from '../errors.js';
import { applyExpand, listEnvelope } from '../expand.js';
import { listQuery, paramsOf } from '../http.js';
import { base62, newId } from '../ids.js';
import { renderMeter, renderMeterEvent } from '../render.js';
import type { MeterEventRecord, MeterFormula, MeterRecord } from '../types.js';

const DAY = 86_400;

export function registerMeterRoutes(app: FastifyInstance, ctx: FakeStripeContext): void {
  const { state, rc } = ctx;

  app.post('/v1/billing/meters', async (req) => {
    const p = paramsOf(req).known('display_name', 'event_name', 'default_aggregation', 'customer_mapping', 'value_settings', 'event_time_window');
    const displayName = p.reqStr('display_name');
    const eventName = p.reqStr('event_name');
    const agg = p.obj('default_aggregation');
    if (!agg) throw badRequest('Missing required param: default_aggregation.', { code: 'parameter_missing', param: 'default_aggregation' });
    const formula = agg.known('formula').oneOf('formula', ['sum', 'count', 'last'] as const);
    if (!formula) throw badRequest('Missing required param: default_aggregation[formula].', { code: 'parameter_missing', param: 'default_aggregation[formula]' });
    const mapping = p.obj('customer_mapping')?.known('event_payload_key', 'type');
    if (mapping) mapping.oneOf('type', ['by_id'] as const);
    if ([...state.meters.values()].some((m) => m.status === 'active' && m.eventName === eventName)) {
      throw invalidParam('event_name', `An active meter with event_name \`${eventName}\` already exists.`);
    }
    const now = state.clock.now();
    const meter: MeterRecord = {
      id: newId('mtr_test'),
      created: now,
      updated: now,
      displayName,
      eventName,
      formula: formula as MeterFormula,
      customerPayloadKey: mapping?.str('event_payload_key') ?? 'stripe_customer_id',
      valuePayloadKey: p.obj('value_settings')?.known('event_payload_key').str('event_payload_key') ?? 'value',
      status: 'active',
    };
    state.meters.set(meter.id, meter);
    return applyExpand(rc, renderMeter(meter), p.expand());
  });

  app.get('/v1/billing/meters', async (req) => {
    const p = paramsOf(req).known('status', 'limit', 'starting_after', 'ending_before');
    const status = p.oneOf('status', ['active', 'inactive'] as const);
    const rows = [...state.meters.values()].filter((m) => status === null || m.status === status);
    return applyExpand(rc, listEnvelope(rows, listQuery(p), '/v1/billing/meters', renderMeter), p.expand());
  });

  app.get<{ Params: { id: string } }>('/v1/billing/meters/:id', async (req) => {
    const p = paramsOf(req).known();
    const m = state.meters.get(req.params.id);
    if (!m) throw noSuch('billing.meter', req.params.id);
    return applyExpand(rc, renderMeter(m), p.expand());
  });

  app.post<{ Params: { id: string } }>('/v1/billing/meters/:id', async (req) => {
    const p = paramsOf(req).known('display_name');
    const m = state.meters.get(req.params.id);
    if (!m) throw noSuch('billing.meter', req.params.id);
    // Only the display name of a meter can change once it exists.
    if (p.has('display_name')) m.displayName = p.reqStr('display_name');
    m.updated = state.clock.now();
    return applyExpand(rc, renderMeter(m), p.expand());
  });

  for (const action of ['deactivate', 'reactivate'] as const) {
    app.post<{ Params: { id: string } }>(`/v1/billing/meters/:id/${action}`, async (req) => {
      const p = paramsOf(req).known();
      const m = state.meters.get(req.params.id);
      if (!m) throw noSuch('billing.meter', req.params.id);
      m.status = action === 'deactivate' ? 'inactive' : 'active';
      m.updated = state.clock.now();
      return applyExpand(rc, renderMeter(m), p.expand());
    });
  }

  app.post('/v1/billing/meter_events', async (req) => {
    const p = paramsOf(req).known('event_name', 'payload', 'identifier', 'timestamp');
    const eventName = p.reqStr('event_name');
    const payloadReader = p.obj('payload');
    if (!payloadReader) throw badRequest('Missing required param: payload.', { code: 'parameter_missing', param: 'payload' });
    const payload: Record<string, string> = {};
    for (const key of Object.keys(payloadReader.params)) payload[key] = payloadReader.str(key) ?? '';
    const identifier = p.str('identifier') ?? base62(24);
    if (identifier.length > 100) throw invalidParam('identifier', 'identifier must be at most 100 characters.');
    if (state.meterEvents.has(identifier)) {
      throw new StripeApiError(400, 'invalid_request_error', `An event already exists with identifier ${identifier}.`, {}, { 'Stripe-Should-Retry': 'false' });
    }
    const now = state.clock.now();
    const timestamp = p.int('timestamp') ?? now;
    const meter = [...state.meters.values()].find((m) => m.status === 'active' && m.eventName === eventName) ?? null;
    const ev: MeterEventRecord = { identifier, eventName, created: now, timestamp, payload, meter: meter?.id ?? null, customer: null, value: null, error: null };
    if (!meter) ev.error = 'no_meter';
    else {
      const customer = payload[meter.customerPayloadKey];
      const raw = payload[meter.valuePayloadKey];
      if (!customer) ev.error = 'meter_event_no_customer_defined';
      else if (!state.customers.has(customer)) ev.error = 'meter_event_customer_not_found';
      else if (meter.formula !== 'count' && raw === undefined) ev.error = 'meter_event_value_not_found';
      else if (raw !== undefined && !/^-?\d+$/.test(raw)) ev.error = 'meter_event_invalid_value';
      else if (timestamp < now - 35 * DAY) ev.error = 'timestamp_too_far_in_past';
      else if (timestamp > now + 300) ev.error = 'timestamp_in_future';
      ev.customer = customer ?? null;
      ev.value = raw !== undefined && /^-?\d+$/.test(raw) ? Number(raw) : meter.formula === 'count' ? 1 : null;
    }
    state.meterEvents.set(identifier, ev);
    return applyExpand(rc, renderMeterEvent(ev), p.expand());
  });
}
