// The conversation pipeline on real infrastructure: the API listening on a real port (the Twilio stand-in
// delivers signed webhooks to it), the production worker, the Temporal dev server, Postgres, and both
// provider stand-ins. A tenant is connected the way onboarding leaves it: subaccount, API key, ONLINE
// sender, Messaging Service with our webhook URLs, identifiers and encrypted secrets.
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { FakeTwilioControl, type ControlMessage } from '../../fakes/twilio/control-client.js';
import { startFakeOpenAI, type FakeOpenAI } from '../../fakes/openai/server.js';
import { startFakeTwilio, type FakeTwilio } from '../../fakes/twilio/server.js';
import { createSecretBox, createTenantCredentials, formatKey, parseKeyring } from '../../lib/crypto/index.js';
import type { PrismaClient } from '../../lib/db/client.js';
import { createTwilioClient } from '../../lib/twilio/client.js';
import { signUp, startTestApi, type TestApi, type TestSession } from '../support/api.js';
import { startTestWorker, type TestWorker } from '../support/worker.js';
import { eventually as pollUntil } from '../support/eventually.js';

export const MASTER_SID = 'AC' + 'c0ffee00'.repeat(4);
export const MASTER_TOKEN = 'conversations-test-master-token';

export interface Shop {
  session: TestSession;
  tenantId: string;
  accountId: string;
  subaccountSid: string;
  authToken: string;
  messagingServiceSid: string;
  /** E.164 of the merchant's WhatsApp sender. */
  phone: string;
}

/** The form Twilio posts for a customer's WhatsApp message to `shop` (unsigned; sign it over the URL). */
export function inboundParams(shop: Shop, customer: string, body: string, extra: Record<string, string> = {}): Record<string, string> & { MessageSid: string } {
  return {
    MessageSid: `SM${randomBytes(16).toString('hex')}`,
    AccountSid: shop.subaccountSid,
    MessagingServiceSid: shop.messagingServiceSid,
    From: `whatsapp:${customer}`,
    To: `whatsapp:${shop.phone}`,
    Body: body,
    NumMedia: '0',
    ...extra,
  };
}

export interface ConversationHarness {
  api: TestApi;
  worker: TestWorker | null;
  twilio: FakeTwilio;
  control: FakeTwilioControl;
  openai: FakeOpenAI;
  prisma: PrismaClient;
  publicUrl: string;
  overrides: Record<string, string>;
  connectShop(label?: string): Promise<Shop>;
  close(): Promise<void>;
}

export async function startConversationHarness(
  options: { env?: Record<string, string>; worker?: boolean } = {},
): Promise<ConversationHarness> {
  const twilio = await startFakeTwilio({ masterAccountSid: MASTER_SID, masterAuthToken: MASTER_TOKEN, config: { messageStatusDelayMs: 10 } });
  const openai = await startFakeOpenAI();
  const port = await freePort();
  const publicUrl = `http://127.0.0.1:${port}`;
  const overrides = {
    TEMPORAL_TASK_QUEUE: `conversations-${randomUUID()}`,
    SERVER_PUBLIC_URL: publicUrl,
    TWILIO_ACCOUNT_SID: MASTER_SID,
    TWILIO_AUTH_TOKEN: MASTER_TOKEN,
    TWILIO_API_BASE_URL: twilio.url,
    OPENAI_API_KEY: 'test-key',
    OPENAI_BASE_URL: openai.url,
    OPENAI_TIMEOUT_MS: '2000',
    SECRETS_ENCRYPTION_KEYS: formatKey('conv', randomBytes(32)),
    REPLY_QUIET_PERIOD_MS: '200',
    ...options.env,
  };
  const api = await startTestApi(overrides);
  await api.app.listen({ host: '127.0.0.1', port });
  const worker = options.worker === false ? null : await startTestWorker(api.deps.env);
  const credentials = createTenantCredentials(api.prisma, createSecretBox(parseKeyring(overrides.SECRETS_ENCRYPTION_KEYS)));
  const master = createTwilioClient({ accountSid: MASTER_SID, authToken: MASTER_TOKEN, baseUrl: twilio.url });
  const control = new FakeTwilioControl(twilio.url);

  async function connectShop(label = 'shop'): Promise<Shop> {
    const session = await signUp(api.app, { companyName: `Conv ${label}` });
    const sub = await master.api.v2010.accounts.create({ friendlyName: `wara:${session.tenantId}` });
    const key = await master.api.v2010.accounts(sub.sid).newKeys.create({ friendlyName: 'wara' });
    const phone = uniquePhone();
    const sender = await control.createSender(sub.sid, { phoneNumber: phone, timeline: [{ status: 'ONLINE', afterMs: 0 }] });
    const asSub = createTwilioClient({ accountSid: sub.sid, apiKey: key.sid, apiSecret: key.secret!, baseUrl: twilio.url });
    const service = await asSub.messaging.v1.services.create({
      friendlyName: `wara:${session.tenantId}`,
      inboundRequestUrl: `${publicUrl}/webhooks/twilio/whatsapp`,
      statusCallback: `${publicUrl}/webhooks/twilio/status`,
    });
    await asSub.messaging.v1.services(service.sid).channelSenders.create({ sid: sender.sid });
    const account = await api.prisma.integrationAccount.create({
      data: {
        tenantId: session.tenantId,
        status: 'connected',
        subaccountSid: sub.sid,
        messagingServiceSid: service.sid,
        senderSid: sender.sid,
        connectedAt: new Date(),
      },
    });
    const ref = { tenantId: session.tenantId, accountId: account.id };
    await credentials.storeAuthToken(ref, sub.authToken);
    await credentials.storeApiKey(ref, { sid: key.sid, secret: key.secret! });
    await api.prisma.integrationIdentifier.createMany({
      data: [
        { tenantId: session.tenantId, accountId: account.id, kind: 'account_sid', value: sub.sid },
        { tenantId: session.tenantId, accountId: account.id, kind: 'messaging_service_sid', value: service.sid },
        { tenantId: session.tenantId, accountId: account.id, kind: 'whatsapp_number', value: phone },
      ],
    });
    await api.prisma.product.createMany({
      data: [
        { tenantId: session.tenantId, sku: 'TS-001', name: 'Blue Cotton T-Shirt', price: '19.90', currency: 'USD', stock: 12 },
        { tenantId: session.tenantId, sku: 'MUG-7', name: 'Ceramic Coffee Mug', price: '8.00', currency: 'USD', stock: 3 },
        { tenantId: session.tenantId, sku: 'HAT-3', name: 'Wool Beanie Hat', price: '15.50', currency: 'USD', stock: 0 },
      ],
    });
    return { session, tenantId: session.tenantId, accountId: account.id, subaccountSid: sub.sid, authToken: sub.authToken, messagingServiceSid: service.sid, phone };
  }

  return {
    api,
    worker,
    twilio,
    control,
    openai,
    prisma: api.prisma,
    publicUrl,
    overrides,
    connectShop,
    async close() {
      await worker?.stop();
      await api.close();
      await twilio.close();
      await openai.close();
    },
  };
}

/** What the stand-in actually sent to this customer (the ground truth for "exactly once"). */
export async function sentTo(control: FakeTwilioControl, customer: string): Promise<ControlMessage[]> {
  const { messages } = await control.messages({ direction: 'outbound-api', to: `whatsapp:${customer}` });
  return messages;
}

export { sleep } from '../support/eventually.js';

/** Polls until `probe` returns a truthy value; replies on the local stand-ins come within seconds. */
export const eventually = <T>(probe: () => Promise<T | null | undefined | false>, what: string, timeoutMs = 20_000): Promise<T> =>
  pollUntil(probe, what, timeoutMs);

/** Numbers are unique across runs: the test database and the shared dev server outlive a run. */
export function uniquePhone(): string {
  return `+1555${String(randomBytes(4).readUInt32BE() % 10_000_000).padStart(7, '0')}`;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
