// Request helpers shared by the Stripe-facing routes: authentication with the one secret key, the
// request id / idempotency key an event records as its `request`, parameters, and list queries.
import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { StripeApiError } from './errors.js';
import type { ListQuery } from './expand.js';
import { newId } from './ids.js';
import { Reader, type Params } from './params.js';
import type { RequestOrigin } from './types.js';

const origins = new WeakMap<FastifyRequest, RequestOrigin>();

export function urlPath(req: FastifyRequest): string {
  const q = req.url.indexOf('?');
  return q < 0 ? req.url : req.url.slice(0, q);
}

/** Give the request its `req_…` id (sent back as Request-Id and recorded on the events it causes). */
export function assignOrigin(req: FastifyRequest): RequestOrigin {
  const key = req.headers['idempotency-key'];
  const origin: RequestOrigin = { id: newId('req'), idempotency_key: typeof key === 'string' && key ? key : null };
  origins.set(req, origin);
  return origin;
}

export function originOf(req: FastifyRequest): RequestOrigin {
  return origins.get(req) ?? { id: null, idempotency_key: null };
}

function safeEqual(a: string, b: string): boolean {
  // Hash-length-independent comparison: pad to the same length, then compare in constant time.
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  const n = Math.max(x.length, y.length, 1);
  const px = Buffer.concat([x, Buffer.alloc(n - x.length)]);
  const py = Buffer.concat([y, Buffer.alloc(n - y.length)]);
  return timingSafeEqual(px, py) && x.length === y.length;
}

/** Stripe masks all but the last four characters of a wrong key in its error message. */
function masked(key: string): string {
  const prefix = /^(sk|rk|pk)_(test|live)_/.exec(key)?.[0] ?? '';
  return `${prefix}${'*'.repeat(Math.max(0, key.length - prefix.length - 4))}${key.slice(-4)}`;
}

/** Bearer `sk_…`, or Basic with the key as user name (curl -u sk_…:). Anything else is a 401. */
export function authenticate(req: FastifyRequest, secretKey: string): void {
  const header = req.headers.authorization ?? '';
  let key: string | null = null;
  const bearer = /^Bearer\s+(.+)$/i.exec(header);
  const basic = /^Basic\s+(.+)$/i.exec(header);
  if (bearer?.[1]) key = bearer[1].trim();
  else if (basic?.[1]) key = Buffer.from(basic[1], 'base64').toString('utf8').split(':')[0] ?? '';
  const challenge = { 'WWW-Authenticate': 'Basic realm="Stripe"' };
  if (!key) {
    throw new StripeApiError(
      401,
      'invalid_request_error',
      "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/.",
      {},
      challenge,
    );
  }
  if (!safeEqual(key, secretKey)) {
    throw new StripeApiError(401, 'invalid_request_error', `Invalid API Key provided: ${masked(key)}`, { code: 'api_key_invalid' }, challenge);
  }
}

/** Parameters: the form body for POST, the query string for GET and DELETE (as the SDK sends them). */
export function paramsOf(req: FastifyRequest): Reader {
  const source = req.method === 'POST' ? req.body : req.query;
  const params = source && typeof source === 'object' ? (source as Params) : {};
  return new Reader(params);
}

export function listQuery(p: Reader): ListQuery {
  return { limit: p.int('limit'), startingAfter: p.str('starting_after'), endingBefore: p.str('ending_before') };
}

/** `created` filters: `created=123` or `created[gte]=…&created[lt]=…`. */
export function createdFilter(p: Reader): (created: number) => boolean {
  if (!p.has('created')) return () => true;
  const exact = typeof p.params['created'] === 'string' ? p.int('created') : null;
  if (exact !== null) return (c) => c === exact;
  const r = p.obj('created');
  const gt = r?.int('gt') ?? null;
  const gte = r?.int('gte') ?? null;
  const lt = r?.int('lt') ?? null;
  const lte = r?.int('lte') ?? null;
  return (c) => (gt === null || c > gt) && (gte === null || c >= gte) && (lt === null || c < lt) && (lte === null || c <= lte);
}
