// The state file: a restarted fake still knows the subaccounts, keys, services, numbers, templates,
// opt-outs, clock and config of the last run (and nothing transient); a bad file never stops it.
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeTwilioControl } from './control-client.js';
import { createTwilioClient } from '../../lib/twilio/client.js';
import { startFakeTwilio, type FakeTwilio } from './server.js';

const MASTER_SID = 'AC' + '3'.repeat(32);
const MASTER_TOKEN = 'persist-master-token';

let dir: string;
let file: string;
const running: FakeTwilio[] = [];
const logs: string[] = [];

async function start(masterAccountSid = MASTER_SID): Promise<FakeTwilio> {
  const fake = await startFakeTwilio({
    masterAccountSid,
    masterAuthToken: MASTER_TOKEN,
    senderOnlineAfterMs: 0,
    stateFile: file,
    config: { messageStatusDelayMs: null },
    log: (line) => logs.push(line),
  });
  running.push(fake);
  return fake;
}

/** Stop one instance now (the final save happens here). */
async function stop(fake: FakeTwilio): Promise<void> {
  running.splice(running.indexOf(fake), 1);
  await fake.close();
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fake-twilio-state-'));
  file = join(dir, 'nested', 'state.json');
  logs.length = 0;
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((f) => f.close()));
  await rm(dir, { recursive: true, force: true });
});

describe('state file', () => {
  it('keeps credentials, services, numbers, templates, opt-outs, clock and config across a restart', async () => {
    const first = await start();
    const control = new FakeTwilioControl(first.url);
    const master = createTwilioClient({ accountSid: MASTER_SID, authToken: MASTER_TOKEN, baseUrl: first.url });
    const acc = await master.api.v2010.accounts.create({ friendlyName: 'tenant:persist' });
    const key = await master.api.v2010.accounts(acc.sid).newKeys.create({ friendlyName: 'wara' });
    const asSub = createTwilioClient({ accountSid: acc.sid, authToken: acc.authToken, baseUrl: first.url });
    const svc = await asSub.messaging.v1.services.create({ friendlyName: 'kept', inboundRequestUrl: 'https://wara.example/in' });
    const num = await asSub.incomingPhoneNumbers.create({ areaCode: '415' });
    await asSub.messaging.v1.services(svc.sid).phoneNumbers.create({ phoneNumberSid: num.sid });
    const sender = await control.createSender(acc.sid, { phoneNumber: '+15550100077' });
    const template = await control.createTemplate(acc.sid, { friendlyName: 'promo', body: 'Hi {{1}}' });
    await control.setOptOut(num.phoneNumber, '+447700900123');
    await control.advanceClock(3_600_000);
    await control.config({ enforceSessionWindow: true, sendRateLimitPerSecond: 50 });
    // Transient: a message is not kept.
    await asSub.messages.create({ to: '+447700900999', messagingServiceSid: svc.sid, body: 'not kept' });
    await stop(first);

    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const text = await readFile(file, 'utf8');
    expect(text).not.toContain('not kept');

    const second = await start();
    const again = createTwilioClient({ accountSid: acc.sid, authToken: acc.authToken, baseUrl: second.url });
    expect((await again.messaging.v1.services(svc.sid).fetch()).friendlyName).toBe('kept');
    const viaKey = createTwilioClient({ accountSid: acc.sid, apiKey: key.sid, apiSecret: key.secret, baseUrl: second.url });
    expect((await viaKey.messaging.v1.services.list()).map((s) => s.sid)).toEqual([svc.sid]);
    expect((await again.messaging.v1.services(svc.sid).phoneNumbers.list()).map((n) => n.sid)).toEqual([num.sid]);
    expect((await again.messaging.v2.channelsSenders(sender.sid).fetch()).senderId).toBe('whatsapp:+15550100077');
    expect((await again.content.v1.contents(template.sid).fetch()).friendlyName).toBe('promo');
    await expect(again.messages.create({ to: '+447700900123', messagingServiceSid: svc.sid, body: 'x' })).rejects.toMatchObject({ code: 21610 });
    const control2 = new FakeTwilioControl(second.url);
    expect(await control2.config()).toMatchObject({ enforceSessionWindow: true, sendRateLimitPerSecond: 50, messageStatusDelayMs: null });
    expect(second.state.clock.offset()).toBe(3_600_000);
    expect((await control2.messages()).messages).toEqual([]);
    // The master token is the configured one, not whatever the file held.
    const wrong = createTwilioClient({ accountSid: MASTER_SID, authToken: 'other', baseUrl: second.url });
    await expect(wrong.api.v2010.accounts.list()).rejects.toMatchObject({ status: 401 });
  });

  it('saves shortly after a change, without waiting for close', async () => {
    const fake = await start();
    const master = createTwilioClient({ accountSid: MASTER_SID, authToken: MASTER_TOKEN, baseUrl: fake.url });
    const acc = await master.api.v2010.accounts.create({ friendlyName: 'debounced' });
    await expect.poll(async () => readFile(file, 'utf8').catch(() => ''), { timeout: 2000, interval: 50 }).toContain(acc.sid);
  });

  it('starts empty, without crashing, on a corrupt file and sets it aside', async () => {
    await mkdir(join(dir, 'nested'), { recursive: true });
    await writeFile(file, '{"version":1, truncated');
    const fake = await start();
    const master = createTwilioClient({ accountSid: MASTER_SID, authToken: MASTER_TOKEN, baseUrl: fake.url });
    expect((await master.api.v2010.accounts.list()).map((a) => a.sid)).toEqual([MASTER_SID]);
    expect(logs.some((l) => /not valid JSON/.test(l))).toBe(true);
    expect((await readdir(join(dir, 'nested'))).some((f) => f.startsWith('state.json.corrupt-'))).toBe(true);
  });

  it('ignores a file written for another master account', async () => {
    const other = await start('AC' + '4'.repeat(32));
    await createTwilioClient({ accountSid: 'AC' + '4'.repeat(32), authToken: MASTER_TOKEN, baseUrl: other.url }).api.v2010.accounts.create({
      friendlyName: 'elsewhere',
    });
    await stop(other);
    const fake = await start();
    expect(fake.state.accounts.size).toBe(1);
    expect(logs.some((l) => /belongs to master account/.test(l))).toBe(true);
  });
});
