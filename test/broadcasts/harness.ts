// Shared set-up for the broadcast tests: the Twilio stand-in, the real database, and merchants connected the
// way onboarding (and the SMS number workflow) leave them: subaccount, API key, ONLINE WhatsApp sender and an
// SMS number in the Messaging Service, encrypted secrets, identifiers, an approved template, and customers
// who opted in. The activities are the production ones, pointed at the stand-in.
import { randomBytes, randomUUID } from 'node:crypto';
import { NativeConnection, Worker } from '@temporalio/worker';
import { inject } from 'vitest';
import { createBroadcastActivities } from '../../activities/broadcasts.js';
import { createTwilioBroadcastActivities } from '../../activities/twilio-broadcasts.js';
import { FakeTwilioControl, type ControlMessage } from '../../fakes/twilio/control-client.js';
import { startFakeTwilio, type FakeTwilio } from '../../fakes/twilio/server.js';
import type { FakeConfig } from '../../fakes/twilio/types.js';
import { recordOptIns } from '../../lib/broadcasts/consent.js';
import type { Channel } from '../../lib/conversations/addresses.js';
import { createSecretBox, createTenantCredentials, parseKeyring, type TenantCredentials } from '../../lib/crypto/index.js';
import { createPrismaClient, type PrismaClient } from '../../lib/db/client.js';
import { closeSqlPool, sqlPool } from '../../lib/db/sql.js';
import { createTwilioClient, type TwilioClient } from '../../lib/twilio/client.js';
import type { Env } from '../../lib/config/env.js';
import { connectTemporalClient } from '../../lib/temporal/client.js';
import { createActivities } from '../../worker/activities.js';
import { broadcastTaskQueue } from '../../workflows/contracts/broadcast.js';
import { quietTemporalRuntime, workflowBundle } from '../support/temporal.js';

export const MASTER_SID = 'AC' + 'b40adca5'.repeat(4);
export const MASTER_TOKEN = 'broadcast-test-master-token';

export interface Shop {
  tenantId: string;
  accountId: string;
  subaccountSid: string;
  messagingServiceSid: string;
  whatsappNumber: string;
  smsNumber: string | null;
  templateSid: string;
}

export interface BroadcastHarness {
  fake: FakeTwilio;
  control: FakeTwilioControl;
  prisma: PrismaClient;
  credentials: TenantCredentials;
  secretsKeys: string;
  master: TwilioClient;
  publicUrl: string;
  /** A merchant connected as onboarding leaves them (`tenantId`: an existing tenant, e.g. one signed up in a browser). */
  connectShop(options?: { sms?: boolean; label?: string; tenantId?: string }): Promise<Shop>;
  /** `n` customers who opted in on `channel`; returns their numbers (E.164) in the order broadcasts send them. */
  addCustomers(shop: Shop, channel: Channel, n: number, options?: { tags?: string[] }): Promise<string[]>;
  createBroadcast(shop: Shop, input: { channel: Channel; ratePerSecond: number; text?: string; name?: string }): Promise<string>;
  close(): Promise<void>;
}

/** The production broadcast activities on this harness (the worker composes the same two factories). */
export function broadcastActivities(h: Pick<BroadcastHarness, 'prisma' | 'credentials' | 'fake' | 'publicUrl'>, options: { settleMs?: number } = {}) {
  return {
    ...createBroadcastActivities({ prisma: h.prisma }),
    ...createTwilioBroadcastActivities({
      prisma: h.prisma,
      credentials: h.credentials,
      connect: (c) => createTwilioClient({ ...c, baseUrl: h.fake.url, timeoutMs: 5_000 }),
      publicUrl: h.publicUrl,
      settleMs: options.settleMs ?? 2_000,
    }),
  };
}

export async function startBroadcastHarness(
  options: { config?: Partial<FakeConfig>; publicUrl?: string; secretsKeys?: string; fake?: FakeTwilio } = {},
): Promise<BroadcastHarness> {
  const fake =
    options.fake ??
    (await startFakeTwilio({
      masterAccountSid: MASTER_SID,
      masterAuthToken: MASTER_TOKEN,
      // No status callbacks unless a test has an API listening for them.
      config: { messageStatusDelayMs: null, ...options.config },
    }));
  const prisma = createPrismaClient(inject('databaseUrl'), { max: 4 });
  const secretsKeys = options.secretsKeys ?? `bc:${randomBytes(32).toString('base64')}`;
  const credentials = createTenantCredentials(prisma, createSecretBox(parseKeyring(secretsKeys)));
  const master = createTwilioClient({ accountSid: MASTER_SID, authToken: MASTER_TOKEN, baseUrl: fake.url });
  const control = new FakeTwilioControl(fake.url);
  const publicUrl = options.publicUrl ?? 'https://wara.example';

  async function connectShop({ sms = false, label = 'shop', tenantId }: { sms?: boolean; label?: string; tenantId?: string } = {}): Promise<Shop> {
    const tenant = tenantId
      ? await prisma.tenant.findUniqueOrThrow({ where: { id: tenantId } })
      : await prisma.tenant.create({ data: { name: `Broadcast ${label}`, slug: `bc-${label}-${randomUUID().slice(0, 8)}` } });
    const sub = await master.api.v2010.accounts.create({ friendlyName: `wara:${tenant.id}` });
    const key = await master.api.v2010.accounts(sub.sid).newKeys.create({ friendlyName: `wara:${tenant.id}` });
    const whatsappNumber = uniquePhone();
    const sender = await control.createSender(sub.sid, { phoneNumber: whatsappNumber, timeline: [{ status: 'ONLINE', afterMs: 0 }] });
    const asSub = createTwilioClient({ accountSid: sub.sid, apiKey: key.sid, apiSecret: key.secret!, baseUrl: fake.url });
    const service = await asSub.messaging.v1.services.create({
      friendlyName: `wara:${tenant.id}`,
      inboundRequestUrl: `${publicUrl}/webhooks/twilio/whatsapp`,
      statusCallback: `${publicUrl}/webhooks/twilio/status`,
    });
    await asSub.messaging.v1.services(service.sid).channelSenders.create({ sid: sender.sid });
    const account = await prisma.integrationAccount.create({
      data: { tenantId: tenant.id, status: 'connected', subaccountSid: sub.sid, messagingServiceSid: service.sid, senderSid: sender.sid, connectedAt: new Date() },
    });
    const ref = { tenantId: tenant.id, accountId: account.id };
    await credentials.storeAuthToken(ref, sub.authToken);
    await credentials.storeApiKey(ref, { sid: key.sid, secret: key.secret! });
    await prisma.integrationIdentifier.createMany({
      data: [
        { tenantId: tenant.id, accountId: account.id, kind: 'account_sid', value: sub.sid },
        { tenantId: tenant.id, accountId: account.id, kind: 'messaging_service_sid', value: service.sid },
        { tenantId: tenant.id, accountId: account.id, kind: 'whatsapp_number', value: whatsappNumber },
      ],
    });
    let smsNumber: string | null = null;
    if (sms) {
      smsNumber = uniquePhone();
      const number = await control.addPhoneNumber(sub.sid, { phoneNumber: smsNumber, isoCountry: 'US', capabilities: { sms: true, mms: true, voice: true } });
      await asSub.messaging.v1.services(service.sid).phoneNumbers.create({ phoneNumberSid: number.sid });
      await prisma.smsNumber.create({ data: { tenantId: tenant.id, accountId: account.id, phoneNumber: smsNumber, phoneNumberSid: number.sid, status: 'active', isoCountry: 'US' } });
      await prisma.integrationIdentifier.create({ data: { tenantId: tenant.id, accountId: account.id, kind: 'phone_number', value: smsNumber } });
    }
    const template = await control.createTemplate(sub.sid, { friendlyName: 'spring_sale', body: 'Hi {{1}}, our spring sale starts today! Use code {{2}}.' });
    return { tenantId: tenant.id, accountId: account.id, subaccountSid: sub.sid, messagingServiceSid: service.sid, whatsappNumber, smsNumber, templateSid: template.sid };
  }

  async function addCustomers(shop: Shop, channel: Channel, n: number, { tags = [] }: { tags?: string[] } = {}): Promise<string[]> {
    const unique = new Set<string>();
    while (unique.size < n) unique.add(uniquePhone());
    const phones = [...unique];
    // One at a time, in order: the broadcast sends in the order customers were recorded.
    for (let i = 0; i < phones.length; i += 500) {
      await recordOptIns(sqlPool(prisma), {
        tenantId: shop.tenantId,
        accountId: shop.accountId,
        channel,
        source: 'website_form',
        consentedAt: new Date(),
        customers: phones.slice(i, i + 500).map((phone, j) => ({ phone, firstName: `Customer${i + j + 1}`, tags })),
      });
    }
    const rows = await prisma.conversation.findMany({
      where: { tenantId: shop.tenantId, channel, customerAddress: { in: phones.map((p) => (channel === 'whatsapp' ? `whatsapp:${p}` : p)) } },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      select: { customerAddress: true },
    });
    return rows.map((r) => r.customerAddress.replace(/^whatsapp:/, ''));
  }

  async function createBroadcast(shop: Shop, input: { channel: Channel; ratePerSecond: number; text?: string; name?: string }): Promise<string> {
    const b = await prisma.broadcast.create({
      data: {
        tenantId: shop.tenantId,
        name: input.name ?? 'Spring sale',
        channel: input.channel,
        contentSid: input.channel === 'whatsapp' ? shop.templateSid : null,
        contentVariables: input.channel === 'whatsapp' ? { '1': { field: 'first_name', fallback: 'there' }, '2': { text: 'SPRING' } } : undefined,
        body: input.channel === 'whatsapp' ? 'Hi {{1}}, our spring sale starts today! Use code {{2}}.' : (input.text ?? 'Hi {{first_name}}, our spring sale starts today!'),
        audience: {},
        ratePerSecond: input.ratePerSecond,
        status: 'running',
      },
    });
    return b.id;
  }

  return {
    fake,
    control,
    prisma,
    credentials,
    secretsKeys,
    master,
    publicUrl,
    connectShop,
    addCustomers,
    createBroadcast,
    async close() {
      await closeSqlPool(prisma);
      await prisma.$disconnect();
      if (!options.fake) await fake.close();
    },
  };
}

/** What the stand-in sent, per recipient number (bare E.164): the ground truth for "exactly once". */
export async function sentPerRecipient(control: FakeTwilioControl, accountSid: string): Promise<Map<string, ControlMessage[]>> {
  const { messages } = await control.messages({ accountSid, direction: 'outbound-api' });
  const byTo = new Map<string, ControlMessage[]>();
  for (const m of messages) {
    const to = m.to.replace(/^whatsapp:/, '');
    byTo.set(to, [...(byTo.get(to) ?? []), m]);
  }
  return byTo;
}

/** Numbers are unique across runs: the test database outlives a run. */
export function uniquePhone(): string {
  return `+1555${String(randomBytes(4).readUInt32BE() % 10_000_000).padStart(7, '0')}`;
}

/**
 * The production composition polling the broadcasts task queue, as worker/main.ts runs it beside the main one
 * (test/support/worker.ts starts only the main queue's).
 */
export async function startBroadcastQueueWorker(env: Env): Promise<{ stop(): Promise<void> }> {
  quietTemporalRuntime();
  const prisma = createPrismaClient(env.DATABASE_URL, { max: 4 });
  const temporal = await connectTemporalClient(env);
  const connection = await NativeConnection.connect({ address: inject('temporalAddress') });
  const worker = await Worker.create({
    connection,
    namespace: env.TEMPORAL_NAMESPACE,
    taskQueue: broadcastTaskQueue(env.TEMPORAL_TASK_QUEUE),
    workflowBundle: workflowBundle(),
    activities: createActivities({ env, prisma, temporal }),
  });
  const running = worker.run();
  return {
    async stop() {
      worker.shutdown();
      await running;
      await connection.close();
      await temporal.connection.close();
      await closeSqlPool(prisma);
      await prisma.$disconnect();
    },
  };
}
