// `expand[]` and list envelopes. Expansion replaces an id with the object it names, walking dotted
// paths (`latest_invoice.customer`, `data.subscription` in lists, `items.data.price.product`) the way
// Stripe does; a path that names no expandable id is Stripe's 400.
import { badRequest, invalidParam } from './errors.js';
import { idPrefix } from './ids.js';
import { renderInvoice, renderSubscription } from './render-billing.js';
import {
  renderCheckoutSession,
  renderCustomer,
  renderEvent,
  renderMeter,
  renderPortalSession,
  renderPrice,
  renderProduct,
  type Json,
  type RenderContext,
} from './render.js';

/** The wire shape of any object the fake holds, by id prefix. */
export function renderById(rc: RenderContext, id: string): Json | null {
  const s = rc.state;
  switch (idPrefix(id)) {
    case 'cus': {
      const c = s.customers.get(id);
      return c ? renderCustomer(c) : null;
    }
    case 'prod': {
      const p = s.products.get(id);
      return p ? renderProduct(p) : null;
    }
    case 'price': {
      const p = s.prices.get(id);
      return p ? renderPrice(p) : null;
    }
    case 'sub': {
      const x = s.subscriptions.get(id);
      return x ? renderSubscription(rc, x) : null;
    }
    case 'in': {
      const x = s.invoices.get(id);
      return x ? renderInvoice(rc, x) : null;
    }
    case 'cs': {
      const x = s.checkoutSessions.get(id);
      return x ? renderCheckoutSession(rc, x) : null;
    }
    case 'bps': {
      const x = s.portalSessions.get(id);
      return x ? renderPortalSession(rc, x) : null;
    }
    case 'mtr': {
      const x = s.meters.get(id);
      return x ? renderMeter(x) : null;
    }
    case 'evt': {
      const x = s.events.get(id);
      return x ? renderEvent(x) : null;
    }
    default:
      return null;
  }
}

function cannotExpand(path: string): never {
  throw badRequest(`This property cannot be expanded (${path}).`, { param: 'expand' });
}

function expandPath(rc: RenderContext, holder: Json, segments: string[], full: string): void {
  const [key, ...rest] = segments as [string, ...string[]];
  if (!(key in holder)) cannotExpand(full);
  let value = holder[key];
  if (typeof value === 'string') {
    const obj = renderById(rc, value);
    if (!obj) cannotExpand(full);
    holder[key] = obj;
    value = obj;
  } else if (value !== null && typeof value !== 'object') {
    cannotExpand(full);
  }
  if (rest.length === 0 || value === null) return;
  const targets = Array.isArray(value) ? value : [value];
  for (const t of targets) {
    if (t && typeof t === 'object') expandPath(rc, t as Json, rest, full);
  }
}

/** Apply `expand[]` to a rendered object (for lists the paths start with `data.`). */
export function applyExpand(rc: RenderContext, obj: Json, paths: string[]): Json {
  for (const path of paths) {
    const segments = path.split('.');
    // Stripe allows at most four levels of expansion.
    if (segments.length > 4) throw invalidParam('expand', `You cannot expand more than 4 levels of a property (${path}).`);
    expandPath(rc, obj, segments, path);
  }
  return obj;
}

export interface ListQuery {
  limit: number | null;
  startingAfter: string | null;
  endingBefore: string | null;
}

/**
 * `{object:'list', data, has_more, url}`: newest first, `limit` 1..100 (default 10), cursor by id.
 * `items` arrive oldest first (Map order) and already filtered.
 */
export function listEnvelope<T extends { id: string }>(items: T[], q: ListQuery, url: string, render: (t: T) => Json): Json {
  const limit = q.limit ?? 10;
  if (limit < 1 || limit > 100) throw invalidParam('limit', 'This value must be greater than or equal to 1 and less than or equal to 100.');
  const newest = [...items].reverse();
  let slice: T[];
  let hasMore: boolean;
  if (q.startingAfter) {
    const i = newest.findIndex((x) => x.id === q.startingAfter);
    if (i < 0) throw invalidParam('starting_after', `No such object: '${q.startingAfter}'`, 'resource_missing');
    slice = newest.slice(i + 1, i + 1 + limit);
    hasMore = i + 1 + limit < newest.length;
  } else if (q.endingBefore) {
    const i = newest.findIndex((x) => x.id === q.endingBefore);
    if (i < 0) throw invalidParam('ending_before', `No such object: '${q.endingBefore}'`, 'resource_missing');
    slice = newest.slice(Math.max(0, i - limit), i);
    hasMore = i - limit > 0;
  } else {
    slice = newest.slice(0, limit);
    hasMore = newest.length > limit;
  }
  return { object: 'list', data: slice.map(render), has_more: hasMore, url };
}
