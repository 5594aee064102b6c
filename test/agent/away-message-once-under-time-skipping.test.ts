// Business hours on the conversation workflow's clock (Temporal's time-skipping server): a customer writing
// while the shop is closed gets the away message once; a second message in the same closed spell gets
// nothing more; a durable timer (no polling) wakes the run when the shop opens and the AI answers both as
// one turn. The production activities run against Postgres and the Twilio / OpenAI stand-ins.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inboundMessage } from '../../workflows/contracts/conversation.js';
import { createTimeSkippingEnv } from '../support/temporal.js';
import { eventually, sentTo, startConversationHarness, type ConversationHarness, type Shop } from '../conversations/harness.js';
import { closedUntil, conversationOnTheWorkflowClock, zoneAtNoon } from './support.js';

const DAY = 86_400_000;

let env: TestWorkflowEnvironment;
let h: ConversationHarness;
let shop: Shop;
beforeAll(async () => {
  [env, h] = await Promise.all([createTimeSkippingEnv(), startConversationHarness({ worker: false })]);
  shop = await h.connectShop('hours');
});
afterAll(async () => {
  await env?.teardown();
  await h?.close();
});

describe('business hours with an away message', () => {
  it('sends the away message once per closed spell and answers the held turn when the shop opens', async () => {
    // Noon in the shop, closed today, open all of tomorrow: the opening is about 12 hours away, inside WhatsApp's window.
    const zone = zoneAtNoon();
    await closedUntil(h.api.app, shop.session, zone.weekdayIn(1), zone.timeZone);

    const { customer, write, worker, start } = await conversationOnTheWorkflowClock(env, h, shop, 'hours');
    await worker.runUntil(async () => {
      const { first, handle } = await start('How much is the blue cotton t-shirt?');

      const [away] = await eventually(async () => {
        const sent = await sentTo(h.control, customer);
        return sent.length === 1 && sent;
      }, 'the away message');
      expect(away!.body).toMatch(/^We're closed right now and will answer when we open \(\w{3} 00:00\)\.$/);

      // Same closed spell: held with the first, no second away message.
      const second = await write('And the ceramic coffee mug?');
      await handle.signal(inboundMessage, { messageSid: second, optOut: null });
      await env.sleep('1 hour');
      expect(await sentTo(h.control, customer)).toHaveLength(1);

      // The shop opens: the durable timer fires and both messages are answered as one turn.
      await env.sleep(DAY);
      const sent = await eventually(async () => {
        const all = await sentTo(h.control, customer);
        return all.length === 2 && all;
      }, 'the answer at opening');
      expect(sent[1]!.body).toContain('19.90 USD');
      expect(sent[1]!.body).toContain('8.00 USD');
      const answer = await h.prisma.message.findUniqueOrThrow({ where: { replyToMessageSid: second } });
      expect(answer).toMatchObject({ source: 'ai', fallback: false });
      const turn = await h.prisma.message.findMany({ where: { providerMessageSid: { in: [first, second] } }, select: { turnKeySid: true } });
      expect(turn.map((m) => m.turnKeySid)).toEqual([second, second]);

      // The next closed spell (the day after tomorrow) gets its own away message, once. Its opening is a week
      // away, past WhatsApp's 24-hour window, so it is the one that promises no answer at opening.
      await env.sleep(DAY);
      const third = await write('Do you have the wool beanie hat?');
      await handle.signal(inboundMessage, { messageSid: third, optOut: null });
      const later = await eventually(async () => {
        const all = await sentTo(h.control, customer);
        return all.length === 3 && all;
      }, 'the away message of the next closed spell');
      expect(later[2]!.body).toMatch(/^Thanks for your message! We're closed until \w{3} 00:00\. Someone from Conv hours will see it when we open/);
      await handle.terminate('test over');
    });
  });
});
