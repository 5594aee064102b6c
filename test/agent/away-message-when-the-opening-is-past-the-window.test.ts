// Business hours when the shop opens more than 24 hours after the customer's message (Friday evening to
// Monday morning): WhatsApp's session window has closed by the opening, so the held turn cannot be answered
// with a session message. The away message promises no answer at opening; at opening, on the workflow's
// durable timer (Temporal's time-skipping server), the conversation is handed to the merchant ("needs you",
// `window_closed_while_away`, an email) and nothing is sent. The production activities run against Postgres
// and the Twilio / OpenAI stand-ins.
import { randomBytes, randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WEEKDAYS } from '../../lib/agent/settings.js';
import { workflowIds } from '../../lib/temporal/names.js';
import { createActivities } from '../../worker/activities.js';
import { conversationState, inboundMessage, type ConversationInput } from '../../workflows/contracts/conversation.js';
import { createTimeSkippingEnv, workflowBundle } from '../support/temporal.js';
import { eventually, sentTo, startConversationHarness, uniquePhone, type ConversationHarness, type Shop } from '../conversations/harness.js';
import { saveSettings } from './support.js';

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
    // Closed today and tomorrow (UTC); open all of the day after: the opening is more than 24 hours away.
    const now = Date.now();
    const inTwoDays = WEEKDAYS[(new Date(now + 2 * DAY).getUTCDay() + 6) % 7]!;
    await saveSettings(h.api.app, shop.session, (s) => {
      s.businessHours = {
        enabled: true,
        timeZone: 'UTC',
        weekly: { mon: [], tue: [], wed: [], thu: [], fri: [], sat: [], sun: [], [inTwoDays]: [{ from: '00:00', to: '24:00' }] },
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

    const taskQueue = `hours-far-${randomUUID()}`;
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
      const emails = await h.prisma.emailOutbox.findMany({ where: { tenantId: shop.tenantId, idempotencyKey: { startsWith: `handoff:${awayRow.id}:` } } });
      expect(emails).toHaveLength(1);
      expect(emails[0]).toMatchObject({ to: shop.session.email, status: 'captured' });
      expect(emails[0]!.text).toContain("WhatsApp's 24-hour window had closed");
      await handle.terminate('test over');
    });
  });
});
