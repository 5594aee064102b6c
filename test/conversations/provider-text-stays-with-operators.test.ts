import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { translateTwilioError } from '../../activities/twilio-provisioning.js';
import { eventually, startConversationHarness, uniquePhone, type ConversationHarness, type Shop } from './harness.js';

/**
 * Providers' error texts are for operators (logs, the failure's details in Temporal): they can carry
 * internals, and they are not words a merchant can act on. Merchants get Twilio's code, which the
 * dashboard explains, and WARA's own words.
 */
let h: ConversationHarness;
let shop: Shop;
beforeAll(async () => {
  h = await startConversationHarness();
  shop = await h.connectShop('provider-text');
});
afterAll(async () => h?.close());

const PROVIDER_TEXT = 'Carrier gateway gw-7 rejected: routing table internal/42 missing';

describe("providers' error texts", () => {
  it('a delivery failure reaches the dashboard as its code, without the provider text', async () => {
    const customer = uniquePhone();
    await h.control.scriptOutcome({ to: `whatsapp:${customer}`, outcome: 'undelivered', errorCode: 30008, errorMessage: PROVIDER_TEXT });
    await h.control.inbound({ to: shop.phone, from: customer, body: 'Do you have the ceramic coffee mug?', wait: true });
    await eventually(() => h.prisma.message.findFirst({ where: { tenantId: shop.tenantId, status: 'undelivered' } }), 'the undelivered reply');
    const feed = await h.api.app.inject({ method: 'GET', url: '/api/messages?status=undelivered', headers: { cookie: shop.session.cookie } });
    const item = feed.json<{ items: Array<{ errorCode: string | null; errorMessage: string | null }> }>().items[0]!;
    expect(item).toMatchObject({ errorCode: '30008', errorMessage: null });
    expect(feed.body).not.toContain('gw-7');
  });

  it("a refused provisioning call says what WARA tried and Twilio's code; Twilio's text stays in the details", () => {
    // The shape the twilio SDK's RestException has: an Error with Twilio's HTTP status and code.
    const refused = Object.assign(new Error(PROVIDER_TEXT), { status: 400, code: 21211 });
    const failure = translateTwilioError(refused, 'create the Messaging Service') as Error & { details?: unknown[] };
    expect(failure.message).toBe('Twilio refused to create the Messaging Service (HTTP 400, code 21211).');
    expect(JSON.stringify(failure.details)).toContain('gw-7');
  });
});
