// Messages and webhooks: sending through the official SDK, signed status callbacks and inbound
// messages checked with the SDK's validateRequest, duplicates, retries and fault injection.
import twilio from 'twilio';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeTwilioControl } from './control-client.js';
import { createTwilioClient, type TwilioClient } from '../../lib/twilio/client.js';
import { startFakeTwilio, type FakeTwilio } from './server.js';
import { startWebhookReceiver, type ReceivedRequest, type WebhookReceiver } from './testing.js';

const MASTER_SID = 'AC' + 'abcdef0123456789'.repeat(2);
const MASTER_TOKEN = 'another-master-token';
const MERCHANT = '+15550100001';
const CUSTOMER = '+447700900123';

let fake: FakeTwilio;
let control: FakeTwilioControl;
let receiver: WebhookReceiver;
let sub: { sid: string; authToken: string };
let client: TwilioClient;
let serviceSid: string;
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
  await control.config({ messageStatusDelayMs: 5, webhookRetry: { maxAttempts: 3, timeoutMs: 2000, backoffMs: 10 } });
  receiver.requests.length = 0;
  receiver.script([]);
  const master = createTwilioClient({ accountSid: MASTER_SID, authToken: MASTER_TOKEN, baseUrl: fake.url });
  const acc = await master.api.v2010.accounts.create({ friendlyName: 'tenant:msg' });
  sub = { sid: acc.sid, authToken: acc.authToken };
  client = createTwilioClient({ accountSid: sub.sid, authToken: sub.authToken, baseUrl: fake.url });
  // The query string is part of what Twilio signs, so keep one in the URL.
  inboundUrl = `${receiver.baseUrl}/webhooks/twilio/whatsapp?tenant=t1`;
  statusUrl = `${receiver.baseUrl}/webhooks/twilio/status`;
  const sender = await control.createSender(sub.sid, { phoneNumber: MERCHANT });
  const svc = await client.messaging.v1.services.create({ friendlyName: 'wara', inboundRequestUrl: inboundUrl, statusCallback: statusUrl });
  await client.messaging.v1.services(svc.sid).channelSenders.create({ sid: sender.sid });
  serviceSid = svc.sid;
});

function signedBy(token: string, r: ReceivedRequest): boolean {
  return twilio.validateRequest(token, String(r.headers['x-twilio-signature']), r.url, r.params);
}

describe('outbound messages', () => {
  it('sends through the Messaging Service and POSTs signed status callbacks queued → sent → delivered', async () => {
    const msg = await client.messages.create({ to: `whatsapp:${CUSTOMER}`, messagingServiceSid: serviceSid, body: 'Hello!' });
    expect(msg.sid).toMatch(/^SM[0-9a-f]{32}$/);
    expect(msg.status).toBe('accepted');
    expect(msg.messagingServiceSid).toBe(serviceSid);

    const callbacks = await receiver.waitFor(3, (r) => r.path === '/webhooks/twilio/status');
    expect(callbacks.map((r) => r.params['MessageStatus'])).toEqual(['queued', 'sent', 'delivered']);
    for (const r of callbacks) {
      expect(signedBy(sub.authToken, r)).toBe(true);
      expect(signedBy(MASTER_TOKEN, r)).toBe(false);
      expect(r.params).toMatchObject({
        MessageSid: msg.sid,
        SmsSid: msg.sid,
        AccountSid: sub.sid,
        MessagingServiceSid: serviceSid,
        From: `whatsapp:${MERCHANT}`,
        To: `whatsapp:${CUSTOMER}`,
        ChannelPrefix: 'whatsapp',
        ApiVersion: '2010-04-01',
      });
    }
    const fetched = await client.messages(msg.sid).fetch();
    expect(fetched.status).toBe('delivered');
    expect(fetched.from).toBe(`whatsapp:${MERCHANT}`);
    expect(fetched.dateSent).toBeInstanceOf(Date);

    const inspected = await control.message(msg.sid);
    expect(inspected.history.map((h) => h.status)).toEqual(['accepted', 'queued', 'sent', 'delivered']);
    expect(inspected.params).toMatchObject({ Body: 'Hello!', MessagingServiceSid: serviceSid });
  });

  it('prefers the message StatusCallback and supports templates (ContentSid + ContentVariables)', async () => {
    const own = `${receiver.baseUrl}/own-callback`;
    const msg = await client.messages.create({
      to: `whatsapp:${CUSTOMER}`,
      from: `whatsapp:${MERCHANT}`,
      contentSid: 'HX' + '1'.repeat(32),
      contentVariables: JSON.stringify({ 1: 'Ada' }),
      statusCallback: own,
    });
    expect(msg.status).toBe('queued');
    const got = await receiver.waitFor(2, (r) => r.path === '/own-callback');
    expect(got.map((r) => r.params['MessageStatus'])).toEqual(['sent', 'delivered']);
    expect(receiver.requests.filter((r) => r.path === '/webhooks/twilio/status')).toHaveLength(0);
    expect((await control.message(msg.sid)).contentVariables).toBe('{"1":"Ada"}');
  });

  it('fails free-form text outside the 24 h window with 63016, allows it after the customer writes', async () => {
    await control.config({ enforceSessionWindow: true });
    const cold = await client.messages.create({ to: `whatsapp:${CUSTOMER}`, messagingServiceSid: serviceSid, body: 'Hi?' });
    const failed = await receiver.waitFor(1, (r) => r.params['MessageSid'] === cold.sid && r.params['MessageStatus'] === 'failed');
    expect(failed[0]?.params['ErrorCode']).toBe('63016');
    const fetched = await client.messages(cold.sid).fetch();
    expect(fetched).toMatchObject({ status: 'failed', errorCode: 63016 });

    await control.inbound({ to: MERCHANT, from: CUSTOMER, body: 'hello shop' });
    const warm = await client.messages.create({ to: `whatsapp:${CUSTOMER}`, messagingServiceSid: serviceSid, body: 'Hi!' });
    await receiver.waitFor(1, (r) => r.params['MessageSid'] === warm.sid && r.params['MessageStatus'] === 'delivered');

    await control.advanceClock(25 * 60 * 60 * 1000);
    const late = await client.messages.create({ to: `whatsapp:${CUSTOMER}`, messagingServiceSid: serviceSid, body: 'Still there?' });
    await fake.idle();
    expect((await client.messages(late.sid).fetch()).errorCode).toBe(63016);
  });

  it('applies scripted outcomes (undelivered with an error code)', async () => {
    await control.scriptOutcome({ to: CUSTOMER, outcome: 'undelivered', errorCode: 63024 });
    const msg = await client.messages.create({ to: `whatsapp:${CUSTOMER}`, messagingServiceSid: serviceSid, body: 'x' });
    await fake.idle();
    const m = await control.message(msg.sid);
    expect(m.history.map((h) => h.status)).toEqual(['accepted', 'queued', 'sent', 'undelivered']);
    expect(m.errorCode).toBe(63024);
  });

  it('steps statuses only through the control API in manual mode', async () => {
    await control.config({ messageStatusDelayMs: null });
    const msg = await client.messages.create({ to: `whatsapp:${CUSTOMER}`, messagingServiceSid: serviceSid, body: 'manual' });
    expect((await control.message(msg.sid)).pendingStatuses).toEqual(['queued', 'sent', 'delivered']);
    expect((await control.advanceMessage(msg.sid, 2)).status).toBe('sent');
    expect((await control.advanceMessage(msg.sid)).status).toBe('delivered');
  });

  it('rejects invalid sends with Twilio error codes', async () => {
    await expect(client.messages.create({ to: `whatsapp:${CUSTOMER}`, from: 'whatsapp:+15550000000', body: 'x' })).rejects.toMatchObject({
      status: 400,
      code: 63007,
    });
    await expect(client.messages.create({ to: `whatsapp:${CUSTOMER}`, messagingServiceSid: 'MG' + '0'.repeat(32), body: 'x' })).rejects.toMatchObject({
      status: 400,
      code: 21701,
    });
  });
});

describe('inbound messages (control API)', () => {
  it('POSTs Twilio’s WhatsApp parameter set, signed for the exact inbound URL', async () => {
    const res = await control.inbound({ to: MERCHANT, from: CUSTOMER, body: 'Do you have red shoes?', profileName: 'Ada' });
    const [req] = await receiver.waitFor(1, (r) => r.path === '/webhooks/twilio/whatsapp');
    expect(req!.url).toBe(inboundUrl);
    expect(signedBy(sub.authToken, req!)).toBe(true);
    expect(twilio.validateRequest(sub.authToken, String(req!.headers['x-twilio-signature']), `${receiver.baseUrl}/webhooks/twilio/whatsapp`, req!.params)).toBe(false);
    expect(req!.params).toMatchObject({
      MessageSid: res.message.sid,
      SmsSid: res.message.sid,
      SmsMessageSid: res.message.sid,
      AccountSid: sub.sid,
      MessagingServiceSid: serviceSid,
      From: `whatsapp:${CUSTOMER}`,
      To: `whatsapp:${MERCHANT}`,
      Body: 'Do you have red shoes?',
      NumMedia: '0',
      NumSegments: '1',
      ProfileName: 'Ada',
      WaId: CUSTOMER.slice(1),
      SmsStatus: 'received',
      ApiVersion: '2010-04-01',
    });
    expect(req!.headers['i-twilio-idempotency-token']).toBeTruthy();
    expect(res.deliveries[0]?.attempts.map((a) => a.statusCode)).toEqual([200]);
    // The inbound message is visible through the REST API too.
    expect((await client.messages(res.message.sid).fetch()).direction).toBe('inbound');
  });

  it('delivers duplicates with the same MessageSid on demand', async () => {
    const res = await control.inbound({ to: MERCHANT, from: CUSTOMER, body: 'dup', duplicates: 2 });
    const got = await receiver.waitFor(3, (r) => r.path === '/webhooks/twilio/whatsapp');
    expect(new Set(got.map((r) => r.params['MessageSid']))).toEqual(new Set([res.message.sid]));
    expect(got.every((r) => signedBy(sub.authToken, r))).toBe(true);
    expect((await control.webhooks({ kind: 'inbound' })).deliveries).toHaveLength(3);
  });

  it('retries on 5xx like Twilio, with the same idempotency token, and records every attempt', async () => {
    receiver.script([500, 502]);
    const res = await control.inbound({ to: MERCHANT, from: CUSTOMER, body: 'retry me' });
    expect(res.deliveries[0]?.attempts.map((a) => a.statusCode)).toEqual([500, 502, 200]);
    expect(res.deliveries[0]?.ok).toBe(true);
    const got = receiver.requests.filter((r) => r.path === '/webhooks/twilio/whatsapp');
    expect(got).toHaveLength(3);
    expect(new Set(got.map((r) => r.headers['i-twilio-idempotency-token'])).size).toBe(1);
  });

  it('requests the service Fallback URL when the inbound URL keeps failing', async () => {
    await client.messaging.v1.services(serviceSid).update({ fallbackUrl: `${receiver.baseUrl}/fallback` });
    receiver.script([500, 500, 500]);
    const res = await control.inbound({ to: MERCHANT, from: CUSTOMER, body: 'fallback' });
    expect(res.deliveries.map((d) => [d.url, d.ok])).toEqual([
      [inboundUrl, false],
      [`${receiver.baseUrl}/fallback`, true],
    ]);
    const [fb] = await receiver.waitFor(1, (r) => r.path === '/fallback');
    expect(signedBy(sub.authToken, fb!)).toBe(true);
  });

  it('retries a timeout and does not retry a 4xx', async () => {
    await control.config({ webhookRetry: { timeoutMs: 100, maxAttempts: 2 } });
    receiver.script([200], 300);
    const slow = await control.inbound({ to: MERCHANT, from: CUSTOMER, body: 'slow' });
    expect(slow.deliveries[0]?.attempts[0]?.error).toMatch(/timeout/);
    expect(slow.deliveries[0]?.attempts).toHaveLength(2);

    receiver.script([403]);
    const denied = await control.inbound({ to: MERCHANT, from: CUSTOMER, body: 'denied' });
    expect(denied.deliveries[0]?.attempts.map((a) => a.statusCode)).toEqual([403]);
    expect(denied.deliveries[0]?.ok).toBe(false);
  });
});

describe('fault injection', () => {
  it('answers the next N calls with 429 + Retry-After, which the SDK surfaces as status 429', async () => {
    await control.addFault({ method: 'POST', path: '/v1/Services', kind: '429', count: 2, retryAfterSeconds: 7 });
    const attempt = () => client.messaging.v1.services.create({ friendlyName: 'again' });
    await expect(attempt()).rejects.toMatchObject({ status: 429, code: 20429 });
    await expect(attempt()).rejects.toMatchObject({ status: 429 });
    expect((await attempt()).sid).toMatch(/^MG/);
    // Exactly one service was created by the three calls.
    expect((await client.messaging.v1.services.list()).filter((s) => s.friendlyName === 'again')).toHaveLength(1);
  });

  it('exposes Retry-After on the raw response and injects 500s and delays by path pattern', async () => {
    await control.addFault({ path: '/2010-04-01/Accounts/*/Messages.json', kind: '429', retryAfterSeconds: 3 });
    const raw = await fetch(`${fake.url}/2010-04-01/Accounts/${sub.sid}/Messages.json`, {
      headers: { authorization: `Basic ${Buffer.from(`${sub.sid}:${sub.authToken}`).toString('base64')}` },
    });
    expect(raw.status).toBe(429);
    expect(raw.headers.get('retry-after')).toBe('3');

    await control.addFault({ path: '/v2/Channels/**', kind: '500' });
    await expect(client.messaging.v2.channelsSenders.list({ channel: 'whatsapp' })).rejects.toMatchObject({ status: 500, code: 20500 });

    await control.addFault({ path: '/v2/Channels/Senders', kind: 'delay', delayMs: 300 });
    const impatient = createTwilioClient({ accountSid: sub.sid, authToken: sub.authToken, baseUrl: fake.url, timeoutMs: 100 });
    await expect(impatient.messaging.v2.channelsSenders.list({ channel: 'whatsapp' })).rejects.toThrow(/timeout/i);
  });
});
