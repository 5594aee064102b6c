import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTwilioClient } from '../../lib/twilio/client.js';
import { authHeaders } from '../support/api.js';
import { eventually, MASTER_SID, MASTER_TOKEN, sentTo, startConversationHarness, uniquePhone, type ConversationHarness, type Shop } from './harness.js';

/**
 * A connection whose credentials stop working (after a dev restart the stand-in had forgotten its
 * subaccounts; in production a token is rotated, a key revoked, a subaccount suspended) must not keep
 * saying "Connected" while every reply fails: it shows as broken, with Twilio's reason, and can reconnect.
 */
let h: ConversationHarness;
let shop: Shop;
beforeAll(async () => {
  h = await startConversationHarness();
  shop = await h.connectShop('broken');
});
afterAll(async () => h?.close());

describe('a connection whose credentials Twilio refuses', () => {
  it('is shown as broken with the reason, its reply is marked failed, and connecting again is allowed', async () => {
    const customer = uniquePhone();
    await h.control.inbound({ to: shop.phone, from: customer, body: 'How much is the blue cotton t-shirt?', wait: true });
    await eventually(async () => (await sentTo(h.control, customer)).length === 1, 'the first reply');

    // The key the connection sends with is revoked at Twilio (what a wiped stand-in or a rotation looks like).
    const account = await h.prisma.integrationAccount.findUniqueOrThrow({ where: { id: shop.accountId } });
    const master = createTwilioClient({ accountSid: MASTER_SID, authToken: MASTER_TOKEN, baseUrl: h.twilio.url });
    await master.api.v2010.accounts(shop.subaccountSid).keys(account.apiKeySid!).remove();

    const { message } = await h.control.inbound({ to: shop.phone, from: customer, body: 'And the ceramic coffee mug?', wait: true });
    const reply = await eventually(
      () => h.prisma.message.findFirst({ where: { replyToMessageSid: message.sid, status: 'failed' } }),
      'the refused reply',
    );
    expect(reply.errorCode).toBe('20003');
    expect(await sentTo(h.control, customer)).toHaveLength(1);

    const connection = (await h.api.app.inject({ method: 'GET', url: '/api/whatsapp', headers: { cookie: shop.session.cookie } }))
      .json<{ status: string; lastError: string | null }>();
    expect(connection.status).toBe('broken');
    expect(connection.lastError).toContain('20003');
    // Reconnecting is allowed (a connected account would answer 409 here).
    const reconnect = await h.api.app.inject({ method: 'POST', url: '/api/whatsapp/connect', headers: authHeaders(shop.session) });
    expect(reconnect.statusCode).toBe(202);
  });
});
