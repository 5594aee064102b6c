import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApi } from '../../api/app.js';
import { createInboundRelay } from '../../api/webhooks/inbound-relay.js';
import { conversationWorkflows } from '../../api/workflows/conversations.js';
import { sqlPool } from '../../lib/db/sql.js';
import { conversationState } from '../../workflows/contracts/conversation.js';
import { authHeaders } from '../support/api.js';
import { eventually, sentTo, sleep, startConversationHarness, uniquePhone, type ConversationHarness, type Shop } from './harness.js';

/**
 * A merchant takes a conversation over (or replies by hand) while the API cannot reach Temporal. The
 * dashboard must not say "paused" while the AI keeps answering, and the manual reply must not stay queued
 * for ever: the action is stored with its hand-off row, the send step reads the paused flag from the
 * database, and the sweeper tells the workflow once Temporal is back.
 */
let h: ConversationHarness;
let shop: Shop;
beforeAll(async () => {
  h = await startConversationHarness();
  shop = await h.connectShop('takeover-outage');
});
afterAll(async () => h?.close());

/** The API as it is during a Temporal outage: nothing listens where it looks for Temporal. */
async function apiWithoutTemporal() {
  const connection = await Connection.lazy({ address: '127.0.0.1:1', connectTimeout: 500, interceptors: [] });
  const temporal = new Client({ connection });
  const app = await buildApi(
    // The relay in-process: it must use the unreachable client given here (a relay thread builds its own).
    { env: { ...h.api.deps.env, RELAY_THREAD: false }, prisma: h.prisma, temporal }, { logger: false });
  return { app, close: async () => (await app.close(), await temporal.connection.close()) };
}

const MANUAL = 'Hi, Ada here: I will check the mug for you.';

const sweepNow = async () => {
  const relay = createInboundRelay({ pool: sqlPool(h.prisma), conversations: conversationWorkflows(h.api.deps.temporal, h.api.deps.env), log: { warn: () => undefined }, sweepAfterMs: 0, sweepTenantId: shop.tenantId });
  await relay.sweep();
  await relay.idle();
  await relay.close();
};

describe('takeover and manual replies during a Temporal outage', () => {
  it('the AI stays silent from the moment the dashboard says paused, and the manual reply goes out once Temporal is back', async () => {
    const customer = uniquePhone();
    await h.control.inbound({ to: shop.phone, from: customer, body: 'Do you have the ceramic coffee mug?', wait: true });
    await eventually(async () => (await sentTo(h.control, customer)).length === 1, 'the first AI reply');
    const conversation = await h.prisma.conversation.findFirstOrThrow({ where: { tenantId: shop.tenantId, customerAddress: `whatsapp:${customer}` } });

    const outage = await apiWithoutTemporal();
    try {
      const taken = await outage.app.inject({ method: 'POST', url: `/api/conversations/${conversation.id}/takeover`, headers: authHeaders(shop.session) });
      expect(taken.statusCode).toBe(200);
      expect(taken.json()).toEqual({ id: conversation.id, aiPaused: true });
      const manual = await outage.app.inject({
        method: 'POST',
        url: `/api/conversations/${conversation.id}/reply`,
        headers: authHeaders(shop.session),
        payload: { body: MANUAL },
      });
      expect(manual.statusCode).toBe(202);
    } finally {
      await outage.close();
    }
    // Both actions wait in the outbox; the workflow itself has not heard of them yet.
    expect(await h.prisma.inboundHandoff.count({ where: { conversationId: conversation.id, kind: { in: ['takeover', 'manual_reply'] } } })).toBe(2);

    // The customer writes again: the workflow (unaware, unless the API's own sweeper got there first) drafts a
    // reply or skips the turn; either way nothing from the AI goes out.
    const { message } = await h.control.inbound({ to: shop.phone, from: customer, body: 'And is it dishwasher safe?', wait: true });
    await eventually(() => h.prisma.message.findFirst({ where: { providerMessageSid: message.sid, noReplyReason: 'ai_paused' } }), 'the silenced turn');
    await sleep(500);
    const fromTheAi = (await sentTo(h.control, customer)).filter((m) => m.body !== MANUAL);
    expect(fromTheAi).toHaveLength(1);

    // Temporal is reachable again: the sweep hands the takeover and the manual reply over, in order.
    await sweepNow();
    const sent = await eventually(async () => {
      const all = await sentTo(h.control, customer);
      return all.length === 2 && all;
    }, 'the manual reply');
    expect(sent[1]!.body).toBe(MANUAL);
    const state = await h.api.deps.temporal.workflow.getHandle(`conversation:${shop.tenantId}:whatsapp:${customer}`).query(conversationState);
    expect(state.aiPaused).toBe(true);
    expect(await h.prisma.inboundHandoff.count({ where: { conversationId: conversation.id } })).toBe(0);
  });
});
