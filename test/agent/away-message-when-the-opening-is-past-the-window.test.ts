// Business hours when the shop opens more than 24 hours after the customer's message (Friday evening to
// Monday morning): WhatsApp's session window has closed by the opening, so the held turn cannot be answered
// with a session message. The away message promises no answer at opening; at opening, on the workflow's
// durable timer (Temporal's time-skipping server), the conversation is handed to the merchant ("needs you",
// `window_closed_while_away`, an email) and nothing is sent. The production activities run against Postgres
// and the Twilio / OpenAI stand-ins.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conversationState, inboundMessage } from '../../workflows/contracts/conversation.js';
import { createTimeSkippingEnv } from '../support/temporal.js';
import { eventually, sentTo, startConversationHarness, type ConversationHarness, type Shop } from '../conversations/harness.js';
import { closedUntil, conversationOnTheWorkflowClock, zoneAtNoon } from './support.js';

const DAY = 86_400_000;

let env: TestWorkflowEnvironment;
let h: ConversationHarness;
let shop: Shop;
beforeAll(async () => {
  [env, h] = await Promise.all([createTimeSkippingEnv(), startConversationHarness({ worker: false })]);
  shop = await h.connectShop('far-opening');
});
afterAll(async () => {
  await env?.teardown();
  await h?.close();
});

describe('business hours with an opening past the 24-hour window', () => {
  it('promises no answer at opening, then hands the held turn to the merchant instead of sending', async () => {
    // Noon in the shop, closed today and tomorrow, open all of the day after: the opening is about 36 hours away,
    // past the window of both messages below.
    const zone = zoneAtNoon();
    await closedUntil(h.api.app, shop.session, zone.weekdayIn(2), zone.timeZone);

    const { customer, conversation, write, worker, start } = await conversationOnTheWorkflowClock(env, h, shop, 'hours-far');
    await worker.runUntil(async () => {
      const { first, handle } = await start('How much is the blue cotton t-shirt?');

      // The away message: not the merchant's "will answer when we open", which could not be kept.
      const [away] = await eventually(async () => {
        const sent = await sentTo(h.control, customer);
        return sent.length === 1 && sent;
      }, 'the away message');
      expect(away!.body).not.toContain('will answer when we open');
      expect(away!.body).toMatch(/^Thanks for your message! We're closed until \w{3} 00:00\. Someone from Conv far-opening will see it when we open; if you still need help then, please write to us again here\.$/);

      // Same closed spell: held with the first, nothing more sent.
      const second = await write('And the ceramic coffee mug?');
      await handle.signal(inboundMessage, { messageSid: second, optOut: null });
      await env.sleep('1 hour');
      expect(await sentTo(h.control, customer)).toHaveLength(1);

      // Past the window, then the opening: the merchant gets the conversation; nothing is sent or drafted.
      await env.sleep(2 * DAY);
      const handedOver = await eventually(async () => {
        const c = await h.prisma.conversation.findUniqueOrThrow({ where: { id: conversation.id } });
        return c.needsAttentionAt !== null && c;
      }, 'the conversation handed to the merchant at opening');
      expect(handedOver).toMatchObject({ aiPaused: true, aiPausedBy: 'agent', handoffReason: 'window_closed_while_away' });
      const state = await handle.query(conversationState);
      expect(state).toMatchObject({ aiPaused: true, windowOpen: false, lastSkipReason: 'handed_off', repliesStarted: 1 });
      expect(await sentTo(h.control, customer)).toHaveLength(1);
      expect(await h.prisma.message.count({ where: { conversationId: conversation.id, direction: 'outbound' } })).toBe(1);
      const held = await h.prisma.message.findMany({ where: { providerMessageSid: { in: [first, second] } }, select: { noReplyReason: true } });
      expect(held.map((m) => m.noReplyReason)).toEqual(['window_closed_while_away', 'window_closed_while_away']);

      const awayRow = await h.prisma.message.findFirstOrThrow({ where: { conversationId: conversation.id, direction: 'outbound' } });
      // The row is written 'pending' before the mail is handed over: wait for its outcome.
      const emails = await eventually(async () => {
        const rows = await h.prisma.emailOutbox.findMany({ where: { tenantId: shop.tenantId, idempotencyKey: { startsWith: `handoff:${awayRow.id}:` } } });
        return rows.length > 0 && rows.every((r) => r.status !== 'pending') && rows;
      }, 'the hand-off email sent');
      expect(emails).toHaveLength(1);
      expect(emails[0]).toMatchObject({ to: shop.session.email, status: 'captured' });
      expect(emails[0]!.text).toContain("WhatsApp's 24-hour window had closed");
      await handle.terminate('test over');
    });
  });
});
