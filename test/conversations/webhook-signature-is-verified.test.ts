import { randomBytes } from 'node:crypto';
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inboundParams as inboundParamsFor, startConversationHarness, uniquePhone, type ConversationHarness, type Shop } from './harness.js';

// No worker: this file is about the door, not what happens after it.
let h: ConversationHarness;
let shop: Shop;
beforeAll(async () => {
  h = await startConversationHarness({ worker: false });
  shop = await connectShopOnce();
});
afterAll(async () => {
  await terminateConversations();
  await h?.close();
});

const connectShopOnce = () => h.connectShop('signature');

const inboundParams = (customer: string, body: string) => inboundParamsFor(shop, customer, body, { ProfileName: 'Casey' });

async function post(params: Record<string, string>, signature: string, path = '/webhooks/twilio/whatsapp') {
  return h.api.app.inject({
    method: 'POST',
    url: path,
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
    payload: new URLSearchParams(params).toString(),
  });
}

const sign = (token: string, params: Record<string, string>, path = '/webhooks/twilio/whatsapp') =>
  twilio.getExpectedTwilioSignature(token, `${h.publicUrl}${path}`, params);

async function rowsFor(customer: string) {
  const conversations = await h.prisma.conversation.count({ where: { customerAddress: `whatsapp:${customer}` } });
  const messages = await h.prisma.message.count({ where: { conversation: { customerAddress: `whatsapp:${customer}` } } });
  return { conversations, messages };
}

async function terminateConversations() {
  const rows = await h.prisma.conversation.findMany({ where: { tenantId: shop.tenantId } });
  for (const c of rows) await h.api.deps.temporal.workflow.getHandle(c.workflowId!).terminate('test over').catch(() => undefined);
}

describe('Twilio webhook signatures', () => {
  it('accepts a message signed with the tenant subaccount token, stores it once and answers empty TwiML', async () => {
    const customer = uniquePhone();
    const params = inboundParams(customer, 'Do you have the blue t-shirt?');
    const res = await post(params, sign(shop.authToken, params));
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/xml/);
    expect(res.body).toContain('<Response/>');
    const again = await post(params, sign(shop.authToken, params));
    expect(again.statusCode).toBe(200);
    expect(await rowsFor(customer)).toEqual({ conversations: 1, messages: 1 });
    const stored = await h.prisma.message.findUniqueOrThrow({ where: { providerMessageSid: params.MessageSid } });
    expect(stored).toMatchObject({ tenantId: shop.tenantId, direction: 'inbound', status: 'received', source: 'customer', body: params.Body });
  });

  it('refuses a message with one changed character, nothing stored', async () => {
    const customer = uniquePhone();
    const params = inboundParams(customer, 'What does the mug cost?');
    const signature = sign(shop.authToken, params);
    const res = await post({ ...params, Body: 'What does the mug cost!' }, signature);
    expect(res.statusCode).toBe(403);
    const flipped = signature.slice(0, -2) + (signature.at(-2) === 'A' ? 'B' : 'A') + signature.at(-1);
    expect((await post(params, flipped)).statusCode).toBe(403);
    expect(await rowsFor(customer)).toEqual({ conversations: 0, messages: 0 });
  });

  it('refuses a signature made with another token, a missing one, and an unknown account', async () => {
    const customer = uniquePhone();
    const params = inboundParams(customer, 'hello');
    expect((await post(params, sign(MASTER_LIKE_TOKEN, params))).statusCode).toBe(403);
    const unsigned = await h.api.app.inject({
      method: 'POST',
      url: '/webhooks/twilio/whatsapp',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams(params).toString(),
    });
    expect(unsigned.statusCode).toBe(403);
    const stranger = { ...params, AccountSid: `AC${randomBytes(16).toString('hex')}`, MessagingServiceSid: '', To: 'whatsapp:+15550000000' };
    expect((await post(stranger, sign(shop.authToken, stranger))).statusCode).toBe(403);
    expect(await rowsFor(customer)).toEqual({ conversations: 0, messages: 0 });
  });

  it('verifies status callbacks the same way and only moves statuses forward', async () => {
    const customer = uniquePhone();
    const inbound = inboundParams(customer, 'hi');
    await post(inbound, sign(shop.authToken, inbound));
    const conversation = await h.prisma.conversation.findFirstOrThrow({ where: { customerAddress: `whatsapp:${customer}` } });
    const sid = `SM${randomBytes(16).toString('hex')}`;
    const out = await h.prisma.message.create({
      data: { tenantId: shop.tenantId, conversationId: conversation.id, direction: 'outbound', body: 'hello', status: 'queued', source: 'human' },
    });
    const path = `/webhooks/twilio/status?m=${out.id}`;
    const callback = (status: string) => ({ MessageSid: sid, AccountSid: shop.subaccountSid, MessageStatus: status, To: `whatsapp:${customer}` });
    const forged = callback('delivered');
    expect((await post(forged, sign('not-the-token', forged, path), path)).statusCode).toBe(403);
    expect((await h.prisma.message.findUniqueOrThrow({ where: { id: out.id } })).status).toBe('queued');

    for (const status of ['sent', 'delivered', 'sent']) {
      const p = callback(status);
      expect((await post(p, sign(shop.authToken, p, path), path)).statusCode).toBe(200);
    }
    const row = await h.prisma.message.findUniqueOrThrow({ where: { id: out.id } });
    expect(row).toMatchObject({ providerMessageSid: sid, status: 'delivered' });

    const failed = { ...callback('undelivered'), ErrorCode: '63016' };
    await post(failed, sign(shop.authToken, failed, path), path);
    expect((await h.prisma.message.findUniqueOrThrow({ where: { id: out.id } })).status).toBe('delivered');
  });
});

const MASTER_LIKE_TOKEN = 'f'.repeat(32);
