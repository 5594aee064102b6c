import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, sentTo, sleep, startConversationHarness, uniquePhone, type ConversationHarness, type Shop } from './harness.js';

let h: ConversationHarness;
let shop: Shop;
beforeAll(async () => {
  h = await startConversationHarness({ env: { REPLY_QUIET_PERIOD_MS: '1500' } });
  shop = await h.connectShop('burst');
});
afterAll(async () => h?.close());

describe('a burst of messages', () => {
  it('three messages within the quiet period get one reply that answers all of them', async () => {
    const customer = uniquePhone();
    const sids: string[] = [];
    for (const body of ['Hi!', 'How much is the blue cotton t-shirt?', 'And the ceramic coffee mug?']) {
      const { message } = await h.control.inbound({ to: shop.phone, from: customer, body, wait: true });
      sids.push(message.sid);
      await sleep(150);
    }
    const [reply] = await eventually(async () => (await sentTo(h.control, customer)).length > 0 && sentTo(h.control, customer), 'the reply');
    expect(reply!.body).toContain('Blue Cotton T-Shirt');
    expect(reply!.body).toContain('19.90 USD');
    expect(reply!.body).toContain('Ceramic Coffee Mug');
    expect(reply!.body).toContain('8.00 USD');
    // Well past another quiet period: still one.
    await sleep(2500);
    expect(await sentTo(h.control, customer)).toHaveLength(1);
    const row = await h.prisma.message.findFirstOrThrow({ where: { tenantId: shop.tenantId, direction: 'outbound', providerMessageSid: reply!.sid } });
    expect(row.replyToMessageSid).toBe(sids[2]);
    expect(await h.prisma.message.count({ where: { replyToMessageSid: { in: sids.slice(0, 2) } } })).toBe(0);
  });

  it('a message after the reply starts a new turn with its own reply', async () => {
    const customer = uniquePhone();
    await h.control.inbound({ to: shop.phone, from: customer, body: 'Do you have the wool beanie hat?', wait: true });
    await eventually(async () => (await sentTo(h.control, customer)).length === 1, 'the first reply');
    await h.control.inbound({ to: shop.phone, from: customer, body: 'What about the ceramic coffee mug?', wait: true });
    const replies = await eventually(async () => {
      const sent = await sentTo(h.control, customer);
      return sent.length === 2 && sent;
    }, 'the second reply');
    expect(replies.map((m) => m.body).join('\n')).toContain('Ceramic Coffee Mug');
    // The second prompt carried the first exchange as history.
    const last = h.openai.control.requests().filter((r) => r.kind === 'draft').at(-1)!;
    expect(last.messages.some((m) => m.role === 'assistant' && m.content.includes('Wool Beanie Hat'))).toBe(true);
  });
});
