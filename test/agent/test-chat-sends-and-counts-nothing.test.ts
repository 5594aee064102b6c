// The dashboard's test chat: the live reply's composition (understanding, retrieval of products and
// knowledge, draft, answer check) answers the merchant's question, through a workflow, and nothing else
// happens: no message to the Twilio stand-in, no conversation or message row, the usage count unchanged.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authHeaders } from '../support/api.js';
import { startConversationHarness, type ConversationHarness, type Shop } from '../conversations/harness.js';
import type { TestChatAnswer } from '../../lib/agent/test-chat.js';
import { addKnowledge, saveSettings, SHIPPING_POLICY } from './support.js';

let h: ConversationHarness;
let shop: Shop;
beforeAll(async () => {
  h = await startConversationHarness();
  shop = await h.connectShop('test-chat');
  await addKnowledge(h.api.app, shop.session, { kind: 'policy', topic: 'shipping', title: 'Shipping', body: SHIPPING_POLICY });
});
afterAll(async () => h?.close());

async function askTestChat(message: string, history: Array<{ role: 'customer' | 'agent'; text: string }> = []) {
  const res = await h.api.app.inject({ method: 'POST', url: '/api/agent/test-chat', headers: authHeaders(shop.session), payload: { message, history } });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<{ answer: TestChatAnswer }>().answer;
}

async function footprint() {
  const [sent, conversations, messages, usage] = await Promise.all([
    h.control.messages({ direction: 'outbound-api' }),
    h.prisma.conversation.count({ where: { tenantId: shop.tenantId } }),
    h.prisma.message.count({ where: { tenantId: shop.tenantId } }),
    h.prisma.usageCounter.aggregate({ where: { tenantId: shop.tenantId }, _sum: { replies: true } }),
  ]);
  return { sent: sent.messages.length, conversations, messages, replies: usage._sum.replies ?? 0 };
}

describe('the test chat', () => {
  it('answers with sources and the check’s verdict, and sends, stores and counts nothing', async () => {
    const before = await footprint();

    const product = await askTestChat('How much is the blue cotton t-shirt?');
    expect(product).toMatchObject({ outcome: 'answer', check: { verdict: 'passed' }, agentVersion: null });
    expect(product.body).toContain('19.90 USD');
    expect(product.sources.products[0]).toMatchObject({ sku: 'TS-001' });

    const policy = await askTestChat('How long does delivery take?');
    expect(policy.body).toContain('3-5 business days');
    expect(policy.sources.knowledge).toEqual([expect.objectContaining({ title: 'Shipping', kind: 'policy' })]);

    h.openai.control.inventDeliveryTimes(1);
    const corrected = await askTestChat('How long does delivery take?');
    expect(corrected.check).toMatchObject({ verdict: 'corrected', problems: [expect.stringContaining('10-12 business days')] });

    const handoff = await askTestChat('I want to speak to a real person');
    expect(handoff).toMatchObject({ outcome: 'handoff', handoff: { reason: 'customer_asked' } });

    expect(await footprint()).toEqual(before);
  });

  it('uses the saved settings: version, greeting on a first message, business hours’ away message', async () => {
    const version = await saveSettings(h.api.app, shop.session, (s) => {
      s.greeting = 'Welcome to the shop!';
      s.businessHours = { ...s.businessHours, enabled: true, timeZone: 'UTC', outsideHours: 'away', holidays: [new Date().toISOString().slice(0, 10)] };
    });
    const answer = await askTestChat('Is the wool beanie hat in stock?');
    expect(answer.agentVersion).toBe(version);
    expect(answer.body.startsWith('Welcome to the shop!')).toBe(true);
    // Today is a holiday: a customer would get the away message first, then this answer at opening.
    expect(answer.away?.message).toMatch(/closed right now/);
    expect(answer.away?.opensAt).not.toBeNull();

    const followUp = await askTestChat('And the mug?', [
      { role: 'customer', text: 'Is the wool beanie hat in stock?' },
      { role: 'agent', text: answer.body },
    ]);
    expect(followUp.body.startsWith('Welcome')).toBe(false);
  });

  it('answers only in the languages the merchant allows: a Spanish question gets an English answer', async () => {
    const question = '¿Cuánto cuesta la camiseta de algodón azul?';
    // Any language allowed (the default): answered in Spanish.
    const free = await askTestChat(question);
    expect(free).toMatchObject({ language: 'es', answerLanguage: 'es', check: { verdict: 'passed' } });
    expect(free.body).toContain('Blue Cotton T-Shirt (SKU TS-001) cuesta 19.90 USD.');

    await saveSettings(h.api.app, shop.session, (s) => {
      s.languages = ['en'];
    });
    const english = await askTestChat(question);
    expect(english).toMatchObject({ language: 'es', answerLanguage: 'en', check: { verdict: 'passed' } });
    expect(english.body).toContain('The Blue Cotton T-Shirt (SKU TS-001) costs 19.90 USD.');
    expect(english.body).not.toContain('cuesta');
  });

  it('refuses what it should, with a reason', async () => {
    const empty = await h.api.app.inject({ method: 'POST', url: '/api/agent/test-chat', headers: authHeaders(shop.session), payload: { message: '  ' } });
    expect(empty.statusCode).toBe(400);
    h.openai.control.fail(500, 10);
    try {
      const down = await h.api.app.inject({ method: 'POST', url: '/api/agent/test-chat', headers: authHeaders(shop.session), payload: { message: 'Hello?' } });
      expect(down.statusCode).toBe(503);
      expect(down.json<{ message: string }>().message).toContain('will get back to you shortly');
    } finally {
      h.openai.control.reset();
    }
  });
});
