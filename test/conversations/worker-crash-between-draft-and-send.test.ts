import { Context } from '@temporalio/activity';
import { NativeConnection, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTwilioMessagingActivities } from '../../activities/twilio-messaging.js';
import { createSecretBox, createTenantCredentials, parseKeyring } from '../../lib/crypto/index.js';
import { createTwilioClient, type TwilioClient } from '../../lib/twilio/client.js';
import { createPrismaClient } from '../../lib/db/client.js';
import { createActivities } from '../../worker/activities.js';
import { quietTemporalRuntime, workflowBundle } from '../support/temporal.js';
import { eventually, sentTo, sleep, startConversationHarness, uniquePhone, type ConversationHarness, type Shop } from './harness.js';

let h: ConversationHarness;
let shop: Shop;
/** A harness per block: the reply mode is the API's configuration, read when it starts. */
function useHarness(mode: 'inline' | 'child') {
  beforeAll(async () => {
    h = await startConversationHarness({ worker: false, env: { REPLY_WORKFLOW: mode } });
    shop = await h.connectShop(`crash-${mode}`);
  });
  afterAll(async () => h?.close());
}

type Activities = ReturnType<typeof createActivities>;

/** A worker like production's, with some activities swapped; `stop` is the "kill". */
async function startWorker(patch: (activities: Activities) => Partial<Activities> = () => ({})) {
  quietTemporalRuntime();
  const env = h.api.deps.env;
  const prisma = createPrismaClient(env.DATABASE_URL, { max: 4 });
  const connection = await NativeConnection.connect({ address: env.TEMPORAL_ADDRESS });
  const base = createActivities({ env, prisma, temporal: h.api.deps.temporal });
  const worker = await Worker.create({
    connection,
    taskQueue: env.TEMPORAL_TASK_QUEUE,
    workflowBundle: workflowBundle(),
    activities: { ...base, ...patch(base) },
    shutdownGraceTime: '200 milliseconds',
    // A task stuck in a local activity would hold a graceful shutdown for ever: past this, the worker is
    // abandoned mid-task, which is what a killed process looks like to the server.
    shutdownForceTime: '1 second',
  });
  const running = worker.run();
  return {
    async stop() {
      worker.shutdown();
      await running.catch(() => undefined);
      await connection.close();
      await prisma.$disconnect();
    },
  };
}

// Both ways a reply can run: inline, the worker dies inside the conversation's own workflow task; as a
// child, inside the reply workflow's. Either way the retried task must find the stored draft and send once.
describe.each(['inline', 'child'] as const)('a worker dying mid-reply (replies run %s)', (mode) => {
  useHarness(mode);

  it('killed after the reply was drafted and before it was sent: after restart exactly one message goes out', async () => {
    let reachedSend = false;
    const doomed = await startWorker(() => ({
      // The draft is stored; the process "dies" before Twilio is called.
      sendMessage: async () => {
        reachedSend = true;
        await Context.current().cancelled;
        throw new Error('unreachable');
      },
    }));
    const customer = uniquePhone();
    const { message } = await h.control.inbound({ to: shop.phone, from: customer, body: 'price of the wool beanie hat?', wait: true });
    await eventually(async () => reachedSend, 'the send step');
    const draft = await h.prisma.message.findUniqueOrThrow({ where: { replyToMessageSid: message.sid } });
    expect(draft).toMatchObject({ status: 'queued', providerMessageSid: null, sendAttempts: 0 });
    await doomed.stop();
    expect(await sentTo(h.control, customer)).toHaveLength(0);

    const healthy = await startWorker();
    try {
      const [sent] = await eventually(async () => (await sentTo(h.control, customer)).length > 0 && sentTo(h.control, customer), 'the reply after restart', 40_000);
      expect(sent!.body).toBe(draft.body);
      await sleep(1000);
      expect(await sentTo(h.control, customer)).toHaveLength(1);
      const row = await h.prisma.message.findUniqueOrThrow({ where: { id: draft.id } });
      expect(row.providerMessageSid).toBe(sent!.sid);
      // The draft was not regenerated after the restart (the stored intent was reused).
      expect(h.openai.control.requests().filter((r) => r.kind === 'draft' && r.messages.some((m) => m.content === 'price of the wool beanie hat?'))).toHaveLength(1);
    } finally {
      await healthy.stop();
    }
  }, 90_000);
});

describe('a send whose outcome Twilio never told us', () => {
  useHarness('inline');

  it('a send whose answer was lost after Twilio accepted it is looked up, not repeated', async () => {
    // The stand-in accepts the message, then the response "never arrives". Status callbacks are held back
    // so the only way to learn the sid is the lookup the retry must do before any resend.
    await h.control.config({ messageStatusDelayMs: null });
    let lost = 0;
    const env = h.api.deps.env;
    const credentials = createTenantCredentials(h.prisma, createSecretBox(parseKeyring(env.SECRETS_ENCRYPTION_KEYS!)));
    const { sendMessage } = createTwilioMessagingActivities({
      prisma: h.prisma,
      credentials,
      connect: (c) => responseLostOnce(createTwilioClient({ ...c, baseUrl: h.twilio.url }), () => lost++),
      publicUrl: env.SERVER_PUBLIC_URL,
      templateContentSid: null,
      settleMs: 1500,
    });
    const worker = await startWorker(() => ({ sendMessage }));
    try {
      const customer = uniquePhone();
      const { message } = await h.control.inbound({ to: shop.phone, from: customer, body: 'Do you sell a ceramic coffee mug?', wait: true });
      const row = await eventually(
        () => h.prisma.message.findFirst({ where: { replyToMessageSid: message.sid, providerMessageSid: { not: null } } }),
        'the reply to be recorded as sent',
        30_000,
      );
      expect(lost).toBe(1);
      await sleep(1000);
      const sent = await sentTo(h.control, customer);
      expect(sent).toHaveLength(1);
      expect(row.providerMessageSid).toBe(sent[0]!.sid);
      expect(row.sendAttempts).toBe(1);
    } finally {
      await h.control.config({ messageStatusDelayMs: 10 });
      await worker.stop();
    }
  }, 60_000);

  it('a send that timed out before Twilio saw it is sent once on retry', async () => {
    // Our client gives up after 500 ms; the stand-in holds the request for 1.2 s and then drops it unprocessed.
    const worker = await startWorker(() => ({
      sendMessage: createActivities({ env: h.api.deps.env, prisma: h.prisma, temporal: h.api.deps.temporal }, { sendTimeoutMs: 500, settleMs: 1500 }).sendMessage,
    }));
    try {
      await h.control.addFault({ method: 'POST', path: '/2010-04-01/Accounts/*/Messages.json', kind: 'delay', delayMs: 1200, count: 1 });
      const customer = uniquePhone();
      const { message } = await h.control.inbound({ to: shop.phone, from: customer, body: 'Do you have a wool beanie hat?', wait: true });
      const row = await eventually(
        () => h.prisma.message.findFirst({ where: { replyToMessageSid: message.sid, providerMessageSid: { not: null } } }),
        'the reply to be recorded as sent',
        30_000,
      );
      await sleep(2500);
      const sent = await sentTo(h.control, customer);
      expect(sent).toHaveLength(1);
      expect(row.providerMessageSid).toBe(sent[0]!.sid);
      expect(row.sendAttempts).toBe(2);
    } finally {
      await h.control.clearFaults();
      await worker.stop();
    }
  }, 60_000);
});

/** The first `messages.create` reaches Twilio, but its answer is replaced by a connection reset. */
function responseLostOnce(client: TwilioClient, onLost: () => void): TwilioClient {
  let armed = true;
  return new Proxy(client, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (prop !== 'messages') return value;
      const messages = value as TwilioClient['messages'];
      return new Proxy(messages, {
        get(m, key, r) {
          if (key !== 'create') return Reflect.get(m, key, r);
          return async (...args: Parameters<TwilioClient['messages']['create']>) => {
            const created = await m.create(...args);
            if (!armed) return created;
            armed = false;
            onLost();
            throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
          };
        },
      });
    },
  });
}
