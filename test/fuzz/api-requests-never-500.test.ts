// Property-based fuzzing of every route the router has (read from `app.routeList`, as the tenant-isolation
// test does, so a route added tomorrow is fuzzed tomorrow): POST/PUT/PATCH/DELETE bodies of any shape, type,
// size and encoding, with a merchant's session (cookie + CSRF), without one, or with a wrong CSRF token; and
// GET routes with random query strings and path parameters. Every answer is < 500, and every error is JSON
// `{error, message}` with a message. Object.prototype is never polluted.
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workflowIds } from '../../lib/temporal/names.js';
import { signUp } from '../support/api.js';
import {
  BOUNDED,
  LONE_SURROGATE,
  deeplyNested,
  encode,
  expectClearAnswer,
  expectPrototypeClean,
  extraSession,
  key,
  pollutingJson,
  sessionHeaders,
  startFuzzApi,
  terminateConversationWorkflows,
  text,
  type FuzzApi,
} from './support.js';
import type { TestSession } from '../support/api.js';

let api: FuzzApi;
let owner: TestSession;
/** Another merchant, for probing routes: a probe may start work (connect starts onboarding) the owner must not have yet. */
let prober: TestSession;
/** The owner's own rows, for `:id` (so handlers get past "not found"); garbage ids are generated. */
const own = { conversation: '', message: '', upload: '', account: '' };
const ownIds = () => Object.values(own);
/** Body fields per route: those its validation names when missing (see discoverFields), and others routes read. */
const fieldsByRoute = new Map<string, { required: string[]; optional: string[] }>();
const KNOWN_FIELDS = ['email', 'password', 'name', 'companyName', 'attribution', 'body', 'to', 'next', 'utm_source', 'ref'];

const writeRoutes = () => api.app.routeList.filter((r) => r.method !== 'GET' && r.method !== 'OPTIONS');
const readRoutes = () => api.app.routeList.filter((r) => r.method === 'GET');
const routeKey = (r: { method: string; url: string }) => `${r.method} ${r.url}`;

beforeAll(async () => {
  api = await startFuzzApi('api');
  owner = await signUp(api.app, { companyName: 'Fuzz API Shop' });
  prober = await signUp(api.app, { companyName: 'Fuzz API Prober' });
  const account = await api.prisma.integrationAccount.create({ data: { tenantId: owner.tenantId, status: 'not_connected' } });
  const conversation = await api.prisma.conversation.create({
    data: { tenantId: owner.tenantId, accountId: account.id, channel: 'whatsapp', customerAddress: 'whatsapp:+15550002222', lastMessageAt: new Date() },
  });
  const message = await api.prisma.message.create({
    data: { tenantId: owner.tenantId, conversationId: conversation.id, direction: 'inbound', providerMessageSid: `SM${randomUUID().replace(/-/g, '')}`, body: 'hi', status: 'received', source: 'customer' },
  });
  const upload = await api.prisma.catalogImport.create({ data: { tenantId: owner.tenantId, uploadId: randomUUID(), fileName: 'x.csv', format: 'csv', status: 'completed' } });
  Object.assign(own, { conversation: conversation.id, message: message.id, upload: upload.id, account: account.id });
  for (const route of writeRoutes()) fieldsByRoute.set(routeKey(route), await discoverFields(route));
});
afterAll(async () => {
  for (const merchant of [owner, prober]) {
    if (!merchant) continue;
    await terminateConversationWorkflows(api, merchant.tenantId);
    await api.deps.temporal.workflow.getHandle(workflowIds.onboarding(merchant.tenantId)).terminate('fuzz test over').catch(() => undefined);
  }
  await api?.close();
});

/**
 * The body fields a route requires, read from its 400 answer to `{}` (`details[].path`), plus the fields routes
 * are known to read. Probed as another merchant, with a session per probe: a probe may end its session
 * (logout) or start work (connect), which must not happen to the owner before the properties run.
 */
async function discoverFields(route: { method: string; url: string }): Promise<{ required: string[]; optional: string[] }> {
  const session = await extraSession(api.prisma, prober);
  const res = await api.app.inject({
    method: route.method as 'POST',
    url: route.url.replace(/:[A-Za-z]+/g, own.conversation),
    headers: { ...sessionHeaders(session), 'content-type': 'application/json' },
    payload: '{}',
  });
  const details = res.statusCode === 400 ? (res.json<{ details?: Array<{ path?: string }> }>().details ?? []) : [];
  const named = details.map((d) => d.path?.split('/')[1]).filter((k): k is string => Boolean(k));
  const required = [...new Set(named)];
  return { required, optional: KNOWN_FIELDS.filter((f) => !required.includes(f)) };
}
const fieldsOf = (route: { method: string; url: string }) => fieldsByRoute.get(routeKey(route)) ?? { required: [], optional: KNOWN_FIELDS };

// ---------------------------------------------------------------------------------------------------------
// Arbitraries

/** Strings JSON can carry and a form cannot: NULs, lone surrogates, control characters. */
const unstorable = fc.string({ unit: fc.constantFrom('\0', '\uD800', '\uDFFF', '\x01', '\u2028', 'a', 'é', '😀', ' '), minLength: 1, maxLength: 12 });

/** A value for a field, plausible for its name more often than not, so handlers get past validation. */
function fieldValue(name: string, plausibleWeight: number): fc.Arbitrary<unknown> {
  const plausible: fc.Arbitrary<unknown> = /email/i.test(name)
    ? fc.oneof({ weight: 4, arbitrary: fc.uuid().map((u) => `fuzz-${u}@shop.example`) }, { weight: 1, arbitrary: fc.emailAddress() }, { weight: 1, arbitrary: fc.constant(owner.email) })
    : /password/i.test(name)
      ? fc.constantFrom('correct horse battery staple', owner.password, 'short', 'x'.repeat(1000))
      : /^to$|phone/i.test(name)
        ? fc.constantFrom('+14155550123', 'whatsapp:+14155550123', '+1 (415) 555-0123', '+0123', '14155550123')
        : /attribution/.test(name)
          ? fc.dictionary(fc.constantFrom('utm_source', 'utm_medium', 'ref', '__proto__', 'constructor', 'x'), fc.oneof(text(20), unstorable, fc.integer()))
          : fc.oneof(fc.string({ minLength: 1, maxLength: 30 }), fc.constantFrom('Ada', 'A shop', 'Hello, is the blue mug in stock?'));
  return fc.oneof(
    { weight: plausibleWeight, arbitrary: plausible },
    { weight: 2, arbitrary: fc.oneof(text(), unstorable) },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
    { weight: 1, arbitrary: fc.constantFrom(null, true, 0, -1, 1e308, [], {}, ['a'], { a: 1 }) },
    { weight: 1, arbitrary: fc.integer({ min: 1_000, max: 300_000 }).map((n) => 'x'.repeat(n)) },
  );
}

/**
 * An object with the route's required fields (now and then one left out), some of the optional ones, and
 * now and then random extra keys, as JSON text: mostly valid enough to reach the handler, never quite tame.
 */
const shapedBody = ({ required, optional }: { required: string[]; optional: string[] }, plausibleWeight = 30) =>
  fc
    .tuple(
      fc.oneof({ weight: 5, arbitrary: fc.constant(required) }, { weight: 1, arbitrary: fc.subarray(required) }),
      fc.subarray(optional, { maxLength: 3 }),
      fc.oneof({ weight: 3, arbitrary: fc.constant<Array<[string, unknown]>>([]) }, { weight: 1, arbitrary: fc.array(fc.tuple(key(), fc.jsonValue({ maxDepth: 2 })), { maxLength: 3 }) }),
    )
    .chain(([req, opt, extra]) => fc.tuple(fc.tuple(...[...req, ...opt].map((f) => fieldValue(f, plausibleWeight).map((v): [string, unknown] => [f, v]))), fc.constant(extra)))
    // Written by hand: keys may repeat and may be `__proto__` (an object literal would lose both).
    .map(([known, extra]) => `{${[...known, ...extra].map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v) ?? 'null'}`).join(',')}}`);

/** Bodies of every kind: shaped, any JSON, polluting, deeply nested, not JSON, huge, empty, binary. */
const anyBody = (fields: { required: string[]; optional: string[] }) =>
  fc.oneof(
    { weight: 6, arbitrary: shapedBody(fields, 6) },
    { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 5 }).map((v) => JSON.stringify(v)) },
    { weight: 2, arbitrary: pollutingJson() },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom(100, 1_000, 10_000, 100_000, 400_000), fc.constantFrom<'array' | 'object'>('array', 'object'), fc.constantFrom('1', '{"__proto__":{"polluted":true}}', '"\\u0000"'))
        .map(([depth, kind, leaf]) => deeplyNested(depth, kind, leaf)),
    },
    { weight: 2, arbitrary: fc.oneof(fc.string({ maxLength: 50 }), fc.constantFrom('', '{', '{"a":', '[1,]', '{"a":1}{"b":2}', 'NaN', "{'a':1}", '\uFEFF{}', '{"a":"\\ud800"}', '{"a":"\\u0000"}', 'null')) },
    { weight: 1, arbitrary: fc.constantFrom(1_048_577, 2_000_000).map((n) => `{"body":"${'x'.repeat(n)}"}`) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)) },
  );

const contentType = fc.oneof(
  { weight: 8, arbitrary: fc.constant('application/json') },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      'application/json; charset=utf-8',
      'application/json; charset=latin1',
      'APPLICATION/JSON',
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'text/csv',
      'application/octet-stream',
      'application/x-ndjson',
      '',
      'application/json;;',
      '*/*',
      'a',
    ),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 20 }) },
);

/** Whose request it is: the owner (cookie + CSRF), nobody, or the owner with a wrong or missing CSRF token. */
const caller = fc.constantFrom('owner', 'owner', 'owner', 'anonymous', 'bad-csrf', 'no-csrf');

function pathFor(url: string): fc.Arbitrary<string> {
  if (!url.includes(':')) return fc.constant(url);
  // The id of the kind the route reads most of the time, another of the tenant's ids or garbage otherwise.
  const fitting = url.includes('/conversations/') ? own.conversation : url.includes('/imports/') ? own.upload : own.message;
  const id = fc.oneof(
    { weight: 4, arbitrary: fc.constant(fitting) },
    { weight: 1, arbitrary: fc.constantFrom(...ownIds()) },
    { weight: 2, arbitrary: fc.constantFrom(randomUUID(), '0', 'null', '..', '%00', '%ZZ', '%E2%80%AE', 'x'.repeat(65), 'x'.repeat(5000), '__proto__', '%2F') },
    { weight: 2, arbitrary: fc.string({ minLength: 1, maxLength: 70 }).map(encode) },
    { weight: 2, arbitrary: unstorable.filter((s) => !LONE_SURROGATE.test(s)).map(encode) },
  );
  return id.map((value) => url.replace(/:[A-Za-z]+/g, value));
}

const PROPERTY = BOUNDED;

async function headersFor(who: string, route: string): Promise<Record<string, string>> {
  // Logout ends the session it is called with: it gets a session of its own, made for this one request.
  const session = route === 'POST /api/auth/logout' ? await extraSession(api.prisma, owner) : owner;
  if (who === 'anonymous') return {};
  if (who === 'bad-csrf') return { cookie: session.cookie, 'x-csrf-token': 'not-the-token' };
  if (who === 'no-csrf') return { cookie: session.cookie };
  return sessionHeaders(session);
}

describe('every route under fuzzing', () => {
  it('covers the routes the router has, with fields discovered from their validation', () => {
    expect(writeRoutes().length).toBeGreaterThanOrEqual(10);
    expect(fieldsByRoute.get('POST /api/auth/signup')?.required).toEqual(expect.arrayContaining(['email', 'password', 'companyName']));
    expect(fieldsByRoute.get('POST /api/conversations/:id/reply')?.required).toContain('body');
  });

  it('GET: random query strings and path parameters → < 500 with a clear error', async () => {
    const PARAM_NAMES = ['limit', 'cursor', 'q', 'query', 'since', 'page', 'pageSize', 'direction', 'status', 'fileName', 'uploadId', 'next', 'code', 'state', 'error', 'm', 'token'];
    const value = fc.oneof(
      { weight: 4, arbitrary: text().map(encode) },
      { weight: 2, arbitrary: fc.constantFrom('1', '0', '-1', '100', '101', '1e3', '2026-01-01T00:00:00Z', '2026-13-45T99:99:99Z', '0000-01-01T00:00:00Z', 'inbound', 'sent', ...ownIds()) },
      { weight: 2, arbitrary: fc.constantFrom('%00', '%', '%ZZ', '%ED%A0%80', '%C0%80', 'a%00b', '%2525', 'x'.repeat(300)) },
    );
    const query = fc
      .array(fc.tuple(fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...PARAM_NAMES) }, { weight: 1, arbitrary: key().map(encode) }), value), { maxLength: 5 })
      .map((pairs) => (pairs.length === 0 ? '' : `?${pairs.map(([k, v]) => `${k}=${v}`).join('&')}`));
    const request = fc.constantFrom(...readRoutes()).chain((route) => fc.tuple(fc.constant(route), pathFor(route.url), query, fc.constantFrom('owner', 'owner', 'anonymous')));
    await fc.assert(
      fc.asyncProperty(request, async ([route, path, search, who]) => {
        const res = await api.app.inject({ method: 'GET', url: `${path}${search}`, headers: await headersFor(who, routeKey(route)) });
        expectClearAnswer(res, `GET ${path}${search} as ${who}`);
      }),
      { ...PROPERTY, numRuns: 300 },
    );
  });

  it('POST/PUT/PATCH/DELETE: any body, type, size, session → < 500 with a clear error', async () => {
    const request = fc
      .constantFrom(...writeRoutes())
      .chain((route) => fc.tuple(fc.constant(route), pathFor(route.url), anyBody(fieldsOf(route)), contentType, caller));
    await fc.assert(
      fc.asyncProperty(request, async ([route, url, payload, type, who]) => {
        const headers = await headersFor(who, routeKey(route));
        if (type !== '') headers['content-type'] = type;
        const res = await api.app.inject({ method: route.method as 'POST', url, headers, payload });
        expectClearAnswer(res, `${route.method} ${url} [${type}] as ${who}: ${String(payload).slice(0, 300)}`);
        expectPrototypeClean();
      }),
      { ...PROPERTY, numRuns: 400 },
    );
  });

  it('every write route, one by one: shaped bodies with the owner session → < 500', async () => {
    // The property above spreads its runs over routes at random; this one gives each route its own runs.
    for (const route of writeRoutes()) {
      await fc.assert(
        fc.asyncProperty(pathFor(route.url), shapedBody(fieldsOf(route)), async (url, payload) => {
          const headers = { ...(await headersFor('owner', routeKey(route))), 'content-type': 'application/json' };
          const res = await api.app.inject({ method: route.method as 'POST', url, headers, payload });
          expectClearAnswer(res, `${route.method} ${url}: ${payload.slice(0, 300)}`);
          expectPrototypeClean();
        }),
        { ...PROPERTY, numRuns: 40 },
      );
    }
  });

  it("the owner's session survived (a route that ends or locks it must get its own session, as logout does)", async () => {
    // Otherwise every run after it would have been a 401 and the fuzz would have proven nothing past the door.
    const res = await api.app.inject({ method: 'GET', url: '/api/auth/me', headers: sessionHeaders(owner) });
    expect(res.statusCode, res.body).toBe(200);
  });
});
