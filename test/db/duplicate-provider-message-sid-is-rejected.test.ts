import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createPrismaClient, Prisma, type PrismaClient } from '../../lib/db/client.js';

// Twilio retries webhooks: the database, not memory, guarantees one stored message per MessageSid.
describe('message uniqueness', () => {
  let prisma: PrismaClient;
  let tenantId: string;
  let conversationId: string;

  beforeAll(async () => {
    prisma = createPrismaClient(inject('databaseUrl'), { max: 2 });
    const tenant = await prisma.tenant.create({ data: { name: 'Dup Shop', slug: `dup-${randomUUID()}` } });
    tenantId = tenant.id;
    const conversation = await prisma.conversation.create({
      data: { tenantId, channel: 'whatsapp', customerAddress: 'whatsapp:+15550000001' },
    });
    conversationId = conversation.id;
  });

  afterAll(async () => {
    await prisma?.tenant.delete({ where: { id: tenantId } }).catch(() => undefined);
    await prisma?.$disconnect();
  });

  const inbound = (sid: string) => ({
    tenantId,
    conversationId,
    direction: 'inbound' as const,
    providerMessageSid: sid,
    body: 'Do you have the red one?',
    status: 'received' as const,
    source: 'customer' as const,
  });

  it('rejects a second message with the same providerMessageSid (P2002)', async () => {
    const sid = `SM${randomUUID().replaceAll('-', '')}`;
    await prisma.message.create({ data: inbound(sid) });
    const duplicate = prisma.message.create({ data: inbound(sid) });
    await expect(duplicate).rejects.toBeInstanceOf(Prisma.PrismaClientKnownRequestError);
    await expect(duplicate).rejects.toMatchObject({ code: 'P2002' });
    expect(await prisma.message.count({ where: { providerMessageSid: sid } })).toBe(1);
  });

  it('allows one reply intent per inbound message (replyToMessageSid)', async () => {
    const inboundSid = `SM${randomUUID().replaceAll('-', '')}`;
    const reply = {
      tenantId,
      conversationId,
      direction: 'outbound' as const,
      replyToMessageSid: inboundSid,
      body: 'Yes, in stock.',
      status: 'queued' as const,
      source: 'ai' as const,
    };
    await prisma.message.create({ data: reply });
    await expect(prisma.message.create({ data: reply })).rejects.toMatchObject({ code: 'P2002' });
  });

  it('lets many messages have no provider sid yet (NULLs are not duplicates)', async () => {
    const draft = { ...inbound('x'), providerMessageSid: null, direction: 'outbound' as const, source: 'human' as const };
    await prisma.message.createMany({ data: [draft, draft] });
  });
});
