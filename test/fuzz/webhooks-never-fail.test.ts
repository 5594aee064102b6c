// Property-based fuzzing of Twilio's three webhooks on the real API (app.inject, real Postgres, real
// Temporal client; no worker). The important part is SIGNED garbage: the signature is computed with the
// shop's own subaccount token over exactly what is sent, so the fuzz gets past authentication and into
// parsing, validation and storage. Every answer is < 500; a refused request writes nothing; a valid
// message is stored exactly once per MessageSid, however often it is delivered.
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BOUNDED,
  PUBLIC_URL,
  connectShop,
  encode,
  expectClearAnswer,
  expectPrototypeClean,
  key,
  sizedText,
  startFuzzApi,
  terminateConversationWorkflows,
  text,
  twilioSid,
  type FuzzApi,
  type FuzzShop,
} from './support.js';

let api: FuzzApi;
let shop: FuzzShop;
/** An outbound message of the shop, for status callbacks to find (by `?m=` and by its sid). */
let outbound: { id: string; sid: string };

beforeAll(async () => {
  api = await startFuzzApi('webhooks');
  shop = await connectShop(api);
  const conversation = await api.prisma.conversation.create({
    data: { tenantId: shop.tenantId, accountId: shop.accountId, channel: 'whatsapp', customerAddress: 'whatsapp:+15550001111' },
  });
  const message = await api.prisma.message.create({
    data: { tenantId: shop.tenantId, conversationId: conversation.id, direction: 'outbound', body: 'hello', status: 'queued', source: 'ai' },
  });
  outbound = { id: message.id, sid: twilioSid('SM') };
});
afterAll(async () => {
  if (shop) await terminateConversationWorkflows(api, shop.tenantId);
  await api?.close();
});

const PATHS = ['/webhooks/twilio/whatsapp', '/webhooks/twilio/sms', '/webhooks/twilio/status'] as const;
const INBOUND_PATHS = ['/webhooks/twilio/whatsapp', '/webhooks/twilio/sms'] as const;

type Entry = [string, string];
type Form = Record<string, string | string[]>;

/** The form as @fastify/formbody (fast-querystring) reads it: a repeated key becomes a list, in order. */
function formOf(entries: Entry[]): Form {
  const form = Object.create(null) as Form;
  for (const [k, v] of entries) {
    const previous = form[k];
    form[k] = previous === undefined ? v : Array.isArray(previous) ? [...previous, v] : [previous, v];
  }
  return form;
}

const encodeForm = (entries: Entry[]) => entries.map(([k, v]) => `${encode(k)}=${encode(v)}`).join('&');
const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
const sign = (token: string, path: string, params: Form) => twilio.getExpectedTwilioSignature(token, `${PUBLIC_URL}${path}`, params);

/** What the shop has stored: a refused webhook must leave these unchanged. */
async function shopRows() {
  const [conversations, messages] = await Promise.all([
    api.prisma.conversation.count({ where: { tenantId: shop.tenantId } }),
    api.prisma.message.count({ where: { tenantId: shop.tenantId } }),
  ]);
  return { conversations, messages };
}

// ---------------------------------------------------------------------------------------------------------
// The oracle: what Twilio's parameters mean, written from the contract (not by calling the code under test).

const MESSAGE_SID = /^(SM|MM)[0-9a-zA-Z]{32}$/;
const ACCOUNT_SID = /^AC[0-9a-zA-Z]{32}$/;
const E164 = /^\+[1-9]\d{6,14}$/;

/** `whatsapp:+E164` (any case, surrounding blanks allowed) or a bare `+E164`. */
function address(raw: string | undefined): { whatsapp: boolean; e164: string } | null {
  if (raw === undefined) return null;
  const trimmed = raw.trim();
  const whatsapp = trimmed.toLowerCase().startsWith('whatsapp:');
  const e164 = whatsapp ? trimmed.slice('whatsapp:'.length) : trimmed;
  return E164.test(e164) ? { whatsapp, e164 } : null;
}

/** Does the webhook name the shop (its AccountSid, Messaging Service, or WhatsApp number as To)? */
function namesShop(form: Form, statusCallback: boolean): boolean {
  if (first(form.AccountSid) === shop.subaccountSid) return true;
  if (statusCallback) return false; // a status callback is resolved by its AccountSid alone
  if (first(form.MessagingServiceSid) === shop.messagingServiceSid) return true;
  const to = address(first(form.To));
  return to !== null && to.whatsapp && to.e164 === shop.phone;
}

/** A key the server's form handling drops (so the signature, over every key Twilio sent, cannot verify). */
const hasDroppedKey = (entries: Entry[]) => entries.some(([k]) => k === '__proto__');

function validInbound(form: Form): boolean {
  const sid = first(form.MessageSid);
  const accountSid = first(form.AccountSid);
  return sid !== undefined && MESSAGE_SID.test(sid) && accountSid !== undefined && ACCOUNT_SID.test(accountSid) && address(first(form.From)) !== null && first(form.To) !== undefined;
}

/** What a stored text should read: NUL and lone surrogates (which Postgres text cannot hold) as U+FFFD. */
const storedText = (v: string) => v.replace(/\0|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');

function validStatus(form: Form): boolean {
  const sid = first(form.MessageSid);
  const accountSid = first(form.AccountSid);
  return sid !== undefined && MESSAGE_SID.test(sid) && accountSid !== undefined && ACCOUNT_SID.test(accountSid) && first(form.MessageStatus) !== undefined;
}

// ---------------------------------------------------------------------------------------------------------
// Arbitraries

const sidShape = fc.stringMatching(/^(SM|MM)[0-9a-zA-Z]{32}$/);
/** A few sids drawn again and again: duplicate deliveries, which must store one row. */
const SID_POOL = Array.from({ length: 4 }, () => twilioSid(Math.random() < 0.5 ? 'SM' : 'MM'));

const messageSid = fc.oneof(
  { weight: 8, arbitrary: sidShape },
  { weight: 4, arbitrary: fc.constantFrom(...SID_POOL) },
  {
    weight: 3,
    arbitrary: fc.oneof(
      sidShape.map((s) => s.slice(0, -1)),
      sidShape.map((s) => `${s}a`),
      sidShape.map((s) => ` ${s}`),
      sidShape.map((s) => s.toLowerCase()),
      sidShape.map((s) => `${s.slice(0, 10)}-${s.slice(11)}`),
      sidShape.map((s) => `XX${s.slice(2)}`),
      sidShape.map((s) => `${s.slice(0, 20)}\0${s.slice(21)}`),
      sidShape.map((s) => `${s.slice(0, 20)}é${s.slice(21)}`),
    ),
  },
  { weight: 2, arbitrary: text() },
);

const digits = (min: number, max: number) => fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: min, maxLength: max });
const phoneNumber = fc.oneof(
  { weight: 9, arbitrary: fc.tuple(fc.integer({ min: 1, max: 9 }), digits(6, 14)).map(([d, rest]) => `+${d}${rest}`) },
  { weight: 1, arbitrary: fc.constantFrom('+0123456789', '+1', '+1234567890123456', '15551234567', '+1 555 123 4567', '+١٢٣٤٥٦٧٨', '+1555\u00a01234567') },
);
const from = fc.oneof(
  { weight: 10, arbitrary: fc.tuple(fc.constantFrom('whatsapp:', 'WhatsApp:', 'WHATSAPP:', '', ' whatsapp:'), phoneNumber, fc.constantFrom('', ' ', '\n')).map(([p, n, s]) => `${p}${n}${s}`) },
  { weight: 2, arbitrary: fc.constantFrom('whatsapp:', 'sms:+15551234567', 'whatsapp: +15551234567', 'whatsapp:+1555123\0', 'messenger:+15551234567', '') },
  { weight: 2, arbitrary: text() },
);

const accountSid = () =>
  fc.oneof(
    { weight: 8, arbitrary: fc.constant(shop.subaccountSid) },
    { weight: 1, arbitrary: fc.stringMatching(/^AC[0-9a-zA-Z]{32}$/) },
    { weight: 1, arbitrary: fc.constantFrom(`${shop.subaccountSid}\0`, shop.subaccountSid.toLowerCase(), `${shop.subaccountSid} `, '\0') },
    { weight: 1, arbitrary: text() },
  );

const mediaIndex = fc.integer({ min: 0, max: 11 });
const mediaUrl = fc.oneof(
  fc.constant('https://api.twilio.com/2010-04-01/Accounts/AC/Messages/MM/Media/ME'),
  fc.webUrl(),
  text(),
  fc.constantFrom('https://x.example/\0', 'https://x.example/\u202e', 'javascript:alert(1)', ''),
);
const numMedia = fc.oneof(fc.integer({ min: -2, max: 12 }).map(String), fc.constantFrom('1e3', '0x3', ' 2', '2.9', 'NaN', '-0', '99999999999999999999'), text(6));

/** One optional parameter: absent, once, or repeated (a list). */
const param = (name: string, value: fc.Arbitrary<string>): fc.Arbitrary<Entry[]> =>
  fc.oneof(
    { weight: 1, arbitrary: fc.constant<Entry[]>([]) },
    { weight: 6, arbitrary: value.map((v): Entry[] => [[name, v]]) },
    { weight: 1, arbitrary: fc.array(value, { minLength: 2, maxLength: 3 }).map((vs) => vs.map((v): Entry => [name, v])) },
  );

/** Random extra parameters: any key (including __proto__ and friends), any value. */
const extras = fc.array(fc.tuple(key(), text()), { maxLength: 4 });

const inboundForm = () =>
  fc
    .tuple(
      param('MessageSid', messageSid),
      param('AccountSid', accountSid()),
      param('MessagingServiceSid', fc.oneof(fc.constant(shop.messagingServiceSid), text())),
      param('From', from),
      param('To', fc.oneof({ weight: 4, arbitrary: fc.constant(`whatsapp:${shop.phone}`) }, { weight: 1, arbitrary: from })),
      param('Body', sizedText()),
      param('ProfileName', text()),
      param('NumMedia', numMedia),
      fc.array(fc.tuple(mediaIndex, mediaUrl, text(30)), { maxLength: 3 }).map((media) =>
        media.flatMap(([i, url, type]): Entry[] => [[`MediaUrl${i}`, url], [`MediaContentType${i}`, type]]),
      ),
      extras,
    )
    // Mostly every parameter in Twilio's order; sometimes some left out and the rest shuffled.
    .chain((parts) => {
      const all: Entry[] = parts.flat();
      return fc.oneof({ weight: 3, arbitrary: fc.constant(all) }, { weight: 1, arbitrary: fc.shuffledSubarray(all) });
    });

const MESSAGE_STATUSES = ['accepted', 'scheduled', 'queued', 'sending', 'sent', 'delivered', 'read', 'failed', 'undelivered', 'canceled', 'receiving', 'received'];
const statusForm = () =>
  fc
    .tuple(
      param('MessageSid', fc.oneof(fc.constant(outbound.sid), messageSid)),
      param('AccountSid', accountSid()),
      param('MessageStatus', fc.oneof(fc.constantFrom(...MESSAGE_STATUSES), fc.constantFrom(...MESSAGE_STATUSES).map((s) => s.toUpperCase()), text())),
      param('ErrorCode', fc.oneof(fc.constantFrom('63016', '30003'), text())),
      param('ErrorMessage', sizedText()),
      param('To', from),
      extras,
    )
    .map((parts) => parts.flat());

/** The `?m=` of a status callback: ours, absent, or anything (the URL is signed as sent). */
const statusQuery = () =>
  fc.oneof(
    { weight: 2, arbitrary: fc.constant('') },
    { weight: 2, arbitrary: fc.constant(`?m=${outbound.id}`) },
    { weight: 3, arbitrary: fc.oneof(text(), fc.string({ minLength: 60, maxLength: 70 })).map((m) => `?m=${encode(m)}`) },
    { weight: 1, arbitrary: fc.constantFrom('?m=a&m=b', '?m', '?m=%00', '?m=%ZZ', '?x=1', `?m=${outbound.id}&m=${outbound.id}`, '?m=%E2%80%AE') },
  );

/** The API's body limit (api/app.ts): a larger form is refused whole with 413. */
const BODY_LIMIT = 1024 * 1024;
const PROPERTY = { ...BOUNDED, numRuns: 150 } as const;

describe('Twilio webhooks under fuzzing', () => {
  it('signed garbage on the inbound webhooks: < 500; valid → 200 and one row per MessageSid; invalid → 4xx and nothing written', async () => {
    // Twilio posts forms; the route also reads JSON (Fastify's default parser), where a value can hold what a
    // form cannot: a lone UTF-16 surrogate. Either way the signature covers exactly what is sent.
    const encoding = fc.oneof(
      { weight: 4, arbitrary: fc.constant({ json: false, lone: [] as boolean[] }) },
      { weight: 1, arbitrary: fc.array(fc.boolean(), { maxLength: 30 }).map((lone) => ({ json: true, lone })) },
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...INBOUND_PATHS), inboundForm(), encoding, async (path, formEntries, { json, lone }) => {
        const entries = formEntries.map(([k, v], i): Entry => [k, lone[i] ? `${v}\uD800` : v]);
        const form = formOf(entries);
        const sid = first(form.MessageSid);
        const before = await shopRows();
        // Only a well-formed sid can be stored (or even looked up: Postgres and Prisma refuse NULs and lone surrogates).
        const storable = sid !== undefined && MESSAGE_SID.test(sid);
        const sidRowsBefore = !storable ? 0 : await api.prisma.message.count({ where: { providerMessageSid: sid } });
        // A `__proto__` key cannot be written into a JSON text from an object; the JSON is built by hand.
        const payload = json ? `{${Object.keys(form).map((k) => `${JSON.stringify(k)}:${JSON.stringify(form[k])}`).join(',')}}` : encodeForm(entries);
        const res = await api.app.inject({
          method: 'POST',
          url: path,
          headers: { 'content-type': json ? 'application/json' : 'application/x-www-form-urlencoded', 'x-twilio-signature': sign(shop.authToken, path, form) },
          payload,
        });
        const status = expectClearAnswer(res, `${path} ${json ? 'json ' : ''}${JSON.stringify(entries).slice(0, 500)}`);
        const tooLarge = Buffer.byteLength(payload) > BODY_LIMIT;
        const accepted = !tooLarge && namesShop(form, false) && !hasDroppedKey(entries) && validInbound(form);
        if (tooLarge) expect(status).toBe(413);
        // Fastify's JSON parser refuses a `__proto__` key outright (400); the form parser drops it (→ 403).
        else if (hasDroppedKey(entries)) expect(status, res.body).toBe(json ? 400 : 403);
        else if (!namesShop(form, false)) expect(status, res.body).toBe(403);
        else expect(status, res.body).toBe(accepted ? 200 : 400);
        const after = await shopRows();
        if (accepted) {
          expect(res.body).toContain('<Response/>');
          // Exactly one row for the sid, whether this delivery was its first or a repeat.
          const rows = await api.prisma.message.findMany({ where: { providerMessageSid: sid! } });
          expect(rows.map((r) => r.tenantId)).toEqual([shop.tenantId]);
          expect(after.messages - before.messages).toBe(sidRowsBefore === 0 ? 1 : 0);
          // A first delivery is stored as sent, but for what Postgres cannot hold (NUL, a lone surrogate).
          if (sidRowsBefore === 0) expect(rows[0]!.body).toBe(storedText(first(form.Body) ?? ''));
        } else {
          expect(after).toEqual(before);
          if (storable) expect(await api.prisma.message.count({ where: { providerMessageSid: sid } })).toBe(sidRowsBefore);
        }
        expectPrototypeClean();
      }),
      { ...PROPERTY, numRuns: 200 },
    );
  });

  it('signed garbage on the status callback: < 500; valid → 200; nothing is ever inserted and a status never moves back', async () => {
    // lib/conversations/status.ts's order: undelivered ranks with delivered; failed and not_sent are final.
    const rank: Record<string, number> = { received: 0, queued: 1, sending: 2, sent: 3, delivered: 4, undelivered: 4, read: 5, failed: 9, not_sent: 9 };
    await fc.assert(
      fc.asyncProperty(statusQuery(), statusForm(), async (query, entries) => {
        const path = `/webhooks/twilio/status${query}`;
        const form = formOf(entries);
        const before = await shopRows();
        const rowBefore = await api.prisma.message.findUniqueOrThrow({ where: { id: outbound.id } });
        const payload = encodeForm(entries);
        const res = await api.app.inject({
          method: 'POST',
          url: path,
          headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': sign(shop.authToken, path, form) },
          payload,
        });
        const status = expectClearAnswer(res, `${path} ${JSON.stringify(entries).slice(0, 500)}`);
        const m = new URLSearchParams(query.slice(1)).getAll('m');
        const queryOk = m.length <= 1 && (m[0] ?? '').length <= 64 && !(m[0] ?? '').includes('\0');
        if (Buffer.byteLength(payload) > BODY_LIMIT) expect(status).toBe(413);
        else if (!queryOk) expect(status).toBe(400);
        else if (!namesShop(form, true) || hasDroppedKey(entries)) expect(status).toBe(403);
        else expect(status, res.body).toBe(validStatus(form) ? 200 : 400);
        expect(await shopRows()).toEqual(before);
        const rowAfter = await api.prisma.message.findUniqueOrThrow({ where: { id: outbound.id } });
        // A sid once attached stays; a status only ever moves forward (undelivered and delivered share a rank).
        if (rowBefore.providerMessageSid !== null) expect(rowAfter.providerMessageSid).toBe(rowBefore.providerMessageSid);
        expect(rank[rowAfter.status]).toBeGreaterThanOrEqual(rank[rowBefore.status]!);
      }),
      PROPERTY,
    );
  });

  it('unsigned or wrongly signed bodies of any type: < 500, a form without a valid signature → 403, nothing written', async () => {
    const contentType = fc.oneof(
      { weight: 4, arbitrary: fc.constant('application/x-www-form-urlencoded') },
      { weight: 1, arbitrary: fc.constantFrom('application/x-www-form-urlencoded; charset=utf-8', 'application/x-www-form-urlencoded; charset=latin1', 'APPLICATION/X-WWW-FORM-URLENCODED') },
      { weight: 2, arbitrary: fc.constantFrom('application/json', 'text/plain', 'text/xml', 'multipart/form-data; boundary=x', 'application/octet-stream', '', '*/*', ';', 'a/b; c', 'application/json; charset=utf-16') },
      { weight: 1, arbitrary: fc.string({ maxLength: 30 }) },
    );
    const payload = fc.oneof(
      { weight: 3, arbitrary: fc.array(fc.tuple(key(), sizedText()), { maxLength: 8 }).map(encodeForm) },
      { weight: 2, arbitrary: inboundForm().map(encodeForm) },
      { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)) },
      { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }) },
      { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)) },
      { weight: 1, arbitrary: fc.constantFrom('%', '%%', '%E0%A4%A', '=&=&=', 'a=%ZZ&b=%ED%A0%80', '&&&&', `${'a=1&'.repeat(5000)}`, '\0=\0', 'a[b]=1&a[c]=2') },
    );
    // No header, a header that cannot be right, a real signature over other parameters, or another token's.
    const signature = fc.oneof(
      fc.constant(undefined),
      fc.constantFrom('', ' ', 'AAAA', '='.repeat(28), 'x'.repeat(10_000)),
      text(),
      fc.constant('other-params'),
      fc.constant('other-token'),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...PATHS), contentType, payload, signature, async (path, type, body, sig) => {
        const before = await shopRows();
        const headers: Record<string, string> = {};
        if (type !== '') headers['content-type'] = type;
        const other = { MessageSid: twilioSid('SM'), AccountSid: shop.subaccountSid, From: 'whatsapp:+15551234567', To: `whatsapp:${shop.phone}` };
        if (sig === 'other-params') headers['x-twilio-signature'] = sign(shop.authToken, path, other);
        else if (sig === 'other-token') headers['x-twilio-signature'] = sign(randomBytes(16).toString('hex'), path, formOf(typeof body === 'string' ? [...new URLSearchParams(body)] : []));
        else if (sig !== undefined) headers['x-twilio-signature'] = sig;
        const res = await api.app.inject({ method: 'POST', url: path, headers, payload: body });
        const status = expectClearAnswer(res, `${path} ${type} ${String(body).slice(0, 300)}`);
        expect(status, res.body).toBeGreaterThanOrEqual(400);
        if (type === 'application/x-www-form-urlencoded') expect(status, res.body).toBe(Buffer.byteLength(body) > BODY_LIMIT ? 413 : 403);
        expect(await shopRows()).toEqual(before);
        expectPrototypeClean();
      }),
      PROPERTY,
    );
  });
});
