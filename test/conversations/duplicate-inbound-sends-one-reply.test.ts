import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, sentTo, sleep, startConversationHarness, uniquePhone, type ConversationHarness, type Shop } from './harness.js';

let h: ConversationHarness;
let shop: Shop;

// Exactly once whichever way replies run (REPLY_WORKFLOW): as their own child workflow or inline.
describe.each(['inline', 'child'] as const)('one inbound message, delivered many times (replies run %s)', (mode) => {
  beforeAll(async () => {
    h = await startConversationHarness({ env: { REPLY_WORKFLOW: mode } });
    shop = await h.connectShop(`duplicates-${mode}`);
  });
  afterAll(async () => h?.close());

  it('a question gets one catalog-grounded reply, recorded with its sources and delivery status', async () => {
    const customer = uniquePhone();
    await h.control.inbound({ to: shop.phone, from: customer, body: 'How much is the blue cotton t-shirt?', wait: true });
    const [sent] = await eventually(async () => (await sentTo(h.control, customer)).length > 0 && sentTo(h.control, customer), 'the reply');
    expect(sent!.body).toContain('19.90 USD');
    expect(sent!.messagingServiceSid).toBe(shop.messagingServiceSid);

    const reply = await eventually(
      () => h.prisma.message.findFirst({ where: { tenantId: shop.tenantId, direction: 'outbound', providerMessageSid: sent!.sid, status: 'delivered' } }),
      'the delivered status callback',
    );
    expect(reply).toMatchObject({ source: 'ai', fallback: false, model: 'gpt-4o-mini', sendAttempts: 1 });
    expect(reply.latencyMs).toBeGreaterThanOrEqual(0);
    expect(reply.promptTokens).toBeGreaterThan(0);
    expect(reply.productsUsed).toEqual(expect.arrayContaining([expect.objectContaining({ sku: 'TS-001', rank: 1 })]));
    const inbound = await h.prisma.message.findUniqueOrThrow({ where: { providerMessageSid: reply.replyToMessageSid! } });
    expect(inbound.body).toBe('How much is the blue cotton t-shirt?');
  });

  it('duplicates from the stand-in plus Twilio-style retries after timeouts still produce exactly one reply', async () => {
    const customer = uniquePhone();
    // Every delivery "times out" at the stand-in after 5 ms, so each is retried (3 attempts) while our API
    // still processes the original: 3 deliveries x 3 attempts of one MessageSid, racing each other.
    await h.control.config({ webhookRetry: { timeoutMs: 5, backoffMs: 5, maxAttempts: 3 } });
    try {
      const { message } = await h.control.inbound({ to: shop.phone, from: customer, body: 'Is the ceramic coffee mug in stock?', duplicates: 2, wait: true });
      const deliveries = (await h.control.webhooks({ kind: 'inbound', messageSid: message.sid })).deliveries;
      expect(deliveries.length).toBe(3);
      await eventually(async () => (await sentTo(h.control, customer)).length > 0, 'the reply');
      // Give any second reply every chance to appear before counting.
      await sleep(1500);
      const sent = await sentTo(h.control, customer);
      expect(sent).toHaveLength(1);
      expect(sent[0]!.body).toContain('Ceramic Coffee Mug');
      expect(await h.prisma.message.count({ where: { providerMessageSid: message.sid } })).toBe(1);
      expect(await h.prisma.message.count({ where: { replyToMessageSid: message.sid } })).toBe(1);
      expect(h.openai.control.requests().filter((r) => r.kind === 'draft' && r.messages.some((m) => m.content.includes('ceramic coffee mug in stock')))).toHaveLength(1);
    } finally {
      await h.control.config({ webhookRetry: { timeoutMs: 15_000, backoffMs: 250, maxAttempts: 3 } });
    }
  });
});
