// The merchant's agent on live replies, end to end (Twilio stand-in → API → worker → OpenAI stand-in):
// each reply records the settings version that produced it; a policy question is answered from the
// policies with them as sources; an invented delivery time never reaches the customer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authHeaders } from '../support/api.js';
import { startConversationHarness, type ConversationHarness, type Shop } from '../conversations/harness.js';
import { addKnowledge, ask, RETURNS_POLICY, saveSettings, SHIPPING_POLICY } from './support.js';

let h: ConversationHarness;
let shop: Shop;
beforeAll(async () => {
  h = await startConversationHarness();
  shop = await h.connectShop('agent');
  await addKnowledge(h.api.app, shop.session, { kind: 'policy', topic: 'shipping', title: 'Shipping', body: SHIPPING_POLICY });
  await addKnowledge(h.api.app, shop.session, { kind: 'policy', topic: 'returns', title: 'Returns', body: RETURNS_POLICY });
});
afterAll(async () => h?.close());

describe('replies follow the merchant’s agent', () => {
  it('each reply records the settings version that produced it, and the thread shows it', async () => {
    const before = await ask(h, shop, 'How much is the blue cotton t-shirt?');
    expect(before.row.agentVersion).toBeNull();

    const v1 = await saveSettings(h.api.app, shop.session, (s) => {
      s.name = 'Lola';
      s.tone = 'concise';
      s.instructions = 'Always mention that we gift-wrap for free.';
    });
    const first = await ask(h, shop, 'How much is the ceramic coffee mug?');
    expect(first.row.agentVersion).toBe(v1);
    const shown = (first.row.prompt as { messages: Array<{ role: string; content: string }> }).messages;
    expect(shown.find((m) => m.role === 'system' && m.content.includes('<merchant_instructions>'))?.content).toContain('gift-wrap');

    const v2 = await saveSettings(h.api.app, shop.session, (s) => void (s.greeting = 'Hi, this is Lola from the shop!'));
    expect(v2).toBe(v1 + 1);
    const second = await ask(h, shop, 'Is the wool beanie hat in stock?');
    expect(second.row.agentVersion).toBe(v2);
    // A customer's first message opens with the merchant's greeting.
    expect(second.sent[0]!.body.startsWith('Hi, this is Lola from the shop!')).toBe(true);

    const thread = await h.api.app.inject({ method: 'GET', url: `/api/conversations/${second.row.conversationId}`, headers: authHeaders(shop.session) });
    const reply = thread.json<{ messages: Array<{ id: string; agentVersion: number | null }> }>().messages.find((m) => m.id === second.row.id);
    expect(reply?.agentVersion).toBe(v2);
  });

  it('a policy question is answered from the policies, with them as sources', async () => {
    const { sent, row } = await ask(h, shop, 'How long does delivery take?');
    expect(sent[0]!.body).toContain('Delivery takes 3-5 business days within the EU.');
    expect(row.fallback).toBe(false);
    expect(row.knowledgeUsed).toEqual(expect.arrayContaining([expect.objectContaining({ title: 'Shipping', kind: 'policy', topic: 'shipping', rank: 1 })]));

    const thread = await h.api.app.inject({ method: 'GET', url: `/api/conversations/${row.conversationId}`, headers: authHeaders(shop.session) });
    const shown = thread.json<{ messages: Array<{ id: string; knowledgeSources: Array<{ title: string }> }> }>().messages.find((m) => m.id === row.id);
    expect(shown?.knowledgeSources.map((k) => k.title)).toContain('Shipping');
  });

  it('a question in another language than the policy still finds it (topics from the understanding call)', async () => {
    const { sent, row } = await ask(h, shop, '¿Puedo devolver un artículo?');
    expect(sent[0]!.body).toContain('within 30 days');
    expect(row.knowledgeUsed).toEqual(expect.arrayContaining([expect.objectContaining({ title: 'Returns' })]));
  });

  it('an invented delivery time is caught: the regenerated answer, or the safe answer, goes out instead', async () => {
    h.openai.control.inventDeliveryTimes(1);
    const corrected = await ask(h, shop, 'How long does delivery take?');
    expect(corrected.sent[0]!.body).not.toContain('10-12 business days');
    expect(corrected.sent[0]!.body).toContain('3-5 business days');
    expect(corrected.row.prompt).toMatchObject({ rejected: [expect.stringContaining('"10-12 business days" is not in the shop\'s policies')] });

    h.openai.control.inventDeliveryTimes(2);
    const refused = await ask(h, shop, 'How long does delivery take?');
    expect(refused.sent[0]!.body).not.toMatch(/\d+-\d+ business days/);
    expect(refused.sent[0]!.body).toContain('will get back to you shortly');
    expect(refused.row).toMatchObject({ fallback: true });
  });

  it('a shipping fee and free shipping stated as the policy says pass the check', async () => {
    h.openai.control.force('Shipping costs 4.90 USD; it is free on orders over 50 USD.', 1, 'draft');
    const { sent, row } = await ask(h, shop, 'How much is shipping?');
    expect(sent[0]!.body).toContain('Shipping costs 4.90 USD; it is free on orders over 50 USD.');
    expect(row.fallback).toBe(false);
  });
});
