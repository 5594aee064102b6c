import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPT_IN_CONFIRMATION, OPT_OUT_CONFIRMATION } from '../../lib/conversations/opt-out.js';
import { authHeaders } from '../support/api.js';
import { eventually, sentTo, sleep, startConversationHarness, uniquePhone, type ConversationHarness, type Shop } from './harness.js';

let h: ConversationHarness;
let shop: Shop;
beforeAll(async () => {
  h = await startConversationHarness();
  shop = await h.connectShop('silence');
});
afterAll(async () => h?.close());

/** Long enough for quiet period + draft + send several times over: silence here means silence. */
const SILENCE_MS = 1500;

async function say(customer: string, body: string) {
  const { message } = await h.control.inbound({ to: shop.phone, from: customer, body, wait: true });
  return message.sid;
}
const sentCount = async (customer: string, n: number) => eventually(async () => (await sentTo(h.control, customer)).length === n, `${n} messages`);
const conversationOf = (customer: string) => h.prisma.conversation.findFirstOrThrow({ where: { tenantId: shop.tenantId, customerAddress: `whatsapp:${customer}` } });
const api = (method: 'GET' | 'POST', url: string, payload?: object) =>
  h.api.app.inject({ method, url, headers: method === 'GET' ? { cookie: shop.session.cookie } : authHeaders(shop.session), ...(payload ? { payload } : {}) });

/** What the merchant's thread view says about the customer's message with this text (the latest one). */
async function noReplyShownFor(conversationId: string, body: string): Promise<string | null> {
  const thread = (await api('GET', `/api/conversations/${conversationId}`)).json<{ messages: Array<{ direction: string; body: string; noReplyReason: string | null }> }>();
  return thread.messages.findLast((m) => m.direction === 'inbound' && m.body === body)?.noReplyReason ?? null;
}

describe('opt-out', () => {
  it('STOP gets one confirmation, then silence; START resumes', async () => {
    const customer = uniquePhone();
    await say(customer, 'STOP');
    await sentCount(customer, 1);
    expect((await sentTo(h.control, customer))[0]!.body).toBe(OPT_OUT_CONFIRMATION);
    expect(await conversationOf(customer)).toMatchObject({ optedOut: true });

    await say(customer, 'How much is the blue cotton t-shirt?');
    await say(customer, 'stop');
    await sleep(SILENCE_MS);
    expect(await sentTo(h.control, customer)).toHaveLength(1);
    const conversation = await conversationOf(customer);
    expect((await api('POST', `/api/conversations/${conversation.id}/reply`, { body: 'Hello?' })).statusCode).toBe(409);
    // The unanswered question says why, in the thread and in the feed.
    await eventually(async () => (await noReplyShownFor(conversation.id, 'How much is the blue cotton t-shirt?')) === 'opted_out', 'the opted-out marker');
    const feed = (await api('GET', '/api/messages?direction=inbound&q=blue%20cotton')).json<{ items: Array<{ conversationId: string; noReplyReason: string | null }> }>();
    expect(feed.items.find((m) => m.conversationId === conversation.id)?.noReplyReason).toBe('opted_out');

    await say(customer, 'START');
    await sentCount(customer, 2);
    expect((await sentTo(h.control, customer))[1]!.body).toBe(OPT_IN_CONFIRMATION);
    await say(customer, 'How much is the blue cotton t-shirt?');
    await sentCount(customer, 3);
    expect((await sentTo(h.control, customer))[2]!.body).toContain('19.90 USD');
  });
});

describe('human takeover', () => {
  it('takeover silences the AI, the merchant replies by hand through the same send path, resume brings it back', async () => {
    const customer = uniquePhone();
    await say(customer, 'Do you have the ceramic coffee mug?');
    await sentCount(customer, 1);
    const conversation = await conversationOf(customer);

    const taken = await api('POST', `/api/conversations/${conversation.id}/takeover`);
    expect(taken.statusCode).toBe(200);
    expect(taken.json()).toEqual({ id: conversation.id, aiPaused: true });
    await say(customer, 'Can I get a discount on it?');
    await sleep(SILENCE_MS);
    expect(await sentTo(h.control, customer)).toHaveLength(1);
    await eventually(async () => (await noReplyShownFor(conversation.id, 'Can I get a discount on it?')) === 'ai_paused', 'the taken-over marker');

    const manual = await api('POST', `/api/conversations/${conversation.id}/reply`, { body: 'Hi, Ada here: 10% off today.' });
    expect(manual.statusCode).toBe(202);
    const { message } = manual.json<{ message: { id: string; source: string; status: string } }>();
    expect(message).toMatchObject({ source: 'human', status: 'queued' });
    await sentCount(customer, 2);
    expect((await sentTo(h.control, customer))[1]!.body).toBe('Hi, Ada here: 10% off today.');
    await eventually(() => h.prisma.message.findFirst({ where: { id: message.id, providerMessageSid: { not: null } } }), 'the manual reply recorded');

    const detail = (await api('GET', `/api/conversations/${conversation.id}`)).json<{ conversation: { takeover: { aiPaused: boolean; by: string } } }>();
    expect(detail.conversation.takeover).toMatchObject({ aiPaused: true, by: shop.session.userId });

    expect((await api('POST', `/api/conversations/${conversation.id}/resume`)).json()).toEqual({ id: conversation.id, aiPaused: false });
    // Each step is on the shop's audit trail: who (the merchant, from their address), what, on which record.
    const trail = await h.prisma.auditLog.findMany({
      where: { tenantId: shop.tenantId, action: { in: ['conversation.takeover', 'conversation.manual_reply', 'conversation.resume'] }, targetId: { in: [conversation.id, message.id] } },
      orderBy: { createdAt: 'asc' },
    });
    const who = { tenantId: shop.tenantId, actorType: 'user', actorUserId: shop.session.userId, workflowId: null, ip: expect.any(String) };
    expect(trail).toEqual([
      expect.objectContaining({ ...who, action: 'conversation.takeover', targetType: 'conversation', targetId: conversation.id, details: null }),
      expect.objectContaining({ ...who, action: 'conversation.manual_reply', targetType: 'message', targetId: message.id, details: { conversationId: conversation.id } }),
      expect.objectContaining({ ...who, action: 'conversation.resume', targetType: 'conversation', targetId: conversation.id, details: null }),
    ]);
    expect(JSON.stringify(trail)).not.toContain('10% off');
    await say(customer, 'And the wool beanie hat?');
    await sentCount(customer, 3);
    expect((await sentTo(h.control, customer))[2]!.body).toContain('Wool Beanie Hat');
  });
});

describe('reply gate', () => {
  it('an expired trial gets no AI reply, and the reason is recorded', async () => {
    const expired = await h.connectShop('expired');
    await h.prisma.tenant.update({ where: { id: expired.tenantId }, data: { plan: 'trial_expired' } });
    const customer = uniquePhone();
    const { message } = await h.control.inbound({ to: expired.phone, from: customer, body: 'Hello, is the mug available?', wait: true });
    const row = await eventually(() => h.prisma.message.findUnique({ where: { replyToMessageSid: message.sid } }), 'the decision');
    expect(row).toMatchObject({ status: 'not_sent', errorCode: 'trial_expired', source: 'ai' });
    await sleep(500);
    expect(await sentTo(h.control, customer)).toHaveLength(0);
    // The merchant sees the customer's message marked, not an empty "AI" bubble for the bookkeeping row.
    const thread = (await h.api.app.inject({ method: 'GET', url: `/api/conversations/${row.conversationId}`, headers: { cookie: expired.session.cookie } }))
      .json<{ messages: Array<{ direction: string; source: string; noReplyReason: string | null }> }>();
    expect(thread.messages.map((m) => [m.direction, m.source, m.noReplyReason])).toEqual([['inbound', 'customer', 'trial_expired']]);
  });
});

describe('dashboard API', () => {
  it('feed, conversation list and thread with the AI sources, paginated and filtered', async () => {
    const customer = uniquePhone();
    await say(customer, 'How much is the blue cotton t-shirt?');
    await sentCount(customer, 1);
    const conversation = await conversationOf(customer);
    await eventually(() => h.prisma.message.findFirst({ where: { conversationId: conversation.id, status: 'delivered' } }), 'delivery');

    const feed = (await api('GET', '/api/messages?limit=2')).json<{ items: Array<{ id: string }>; nextCursor: string; serverTime: string }>();
    expect(feed.items).toHaveLength(2);
    const next = (await api('GET', `/api/messages?limit=2&cursor=${feed.nextCursor}`)).json<{ items: Array<{ id: string }> }>();
    expect(next.items.map((i) => i.id)).not.toContain(feed.items[0]!.id);
    const outbound = (await api('GET', '/api/messages?direction=outbound&status=delivered&q=t-shirt')).json<{ items: Array<Record<string, unknown>> }>();
    expect(outbound.items[0]).toMatchObject({ direction: 'outbound', source: 'ai', status: 'delivered', customer: { address: `whatsapp:${customer}`, channel: 'whatsapp' } });
    const since = (await api('GET', `/api/messages?since=${encodeURIComponent(feed.serverTime)}`)).json<{ items: unknown[] }>();
    expect(since.items.length).toBeLessThan(10);

    const list = (await api('GET', `/api/conversations?q=${encodeURIComponent(customer)}`)).json<{ items: Array<Record<string, unknown>> }>();
    expect(list.items).toEqual([expect.objectContaining({ id: conversation.id, aiPaused: false, optedOut: false, window: expect.objectContaining({ open: true }) })]);

    const thread = (await api('GET', `/api/conversations/${conversation.id}`)).json<{
      conversation: { workflow: { id: string; url: string | null }; window: { open: boolean } };
      messages: Array<{ direction: string; sources: Array<{ sku: string }>; workflowUrl: string | null; model: string | null }>;
    }>();
    expect(thread.conversation.workflow.id).toBe(`conversation:${shop.tenantId}:whatsapp:${customer}`);
    const reply = thread.messages.find((m) => m.direction === 'outbound')!;
    expect(reply.sources[0]!.sku).toBe('TS-001');
    expect(reply.model).toBe('gpt-4o-mini');
    // The Temporal UI is for operators: a merchant's answer carries no link to it.
    expect(thread.conversation.workflow.url).toBeNull();
    expect(reply.workflowUrl).toBeNull();

    // An operator gets them. Its own run (replies as children) or its conversation's (inline): the link finds either.
    await h.prisma.user.update({ where: { id: shop.session.userId }, data: { isAdmin: true } });
    try {
      const asOperator = (await api('GET', `/api/conversations/${conversation.id}`)).json<typeof thread>();
      const operatorReply = asOperator.messages.find((m) => m.direction === 'outbound')!;
      expect(asOperator.conversation.workflow.url).toContain('/namespaces/default/workflows?query=');
      expect(decodeURIComponent(operatorReply.workflowUrl!)).toContain(`WorkflowId="reply:`);
      expect(decodeURIComponent(operatorReply.workflowUrl!)).toContain(`OR WorkflowId="${thread.conversation.workflow.id}"`);
    } finally {
      await h.prisma.user.update({ where: { id: shop.session.userId }, data: { isAdmin: false } });
    }
  });

  it("another tenant's conversation is a 404 for every route", async () => {
    const customer = uniquePhone();
    await say(customer, 'hi');
    const conversation = await eventually(() => h.prisma.conversation.findFirst({ where: { customerAddress: `whatsapp:${customer}` } }), 'conversation');
    const other = await h.connectShop('other');
    const as = (method: 'GET' | 'POST', url: string, payload?: object) =>
      h.api.app.inject({ method, url, headers: method === 'GET' ? { cookie: other.session.cookie } : authHeaders(other.session), ...(payload ? { payload } : {}) });
    expect((await as('GET', `/api/conversations/${conversation.id}`)).statusCode).toBe(404);
    expect((await as('POST', `/api/conversations/${conversation.id}/takeover`)).statusCode).toBe(404);
    expect((await as('POST', `/api/conversations/${conversation.id}/resume`)).statusCode).toBe(404);
    expect((await as('POST', `/api/conversations/${conversation.id}/reply`, { body: 'x' })).statusCode).toBe(404);
    const feed = (await as('GET', '/api/messages')).json<{ items: unknown[] }>();
    expect(feed.items).toEqual([]);
    expect((await h.prisma.conversation.findUniqueOrThrow({ where: { id: conversation.id } })).aiPaused).toBe(false);
  });
});
