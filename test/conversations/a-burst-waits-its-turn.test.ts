// A shop whose customers arrive faster than it can be answered: its messages go to Temporal a few at a
// time (the turn limit), the rest wait oldest first, and past its backlog limit a message is kept but left
// to the merchant, marked, and counted on the dashboard. An opt-out is never shed. Nothing is answered twice.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPT_OUT_CONFIRMATION } from '../../lib/conversations/opt-out.js';
import { eventually, sentTo, sleep, startConversationHarness, uniquePhone, type ConversationHarness, type Shop } from './harness.js';

let h: ConversationHarness;
let shop: Shop;
beforeAll(async () => {
  // One turn per shop, grown by one per second of the quiet period: seven at once with 6 s of it. Two may
  // wait. The quiet period also keeps those seven turns open while the whole burst is posted, however slow
  // this machine is at posting it: the tenth and eleventh customers are past the backlog.
  h = await startConversationHarness({ env: { RELAY_THREAD: 'false', RELAY_TURNS_PER_TENANT: '1', RELAY_BACKLOG_PER_TENANT: '2', REPLY_QUIET_PERIOD_MS: '6000' } });
  shop = await h.connectShop('burst');
});
afterAll(async () => h?.close());

const get = async <T>(url: string) => (await h.api.app.inject({ method: 'GET', url, headers: { cookie: shop.session.cookie } })).json<T>();
type Backlog = { waiting: number; oldestWaitingSeconds: number | null; delayed: boolean; notAnsweredLastHour: number };

describe('a burst at one shop', () => {
  it('is answered a turn at a time, oldest first; past the backlog messages are left to the merchant and shown', async () => {
    const customers = Array.from({ length: 11 }, () => uniquePhone());
    const stopper = uniquePhone();
    const sids: string[] = [];
    const started = Date.now();
    for (const customer of customers) {
      const { message } = await h.control.inbound({ to: shop.phone, from: customer, body: 'How much is the blue cotton t-shirt?', wait: true });
      sids.push(message.sid);
    }
    await h.control.inbound({ to: shop.phone, from: stopper, body: 'STOP', wait: true });
    expect(Date.now() - started, 'the burst was posted within the first turn\'s quiet period').toBeLessThan(6000);

    // Seven in Temporal and the two that waited are answered, once each; the two that waited only after all
    // seven of the first (they are let in oldest first, but each then has its own quiet period and draft, so
    // the two may finish in either order).
    for (const customer of customers.slice(0, 9)) await eventually(async () => (await sentTo(h.control, customer)).length === 1, `the reply to ${customer}`, 40_000);
    const replies = await h.prisma.message.findMany({ where: { replyToMessageSid: { in: sids } }, orderBy: { createdAt: 'asc' } });
    expect(replies.slice(0, 7).map((r) => r.replyToMessageSid).sort()).toEqual(sids.slice(0, 7).sort());
    expect(replies.slice(7).map((r) => r.replyToMessageSid).sort()).toEqual(sids.slice(7, 9).sort());
    // The opt-out came after the backlog was full and still took effect.
    await eventually(async () => (await sentTo(h.control, stopper)).length === 1, 'the opt-out confirmation', 40_000);
    expect((await sentTo(h.control, stopper))[0]!.body).toBe(OPT_OUT_CONFIRMATION);

    // Twilio delivers a shed message again (a duplicate): it stays the merchant's, no hand-off, no answer.
    const again = (await h.control.webhooks({ kind: 'inbound', messageSid: sids[9]! })).deliveries[0]!;
    const redelivered = Date.now();
    const res = await fetch(again.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': again.signature },
      body: new URLSearchParams(again.params),
    });
    expect(res.status).toBe(200);
    expect(await h.prisma.inboundHandoff.count({ where: { messageSid: sids[9]! } })).toBe(0);

    // The last two were kept, not answered, and say why; no hand-off is left behind.
    await sleep(1500);
    for (const customer of customers.slice(9)) expect(await sentTo(h.control, customer)).toHaveLength(0);
    const shed = await h.prisma.message.findMany({ where: { providerMessageSid: { in: sids.slice(9) } } });
    expect(shed.map((m) => m.noReplyReason)).toEqual(['overloaded', 'overloaded']);
    expect(await h.prisma.inboundHandoff.count({ where: { tenantId: shop.tenantId } })).toBe(0);
    const thread = await get<{ messages: Array<{ direction: string; noReplyReason: string | null }> }>(`/api/conversations/${shed[0]!.conversationId}`);
    expect(thread.messages.find((m) => m.direction === 'inbound')?.noReplyReason).toBe('overloaded');

    // The merchant is told, on the home page and on Conversations.
    const home = await get<{ backlog: Backlog }>('/api/dashboard');
    expect(home.backlog).toEqual({ waiting: 0, oldestWaitingSeconds: null, delayed: false, notAnsweredLastHour: 2 });
    const feed = await get<{ backlog: Backlog }>('/api/messages');
    expect(feed.backlog.notAnsweredLastHour).toBe(2);

    // Had the duplicate been handed to its workflow, it would be answered after the 6 s quiet period.
    await sleep(Math.max(0, redelivered + 9000 - Date.now()));
    expect(await sentTo(h.control, customers[9]!)).toHaveLength(0);
    expect((await h.prisma.message.findFirstOrThrow({ where: { providerMessageSid: sids[9]! } })).noReplyReason).toBe('overloaded');
  });

  it('says replies are delayed while a message has waited half a minute', async () => {
    const customer = uniquePhone();
    await h.control.inbound({ to: shop.phone, from: customer, body: 'Is the mug in stock?', wait: true });
    const message = await eventually(async () => h.prisma.message.findFirst({ where: { tenantId: shop.tenantId, conversation: { customerAddress: `whatsapp:${customer}` } } }), 'the message');
    await eventually(async () => (await sentTo(h.control, customer)).length === 1, 'the reply', 40_000);
    // As if it were still waiting after 40 s: a hand-off row of that age (claimed just now, so the sweeper
    // leaves it for its 10 s).
    const at = new Date(Date.now() - 40_000);
    await h.prisma.inboundHandoff.create({ data: { messageSid: `${message.providerMessageSid!}-late`, tenantId: shop.tenantId, conversationId: message.conversationId, createdAt: at, attemptedAt: new Date() } });
    try {
      const home = await get<{ backlog: Backlog }>('/api/dashboard');
      expect(home.backlog).toMatchObject({ waiting: 1, delayed: true });
      expect(home.backlog.oldestWaitingSeconds).toBeGreaterThanOrEqual(40);
    } finally {
      await h.prisma.inboundHandoff.deleteMany({ where: { messageSid: `${message.providerMessageSid!}-late` } });
    }
  });
});
