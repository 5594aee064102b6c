// Two small guarantees of the broadcast's activities, on the real database and the Twilio stand-in:
//  - the `broadcast.started` audit entry commits with the audience freeze, so a start that is retried (after it
//    committed, or racing another attempt) neither loses it nor writes it twice;
//  - Twilio's Retry-After on a 429 reaches the code that backs off (the SDK's RestException drops headers).
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBroadcastActivities } from '../../activities/broadcasts.js';
import { parseRetryAfter, retryAfterOf, surfaceRetryAfter } from '../../lib/broadcasts/retry-after.js';
import { createTwilioClient } from '../../lib/twilio/client.js';
import { startBroadcastHarness, type BroadcastHarness } from './harness.js';

let h: BroadcastHarness;

beforeAll(async () => {
  h = await startBroadcastHarness();
});
afterAll(async () => {
  await h?.close();
});

describe('the start of sending is audited exactly once', () => {
  it('a start retried after it committed, or racing another attempt, leaves one `broadcast.started` entry', async () => {
    const shop = await h.connectShop({ label: 'start-audit' });
    await h.addCustomers(shop, 'whatsapp', 7);
    const id = await h.createBroadcast(shop, { channel: 'whatsapp', ratePerSecond: 10 });
    await h.prisma.broadcast.update({ where: { id }, data: { status: 'scheduled' } });
    const store = createBroadcastActivities({ prisma: h.prisma });

    // Three attempts at once (a timed-out attempt still running beside its retry), then one more after.
    const results = await Promise.all([1, 2, 3].map(() => store.startBroadcast({ tenantId: shop.tenantId, broadcastId: id })));
    expect(results.map((r) => r.total)).toEqual([7, 7, 7]);
    expect(await store.startBroadcast({ tenantId: shop.tenantId, broadcastId: id })).toMatchObject({ total: 7, blocked: null, fatal: null });

    const entries = await h.prisma.auditLog.findMany({ where: { tenantId: shop.tenantId, action: 'broadcast.started', targetId: id } });
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ actorType: 'workflow', targetType: 'broadcast', details: { recipients: 7, channel: 'whatsapp' } });
    const broadcast = await h.prisma.broadcast.findUniqueOrThrow({ where: { id } });
    expect(broadcast).toMatchObject({ status: 'running', recipientsTotal: 7 });
    // The entry and started_at are one commit: the entry is never older or younger than the start it records.
    expect(Math.abs(entries[0]!.createdAt.getTime() - broadcast.startedAt!.getTime())).toBeLessThan(5);
    expect(await h.prisma.broadcastRecipient.count({ where: { broadcastId: id } })).toBe(7);
  });
});

describe('Twilio’s Retry-After', () => {
  it('is read as seconds or an HTTP date, bounded, with a fallback', () => {
    expect(parseRetryAfter('7')).toBe(7_000);
    expect(parseRetryAfter('0.5')).toBe(500);
    expect(parseRetryAfter(['3'])).toBe(3_000);
    expect(parseRetryAfter(new Date(10_000 + 30_000).toUTCString(), 10_000)).toBe(30_000);
    expect(parseRetryAfter('soon')).toBeNull();
    expect(parseRetryAfter(undefined)).toBeNull();
    expect(retryAfterOf({ retryAfterMs: 7_000 })).toBe(7_000);
    expect(retryAfterOf({ retryAfterMs: 0 })).toBe(1_000);
    expect(retryAfterOf({ retryAfterMs: 3_600_000 })).toBe(600_000);
    expect(retryAfterOf(new Error('no header'), 2_000)).toBe(2_000);
  });

  it('reaches the caller of a 429’d send as retryAfterMs on the SDK’s own RestException; other answers are untouched', async () => {
    const shop = await h.connectShop({ label: 'retry-after-client' });
    const auth = await h.master.api.v2010.accounts(shop.subaccountSid).fetch();
    const client = surfaceRetryAfter(createTwilioClient({ accountSid: shop.subaccountSid, authToken: auth.authToken, baseUrl: h.fake.url }));
    expect(surfaceRetryAfter(client)).toBe(client);
    const send = () => client.messages.create({ messagingServiceSid: shop.messagingServiceSid, to: 'whatsapp:+15550009999', contentSid: shop.templateSid, contentVariables: '{"1":"Ana","2":"X"}' });

    await h.control.addFault({ method: 'POST', path: `/2010-04-01/Accounts/${shop.subaccountSid}/Messages.json`, kind: '429', count: 1, retryAfterSeconds: 9 });
    const refused = await send().catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(twilio.RestException);
    expect(refused).toMatchObject({ status: 429, code: 20429, retryAfterMs: 9_000 });

    expect((await send()).sid).toMatch(/^SM/);
    const invalid = await client.messages.create({ messagingServiceSid: shop.messagingServiceSid, to: 'whatsapp:+15550009999' }).catch((err: unknown) => err);
    expect(invalid).toMatchObject({ status: 400, code: 21619 });
    expect((invalid as { retryAfterMs?: number }).retryAfterMs).toBeUndefined();
  });
});
