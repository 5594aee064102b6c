// Phone numbers through the official SDK: searching AvailablePhoneNumbers, buying and releasing
// IncomingPhoneNumbers, and a Messaging Service's PhoneNumbers pool.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeTwilioControl } from './control-client.js';
import { createTwilioClient, type TwilioClient } from '../../lib/twilio/client.js';
import { startFakeTwilio, type FakeTwilio } from './server.js';

const MASTER_SID = 'AC' + '5'.repeat(32);
const MASTER_TOKEN = 'numbers-master-token';

let fake: FakeTwilio;
let control: FakeTwilioControl;
let master: TwilioClient;
let sub: { sid: string; authToken: string };
let client: TwilioClient;

beforeAll(async () => {
  fake = await startFakeTwilio({ masterAccountSid: MASTER_SID, masterAuthToken: MASTER_TOKEN, senderOnlineAfterMs: 0 });
  control = new FakeTwilioControl(fake.url);
  master = createTwilioClient({ accountSid: MASTER_SID, authToken: MASTER_TOKEN, baseUrl: fake.url });
});
afterAll(() => fake.close());
beforeEach(async () => {
  await control.reset();
  const acc = await master.api.v2010.accounts.create({ friendlyName: 'tenant:numbers' });
  sub = { sid: acc.sid, authToken: acc.authToken };
  client = createTwilioClient({ accountSid: sub.sid, authToken: sub.authToken, baseUrl: fake.url });
});

async function expectTwilioError(p: Promise<unknown>, status: number, code: number): Promise<void> {
  await expect(p).rejects.toMatchObject({ status, code });
}

describe('AvailablePhoneNumbers', () => {
  it('lists deterministic US local numbers with Twilio’s fields, filtered by AreaCode and SmsEnabled', async () => {
    const found = await client.availablePhoneNumbers('US').local.list({ areaCode: 415, smsEnabled: true });
    expect(found).toHaveLength(20);
    expect(found[0]!.toJSON()).toEqual({
      friendlyName: '(415) 555-0100',
      phoneNumber: '+14155550100',
      lata: '722',
      locality: 'San Francisco',
      rateCenter: 'SNFC',
      latitude: '37.774900',
      longitude: '-122.419400',
      region: 'CA',
      postalCode: '94103',
      isoCountry: 'US',
      addressRequirements: 'none',
      beta: false,
      capabilities: { voice: true, SMS: true, MMS: true },
    });
    // Same answer every time.
    expect((await client.availablePhoneNumbers('US').local.list({ areaCode: 415 })).map((n) => n.phoneNumber)).toEqual(
      found.map((n) => n.phoneNumber),
    );
  });

  it('matches Contains with * wildcards anywhere in the number, and honours PageSize', async () => {
    const all = await client.availablePhoneNumbers('US').local.list({ contains: '555011*' });
    expect(all.map((n) => n.phoneNumber).every((p) => /555011\d$/.test(p))).toBe(true);
    expect(all).toHaveLength(30);
    expect(await client.availablePhoneNumbers('US').local.list({ contains: '555011*', areaCode: 512 })).toHaveLength(10);
    expect(await client.availablePhoneNumbers('US').local.list({ contains: 'STORM' })).toEqual([]);
    expect(await client.availablePhoneNumbers('US').local.list({ pageSize: 5, limit: 5 })).toHaveLength(5);
  });

  it('has SMS on mobiles only in GB, ES, BR and DE (geographic numbers there are voice-only), toll-free in US', async () => {
    expect(await client.availablePhoneNumbers('GB').local.list({ smsEnabled: true })).toEqual([]);
    for (const country of ['GB', 'ES', 'BR', 'DE']) {
      const mobiles = await client.availablePhoneNumbers(country).mobile.list({ smsEnabled: true });
      expect(mobiles.length).toBeGreaterThan(0);
      // Twilio spells these SMS / MMS in this resource (the SDK's type says sms / mms; the payload wins).
      const caps = (n: (typeof mobiles)[number]) => n.capabilities as unknown as Record<string, boolean>;
      expect(mobiles.every((n) => n.isoCountry === country && caps(n)['SMS'] === true)).toBe(true);
    }
    const tollFree = await client.availablePhoneNumbers('US').tollFree.list();
    expect(tollFree[0]?.phoneNumber).toMatch(/^\+1833555\d{4}$/);
    expect(await client.availablePhoneNumbers('US').mobile.list()).toEqual([]);
  });

  it('answers 404 / 20404 for a country it does not sell in', async () => {
    await expectTwilioError(client.availablePhoneNumbers('ZZ').local.list(), 404, 20404);
  });
});

describe('IncomingPhoneNumbers', () => {
  it('buys a listed number, hides it from the search, and refuses to sell it twice (21422)', async () => {
    const [offer] = await client.availablePhoneNumbers('US').local.list({ areaCode: 212, limit: 1 });
    const bought = await client.incomingPhoneNumbers.create({
      phoneNumber: offer!.phoneNumber,
      friendlyName: 'Shop line',
      smsUrl: 'https://wara.example/sms',
    });
    expect(bought.sid).toMatch(/^PN[0-9a-f]{32}$/);
    expect(bought).toMatchObject({
      accountSid: sub.sid,
      phoneNumber: offer!.phoneNumber,
      friendlyName: 'Shop line',
      capabilities: { voice: true, sms: true, mms: true, fax: false },
      smsUrl: 'https://wara.example/sms',
      smsMethod: 'POST',
      statusCallback: '',
      status: 'in-use',
      origin: 'twilio',
      uri: `/2010-04-01/Accounts/${sub.sid}/IncomingPhoneNumbers/${bought.sid}.json`,
    });
    expect(bought.dateCreated).toBeInstanceOf(Date);
    const again = await client.availablePhoneNumbers('US').local.list({ areaCode: 212 });
    expect(again.map((n) => n.phoneNumber)).not.toContain(offer!.phoneNumber);

    const other = await master.api.v2010.accounts.create({ friendlyName: 'tenant:other' });
    const otherClient = createTwilioClient({ accountSid: other.sid, authToken: other.authToken, baseUrl: fake.url });
    await expectTwilioError(otherClient.incomingPhoneNumbers.create({ phoneNumber: offer!.phoneNumber }), 400, 21422);
    await expectTwilioError(client.incomingPhoneNumbers.create({ phoneNumber: '+15005550006' }), 400, 21422);
    await expectTwilioError(client.incomingPhoneNumbers.create({ phoneNumber: '12345' }), 400, 21421);
  });

  it('buys by AreaCode, lists with PhoneNumber / FriendlyName filters, updates and releases', async () => {
    const a = await client.incomingPhoneNumbers.create({ areaCode: '512' });
    expect(a.phoneNumber).toBe('+15125550100');
    const b = await client.incomingPhoneNumbers.create({ areaCode: '512', friendlyName: 'second' });
    expect(b.phoneNumber).toBe('+15125550101');
    await expectTwilioError(client.incomingPhoneNumbers.create({ areaCode: '999' }), 400, 21452);

    expect((await client.incomingPhoneNumbers.list({ phoneNumber: '+15125550101' })).map((n) => n.sid)).toEqual([b.sid]);
    expect((await client.incomingPhoneNumbers.list({ phoneNumber: '55501**' })).map((n) => n.sid).sort()).toEqual([a.sid, b.sid].sort());
    expect((await client.incomingPhoneNumbers.list({ friendlyName: 'second' })).map((n) => n.sid)).toEqual([b.sid]);

    const updated = await client.incomingPhoneNumbers(a.sid).update({ smsUrl: 'https://wara.example/in', smsMethod: 'GET' });
    expect(updated).toMatchObject({ smsUrl: 'https://wara.example/in', smsMethod: 'GET' });
    expect((await client.incomingPhoneNumbers(a.sid).update({ smsUrl: '' })).smsUrl).toBe('');

    expect(await client.incomingPhoneNumbers(a.sid).remove()).toBe(true);
    await expectTwilioError(client.incomingPhoneNumbers(a.sid).fetch(), 404, 20404);
    // Released: on sale again.
    expect((await client.availablePhoneNumbers('US').local.list({ areaCode: 512, limit: 1 }))[0]?.phoneNumber).toBe('+15125550100');
  });

  it('keeps sibling subaccounts apart; the parent sees its subaccount’s numbers', async () => {
    const n = await client.incomingPhoneNumbers.create({ areaCode: '415' });
    const other = await master.api.v2010.accounts.create({ friendlyName: 'tenant:sibling' });
    const sibling = createTwilioClient({ accountSid: other.sid, authToken: other.authToken, baseUrl: fake.url });
    expect(await sibling.incomingPhoneNumbers.list()).toEqual([]);
    await expectTwilioError(sibling.incomingPhoneNumbers(n.sid).fetch(), 404, 20404);
    await expectTwilioError(sibling.api.v2010.accounts(sub.sid).incomingPhoneNumbers.list(), 401, 20003);
    expect((await master.api.v2010.accounts(sub.sid).incomingPhoneNumbers(n.sid).fetch()).phoneNumber).toBe(n.phoneNumber);
  });
});

describe('Messaging Service PhoneNumbers', () => {
  it('attaches a number, lists/fetches/removes it, and refuses a second service (21712)', async () => {
    const n = await client.incomingPhoneNumbers.create({ areaCode: '415' });
    const svc = await client.messaging.v1.services.create({ friendlyName: 'sms' });
    const attached = await client.messaging.v1.services(svc.sid).phoneNumbers.create({ phoneNumberSid: n.sid });
    expect(attached).toMatchObject({
      sid: n.sid,
      accountSid: sub.sid,
      serviceSid: svc.sid,
      phoneNumber: n.phoneNumber,
      countryCode: 'US',
      capabilities: ['SMS', 'MMS', 'Voice'],
      url: `https://messaging.twilio.com/v1/Services/${svc.sid}/PhoneNumbers/${n.sid}`,
    });
    expect((await client.messaging.v1.services(svc.sid).phoneNumbers.list()).map((x) => x.sid)).toEqual([n.sid]);
    expect((await client.messaging.v1.services(svc.sid).phoneNumbers(n.sid).fetch()).phoneNumber).toBe(n.phoneNumber);
    await expectTwilioError(client.messaging.v1.services(svc.sid).phoneNumbers.create({ phoneNumberSid: n.sid }), 409, 21710);

    const other = await client.messaging.v1.services.create({ friendlyName: 'other' });
    await expectTwilioError(client.messaging.v1.services(other.sid).phoneNumbers.create({ phoneNumberSid: n.sid }), 409, 21712);

    expect(await client.messaging.v1.services(svc.sid).phoneNumbers(n.sid).remove()).toBe(true);
    expect(await client.messaging.v1.services(svc.sid).phoneNumbers.list()).toEqual([]);
    expect((await client.messaging.v1.services(other.sid).phoneNumbers.create({ phoneNumberSid: n.sid })).serviceSid).toBe(other.sid);
  });

  it('refuses unknown or foreign numbers (21421) and voice-only numbers (21715); releasing detaches', async () => {
    const svc = await client.messaging.v1.services.create({ friendlyName: 'sms' });
    await expectTwilioError(client.messaging.v1.services(svc.sid).phoneNumbers.create({ phoneNumberSid: 'PN' + '0'.repeat(32) }), 400, 21421);
    const [london] = await client.availablePhoneNumbers('GB').local.list({ limit: 1 });
    const voiceOnly = await client.incomingPhoneNumbers.create({ phoneNumber: london!.phoneNumber });
    await expectTwilioError(client.messaging.v1.services(svc.sid).phoneNumbers.create({ phoneNumberSid: voiceOnly.sid }), 400, 21715);

    const n = await client.incomingPhoneNumbers.create({ areaCode: '212' });
    await client.messaging.v1.services(svc.sid).phoneNumbers.create({ phoneNumberSid: n.sid });
    await client.incomingPhoneNumbers(n.sid).remove();
    expect(await client.messaging.v1.services(svc.sid).phoneNumbers.list()).toEqual([]);
  });
});
