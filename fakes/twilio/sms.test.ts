// SMS through the official SDK: sends through a service's number pool or a From number, segment
// counts, SMS status callbacks, inbound texts (signed, routed to the service or the number) and
// Advanced Opt-Out (STOP / START keywords, 21610 while blocked).
import twilio from 'twilio';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeTwilioControl } from './control-client.js';
import { createTwilioClient, type TwilioClient } from '../../lib/twilio/client.js';
import { startFakeTwilio, type FakeTwilio } from './server.js';
import { startWebhookReceiver, type ReceivedRequest, type WebhookReceiver } from './testing.js';

const MASTER_SID = 'AC' + '7'.repeat(32);
const MASTER_TOKEN = 'sms-master-token';
const CUSTOMER = '+447700900123';

let fake: FakeTwilio;
let control: FakeTwilioControl;
let receiver: WebhookReceiver;
let sub: { sid: string; authToken: string };
let client: TwilioClient;
let serviceSid: string;
let shopNumber: { sid: string; phoneNumber: string };
let inboundUrl: string;
let statusUrl: string;

beforeAll(async () => {
  fake = await startFakeTwilio({ masterAccountSid: MASTER_SID, masterAuthToken: MASTER_TOKEN, senderOnlineAfterMs: 0 });
  control = new FakeTwilioControl(fake.url);
  receiver = await startWebhookReceiver();
});
afterAll(async () => {
  await fake.close();
  await receiver.close();
});

beforeEach(async () => {
  await control.reset();
  await control.config({ messageStatusDelayMs: 5, webhookRetry: { maxAttempts: 2, timeoutMs: 2000, backoffMs: 10 } });
  receiver.requests.length = 0;
  receiver.script([]);
  const master = createTwilioClient({ accountSid: MASTER_SID, authToken: MASTER_TOKEN, baseUrl: fake.url });
  const acc = await master.api.v2010.accounts.create({ friendlyName: 'tenant:sms' });
  sub = { sid: acc.sid, authToken: acc.authToken };
  client = createTwilioClient({ accountSid: sub.sid, authToken: sub.authToken, baseUrl: fake.url });
  inboundUrl = `${receiver.baseUrl}/webhooks/twilio/sms?tenant=t1`;
  statusUrl = `${receiver.baseUrl}/webhooks/twilio/status`;
  const svc = await client.messaging.v1.services.create({ friendlyName: 'wara', inboundRequestUrl: inboundUrl, statusCallback: statusUrl });
  serviceSid = svc.sid;
  const n = await client.incomingPhoneNumbers.create({ areaCode: '415' });
  shopNumber = { sid: n.sid, phoneNumber: n.phoneNumber };
  await client.messaging.v1.services(serviceSid).phoneNumbers.create({ phoneNumberSid: n.sid });
});

const signedBy = (token: string, r: ReceivedRequest) =>
  twilio.validateRequest(token, String(r.headers['x-twilio-signature']), r.url, r.params);

describe('outbound SMS', () => {
  it('sends to a plain +E164 through the service’s number, with SMS status callbacks', async () => {
    const msg = await client.messages.create({ to: CUSTOMER, messagingServiceSid: serviceSid, body: 'Your order shipped' });
    expect(msg).toMatchObject({ status: 'accepted', from: null, to: CUSTOMER, numSegments: '1' });
    const callbacks = await receiver.waitFor(3, (r) => r.path === '/webhooks/twilio/status');
    expect(callbacks.map((r) => r.params['MessageStatus'])).toEqual(['queued', 'sent', 'delivered']);
    for (const r of callbacks) {
      expect(signedBy(sub.authToken, r)).toBe(true);
      expect(r.params).toMatchObject({ MessageSid: msg.sid, From: shopNumber.phoneNumber, To: CUSTOMER, MessagingServiceSid: serviceSid });
      // WhatsApp-only fields stay out of SMS callbacks.
      expect(r.params).not.toHaveProperty('ChannelPrefix');
    }
    expect((await client.messages(msg.sid).fetch()).from).toBe(shopNumber.phoneNumber);
  });

  it('sends with From = an owned SMS number and reports segments by encoding', async () => {
    const long = await client.messages.create({ to: CUSTOMER, from: shopNumber.phoneNumber, body: 'a'.repeat(161) });
    expect(long).toMatchObject({ status: 'queued', from: shopNumber.phoneNumber, numSegments: '2' });
    const emoji = await client.messages.create({ to: CUSTOMER, from: shopNumber.phoneNumber, body: 'Thanks 🙏'.repeat(10) });
    expect(emoji.numSegments).toBe('2');
    expect((await control.message(emoji.sid)).numSegments).toBe(2);
  });

  it('refuses with Twilio’s codes: no number in the service, foreign From, too long, bad To', async () => {
    const waOnly = await client.messaging.v1.services.create({ friendlyName: 'whatsapp only' });
    const sender = await control.createSender(sub.sid, { phoneNumber: '+15550100009' });
    await client.messaging.v1.services(waOnly.sid).channelSenders.create({ sid: sender.sid });
    await expect(client.messages.create({ to: CUSTOMER, messagingServiceSid: waOnly.sid, body: 'x' })).rejects.toMatchObject({ status: 400, code: 21704 });
    await expect(client.messages.create({ to: CUSTOMER, from: '+14155550119', body: 'x' })).rejects.toMatchObject({ status: 400, code: 21606 });
    await expect(client.messages.create({ to: CUSTOMER, from: shopNumber.phoneNumber, body: 'x'.repeat(1601) })).rejects.toMatchObject({
      status: 400,
      code: 21617,
    });
    await expect(client.messages.create({ to: '0700 900 123', from: shopNumber.phoneNumber, body: 'x' })).rejects.toMatchObject({ code: 21211 });
    await expect(client.messages.create({ to: CUSTOMER, from: 'whatsapp:+15550100009', body: 'x' })).rejects.toMatchObject({ code: 21910 });
  });
});

describe('inbound SMS and Advanced Opt-Out', () => {
  it('POSTs Twilio’s SMS parameters to the service’s inbound URL, signed for the exact URL', async () => {
    const res = await control.inbound({ to: shopNumber.phoneNumber, from: CUSTOMER, body: 'Is the shop open?' });
    const [req] = await receiver.waitFor(1, (r) => r.path === '/webhooks/twilio/sms');
    expect(req!.url).toBe(inboundUrl);
    expect(signedBy(sub.authToken, req!)).toBe(true);
    expect(req!.params).toMatchObject({
      MessageSid: res.message.sid,
      SmsSid: res.message.sid,
      SmsMessageSid: res.message.sid,
      AccountSid: sub.sid,
      MessagingServiceSid: serviceSid,
      From: CUSTOMER,
      To: shopNumber.phoneNumber,
      Body: 'Is the shop open?',
      NumMedia: '0',
      NumSegments: '1',
      SmsStatus: 'received',
      ToCountry: 'US',
      ToCity: 'San Francisco',
      ToState: 'CA',
      FromCountry: 'GB',
      ApiVersion: '2010-04-01',
    });
    expect(req!.params).not.toHaveProperty('OptOutType');
    expect(req!.params).not.toHaveProperty('WaId');
  });

  it('routes to the number’s own sms_url when it is in no service', async () => {
    const loose = await client.incomingPhoneNumbers.create({ areaCode: '212', smsUrl: `${receiver.baseUrl}/number-hook` });
    await control.inbound({ to: loose.phoneNumber, from: CUSTOMER, body: 'hi', channel: 'sms' });
    const [req] = await receiver.waitFor(1, (r) => r.path === '/number-hook');
    expect(req!.params).not.toHaveProperty('MessagingServiceSid');
    expect(signedBy(sub.authToken, req!)).toBe(true);
  });

  it('blocks the customer on STOP (auto-reply, OptOutType=STOP, 21610 on send) and unblocks on START', async () => {
    const second = await client.incomingPhoneNumbers.create({ areaCode: '212' });
    await client.messaging.v1.services(serviceSid).phoneNumbers.create({ phoneNumberSid: second.sid });

    await control.inbound({ to: shopNumber.phoneNumber, from: CUSTOMER, body: '  stop all ' });
    const [stop] = await receiver.waitFor(1, (r) => r.params['OptOutType'] === 'STOP');
    expect(stop!.params['Body']).toBe('  stop all ');
    const replies = (await control.messages({ direction: 'outbound-reply', to: CUSTOMER })).messages;
    expect(replies).toHaveLength(1);
    expect(replies[0]).toMatchObject({ from: shopNumber.phoneNumber, status: 'delivered' });
    expect(replies[0]!.body).toMatch(/unsubscribed/);
    expect((await control.optOuts({ customer: CUSTOMER })).optOuts).toHaveLength(1);

    await expect(client.messages.create({ to: CUSTOMER, messagingServiceSid: serviceSid, body: 'Sale!' })).rejects.toMatchObject({ status: 400, code: 21610 });
    // The block covers the other numbers of the service too.
    await expect(client.messages.create({ to: CUSTOMER, from: second.phoneNumber, body: 'Sale!' })).rejects.toMatchObject({ code: 21610 });
    // Other customers are unaffected.
    await client.messages.create({ to: '+447700900124', messagingServiceSid: serviceSid, body: 'Sale!' });

    await control.inbound({ to: shopNumber.phoneNumber, from: CUSTOMER, body: 'START' });
    await receiver.waitFor(1, (r) => r.params['OptOutType'] === 'START');
    expect((await control.optOuts()).optOuts).toEqual([]);
    expect((await client.messages.create({ to: CUSTOMER, messagingServiceSid: serviceSid, body: 'Welcome back' })).sid).toMatch(/^SM/);
  });

  it('sets and clears a block through the control API', async () => {
    await control.setOptOut(shopNumber.phoneNumber, CUSTOMER);
    await expect(client.messages.create({ to: CUSTOMER, from: shopNumber.phoneNumber, body: 'x' })).rejects.toMatchObject({ code: 21610 });
    await control.setOptOut(shopNumber.phoneNumber, CUSTOMER, false);
    expect((await client.messages.create({ to: CUSTOMER, from: shopNumber.phoneNumber, body: 'x' })).status).toBe('queued');
  });

  it('leaves WhatsApp to the same customer alone (opt-out keywords are SMS only)', async () => {
    const sender = await control.createSender(sub.sid, { phoneNumber: '+15550100001' });
    await client.messaging.v1.services(serviceSid).channelSenders.create({ sid: sender.sid });
    await control.setOptOut(shopNumber.phoneNumber, CUSTOMER);
    const wa = await client.messages.create({ to: `whatsapp:${CUSTOMER}`, messagingServiceSid: serviceSid, body: 'hi' });
    expect(wa.status).toBe('accepted');
    // A plain number that is a WhatsApp sender stays WhatsApp for the inbound control route.
    const res = await control.inbound({ to: '+15550100001', from: CUSTOMER, body: 'STOP' });
    expect(res.message.from).toBe(`whatsapp:${CUSTOMER}`);
    expect((await control.messages({ direction: 'outbound-reply' })).messages).toEqual([]);
  });
});
