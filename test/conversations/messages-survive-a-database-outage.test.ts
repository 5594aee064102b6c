import { mkdtemp, readdir, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApi } from '../../api/app.js';
import { createPrismaClient } from '../../lib/db/client.js';
import { closeSqlPool } from '../../lib/db/sql.js';
import { eventually, inboundParams, sentTo, startConversationHarness, uniquePhone, type ConversationHarness, type Shop } from './harness.js';

// Twilio retries a messaging webhook only within a 15-second connection budget, so a message that arrives
// while Postgres restarts would be lost on a 503. The API keeps it on disk (api/webhooks/spool.ts) and stores
// it when the database is back. Postgres is taken away here by a TCP proxy that stops listening.
let h: ConversationHarness;
let shop: Shop;
let spoolDir: string;
beforeAll(async () => {
  h = await startConversationHarness();
  shop = await h.connectShop('outage');
  spoolDir = await mkdtemp(path.join(tmpdir(), 'wara-spool-'));
});
afterAll(async () => {
  await h?.close();
  if (spoolDir) await rm(spoolDir, { recursive: true, force: true });
});

/** A proxy to the test Postgres that can refuse connections (and cut the open ones), like a restart. */
async function databaseProxy(target: URL) {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => s.destroy());
    }
    client.pipe(upstream).pipe(client);
  });
  const listen = (port: number) => new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  await listen(0);
  const port = (server.address() as net.AddressInfo).port;
  const url = new URL(target);
  url.host = `127.0.0.1:${port}`;
  return {
    url: url.toString(),
    down: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      }),
    up: () => listen(port),
  };
}

function signed(params: Record<string, string>, token = shop.authToken) {
  return {
    method: 'POST' as const,
    url: '/webhooks/twilio/whatsapp',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': twilio.getExpectedTwilioSignature(token, `${h.publicUrl}/webhooks/twilio/whatsapp`, params),
    },
    payload: new URLSearchParams(params).toString(),
  };
}

const stored = (sid: string) => h.prisma.message.count({ where: { providerMessageSid: sid } });
const spooled = async () => (await readdir(spoolDir)).filter((f) => f.endsWith('.json')).length;

describe('a message that arrives while the database is down', () => {
  it('is answered 200, kept on disk, stored and replied to once the database is back; forged ones are dropped; a full spool says 503', async () => {
    const proxy = await databaseProxy(new URL(h.api.deps.env.DATABASE_URL));
    const prisma = createPrismaClient(proxy.url, { max: 2 });
    const env = { ...h.api.deps.env, DATABASE_URL: proxy.url, WEBHOOK_SPOOL_DIR: spoolDir, WEBHOOK_SPOOL_MAX_ENTRIES: 2, RELAY_THREAD: false };
    const api = await buildApi({ env, prisma, temporal: h.api.deps.temporal }, { logger: false });
    await api.ready();
    try {
      await proxy.down();
      const customer = uniquePhone();
      const real = inboundParams(shop, customer, 'How much is the blue cotton t-shirt?');
      const forged = inboundParams(shop, uniquePhone(), 'forged while nobody can check');

      const accepted = await api.inject(signed(real));
      expect(accepted.statusCode).toBe(200);
      expect(accepted.body).toContain('<Response/>');
      // Signed with a token that is not the tenant's: nobody can tell while the database is away.
      expect((await api.inject(signed(forged, 'not-the-tenant-token'))).statusCode).toBe(200);
      expect(await spooled()).toBe(2);

      // Full: the old answer, so Twilio's own retries (and the Fallback URL) still apply.
      const third = await api.inject(signed(inboundParams(shop, uniquePhone(), 'one too many')));
      expect(third.statusCode).toBe(503);
      expect(third.headers['retry-after']).toBe('5');
      expect(await stored(real.MessageSid)).toBe(0);

      await proxy.up();
      // The spool drains every second: the real message is stored once and answered; the forged one is not.
      await eventually(async () => (await stored(real.MessageSid)) === 1, 'the kept message stored');
      const [reply] = await eventually(async () => (await sentTo(h.control, customer)).length > 0 && sentTo(h.control, customer), 'the reply');
      expect(reply!.body).toContain('19.90 USD');
      await eventually(async () => (await spooled()) === 0, 'the spool emptied');
      expect(await stored(forged.MessageSid)).toBe(0);

      // Twilio's own retry of the same message after all that changes nothing.
      expect((await api.inject(signed(real))).statusCode).toBe(200);
      expect(await stored(real.MessageSid)).toBe(1);
      await new Promise((r) => setTimeout(r, 1500));
      expect(await sentTo(h.control, customer)).toHaveLength(1);
    } finally {
      await api.close();
      await closeSqlPool(prisma);
      await prisma.$disconnect();
    }
  });
});
