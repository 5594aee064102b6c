// Onboarding-side resources driven through the official SDK: subaccounts, API keys, WhatsApp senders
// (status moving on the injectable clock), Messaging Services and attaching a sender.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeTwilioControl } from './control-client.js';
import { createTwilioClient, type TwilioClient } from '../../lib/twilio/client.js';
import { startFakeTwilio, type FakeTwilio } from './server.js';

const MASTER_SID = 'AC' + '0123456789abcdef'.repeat(2);
const MASTER_TOKEN = 'master-token-for-tests';
const DAY = 24 * 60 * 60 * 1000;

let now = Date.parse('2025-03-01T09:00:00Z');
let fake: FakeTwilio;
let control: FakeTwilioControl;
let master: TwilioClient;

beforeAll(async () => {
  fake = await startFakeTwilio({
    masterAccountSid: MASTER_SID,
    masterAuthToken: MASTER_TOKEN,
    senderOnlineAfterMs: 3 * DAY,
    now: () => now,
  });
  control = new FakeTwilioControl(fake.url);
  master = createTwilioClient({ accountSid: MASTER_SID, authToken: MASTER_TOKEN, baseUrl: fake.url });
});
afterAll(() => fake.close());
beforeEach(() => control.reset());

/** Asserts a promise rejects with a Twilio RestException of this status/code. */
async function expectTwilioError(p: Promise<unknown>, status: number, code: number): Promise<void> {
  await expect(p).rejects.toMatchObject({ status, code, moreInfo: `https://www.twilio.com/docs/errors/${code}` });
}

describe('subaccounts', () => {
  it('creates, lists by FriendlyName and fetches a subaccount with its auth token', async () => {
    const created = await master.api.v2010.accounts.create({ friendlyName: 'tenant:t1' });
    await master.api.v2010.accounts.create({ friendlyName: 'tenant:t2' });
    expect(created.sid).toMatch(/^AC[0-9a-f]{32}$/);
    expect(created.authToken).toMatch(/^[0-9a-f]{32}$/);
    expect(created.ownerAccountSid).toBe(MASTER_SID);
    expect(created.status).toBe('active');
    expect(created.dateCreated).toBeInstanceOf(Date);

    const found = await master.api.v2010.accounts.list({ friendlyName: 'tenant:t1' });
    expect(found.map((a) => a.sid)).toEqual([created.sid]);
    expect(await master.api.v2010.accounts.list({ friendlyName: 'nobody' })).toEqual([]);

    const fetched = await master.api.v2010.accounts(created.sid).fetch();
    expect(fetched.authToken).toBe(created.authToken);
    expect(fetched.friendlyName).toBe('tenant:t1');
  });

  it('pages through long lists the way the SDK expects', async () => {
    for (let i = 0; i < 5; i++) await master.api.v2010.accounts.create({ friendlyName: 'bulk' });
    const all = await master.api.v2010.accounts.list({ friendlyName: 'bulk', pageSize: 2 });
    expect(all).toHaveLength(5);
  });

  it('rejects bad credentials with 401 / 20003 and keeps siblings apart', async () => {
    const wrong = createTwilioClient({ accountSid: MASTER_SID, authToken: 'nope', baseUrl: fake.url });
    await expectTwilioError(wrong.api.v2010.accounts.list(), 401, 20003);

    const a = await master.api.v2010.accounts.create({ friendlyName: 'a' });
    const b = await master.api.v2010.accounts.create({ friendlyName: 'b' });
    const asA = createTwilioClient({ accountSid: a.sid, authToken: a.authToken, baseUrl: fake.url });
    expect((await asA.api.v2010.accounts(a.sid).fetch()).sid).toBe(a.sid);
    await expectTwilioError(asA.api.v2010.accounts(b.sid).fetch(), 401, 20003);
    // A subaccount's list only holds itself.
    expect((await asA.api.v2010.accounts.list()).map((x) => x.sid)).toEqual([a.sid]);
  });

  it('answers 404 / 20404 for an unknown account', async () => {
    await expectTwilioError(master.api.v2010.accounts('AC' + 'f'.repeat(32)).fetch(), 404, 20404);
  });
});

describe('API keys', () => {
  it('returns the secret only at creation, authenticates with it, and stops after delete', async () => {
    const sub = await master.api.v2010.accounts.create({ friendlyName: 'tenant:keys' });
    const key = await master.api.v2010.accounts(sub.sid).newKeys.create({ friendlyName: 'wara' });
    expect(key.sid).toMatch(/^SK[0-9a-f]{32}$/);
    expect(key.secret).toMatch(/^[0-9a-f]{32}$/);

    const fetched = await master.api.v2010.accounts(sub.sid).keys(key.sid).fetch();
    expect(fetched.friendlyName).toBe('wara');
    expect(fetched.toJSON()).not.toHaveProperty('secret');

    const asKey = createTwilioClient({ accountSid: sub.sid, apiKey: key.sid, apiSecret: key.secret, baseUrl: fake.url });
    expect(await asKey.messaging.v1.services.list()).toEqual([]);
    // Standard keys may not manage accounts or keys.
    await expectTwilioError(asKey.api.v2010.accounts(sub.sid).keys.list(), 401, 20003);

    expect(await master.api.v2010.accounts(sub.sid).keys(key.sid).remove()).toBe(true);
    await expectTwilioError(asKey.messaging.v1.services.list(), 401, 20003);
    await expectTwilioError(master.api.v2010.accounts(sub.sid).keys(key.sid).fetch(), 404, 20404);
  });
});

describe('WhatsApp senders', () => {
  it('moves CREATING → PENDING_VERIFICATION → ONLINE as the injected clock advances', async () => {
    const sub = await master.api.v2010.accounts.create({ friendlyName: 'tenant:s' });
    const client = createTwilioClient({ accountSid: sub.sid, authToken: sub.authToken, baseUrl: fake.url });
    expect(await client.messaging.v2.channelsSenders.list({ channel: 'whatsapp' })).toEqual([]);

    const created = await control.createSender(sub.sid, { phoneNumber: '+15551230001', profileName: 'Shop' });
    const statusNow = async () => (await client.messaging.v2.channelsSenders.list({ channel: 'whatsapp' })).map((s) => s.status);
    expect(await statusNow()).toEqual(['CREATING']);
    now += DAY;
    expect(await statusNow()).toEqual(['PENDING_VERIFICATION']);
    now += 2 * DAY;
    expect(await statusNow()).toEqual(['ONLINE']);

    const sender = await client.messaging.v2.channelsSenders(created.sid).fetch();
    expect(sender.senderId).toBe('whatsapp:+15551230001');
    expect(sender.sid).toMatch(/^XE[0-9a-f]{32}$/);
    expect(sender.offlineReasons).toBeNull();
    expect(sender.configuration.wabaId).toBeTruthy();

    // Another account's credentials do not see it.
    await expectTwilioError(master.messaging.v2.channelsSenders(created.sid).fetch(), 404, 20404);
  });

  it('reports OFFLINE with offline_reasons, also via the control clock', async () => {
    const sub = await master.api.v2010.accounts.create({ friendlyName: 'tenant:off' });
    const client = createTwilioClient({ accountSid: sub.sid, authToken: sub.authToken, baseUrl: fake.url });
    const reasons = [{ code: '63113', message: 'Business verification rejected' }];
    const s = await control.createSender(sub.sid, {
      phoneNumber: '+15551230002',
      timeline: [
        { status: 'CREATING', afterMs: 0 },
        { status: 'OFFLINE', afterMs: 60_000 },
      ],
      offlineReasons: reasons,
    });
    expect((await client.messaging.v2.channelsSenders(s.sid).fetch()).offlineReasons).toBeNull();
    await control.advanceClock(60_000);
    const off = await client.messaging.v2.channelsSenders(s.sid).fetch();
    expect(off.status).toBe('OFFLINE');
    expect(off.offlineReasons).toEqual([{ code: '63113', message: 'Business verification rejected', moreInfo: undefined }]);
  });
});

describe('Messaging Services', () => {
  it('creates, updates, lists, fetches and attaches a WhatsApp sender', async () => {
    const sub = await master.api.v2010.accounts.create({ friendlyName: 'tenant:svc' });
    const client = createTwilioClient({ accountSid: sub.sid, authToken: sub.authToken, baseUrl: fake.url });
    const svc = await client.messaging.v1.services.create({
      friendlyName: 'WARA tenant:svc',
      inboundRequestUrl: 'https://wara.example/webhooks/twilio/whatsapp',
      statusCallback: 'https://wara.example/webhooks/twilio/status',
    });
    expect(svc.sid).toMatch(/^MG[0-9a-f]{32}$/);
    expect(svc.accountSid).toBe(sub.sid);
    expect(svc.inboundMethod).toBe('POST');
    expect(svc.url).toBe(`https://messaging.twilio.com/v1/Services/${svc.sid}`);

    const updated = await client.messaging.v1.services(svc.sid).update({ inboundRequestUrl: 'https://wara.example/in2' });
    expect(updated.inboundRequestUrl).toBe('https://wara.example/in2');
    expect(updated.statusCallback).toBe('https://wara.example/webhooks/twilio/status');
    expect((await client.messaging.v1.services.list()).map((s) => s.sid)).toEqual([svc.sid]);
    expect((await client.messaging.v1.services(svc.sid).fetch()).friendlyName).toBe('WARA tenant:svc');

    // The SDK checks required params itself; a raw call shows the server-side error shape.
    const raw = await fetch(`${fake.url}/v1/Services`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${sub.sid}:${sub.authToken}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'InboundRequestUrl=https%3A%2F%2Fx.example',
    });
    expect(raw.status).toBe(400);
    expect(await raw.json()).toMatchObject({ code: 20001, status: 400, message: 'Missing required parameter FriendlyName in the post body' });

    const sender = await control.createSender(sub.sid, { phoneNumber: '+15551230003', onlineAfterMs: 0 });
    const attached = await client.messaging.v1.services(svc.sid).channelSenders.create({ sid: sender.sid });
    expect(attached).toMatchObject({ sid: sender.sid, sender: 'whatsapp:+15551230003', senderType: 'WhatsApp', messagingServiceSid: svc.sid });
    expect((await client.messaging.v1.services(svc.sid).channelSenders.list()).map((c) => c.sid)).toEqual([sender.sid]);
    await expectTwilioError(client.messaging.v1.services(svc.sid).channelSenders.create({ sid: sender.sid }), 409, 21710);
  });
});
