// One merchant, connected the way onboarding leaves it (as test/conversations/harness.ts does): a Twilio
// subaccount with an API key, an ONLINE WhatsApp sender, a Messaging Service whose webhooks point at the
// API, the integration rows with encrypted secrets, and a small catalog the customers ask about.
import { randomBytes } from 'node:crypto';
import { createSecretBox, createTenantCredentials, parseKeyring } from '../../lib/crypto/index.js';
import { createPrismaClient } from '../../lib/db/client.js';
import { createTwilioClient } from '../../lib/twilio/client.js';
import type { ChaosStack } from './stack.js';

export interface ChaosShop {
  tenantId: string;
  accountId: string;
  subaccountSid: string;
  authToken: string;
  messagingServiceSid: string;
  /** E.164 of the merchant's WhatsApp sender. */
  phone: string;
}

export const CATALOG = [
  { sku: 'TS-001', name: 'Blue Cotton T-Shirt', price: '19.90', stock: 12 },
  { sku: 'MUG-7', name: 'Ceramic Coffee Mug', price: '8.00', stock: 3 },
  { sku: 'HAT-3', name: 'Wool Beanie Hat', price: '15.50', stock: 0 },
  { sku: 'BP-10', name: 'Leather Backpack', price: '89.00', stock: 5 },
  { sku: 'SH-42', name: 'Red Running Shoes', price: '64.99', stock: 8 },
  { sku: 'SG-5', name: 'Black Sunglasses', price: '24.00', stock: 20 },
  { sku: 'WB-2', name: 'Steel Water Bottle', price: '12.50', stock: 40 },
  { sku: 'SC-9', name: 'Silk Scarf', price: '35.00', stock: 0 },
] as const;

export async function connectShop(stack: ChaosStack): Promise<ChaosShop> {
  const prisma = createPrismaClient(stack.databaseUrl, { max: 2 });
  try {
    const master = createTwilioClient({ accountSid: stack.master.sid, authToken: stack.master.token, baseUrl: stack.twilio.url });
    const tenant = await prisma.tenant.create({ data: { name: 'Chaos Outfitters', slug: `chaos-${randomBytes(4).toString('hex')}` } });
    const sub = await master.api.v2010.accounts.create({ friendlyName: `wara:${tenant.id}` });
    const key = await master.api.v2010.accounts(sub.sid).newKeys.create({ friendlyName: 'wara' });
    const phone = `+1444${String(randomBytes(4).readUInt32BE() % 10_000_000).padStart(7, '0')}`;
    const sender = await stack.control.createSender(sub.sid, { phoneNumber: phone, timeline: [{ status: 'ONLINE', afterMs: 0 }] });
    const asSub = createTwilioClient({ accountSid: sub.sid, apiKey: key.sid, apiSecret: key.secret!, baseUrl: stack.twilio.url });
    const inboundUrl = `${stack.publicUrl}/webhooks/twilio/whatsapp`;
    const service = await asSub.messaging.v1.services.create({
      friendlyName: `wara:${tenant.id}`,
      inboundRequestUrl: inboundUrl,
      // Twilio requests the Fallback URL once the inbound URL has failed; ours is the same endpoint, so a
      // message whose webhook failed through every retry (an outage longer than the retries) gets a second
      // round. See bench/README.md "Fault suite" for what Twilio itself does.
      fallbackUrl: inboundUrl,
      statusCallback: `${stack.publicUrl}/webhooks/twilio/status`,
    });
    await asSub.messaging.v1.services(service.sid).channelSenders.create({ sid: sender.sid });
    const account = await prisma.integrationAccount.create({
      data: {
        tenantId: tenant.id,
        status: 'connected',
        subaccountSid: sub.sid,
        messagingServiceSid: service.sid,
        senderSid: sender.sid,
        connectedAt: new Date(),
      },
    });
    const credentials = createTenantCredentials(prisma, createSecretBox(parseKeyring(stack.secretsKeys)));
    const ref = { tenantId: tenant.id, accountId: account.id };
    await credentials.storeAuthToken(ref, sub.authToken);
    await credentials.storeApiKey(ref, { sid: key.sid, secret: key.secret! });
    await prisma.integrationIdentifier.createMany({
      data: [
        { tenantId: tenant.id, accountId: account.id, kind: 'account_sid', value: sub.sid },
        { tenantId: tenant.id, accountId: account.id, kind: 'messaging_service_sid', value: service.sid },
        { tenantId: tenant.id, accountId: account.id, kind: 'whatsapp_number', value: phone },
      ],
    });
    await prisma.product.createMany({
      data: CATALOG.map((p) => ({ tenantId: tenant.id, sku: p.sku, name: p.name, price: p.price, currency: 'USD', stock: p.stock })),
    });
    return { tenantId: tenant.id, accountId: account.id, subaccountSid: sub.sid, authToken: sub.authToken, messagingServiceSid: service.sid, phone };
  } finally {
    await prisma.$disconnect();
  }
}
