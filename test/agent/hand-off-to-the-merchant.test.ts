// Hand-off rules end to end: a customer asking for a person (English, Spanish), a merchant keyword, and two
// fallbacks in a row each hand the conversation over: the customer is told someone will follow up, the AI
// pauses (the next message gets no AI reply), the merchant is emailed and sees it under "needs you" and in the
// badge count; replying by hand or handing back clears it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authHeaders } from '../support/api.js';
import { eventually, sentTo, startConversationHarness, uniquePhone, type ConversationHarness, type Shop } from '../conversations/harness.js';
import { ask, saveSettings } from './support.js';

let h: ConversationHarness;
let shop: Shop;
beforeAll(async () => {
  h = await startConversationHarness();
  shop = await h.connectShop('handoff');
  await saveSettings(h.api.app, shop.session, (s) => void (s.handoff.keywords = ['lawyer', 'reembolso urgente']));
});
afterAll(async () => h?.close());

const get = async <T>(url: string) => {
  const res = await h.api.app.inject({ method: 'GET', url, headers: authHeaders(shop.session) });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<T>();
};

async function expectHandedOver(conversationId: string, reason: string) {
  const conversation = await eventually(async () => {
    const c = await h.prisma.conversation.findUniqueOrThrow({ where: { id: conversationId } });
    return c.needsAttentionAt !== null && c;
  }, 'the conversation flagged for the merchant');
  expect(conversation).toMatchObject({ aiPaused: true, aiPausedBy: 'agent', handoffReason: reason });
  const emails = await eventually(async () => {
    const rows = await h.prisma.emailOutbox.findMany({ where: { tenantId: shop.tenantId, idempotencyKey: { startsWith: 'handoff:' } } });
    // The row is written 'pending' before the mail is handed over: wait for its outcome, not only the row.
    return rows.some((r) => r.text.includes(`/app/conversations/${conversationId}`) && r.status !== 'pending') && rows;
  }, 'the email to the merchant');
  expect(emails.find((r) => r.text.includes(conversationId))).toMatchObject({ to: shop.session.email, status: 'captured' });
  const thread = await get<{ conversation: { needsYou: { reason: string } | null; aiPaused: boolean } }>(`/api/conversations/${conversationId}`);
  expect(thread.conversation.needsYou).toMatchObject({ reason });
  return conversation;
}

describe('hand-off to the merchant', () => {
  it('a customer asking for a person, in English, is told someone will follow up; the AI then stays quiet', async () => {
    const { customer, sent, row } = await ask(h, shop, 'Can I talk to a human please?');
    expect(sent[0]!.body).toContain('someone will follow up with you here shortly');
    expect(row).toMatchObject({ source: 'system', fallback: false });
    await expectHandedOver(row.conversationId, 'customer_asked');

    // The next message is not answered by the AI: the conversation waits for the merchant.
    const { message } = await h.control.inbound({ to: shop.phone, from: customer, body: 'Hello? Anyone there?', wait: true });
    await eventually(async () => (await h.prisma.message.findUnique({ where: { providerMessageSid: message.sid } }))?.noReplyReason === 'ai_paused', 'the next message left for the merchant');
    expect(await sentTo(h.control, customer)).toHaveLength(1);
  });

  it('in Spanish too, and the customer is told in Spanish', async () => {
    const { sent, row } = await ask(h, shop, 'Quiero hablar con una persona, por favor');
    expect(sent[0]!.body).toContain('alguien te responderá');
    await expectHandedOver(row.conversationId, 'customer_asked');
  });

  it('a keyword the merchant listed hands over', async () => {
    const { sent, row } = await ask(h, shop, 'My LAWYER says the mug arrived broken');
    expect(sent[0]!.body).toContain('someone will follow up');
    await expectHandedOver(row.conversationId, 'keyword');
    expect(row.prompt).toMatchObject({ handoff: 'keyword', keyword: 'lawyer' });
  });

  it('two fallbacks in a row hand over; the second answer is the hand-off message', async () => {
    const customer = uniquePhone();
    h.openai.control.force('The Golden Unicorn Mug (SKU GOLD-1) costs 99.00 USD.', 2, 'draft');
    const first = await ask(h, shop, 'Do you have a golden mug?', customer);
    expect(first.row.fallback).toBe(true);
    expect(first.sent[0]!.body).toContain('will get back to you shortly');
    h.openai.control.force('The Golden Unicorn Mug (SKU GOLD-1) costs 99.00 USD.', 2, 'draft');
    const second = await ask(h, shop, 'And a silver one?', customer);
    expect(second.row).toMatchObject({ fallback: true, source: 'ai' });
    expect(second.sent[0]!.body).toContain('someone will follow up');
    await expectHandedOver(second.row.conversationId, 'repeated_fallback');
  });

  it('the feed filters conversations that need the merchant, the badge counts them, and handing back clears it', async () => {
    const { needsYou } = await get<{ needsYou: number }>('/api/agent/attention');
    expect(needsYou).toBe(4);
    const feed = await get<{ items: Array<{ conversationId: string; needsYou: boolean }> }>('/api/messages?needsYou=true');
    expect(feed.items.length).toBeGreaterThan(0);
    expect(feed.items.every((m) => m.needsYou)).toBe(true);
    expect(new Set(feed.items.map((m) => m.conversationId)).size).toBe(4);

    const [oneId, otherId] = [...new Set(feed.items.map((m) => m.conversationId))];
    const resumed = await h.api.app.inject({ method: 'POST', url: `/api/conversations/${oneId}/resume`, headers: authHeaders(shop.session) });
    expect(resumed.statusCode, resumed.body).toBe(200);
    const replied = await h.api.app.inject({ method: 'POST', url: `/api/conversations/${otherId}/reply`, headers: authHeaders(shop.session), payload: { body: 'Hi, Ana here from the shop. How can I help?' } });
    expect(replied.statusCode, replied.body).toBe(202);
    expect((await get<{ needsYou: number }>('/api/agent/attention')).needsYou).toBe(2);
  });
});
