import twilio from 'twilio';
import { describe, expect, it } from 'vitest';
import { BaseUrlRequestClient, createTwilioClient, rewriteTwilioUrl } from './client.js';
import { startFakeTwilio } from '../../fakes/twilio/server.js';

const SID = 'AC' + '5'.repeat(32);

describe('rewriteTwilioUrl', () => {
  it('moves any *.twilio.com URL onto the base URL, keeping path and query', () => {
    expect(rewriteTwilioUrl('https://api.twilio.com/2010-04-01/Accounts.json?FriendlyName=a%20b', 'http://127.0.0.1:4010')).toBe(
      'http://127.0.0.1:4010/2010-04-01/Accounts.json?FriendlyName=a%20b',
    );
    expect(rewriteTwilioUrl('https://messaging.twilio.com/v2/Channels/Senders?Channel=whatsapp', 'http://localhost:9/')).toBe(
      'http://localhost:9/v2/Channels/Senders?Channel=whatsapp',
    );
    // Edge/region hostnames the SDK builds are Twilio hosts too.
    expect(rewriteTwilioUrl('https://api.sydney.au1.twilio.com/2010-04-01/Accounts.json', 'http://h:1')).toBe('http://h:1/2010-04-01/Accounts.json');
  });

  it('keeps a base path prefix and leaves non-Twilio URLs alone', () => {
    expect(rewriteTwilioUrl('https://messaging.twilio.com/v1/Services', 'http://h:1/fake-twilio/')).toBe('http://h:1/fake-twilio/v1/Services');
    expect(rewriteTwilioUrl('https://example.com/v1/Services', 'http://h:1')).toBe('https://example.com/v1/Services');
    expect(rewriteTwilioUrl('https://nottwilio.com/x', 'http://h:1')).toBe('https://nottwilio.com/x');
  });
});

describe('createTwilioClient', () => {
  it('is the plain SDK client without baseUrl', () => {
    const client = createTwilioClient({ accountSid: SID, authToken: 'x' });
    expect(client).toBeInstanceOf(twilio.Twilio);
    expect(client.httpClient).toBeInstanceOf(twilio.RequestClient);
    expect(client.httpClient).not.toBeInstanceOf(BaseUrlRequestClient);
    expect(client.accountSid).toBe(SID);
  });

  it('uses API key credentials on behalf of the account', async () => {
    const fake = await startFakeTwilio({ masterAccountSid: SID, masterAuthToken: 'tok' });
    try {
      const master = createTwilioClient({ accountSid: SID, authToken: 'tok', baseUrl: fake.url });
      const key = await master.newKeys.create({ friendlyName: 'k' });
      const viaKey = createTwilioClient({ accountSid: SID, apiKey: key.sid, apiSecret: key.secret, baseUrl: fake.url });
      expect(viaKey.accountSid).toBe(SID);
      expect(await viaKey.messages.list({ limit: 5 })).toEqual([]);
    } finally {
      await fake.close();
    }
  });

  it('rejects an invalid baseUrl early', () => {
    expect(() => createTwilioClient({ accountSid: SID, authToken: 'x', baseUrl: 'not a url' })).toThrow();
  });
});
