import { randomBytes, randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTwilioMessagingActivities } from '../../activities/twilio-messaging.js';
import { conversationState, inboundMessage, manualReply, type ConversationInput } from '../../workflows/contracts/conversation.js';
import { createSecretBox, createTenantCredentials, parseKeyring } from '../../lib/crypto/index.js';
import { createTwilioClient } from '../../lib/twilio/client.js';
import { createTimeSkippingEnv, workflowBundle } from '../support/temporal.js';
import { eventually, sentTo, startConversationHarness, uniquePhone, type ConversationHarness, type Shop } from './harness.js';

describe('the 24-hour window, on the workflow clock (time-skipping)', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    env = await createTimeSkippingEnv();
  });
  afterAll(async () => env?.teardown());

  it('a merchant reply a day after the customer wrote is sent as outside the window; a new message reopens it', async () => {
    const sends: Array<{ messageId: string; withinWindow: boolean }> = [];
    const taskQueue = `window-${randomUUID()}`;
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: workflowBundle(),
      activities: {
        draftReply: async (input: { inboundSids: string[] }) => ({ messageId: `reply-${input.inboundSids.at(-1)}`, send: true, reason: null }),
        sendMessage: async (input: { messageId: string; withinWindow: boolean }) => {
          sends.push(input);
          return { outcome: 'sent', providerMessageSid: null, reason: null };
        },
      },
    });
    await worker.runUntil(async () => {
      const input: ConversationInput = {
        tenantId: 't1', conversationId: 'c1', channel: 'whatsapp', customerAddress: 'whatsapp:+15550001111',
        quietPeriodMs: 0, aiPaused: false, optedOut: false, lastInboundAt: null,
      };
      const handle = await env.client.workflow.signalWithStart('conversationWorkflow', {
        workflowId: `conversation:t1:${randomUUID()}`,
        taskQueue,
        args: [input],
        signal: inboundMessage,
        signalArgs: [{ messageSid: 'SM-first', optOut: null }],
      });
      await eventually(async () => sends.length === 1, 'the AI reply');
      expect(sends[0]).toEqual({ messageId: 'reply-SM-first', withinWindow: true });
      expect((await handle.query(conversationState)).windowOpen).toBe(true);

      await env.sleep('25 hours');
      expect((await handle.query(conversationState)).windowOpen).toBe(false);
      await handle.signal(manualReply, { messageId: 'manual-late' });
      await eventually(async () => sends.length === 2, 'the manual reply');
      expect(sends[1]).toEqual({ messageId: 'manual-late', withinWindow: false });

      await handle.signal(inboundMessage, { messageSid: 'SM-next-day', optOut: null });
      await eventually(async () => sends.length === 3, 'the reply to the new message');
      expect(sends[2]).toEqual({ messageId: 'reply-SM-next-day', withinWindow: true });
      await handle.terminate('test over');
    });
  });
});

describe('sending outside the window', () => {
  let h: ConversationHarness;
  let shop: Shop;
  beforeAll(async () => {
    h = await startConversationHarness({ worker: false });
    shop = await h.connectShop('window');
  });
  afterAll(async () => h?.close());

  async function lateReply(templateContentSid: string | null) {
    const customer = uniquePhone();
    const conversation = await h.prisma.conversation.create({
      data: { tenantId: shop.tenantId, accountId: shop.accountId, channel: 'whatsapp', customerAddress: `whatsapp:${customer}`, lastInboundAt: new Date(Date.now() - 30 * 3600_000) },
    });
    const row = await h.prisma.message.create({
      data: { tenantId: shop.tenantId, conversationId: conversation.id, direction: 'outbound', body: 'Following up on your order', status: 'queued', source: 'human' },
    });
    const { sendMessage } = createTwilioMessagingActivities({
      prisma: h.prisma,
      credentials: createTenantCredentials(h.prisma, createSecretBox(parseKeyring(h.overrides.SECRETS_ENCRYPTION_KEYS!))),
      connect: (c) => createTwilioClient({ ...c, baseUrl: h.twilio.url }),
      publicUrl: h.publicUrl,
      templateContentSid,
    });
    const result = await sendMessage({ messageId: row.id, withinWindow: false });
    return { customer, result, row: await h.prisma.message.findUniqueOrThrow({ where: { id: row.id } }) };
  }

  it('without an approved template nothing is sent and the reason is recorded', async () => {
    const { customer, result, row } = await lateReply(null);
    expect(result).toMatchObject({ outcome: 'not_sent', reason: 'outside_window' });
    expect(row).toMatchObject({ status: 'not_sent', errorCode: 'outside_window', sendAttempts: 0 });
    expect(await sentTo(h.control, customer)).toHaveLength(0);
  });

  it('with an approved template the template goes out instead of free text', async () => {
    const contentSid = `HX${randomBytes(16).toString('hex')}`;
    const { customer, result, row } = await lateReply(contentSid);
    expect(result.outcome).toBe('sent');
    const [sent] = await sentTo(h.control, customer);
    expect(sent!.contentSid).toBe(contentSid);
    expect(row).toMatchObject({ contentSid, providerMessageSid: sent!.sid });
  });
});
