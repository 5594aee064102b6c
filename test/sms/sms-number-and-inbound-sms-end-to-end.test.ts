// SMS end to end on real infrastructure (API, production worker, Temporal dev server, Postgres, the Twilio and
// OpenAI stand-ins): a merchant searches and buys an SMS number through the dashboard's API (the sms-number
// workflow buys it into the subaccount and puts it in the Messaging Service); a customer's SMS runs the same
// pipeline as WhatsApp and is answered once, within the configured segments; STOP / START are Twilio's keywords;
// the number is released.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countSmsSegments } from '../../lib/sms/segments.js';
import { authHeaders } from '../support/api.js';
import { eventually, startConversationHarness, uniquePhone, type ConversationHarness, type Shop } from '../conversations/harness.js';

let h: ConversationHarness;
let shop: Shop;
let smsNumber: string;

beforeAll(async () => {
  h = await startConversationHarness({ env: { SMS_REPLY_MAX_SEGMENTS: '2' } });
  shop = await h.connectShop('sms');
});
afterAll(async () => {
  await h?.close();
});

const api = (method: 'GET' | 'POST', url: string, payload?: Record<string, unknown>) =>
  h.api.app.inject({ method, url, headers: method === 'GET' ? { cookie: shop.session.cookie } : authHeaders(shop.session), ...(payload === undefined ? {} : { payload }) });

async function smsTo(customer: string) {
  const { messages } = await h.control.messages({ direction: 'outbound-api', to: customer });
  return messages;
}

describe('SMS numbers', () => {
  it('searches the numbers on sale and buys one through the sms-number workflow, live steps and all', async () => {
    const search = await api('POST', '/api/sms/search', { country: 'US', areaCode: '415' });
    expect(search.statusCode).toBe(200);
    const found = search.json<{ numbers: Array<{ phoneNumber: string; capabilities: { sms: boolean }; type: string }> }>().numbers;
    expect(found.length).toBeGreaterThan(0);
    expect(found.every((n) => n.phoneNumber.startsWith('+1415') && n.capabilities.sms && n.type === 'local')).toBe(true);

    smsNumber = found[0]!.phoneNumber;
    const bought = await api('POST', '/api/sms/numbers', { phoneNumber: smsNumber, isoCountry: 'US' });
    expect(bought.statusCode).toBe(202);
    // Merchants never get a Temporal UI link.
    expect(bought.json<{ run: { temporalUiUrl: string | null } }>().run.temporalUiUrl).toBeNull();

    const overview = await eventually(async () => {
      const res = await api('GET', '/api/sms');
      const body = res.json<{ numbers: Array<{ phoneNumber: string; status: string }> }>();
      return body.numbers.find((n) => n.phoneNumber === smsNumber && n.status === 'active') ? body : null;
    }, 'the number to be active');
    expect(overview.numbers).toHaveLength(1);

    // At Twilio: in the subaccount, in the tenant's Messaging Service.
    const { phoneNumbers } = await h.control.phoneNumbers();
    const owned = phoneNumbers.find((n) => n.phone_number === smsNumber)!;
    expect(owned.account_sid).toBe(shop.subaccountSid);
    const inService = h.twilio.state.services.get(shop.messagingServiceSid)!.phoneNumbers.map((p) => p.phoneNumberSid);
    expect(inService).toContain(owned.sid);
    // Routed to this tenant only.
    const identifier = await h.prisma.integrationIdentifier.findUnique({ where: { kind_value: { kind: 'phone_number', value: smsNumber } } });
    expect(identifier?.tenantId).toBe(shop.tenantId);
    expect(await h.prisma.auditLog.count({ where: { tenantId: shop.tenantId, action: 'integration.sms_number_bought' } })).toBe(1);
  });

  it('answers an inbound SMS once, through the same pipeline, within the configured segments', async () => {
    const customer = uniquePhone();
    // A long-winded model: the reply is cut to 2 segments at a sentence.
    h.openai.control.force(`${'The Blue Cotton T-Shirt costs 19.90 USD and 12 are in stock. '.repeat(8)}`.trim(), 1, 'draft');
    await h.control.inbound({ to: smsNumber, from: customer, body: 'Do you have the blue t-shirt?', channel: 'sms', duplicates: 1 });
    const [reply] = await eventually(async () => ((await smsTo(customer)).length > 0 ? smsTo(customer) : null), 'the SMS reply');
    expect(reply!.from).toBe(smsNumber);
    expect(reply!.numSegments).toBeLessThanOrEqual(2);
    expect(countSmsSegments(reply!.body).segments).toBeLessThanOrEqual(2);
    expect(reply!.body).toMatch(/in stock\.$/);

    const conversation = await h.prisma.conversation.findFirstOrThrow({ where: { tenantId: shop.tenantId, customerAddress: customer } });
    expect(conversation.channel).toBe('sms');
    // The thread shows what was sent, with its segment count.
    const thread = await api('GET', `/api/conversations/${conversation.id}`);
    const outbound = thread.json<{ messages: Array<{ direction: string; body: string; segments: number | null }> }>().messages.filter((m) => m.direction === 'outbound');
    expect(outbound).toHaveLength(1);
    expect(outbound[0]!.body).toBe(reply!.body);
    expect(outbound[0]!.segments).toBe(reply!.numSegments);
    // A duplicate webhook delivery does not answer twice.
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await smsTo(customer)).toHaveLength(1);
  });

  it('STOP (Twilio confirms it) silences everything automated; START opts the customer in again', async () => {
    const customer = uniquePhone();
    await h.control.inbound({ to: smsNumber, from: customer, body: 'Hello, what mugs do you have?', channel: 'sms' });
    await eventually(async () => ((await smsTo(customer)).length === 1 ? true : null), 'the first reply');

    await h.control.inbound({ to: smsNumber, from: customer, body: 'stop', channel: 'sms' });
    const conversation = await eventually(
      () => h.prisma.conversation.findFirst({ where: { tenantId: shop.tenantId, customerAddress: customer, optedOut: true } }),
      'the opt-out',
    );
    expect(conversation.optOutSource).toBe('keyword');
    // Twilio answered the keyword itself (outbound-reply); ours is recorded but not sent.
    const confirmation = await eventually(
      () => h.prisma.message.findFirst({ where: { conversationId: conversation.id, source: 'system' } }),
      'our confirmation row',
    );
    expect(confirmation).toMatchObject({ status: 'not_sent', errorCode: 'carrier_confirms' });
    const { messages: twilioAnswers } = await h.control.messages({ direction: 'outbound-reply', to: customer });
    expect(twilioAnswers).toHaveLength(1);

    await h.control.inbound({ to: smsNumber, from: customer, body: 'Do you still have the mug?', channel: 'sms' });
    await new Promise((r) => setTimeout(r, 2_000));
    expect(await smsTo(customer)).toHaveLength(1);

    await h.control.inbound({ to: smsNumber, from: customer, body: 'YES', channel: 'sms' });
    const back = await eventually(
      () => h.prisma.conversation.findFirst({ where: { id: conversation.id, optedOut: false } }),
      'the opt-in',
    );
    expect(back).toMatchObject({ optInSource: 'keyword' });
    expect(back.optedInAt).not.toBeNull();
  });

  it('releases the number: gone from Twilio, no longer routed', async () => {
    const { numbers } = (await api('GET', '/api/sms')).json<{ numbers: Array<{ id: string; phoneNumber: string }> }>();
    const released = await api('POST', `/api/sms/numbers/${numbers[0]!.id}/release`);
    expect(released.statusCode).toBe(202);
    await eventually(async () => (await h.prisma.smsNumber.findUnique({ where: { id: numbers[0]!.id } }))?.status === 'released', 'the release');
    const { phoneNumbers } = await h.control.phoneNumbers();
    expect(phoneNumbers.find((n) => n.phone_number === smsNumber)).toBeUndefined();
    expect(await h.prisma.integrationIdentifier.findUnique({ where: { kind_value: { kind: 'phone_number', value: smsNumber } } })).toBeNull();
    expect((await api('GET', '/api/sms')).json<{ numbers: unknown[] }>().numbers).toHaveLength(0);
  });
});
