// /v1/events: list (type / types[] / created filters) and retrieve.
import type { FastifyInstance } from 'fastify';
import type { FakeStripeContext } from '../context.js';
import { noSuch } from '../errors.js';
import { applyExpand, listEnvelope } from '../expand.js';
import { createdFilter, listQuery, paramsOf } from '../http.js';
import { renderEvent } from '../render.js';

/** Stripe's `type` filter accepts one `*` wildcard: `invoice.*`, `customer.subscription.*`. */
export function typeMatches(pattern: string, type: string): boolean {
  if (!pattern.includes('*')) return pattern === type;
  const [head = '', tail = ''] = pattern.split('*', 2);
  return type.startsWith(head) && type.endsWith(tail) && type.length >= head.length + tail.length;
}

export function registerEventRoutes(app: FastifyInstance, ctx: FakeStripeContext): void {
  const { state, rc } = ctx;

  app.get('/v1/events', async (req) => {
    const p = paramsOf(req).known('type', 'types', 'created', 'delivery_success', 'limit', 'starting_after', 'ending_before');
    const type = p.str('type');
    const types = p.strings('types');
    const inRange = createdFilter(p);
    const rows = [...state.events.values()].filter((e) => (type === null || typeMatches(type, e.type)) && (types.length === 0 || types.includes(e.type)) && inRange(e.created));
    return applyExpand(rc, listEnvelope(rows, listQuery(p), '/v1/events', renderEvent), p.expand());
  });

  app.get<{ Params: { id: string } }>('/v1/events/:id', async (req) => {
    const p = paramsOf(req).known();
    const ev = state.events.get(req.params.id);
    if (!ev) throw noSuch('event', req.params.id);
    return applyExpand(rc, renderEvent(ev), p.expand());
  });
}
