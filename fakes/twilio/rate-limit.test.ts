// The per-account send rate limit: 429 / 20429 with Retry-After above sendRateLimitPerSecond and
// other accounts unaffected; the sliding window itself is checked with an injected clock.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeTwilioControl } from './control-client.js';
import { createTwilioClient, type TwilioClient } from '../../lib/twilio/client.js';
import { SendRateLimiter } from './rate-limit.js';
import { startFakeTwilio, type FakeTwilio } from './server.js';

const MASTER_SID = 'AC' + '6'.repeat(32);
const MASTER_TOKEN = 'rate-master-token';

let fake: FakeTwilio;
let control: FakeTwilioControl;
let master: TwilioClient;

beforeAll(async () => {
  fake = await startFakeTwilio({ masterAccountSid: MASTER_SID, masterAuthToken: MASTER_TOKEN, config: { messageStatusDelayMs: null } });
  control = new FakeTwilioControl(fake.url);
  master = createTwilioClient({ accountSid: MASTER_SID, authToken: MASTER_TOKEN, baseUrl: fake.url });
});
afterAll(() => fake.close());
beforeEach(() => control.reset());

async function smsTenant(name: string) {
  const acc = await master.api.v2010.accounts.create({ friendlyName: name });
  const client = createTwilioClient({ accountSid: acc.sid, authToken: acc.authToken, baseUrl: fake.url });
  const n = await client.incomingPhoneNumbers.create({ areaCode: name === 'a' ? '415' : '212' });
  return { acc, client, from: n.phoneNumber };
}

describe('send rate limit', () => {
  it('is off by default', async () => {
    expect((await control.config()).sendRateLimitPerSecond).toBeNull();
  });

  it('answers 429 / 20429 with Retry-After above the limit, per account', async () => {
    await control.config({ sendRateLimitPerSecond: 5 });
    const a = await smsTenant('a');
    const b = await smsTenant('b');
    const send = (t: typeof a) => t.client.messages.create({ to: '+447700900123', from: t.from, body: 'x' });
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => send(a)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(5);
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(rejected).toHaveLength(3);
    expect(rejected[0]!.reason).toMatchObject({ status: 429, code: 20429 });
    // Straight after the burst (the window is one real second), the raw answer shows Retry-After.
    const raw = await fetch(`${fake.url}/2010-04-01/Accounts/${a.acc.sid}/Messages.json`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${a.acc.sid}:${a.acc.authToken}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ To: '+447700900123', From: a.from, Body: 'x' }).toString(),
    });
    expect(raw.status).toBe(429);
    expect(Number(raw.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await raw.json()).toMatchObject({ code: 20429, status: 429 });
    // Another account has its own budget.
    expect((await send(b)).sid).toMatch(/^SM/);
  });
});

describe('SendRateLimiter', () => {
  it('slides a one-second window and says how long to wait', () => {
    let t = 0;
    const limiter = new SendRateLimiter(() => t);
    expect(limiter.take('AC1', 2).ok).toBe(true);
    t = 400;
    expect(limiter.take('AC1', 2).ok).toBe(true);
    t = 900;
    expect(limiter.take('AC1', 2)).toEqual({ ok: false, retryAfterSeconds: 1 });
    t = 1000;
    // The send at t=0 has left the window.
    expect(limiter.take('AC1', 2).ok).toBe(true);
    expect(limiter.take('AC1', 2).ok).toBe(false);
    expect(limiter.take('AC2', 2).ok).toBe(true);
  });
});
