// Business hours on the conversation workflow's clock (Temporal's time-skipping server): a customer writing
// while the shop is closed gets the away message once; a second message in the same closed spell gets
// nothing more; a durable timer (no polling) wakes the run when the shop opens and the AI answers both as
// one turn. The production activities run against Postgres and the Twilio / OpenAI stand-ins.
import { randomBytes, randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WEEKDAYS } from '../../lib/agent/settings.js';
import { workflowIds } from '../../lib/temporal/names.js';
import { createActivities } from '../../worker/activities.js';
import { inboundMessage, type ConversationInput } from '../../workflows/contracts/conversation.js';
import { createTimeSkippingEnv, workflowBundle } from '../support/temporal.js';
import { eventually, sentTo, startConversationHarness, uniquePhone, type ConversationHarness, type Shop } from '../conversations/harness.js';
import { saveSettings } from './support.js';

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
    // Closed today (UTC); open all of tomorrow: the opening is less than 24 hours away, inside WhatsApp's window.
    const now = Date.now();
    const tomorrow = WEEKDAYS[(new Date(now + DAY).getUTCDay() + 6) % 7]!;
    await saveSettings(h.api.app, shop.session, (s) => {
      s.businessHours = {
        enabled: true,
        timeZone: 'UTC',
        weekly: { mon: [], tue: [], wed: [], thu: [], fri: [], sat: [], sun: [], [tomorrow]: [{ from: '00:00', to: '24:00' }] },
        holidays: [],
        outsideHours: 'away',
        awayMessage: "We're closed right now and will answer when we open ({opens}).",
      };
    });

    const customer = uniquePhone();
    const conversation = await h.prisma.conversation.create({
      data: { tenantId: shop.tenantId, accountId: shop.accountId, channel: 'whatsapp', customerAddress: `whatsapp:${customer}`, lastInboundAt: new Date() },
    });
    const write = async (body: string) => {
      const sid = `SM${randomBytes(16).toString('hex')}`;
      await h.prisma.message.create({
        data: { tenantId: shop.tenantId, conversationId: conversation.id, direction: 'inbound', providerMessageSid: sid, body, status: 'received', source: 'customer' },
      });
      return sid;
    };

    const taskQueue = `hours-${randomUUID()}`;
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: workflowBundle(),
      activities: createActivities({ env: h.api.deps.env, prisma: h.prisma, temporal: env.client }),
    });
    await worker.runUntil(async () => {
      const input: ConversationInput = {
        tenantId: shop.tenantId, conversationId: conversation.id, channel: 'whatsapp', customerAddress: conversation.customerAddress,
        quietPeriodMs: 0, replyAs: 'inline', aiPaused: false, optedOut: false, lastInboundAt: null,
      };
      const first = await write('How much is the blue cotton t-shirt?');
      const handle = await env.client.workflow.signalWithStart('conversationWorkflow', {
        workflowId: workflowIds.conversation(shop.tenantId, `${conversation.customerAddress}:${randomUUID()}`),
        taskQueue,
        args: [input],
        signal: inboundMessage,
        signalArgs: [{ messageSid: first, optOut: null }],
      });

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
