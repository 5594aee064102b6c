// Content templates through the official SDK: seeded by the control API, read through the Content
// API, rendered on send, and refused by WhatsApp (63027) until approved.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeTwilioControl } from './control-client.js';
import { createTwilioClient, type TwilioClient } from '../../lib/twilio/client.js';
import { startFakeTwilio, type FakeTwilio } from './server.js';

const MASTER_SID = 'AC' + '9'.repeat(32);
const MASTER_TOKEN = 'content-master-token';
const MERCHANT = '+15550100001';
const CUSTOMER = '+447700900123';

let fake: FakeTwilio;
let control: FakeTwilioControl;
let sub: { sid: string; authToken: string };
let client: TwilioClient;
let serviceSid: string;

beforeAll(async () => {
  fake = await startFakeTwilio({ masterAccountSid: MASTER_SID, masterAuthToken: MASTER_TOKEN, senderOnlineAfterMs: 0 });
  control = new FakeTwilioControl(fake.url);
});
afterAll(() => fake.close());
beforeEach(async () => {
  await control.reset();
  await control.config({ messageStatusDelayMs: 1 });
  const master = createTwilioClient({ accountSid: MASTER_SID, authToken: MASTER_TOKEN, baseUrl: fake.url });
  const acc = await master.api.v2010.accounts.create({ friendlyName: 'tenant:content' });
  sub = { sid: acc.sid, authToken: acc.authToken };
  client = createTwilioClient({ accountSid: sub.sid, authToken: sub.authToken, baseUrl: fake.url });
  const sender = await control.createSender(sub.sid, { phoneNumber: MERCHANT });
  const svc = await client.messaging.v1.services.create({ friendlyName: 'wara' });
  await client.messaging.v1.services(svc.sid).channelSenders.create({ sid: sender.sid });
  serviceSid = svc.sid;
});

describe('Content API', () => {
  it('lists and fetches seeded templates, with WhatsApp approval in ContentAndApprovals', async () => {
    const promo = await control.createTemplate(sub.sid, {
      friendlyName: 'Spring promo',
      language: 'en',
      body: 'Hi {{1}}, {{2}} off this week!',
      variables: { '1': 'there', '2': '10%' },
    });
    const draft = await control.createTemplate(sub.sid, { friendlyName: 'draft', body: 'Soon', approval: 'pending' });
    expect(promo.sid).toMatch(/^HX[0-9a-f]{32}$/);

    const list = await client.content.v1.contents.list();
    expect(list.map((c) => c.sid).sort()).toEqual([promo.sid, draft.sid].sort());
    const fetched = await client.content.v1.contents(promo.sid).fetch();
    expect(fetched).toMatchObject({
      accountSid: sub.sid,
      friendlyName: 'Spring promo',
      language: 'en',
      variables: { '1': 'there', '2': '10%' },
      types: { 'twilio/text': { body: 'Hi {{1}}, {{2}} off this week!' } },
      url: `https://content.twilio.com/v1/Content/${promo.sid}`,
    });

    const approvals = await client.content.v1.contentAndApprovals.list();
    const byName = Object.fromEntries(approvals.map((a) => [a.friendlyName, a.approvalRequests as unknown as { status: string; name: string }]));
    expect(byName['Spring promo']).toMatchObject({ status: 'approved', name: 'spring_promo', category: 'UTILITY' });
    expect(byName['draft']?.status).toBe('pending');
    expect((await client.content.v1.contents(draft.sid).approvalFetch().fetch()).whatsapp).toMatchObject({ status: 'pending' });

    // Templates belong to one account.
    const master = createTwilioClient({ accountSid: MASTER_SID, authToken: MASTER_TOKEN, baseUrl: fake.url });
    expect(await master.content.v1.contents.list()).toEqual([]);
    await expect(master.content.v1.contents(promo.sid).fetch()).rejects.toMatchObject({ status: 404, code: 20404 });
  });

  it('creates a template through the SDK (JSON body) and submits it for WhatsApp approval', async () => {
    // The SDK's typed names (friendlyName, twilioText); Twilio's wire names work as well.
    const created = await client.content.v1.contents.create({
      friendlyName: 'order_update',
      language: 'en',
      variables: { '1': 'Ada' },
      types: { twilioText: { body: 'Hello {{1}}, your order is on its way.' } },
    });
    expect(created).toMatchObject({ friendlyName: 'order_update', types: { 'twilio/text': { body: 'Hello {{1}}, your order is on its way.' } } });
    const submitted = await client.content.v1.contents(created.sid).approvalCreate.create({ name: 'order_update', category: 'utility' });
    expect(submitted).toMatchObject({ name: 'order_update', category: 'UTILITY', status: 'received' });
    await control.setTemplateApproval(created.sid, 'approved');
    expect((await client.content.v1.contents(created.sid).approvalFetch().fetch()).whatsapp).toMatchObject({ status: 'approved' });
  });
});

describe('sending templates', () => {
  it('renders {{n}} from ContentVariables (sample values fill the gaps) and records the body', async () => {
    const t = await control.createTemplate(sub.sid, { friendlyName: 'promo', body: 'Hi {{1}}, {{2}} off!', variables: { '2': '5%' } });
    const msg = await client.messages.create({
      to: `whatsapp:${CUSTOMER}`,
      messagingServiceSid: serviceSid,
      contentSid: t.sid,
      contentVariables: JSON.stringify({ 1: 'Ada' }),
    });
    expect(msg.body).toBe('Hi Ada, 5% off!');
    await fake.idle();
    expect(await control.message(msg.sid)).toMatchObject({ body: 'Hi Ada, 5% off!', status: 'delivered', contentSid: t.sid });
  });

  it('fails a template WhatsApp has not approved with 63027, after accepting it', async () => {
    const t = await control.createTemplate(sub.sid, { friendlyName: 'rejected', body: 'Buy now', approval: 'rejected', rejectionReason: 'PROMOTIONAL' });
    const msg = await client.messages.create({ to: `whatsapp:${CUSTOMER}`, messagingServiceSid: serviceSid, contentSid: t.sid });
    expect(msg.status).toBe('accepted');
    await fake.idle();
    expect(await client.messages(msg.sid).fetch()).toMatchObject({ status: 'failed', errorCode: 63027 });
    await control.setTemplateApproval(t.sid, 'approved');
    const ok = await client.messages.create({ to: `whatsapp:${CUSTOMER}`, messagingServiceSid: serviceSid, contentSid: t.sid });
    await fake.idle();
    expect((await client.messages(ok.sid).fetch()).status).toBe('delivered');
  });

  it('refuses unknown ContentSids (21655) once the account has templates, and bad ContentVariables (21656 / 21654)', async () => {
    const unknown = 'HX' + 'a'.repeat(32);
    // No templates yet: any well-formed sid passes, as before the Content API existed.
    const legacy = await client.messages.create({ to: `whatsapp:${CUSTOMER}`, messagingServiceSid: serviceSid, contentSid: unknown });
    expect(legacy.body).toBe(`[content ${unknown}]`);
    await control.createTemplate(sub.sid, { friendlyName: 'only', body: 'x' });
    const send = (extra: Record<string, string>) =>
      client.messages.create({ to: `whatsapp:${CUSTOMER}`, messagingServiceSid: serviceSid, ...extra });
    await expect(send({ contentSid: unknown })).rejects.toMatchObject({ status: 400, code: 21655 });
    await expect(send({ contentSid: 'HXnope' })).rejects.toMatchObject({ status: 400, code: 21655 });
    const [t] = (await control.templates()).templates;
    await expect(send({ contentSid: t!.sid, contentVariables: '{not json' })).rejects.toMatchObject({ code: 21656 });
    await expect(send({ contentSid: t!.sid, contentVariables: '{"1":""}' })).rejects.toMatchObject({ code: 21656 });
    await expect(send({ body: 'x', contentVariables: '{"1":"a"}' })).rejects.toMatchObject({ code: 21654 });
  });
});
