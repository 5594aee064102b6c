import { Client, Connection } from '@temporalio/client';
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApi } from '../../api/app.js';
import { createInboundRelay } from '../../api/webhooks/inbound-relay.js';
import { conversationWorkflows } from '../../api/workflows/conversations.js';
import { sqlPool } from '../../lib/db/sql.js';
import { eventually, inboundParams, sentTo, sleep, startConversationHarness, uniquePhone, type ConversationHarness, type Shop } from './harness.js';

// The webhook answers Twilio once the message is committed; Temporal is told afterwards by the relay.
// These tests take Temporal away from the webhook and check that nothing is lost and nothing is doubled.
let h: ConversationHarness;
let shop: Shop;
beforeAll(async () => {
  h = await startConversationHarness();
  shop = await h.connectShop('handoff');
});
afterAll(async () => h?.close());

const quietLog = { warn: () => undefined };

function signedInbound(customer: string, body: string) {
  const params = inboundParams(shop, customer, body);
  return {
    params,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': twilio.getExpectedTwilioSignature(shop.authToken, `${h.publicUrl}/webhooks/twilio/whatsapp`, params),
    },
    payload: new URLSearchParams(params).toString(),
  };
}

/** A Temporal client whose server is gone: nothing listens on the port, and no retries hide it. */
async function unreachableTemporal(): Promise<Client> {
  const connection = await Connection.lazy({ address: '127.0.0.1:1', connectTimeout: 500, interceptors: [] });
  return new Client({ connection });
}

const handoffs = (sid: string) => h.prisma.inboundHandoff.count({ where: { messageSid: sid } });

describe('stored inbound messages always reach their conversation workflow', () => {
  it('answers Twilio while Temporal is down, keeps the hand-off, and the sweeper delivers it later: one reply', async () => {
    const temporal = await unreachableTemporal();
    const api = await buildApi(
    // The relay in-process: it must use the unreachable client given here (a relay thread builds its own).
    { env: { ...h.api.deps.env, RELAY_THREAD: false }, prisma: h.prisma, temporal }, { logger: false });
    const customer = uniquePhone();
    const inbound = signedInbound(customer, 'How much is the blue cotton t-shirt?');
    try {
      const res = await api.inject({ method: 'POST', url: '/webhooks/twilio/whatsapp', headers: inbound.headers, payload: inbound.payload });
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain('<Response/>');
    } finally {
      // Closing waits for the relay's failed attempt; the hand-off row must outlive it.
      await api.close();
      await temporal.connection.close();
    }
    expect(await h.prisma.message.count({ where: { providerMessageSid: inbound.params.MessageSid } })).toBe(1);
    expect(await handoffs(inbound.params.MessageSid)).toBe(1);
    expect(await sentTo(h.control, customer)).toHaveLength(0);

    // Temporal is back: a sweep (as every API runs every few seconds) hands the message over.
    const relay = createInboundRelay({
      pool: sqlPool(h.prisma), conversations: conversationWorkflows(h.api.deps.temporal, h.api.deps.env), log: quietLog, sweepAfterMs: 0, sweepTenantId: shop.tenantId,
    });
    expect(await relay.sweep()).toBeGreaterThanOrEqual(1);
    await relay.idle();
    const [reply] = await eventually(async () => (await sentTo(h.control, customer)).length > 0 && sentTo(h.control, customer), 'the reply');
    expect(reply!.body).toContain('19.90 USD');
    expect(await handoffs(inbound.params.MessageSid)).toBe(0);

    // Sweeping again finds nothing of this message, and a second reply never appears.
    await relay.sweep();
    await relay.idle();
    await sleep(1000);
    expect(await sentTo(h.control, customer)).toHaveLength(1);
    await relay.close();
  });

  it('re-delivers a hand-off whose signal was lost after commit (a crash), and the workflow ignores the repeat', async () => {
    const customer = uniquePhone();
    const inbound = signedInbound(customer, 'Is the ceramic coffee mug in stock?');
    const res = await h.api.app.inject({ method: 'POST', url: '/webhooks/twilio/whatsapp', headers: inbound.headers, payload: inbound.payload });
    expect(res.statusCode).toBe(200);
    await eventually(async () => (await sentTo(h.control, customer)).length > 0, 'the reply');
    await eventually(async () => (await handoffs(inbound.params.MessageSid)) === 0, 'the delivered hand-off to be deleted');

    // As if the process died between signalling and deleting: the row is back, so it is signalled again.
    const conversation = await h.prisma.conversation.findFirstOrThrow({ where: { tenantId: shop.tenantId, customerAddress: `whatsapp:${customer}` } });
    await h.prisma.inboundHandoff.create({ data: { messageSid: inbound.params.MessageSid, tenantId: shop.tenantId, conversationId: conversation.id } });
    const relay = createInboundRelay({
      pool: sqlPool(h.prisma), conversations: conversationWorkflows(h.api.deps.temporal, h.api.deps.env), log: quietLog, sweepAfterMs: 0, sweepTenantId: shop.tenantId,
    });
    expect(await relay.sweep()).toBeGreaterThanOrEqual(1);
    await relay.idle();
    await eventually(async () => (await handoffs(inbound.params.MessageSid)) === 0, 'the repeated hand-off to be deleted');
    await sleep(1500);
    expect(await sentTo(h.control, customer)).toHaveLength(1);
    expect(await h.prisma.message.count({ where: { replyToMessageSid: inbound.params.MessageSid } })).toBe(1);
    await relay.close();
  });
});
