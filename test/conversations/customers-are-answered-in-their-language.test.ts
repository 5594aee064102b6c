import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { optOutConfirmation } from '../../lib/conversations/opt-out.js';
import { eventually, sentTo, sleep, startConversationHarness, uniquePhone, type ConversationHarness, type Shop } from './harness.js';

/**
 * Customers write in their own language and with typos; the catalog is in the merchant's (English here).
 * The whole reply path on the stand-ins: the turn is understood (language, intent, catalog search terms),
 * the right product is retrieved and ranked first, and the answer comes back in the customer's language.
 */
let h: ConversationHarness;
let shop: Shop;
beforeAll(async () => {
  h = await startConversationHarness();
  shop = await h.connectShop('languages');
  await h.prisma.product.createMany({
    data: [
      { tenantId: shop.tenantId, sku: 'BP-100', name: 'Leather Backpack', price: '89', currency: 'USD', stock: 4 },
      { tenantId: shop.tenantId, sku: 'TOTE-2', name: 'Canvas Tote Bag', price: '24.5', currency: 'USD', stock: 9 },
      { tenantId: shop.tenantId, sku: 'WLT-9', name: 'Leather Wallet', price: '39', currency: 'USD', stock: 2 },
    ],
  });
});
afterAll(async () => h?.close());

/** Sends `body` from a new customer and returns the one reply and the stored reply's sources. */
async function ask(body: string, extra: { mediaUrls?: Array<{ url: string; contentType: string }> } = {}) {
  const customer = uniquePhone();
  const { message } = await h.control.inbound({ to: shop.phone, from: customer, body, wait: true, ...extra });
  const [reply] = await eventually(async () => {
    const sent = await sentTo(h.control, customer);
    return sent.length > 0 && sent;
  }, `a reply to ${JSON.stringify(body)}`);
  const stored = await h.prisma.message.findUniqueOrThrow({ where: { replyToMessageSid: message.sid } });
  const sources = (stored.productsUsed as Array<{ sku: string }> | null) ?? [];
  return { customer, reply: reply!.body ?? '', firstSource: sources[0]?.sku ?? null, stored };
}

describe('questions in other languages and with typos', () => {
  it.each([
    ['Spanish', '¿Precio de la mochila de cuero?', 'BP-100', /cuesta 89\.00 USD/],
    ['Portuguese', 'Quanto custa a mochila de couro?', 'BP-100', /custa 89\.00 USD/],
    ['German (a compound word)', 'Was kostet der Lederrucksack?', 'BP-100', /kostet 89\.00 USD/],
    ['Portuguese, another product', 'Vocês têm uma carteira de couro?', 'WLT-9', /39\.00 USD/],
    ['Spanish with typos', 'precio mochilla de cueroo', 'BP-100', /cuesta 89\.00 USD/],
    ['English with typos', 'how much is the lether bakcpack?', 'BP-100', /costs 89\.00 USD/],
  ])('%s: the right product ranks first and the answer is in that language', async (_case, question, sku, answer) => {
    const { reply, firstSource, stored } = await ask(question);
    expect(firstSource).toBe(sku);
    expect(reply).toMatch(answer);
    // How the turn was understood is kept with the reply ("why did it say that").
    expect(stored.prompt).toMatchObject({ understanding: { intent: 'question' } });
  });
});

describe('what the customer means, not only what they type', () => {
  it('"please stop sending me messages" is an opt-out: confirmed once in their language, then silence', async () => {
    const { customer, reply } = await ask('Por favor, deja de enviarme mensajes');
    expect(reply).toBe(optOutConfirmation('es'));
    const conversation = await h.prisma.conversation.findFirstOrThrow({ where: { tenantId: shop.tenantId, customerAddress: `whatsapp:${customer}` } });
    expect(conversation.optedOut).toBe(true);

    const { message } = await h.control.inbound({ to: shop.phone, from: customer, body: '¿Precio de la mochila de cuero?', wait: true });
    await eventually(() => h.prisma.message.findFirst({ where: { providerMessageSid: message.sid, noReplyReason: 'opted_out' } }), 'the silenced question');
    await sleep(500);
    expect(await sentTo(h.control, customer)).toHaveLength(1);
  });

  it('a picture without text is acknowledged, and the model is shown the picture itself', async () => {
    // Twilio's media resource for the message, behind the tenant's own credentials.
    const url = `${h.twilio.url}/2010-04-01/Accounts/${shop.subaccountSid}/Messages/MM${'ab'.repeat(16)}/Media/ME${'cd'.repeat(16)}`;
    const { reply } = await ask('', { mediaUrls: [{ url, contentType: 'image/png' }] });
    expect(reply).toMatch(/picture/i);
    expect(reply).not.toBe('Hello! How can I help you today?');
    const draft = h.openai.control.requests().filter((r) => r.kind === 'draft').at(-1)!;
    expect(draft.images).toBe(1);
  });

  it('a picture on a host that is not Twilio is never fetched with the tenant\'s credentials: the model is only told of it', async () => {
    const { reply } = await ask('', { mediaUrls: [{ url: 'https://example.invalid/photo.jpg', contentType: 'image/jpeg' }] });
    expect(reply).toMatch(/picture/i);
    const draft = h.openai.control.requests().filter((r) => r.kind === 'draft').at(-1)!;
    expect(draft.images).toBe(0);
  });
});
